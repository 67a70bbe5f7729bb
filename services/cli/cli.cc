#include "services/cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/engine.h"
#include "engine/parallel.h"
#include "engine/report_builder.h"
#include "engine/status_macros.h"
#include "engine/what_if.h"
#include "google/protobuf/util/json_util.h"
#include "services/io/file_util.h"
#include "services/io/html_report.h"
#include "services/io/report_format.h"
#include "services/io/scenario_io.h"

namespace aiotreach {
namespace {

// 1234567 -> "1,234,567".
std::string Thousands(int64_t v) {
  std::string digits = absl::StrCat(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

bool Wants(const CliOptions& options, const std::string& format) {
  return std::find(options.formats.begin(), options.formats.end(), format) !=
         options.formats.end();
}

// Writes <base>.json, the CSV tables and <base>.html, as the options ask.
absl::Status WriteOutputs(const v1::Report& report,
                          const v1::Scenario& scenario, const std::string& base,
                          const CliOptions& options) {
  if (Wants(options, "html")) {
    AIOT_RETURN_IF_ERROR(
        WriteFileAtomically(base + ".html", ReportToHtml(report, scenario)));
  }
  if (Wants(options, "json")) {
    AIOT_RETURN_IF_ERROR(
        WriteFileAtomically(base + ".json", ReportToJson(report)));
  }
  if (Wants(options, "csv")) {
    AIOT_RETURN_IF_ERROR(
        WriteFileAtomically(base + ".frequency.csv", FrequencyCsv(report)));
    AIOT_RETURN_IF_ERROR(
        WriteFileAtomically(base + ".daily.csv", DailyCsv(report)));
    AIOT_RETURN_IF_ERROR(
        WriteFileAtomically(base + ".placements.csv", PlacementsCsv(report)));
    AIOT_RETURN_IF_ERROR(
        WriteFileAtomically(base + ".delivery.csv", DeliveryCsv(report)));
  }
  return absl::OkStatus();
}

constexpr char kRowFormat[] = "%-26s %11s %11s %7s %5s %11s %9s %9s %9s %7s\n";

// Money and counts for the table: "-" for nothing.
std::string Money(double yuan) {
  return yuan > 0 ? Thousands(static_cast<int64_t>(std::llround(yuan))) : "-";
}
std::string Count(int64_t n) { return n > 0 ? Thousands(n) : "-"; }

// What the table's row cannot show: goals missed by 1% or more (pacing's
// own noise is a fraction of that), caps at work, follow-ups.
void Notes(const v1::Report& r, std::ostream& out) {
  for (const v1::PlacementDelivery& d : r.delivery()) {
    if (d.under_delivery_pct() >= 1.0) {
      out << absl::StrFormat(
          "  %s: under-delivered %s of its goal of %s impressions (%.1f%%)\n",
          d.name(), Thousands(d.under_delivery()), Thousands(d.goal()),
          d.under_delivery_pct());
    }
  }
  for (const v1::CapRow& c : r.caps()) {
    if (c.refused() == 0 && c.exposures_over_limit() == 0) continue;
    out << absl::StrFormat(
        "  cap '%s' (%d a %s per %s): refused %s won opportunities", c.name(),
        c.limit(), c.period(), c.scope(), Thousands(c.refused()));
    if (c.exposures_over_limit() > 0) {
      out << absl::StrFormat(
          "; %s exposures past the limit a %s",
          Thousands(c.exposures_over_limit()),
          c.scope() == "device" ? "person would allow" : "person (co-viewers)");
    }
    out << "\n";
  }
  for (const v1::CrossDeviceInteraction& x : r.cross_device_interactions()) {
    out << absl::StrFormat("  %s: %s follow-ups from %s to %s\n", x.placement(),
                           Thousands(x.interactions()), x.from_device_type(),
                           x.to_device_type());
  }
}

}  // namespace

namespace {

// One scenario of a batch.
struct Job {
  std::string path;     // the input file
  std::string out_dir;  // OUT, or OUT/<its folder relative to the input>
  std::string name;     // output name: the scenario's, else the file stem
  std::string hash;     // of the input, engine version and formats
  absl::StatusOr<v1::Scenario> scenario = v1::Scenario();
  absl::StatusOr<v1::Report> report = v1::Report();
  bool skipped = false;  // up to date
  bool not_run = false;  // --fail-fast stopped the batch first
  double seconds = 0.0;
};

// 64-bit FNV-1a over the parts, hex.
std::string Hash(const std::vector<std::string>& parts) {
  uint64_t h = 14695981039346656037ull;
  for (const std::string& part : parts) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separates parts
    h *= 1099511628211ull;
  }
  return absl::StrFormat("%016x", h);
}

std::string OutBase(const Job& job) {
  return absl::StrCat(job.out_dir, "/", job.name);
}

// Up to date: the stored hash matches and the outputs are there; the
// report is read back from its JSON for the table.
bool UpToDate(Job* job, const CliOptions& options) {
  absl::StatusOr<std::string> stored = ReadFile(OutBase(*job) + ".hash");
  if (!stored.ok() || *stored != job->hash) return false;
  if (Wants(options, "json")) {
    absl::StatusOr<std::string> json = ReadFile(OutBase(*job) + ".json");
    v1::Report report;
    if (!json.ok() ||
        !google::protobuf::util::JsonStringToMessage(*json, &report).ok()) {
      return false;
    }
    job->report = std::move(report);
  } else {
    job->report = v1::Report();
  }
  return true;
}

// Runs one job and writes its outputs: reports (atomically), then the hash
// (last, so an interrupted job is redone), or the error file.
void RunJob(Job* job, const CliOptions& options, int threads,
            const std::function<void(double)>& progress) {
  const auto start = std::chrono::steady_clock::now();
  if (job->scenario.ok()) {
    RunOptions run;
    run.threads = threads;
    run.shard_households = options.shard_households;
    run.progress = progress;
    job->report = RunScenario(*job->scenario, run);
    if (!job->report.ok())
      job->report = PrefixPath(job->path, job->report.status());
  } else {
    job->report = job->scenario.status();
  }
  absl::Status status = MakeDirectories(job->out_dir);
  if (status.ok() && job->report.ok()) {
    status = WriteOutputs(*job->report, *job->scenario, OutBase(*job), options);
    if (status.ok())
      status = WriteFileAtomically(OutBase(*job) + ".hash", job->hash);
    if (status.ok()) std::remove((OutBase(*job) + ".error.txt").c_str());
    if (!status.ok()) job->report = status;
  } else if (status.ok()) {
    std::remove((OutBase(*job) + ".hash").c_str());
    status =
        WriteFileAtomically(OutBase(*job) + ".error.txt",
                            absl::StrCat(job->report.status().message(), "\n"));
  }
  if (!status.ok() && job->report.ok()) job->report = status;
  job->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
}

std::string SummaryCsv(const std::vector<Job>& jobs) {
  std::string out =
      "scenario,path,status,target_people,reach_people,reach_pct,"
      "average_frequency,grp,spend,cost_per_reached_person,interactions,"
      "conversions,seconds,error\n";
  for (const Job& j : jobs) {
    const char* status = j.not_run       ? "not_run"
                         : j.skipped     ? "up_to_date"
                         : j.report.ok() ? "ok"
                                         : "failed";
    absl::StrAppend(&out, CsvField(j.name), ",", CsvField(j.path), ",", status);
    if (j.report.ok() && !j.not_run) {
      const v1::Report& r = *j.report;
      absl::StrAppendFormat(&out, ",%d,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%d,%.3f,",
                            r.universe().people(), r.reach_people(),
                            r.reach_pct(), r.average_frequency(), r.grp(),
                            r.spend(), r.cost_per_reached_person(),
                            r.interactions(), r.conversions(), j.seconds);
    } else {
      absl::StrAppend(&out, ",,,,,,,,,,", absl::StrFormat("%.3f", j.seconds),
                      ",");
      if (!j.report.ok())
        absl::StrAppend(&out,
                        CsvField(std::string(j.report.status().message())));
    }
    out += "\n";
  }
  return out;
}

void PrintRow(const Job& job, std::ostream& out, std::ostream& err) {
  if (job.not_run) {
    out << absl::StrFormat(kRowFormat, job.name, "NOT RUN", "-", "-", "-", "-",
                           "-", "-", "-", "-");
    return;
  }
  if (!job.report.ok()) {
    err << "error: " << job.report.status().message() << "\n";
    out << absl::StrFormat(kRowFormat, job.name, "FAILED", "-", "-", "-", "-",
                           "-", "-", "-", "-");
    return;
  }
  const v1::Report& r = *job.report;
  out << absl::StrFormat(
      kRowFormat, job.name, Thousands(r.universe().people()),
      Thousands(r.reach_people()), absl::StrFormat("%.2f", r.reach_pct()),
      absl::StrFormat("%.2f", r.average_frequency()), Money(r.spend()),
      r.spend() > 0 ? absl::StrFormat("%.2f", r.cost_per_reached_person())
                    : "-",
      Count(r.interactions()), Count(r.conversions()),
      job.skipped ? "cached" : absl::StrFormat("%.2f", job.seconds));
  if (!job.skipped) Notes(r, out);
}

// Removes "<file>.tmp.<pid>" files of other processes under `dir`: what an
// interrupted atomic write (kill -9) leaves. Never an output: outputs
// appear only by rename.
void RemoveStaleTemporaries(const std::string& dir) {
  const std::string mine = absl::StrCat(".tmp.", getpid());
  std::error_code error;
  std::vector<std::filesystem::path> stale;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       !error && it != std::filesystem::recursive_directory_iterator();
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    const size_t at = name.rfind(".tmp.");
    if (it->is_regular_file() && at != std::string::npos &&
        name.substr(at) != mine &&
        name.find_first_not_of("0123456789", at + 5) == std::string::npos) {
      stale.push_back(it->path());
    }
  }
  for (const auto& path : stale) std::filesystem::remove(path, error);
}

// The progress bar: one line, redrawn in place with '\r', that rows of
// finished scenarios are printed above. Thread-safe; a no-op when
// disabled.
class ProgressBar {
 public:
  ProgressBar(bool enabled, size_t total, std::ostream& out)
      : enabled_(enabled),
        total_(total),
        out_(out),
        start_(std::chrono::steady_clock::now()),
        fractions_(total, 0.0) {}

  // Job `i` (named `name`) reports `fraction` of its work done.
  void Update(size_t i, const std::string& name, double fraction) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    fractions_[i] = fraction;
    current_ = name;
    current_fraction_ = fraction;
    const auto now = std::chrono::steady_clock::now();
    if (now - drawn_ < std::chrono::milliseconds(100)) return;
    drawn_ = now;
    DrawLocked();
  }

  // Prints `row` (whole lines) above the bar; job `i` is done.
  void Finish(size_t i, const std::string& row) {
    std::lock_guard<std::mutex> lock(mu_);
    if (i < fractions_.size()) fractions_[i] = 1.0;
    ++done_;
    if (enabled_) out_ << "\r\033[K";
    out_ << row;
    if (enabled_ && done_ < total_) DrawLocked();
    out_.flush();
  }

  void Clear() {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    out_ << "\r\033[K" << std::flush;
  }

 private:
  void DrawLocked() {
    double sum = 0.0;
    for (double f : fractions_) sum += f;
    const double p = total_ > 0 ? sum / total_ : 1.0;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count();
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(p * kWidth + 0.5);
    std::string bar =
        std::string(filled, '#') + std::string(kWidth - filled, '.');
    std::string remaining = "?";
    if (p > 0.02) remaining = Clock(elapsed * (1.0 - p) / p);
    out_ << "\r\033[K[" << bar << "] " << done_ << "/" << total_
         << " scenarios  " << current_ << " "
         << static_cast<int>(100 * current_fraction_) << "%  elapsed "
         << Clock(elapsed) << "  left ~" << remaining << std::flush;
  }

  static std::string Clock(double seconds) {
    const int s = static_cast<int>(seconds + 0.5);
    return absl::StrFormat("%d:%02d", s / 60, s % 60);
  }

  const bool enabled_;
  const size_t total_;
  std::ostream& out_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::vector<double> fractions_;
  size_t done_ = 0;
  std::string current_;
  double current_fraction_ = 0.0;
  std::chrono::steady_clock::time_point drawn_{};
};

}  // namespace

absl::StatusOr<std::vector<BatchInput>> ExpandInputs(
    const std::vector<std::string>& paths, const std::string& skip_dir) {
  std::error_code ignored;
  const std::filesystem::path skip =
      skip_dir.empty() ? std::filesystem::path()
                       : std::filesystem::weakly_canonical(skip_dir, ignored);
  std::vector<BatchInput> inputs;
  for (const std::string& path : paths) {
    std::error_code error;
    if (!std::filesystem::is_directory(path, error)) {
      inputs.push_back({path, ""});  // a missing file fails alone, later
      continue;
    }
    std::vector<BatchInput> found;
    for (auto it = std::filesystem::recursive_directory_iterator(path, error);
         !error && it != std::filesystem::recursive_directory_iterator();
         it.increment(error)) {
      if (it->is_directory() && !skip.empty() &&
          std::filesystem::weakly_canonical(it->path(), ignored) == skip) {
        it.disable_recursion_pending();  // our own outputs
        continue;
      }
      if (!it->is_regular_file()) continue;
      const std::string file = it->path().string();
      if (!IsScenarioPath(file)) continue;  // not a scenario file
      const std::string rel =
          it->path().parent_path().lexically_relative(path).string();
      found.push_back({file, rel == "." ? "" : rel});
    }
    if (error) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot read the folder: ", error.message()));
    }
    if (found.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path,
          ": no scenario files in this folder (looked for *.textproto, "
          "*.txtpb, *.pbtxt and *.json)"));
    }
    std::sort(found.begin(), found.end(),
              [](const BatchInput& a, const BatchInput& b) {
                return a.path < b.path;
              });
    inputs.insert(inputs.end(), found.begin(), found.end());
  }
  return inputs;
}

int RunFiles(const std::vector<std::string>& paths, const CliOptions& options,
             std::ostream& out, std::ostream& err) {
  for (const std::string& f : options.formats) {
    if (f != "json" && f != "csv" && f != "html") {
      err << "--format: unknown format '" << f
          << "' (known: json, csv, html)\n";
      return 1;
    }
  }
  if (const absl::Status s = MakeDirectories(options.out_dir); !s.ok()) {
    err << "--out: " << s.message() << "\n";
    return 1;
  }
  RemoveStaleTemporaries(options.out_dir);
  absl::StatusOr<std::vector<BatchInput>> inputs =
      ExpandInputs(paths, options.out_dir);
  if (!inputs.ok()) {
    err << "error: " << inputs.status().message() << "\n";
    return 1;
  }
  // Load every file first: names, output places and hashes.
  std::vector<Job> jobs(inputs->size());
  std::map<std::string, std::string> taken;  // output base -> file
  for (size_t i = 0; i < jobs.size(); ++i) {
    Job& job = jobs[i];
    job.path = (*inputs)[i].path;
    job.out_dir =
        (*inputs)[i].rel_dir.empty()
            ? options.out_dir
            : absl::StrCat(options.out_dir, "/", (*inputs)[i].rel_dir);
    job.scenario = LoadScenarioFile(job.path);
    // Names never become paths unchecked: outputs stay inside OUT.
    job.name = SafeFileName(job.scenario.ok() ? job.scenario->name()
                                              : FileStem(job.path));
    if (auto [it, fresh] = taken.emplace(OutBase(job), job.path); !fresh) {
      job.scenario = PrefixPath(
          job.path,
          absl::InvalidArgumentError(absl::StrCat(
              "name: '", job.name, "' is also the name of ", it->second, " in ",
              job.out_dir, "; outputs would collide")));
    }
    absl::StatusOr<std::string> content = ReadFile(job.path);
    job.hash = Hash({kEngineVersion, absl::StrJoin(options.formats, ","),
                     content.ok() ? *content : ""});
    job.skipped =
        options.skip_up_to_date && job.scenario.ok() && UpToDate(&job, options);
  }

  // Run the rest, up to --threads scenarios at once. Rows print as
  // scenarios finish.
  const int total_threads = ResolveThreads(options.threads);
  std::vector<size_t> todo;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].skipped) todo.push_back(i);
  }
  const int workers = static_cast<int>(
      std::max<size_t>(1, std::min<size_t>(todo.size(), total_threads)));
  // Each scenario may use every thread: while several run they share the
  // cores, and the last, often the largest, is not left on one.
  const int engine_threads = total_threads;
  if (!options.quiet) {
    out << absl::StrFormat(kRowFormat, "scenario", "target", "reached",
                           "reach %", "freq", "spend", "yuan/rch", "interact",
                           "convert", "seconds");
    for (const Job& job : jobs) {
      if (job.skipped) PrintRow(job, out, err);
    }
  }
  std::atomic<bool> stop{false};
  ProgressBar bar(options.progress_bar && !options.quiet, todo.size(), out);
  ParallelFor(static_cast<int64_t>(todo.size()), workers, [&](int64_t k, int) {
    Job& job = jobs[todo[k]];
    if (options.fail_fast && stop.load()) {
      job.not_run = true;
    } else {
      bar.Update(k, job.name, 0.0);
      RunJob(&job, options, engine_threads,
             [&](double f) { bar.Update(k, job.name, f); });
      if (!job.report.ok()) stop.store(true);
    }
    std::ostringstream row, errors;
    PrintRow(job, row, errors);
    bar.Finish(k, options.quiet ? "" : row.str());
    err << errors.str();
  });
  bar.Clear();

  int failed = 0, not_run = 0, skipped = 0;
  for (const Job& job : jobs) {
    failed += !job.not_run && !job.report.ok();
    not_run += job.not_run;
    skipped += job.skipped;
  }
  if (const absl::Status s = WriteFileAtomically(
          options.out_dir + "/summary.csv", SummaryCsv(jobs));
      !s.ok()) {
    err << "error: " << s.message() << "\n";
    ++failed;
  }
  out << absl::StrFormat("%d scenario(s): %d ok, %d failed", jobs.size(),
                         jobs.size() - failed - not_run, failed);
  if (skipped > 0) out << absl::StrFormat(" (%d up to date)", skipped);
  if (not_run > 0)
    out << absl::StrFormat(", %d not run (--fail-fast)", not_run);
  out << absl::StrFormat("; reports in %s/\n", options.out_dir);
  return failed == 0 && not_run == 0 ? 0 : 1;
}

namespace {

// "1.5m" -> 1500000; InvalidArgument naming `flag`.
absl::StatusOr<double> Amount(absl::string_view text, absl::string_view flag) {
  std::string number(absl::StripAsciiWhitespace(text));
  double scale = 1.0;
  if (!number.empty() && (number.back() == 'k' || number.back() == 'K')) {
    scale = 1e3;
    number.pop_back();
  } else if (!number.empty() &&
             (number.back() == 'm' || number.back() == 'M')) {
    scale = 1e6;
    number.pop_back();
  }
  double value = 0.0;
  if (!absl::SimpleAtod(number, &value) || !(value > 0.0) ||
      !std::isfinite(value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": want a positive amount like 500000, 500k or 0.5m, got '", text,
        "'"));
  }
  return value * scale;
}

std::string Figure(double v) {
  if (std::fabs(v) >= 1000 && v == std::floor(v))
    return v < 0 ? "-" + Thousands(static_cast<int64_t>(-v))
                 : Thousands(static_cast<int64_t>(v));
  return absl::StrFormat("%.4g", v);
}

absl::Status WriteJson(const google::protobuf::Message& message,
                       const std::string& path) {
  return WriteFileAtomically(path, MessageToJson(message));
}

}  // namespace

absl::StatusOr<std::vector<double>> ParseBudgets(const std::string& list) {
  std::vector<double> budgets;
  for (absl::string_view part : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    absl::StatusOr<double> amount = Amount(part, "--budgets");
    if (!amount.ok()) return amount.status();
    budgets.push_back(*amount);
  }
  if (budgets.empty())
    return absl::InvalidArgumentError("--budgets: at least one amount");
  return budgets;
}

absl::StatusOr<std::vector<double>> BudgetRange(const std::string& from,
                                                const std::string& to,
                                                int steps) {
  absl::StatusOr<double> lo = Amount(from, "--from");
  if (!lo.ok()) return lo.status();
  absl::StatusOr<double> hi = Amount(to, "--to");
  if (!hi.ok()) return hi.status();
  if (steps < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("--steps: must be >= 2, got ", steps));
  }
  if (*hi <= *lo) {
    return absl::InvalidArgumentError(
        absl::StrCat("--to: must be above --from (", from, "), got ", to));
  }
  std::vector<double> budgets;
  for (int i = 0; i < steps; ++i)
    budgets.push_back(*lo + (*hi - *lo) * i / (steps - 1));
  return budgets;
}

int CompareFiles(const std::string& base_path,
                 const std::vector<std::string>& variant_paths,
                 const CliOptions& options, std::ostream& out,
                 std::ostream& err) {
  absl::StatusOr<v1::Scenario> base = LoadScenarioFile(base_path);
  if (!base.ok()) {
    err << "error: " << base.status().message() << "\n";
    return 1;
  }
  std::vector<v1::Scenario> variants;
  for (const std::string& path : variant_paths) {
    absl::StatusOr<v1::Scenario> v = LoadScenarioFile(path);
    if (!v.ok()) {
      err << "error: " << v.status().message() << "\n";
      return 1;
    }
    variants.push_back(*std::move(v));
  }
  RunOptions run;
  run.threads = options.threads;
  run.shard_households = options.shard_households;
  absl::StatusOr<v1::Comparison> c = CompareScenarios(*base, variants, run);
  if (!c.ok()) {
    err << "error: " << c.status().message() << "\n";
    return 1;
  }
  std::string csv =
      "variant,figure,base,variant_value,delta,relative_delta,base_lower,"
      "base_upper,variant_lower,variant_upper\n";
  out << "compare: " << base->name() << " (seed " << c->seed()
      << ", common random numbers)\n";
  for (const v1::VariantComparison& v : c->variants()) {
    out << "\n"
        << absl::StrFormat("%-24s %14s %14s %14s %9s\n", v.name(), "base",
                           "variant", "delta", "relative");
    for (const v1::FigureDelta& d : v.deltas()) {
      out << absl::StrFormat("  %-22s %14s %14s %14s %8.1f%%", d.figure(),
                             Figure(d.base()), Figure(d.variant()),
                             (d.delta() > 0 ? "+" : "") + Figure(d.delta()),
                             100 * d.relative_delta());
      if (d.base_upper() > d.base_lower()) {
        out << absl::StrFormat("   95%%: [%s, %s] -> [%s, %s]",
                               Figure(d.base_lower()), Figure(d.base_upper()),
                               Figure(d.variant_lower()),
                               Figure(d.variant_upper()));
      }
      out << "\n";
      absl::StrAppendFormat(
          &csv, "%s,%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n",
          CsvField(v.name()), d.figure(), d.base(), d.variant(), d.delta(),
          d.relative_delta(), d.base_lower(), d.base_upper(), d.variant_lower(),
          d.variant_upper());
    }
  }
  const std::string stem =
      absl::StrCat(options.out_dir, "/compare_", SafeFileName(base->name()));
  absl::Status s = MakeDirectories(options.out_dir);
  if (s.ok()) s = WriteFileAtomically(stem + ".csv", csv);
  if (s.ok()) s = WriteJson(*c, stem + ".json");
  if (!s.ok()) {
    err << "error: " << s.message() << "\n";
    return 1;
  }
  out << "\nwritten: " << stem << ".csv, " << stem << ".json\n";
  return 0;
}

int SweepFile(const std::string& file, const std::string& placement,
              const std::vector<double>& budgets, const CliOptions& options,
              std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::Scenario> scenario = LoadScenarioFile(file);
  if (!scenario.ok()) {
    err << "error: " << scenario.status().message() << "\n";
    return 1;
  }
  RunOptions run;
  run.threads = options.threads;
  run.shard_households = options.shard_households;
  absl::StatusOr<v1::SweepCurve> curve =
      SweepBudget(*scenario, placement, budgets, run);
  if (!curve.ok()) {
    err << "error: " << file << ": " << curve.status().message() << "\n";
    return 1;
  }
  std::string csv =
      "budget,reach_people,reach_pct,reach_3_plus,average_frequency,spend,"
      "impressions,under_delivery\n";
  out << absl::StrFormat(
      "sweep: %s, %s budget (seed %d, common random numbers)\n",
      scenario->name(), placement, curve->seed());
  out << absl::StrFormat("%14s %12s %8s %12s %6s %14s %14s\n", "budget",
                         "reach", "reach %", "3+ reach", "freq", "spend",
                         "impressions");
  for (const v1::SweepPoint& p : curve->points()) {
    const int64_t three = p.reach_k_plus_size() > 2 ? p.reach_k_plus(2) : 0;
    out << absl::StrFormat(
        "%14s %12s %8.2f %12s %6.2f %14s %14s\n", Money(p.budget()),
        Thousands(p.reach_people()), p.reach_pct(), Thousands(three),
        p.average_frequency(), Money(p.spend()), Thousands(p.impressions()));
    absl::StrAppendFormat(&csv, "%.17g,%d,%.17g,%d,%.17g,%.17g,%d,%d\n",
                          p.budget(), p.reach_people(), p.reach_pct(), three,
                          p.average_frequency(), p.spend(), p.impressions(),
                          p.under_delivery());
  }
  const std::string stem = absl::StrCat(
      options.out_dir, "/", SafeFileName(scenario->name()), ".sweep");
  absl::Status s = MakeDirectories(options.out_dir);
  if (s.ok()) s = WriteFileAtomically(stem + ".csv", csv);
  if (s.ok()) s = WriteJson(*curve, stem + ".json");
  if (s.ok())
    s = WriteFileAtomically(stem + ".html",
                            SweepToHtml(*curve, scenario->name()));
  if (!s.ok()) {
    err << "error: " << s.message() << "\n";
    return 1;
  }
  out << "written: " << stem << ".csv, " << stem << ".json, " << stem
      << ".html\n";
  return 0;
}

int ValidateFiles(const std::vector<std::string>& files, std::ostream& out,
                  std::ostream& err) {
  int failed = 0;
  for (const std::string& path : files) {
    absl::StatusOr<v1::Scenario> scenario = LoadScenarioFile(path);
    absl::Status status = scenario.status();
    if (scenario.ok()) {
      status = ValidateScenario(*scenario);
      if (!status.ok()) status = PrefixPath(path, status);
    }
    if (status.ok()) {
      out << path << ": ok\n";
    } else {
      ++failed;
      err << "error: " << status.message() << "\n";
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace aiotreach
