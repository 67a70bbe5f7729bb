// `aiotreach run` and `aiotreach validate` (cli.h): batches of scenario
// files, several at once, outputs mirrored under OUT, the content-hash
// cache, the summary.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "engine/cluster.h"
#include "engine/engine.h"
#include "engine/parallel.h"
#include "engine/report_builder.h"
#include "engine/status_macros.h"
#include "engine/validate_all.h"
#include "google/protobuf/util/json_util.h"
#include "services/cli/cli.h"
#include "services/cli/progress_bar.h"
#include "services/cli/tables.h"
#include "services/io/file_util.h"
#include "services/io/html_report.h"
#include "services/io/report_format.h"
#include "services/io/scenario_io.h"

namespace aiotreach {
namespace {

bool Wants(const CliOptions& options, const std::string& format) {
  return std::find(options.formats.begin(), options.formats.end(), format) !=
         options.formats.end();
}

// Every file a scenario's run may write beside <base>.
constexpr const char* kOutputSuffixes[] = {
    ".html",           ".json",
    ".frequency.csv",  ".daily.csv",
    ".placements.csv", ".delivery.csv",
    ".weekly.csv",     ".audiences.csv",
    ".streams.csv",    ".stream_minutes.csv"};

// Writes <base>.json, the CSV tables and <base>.html, as the options ask,
// and removes what an earlier run left beside them that this one did not
// write (a format dropped, a section gone): the folder holds this run's
// outputs and no stale ones.
absl::Status WriteOutputs(const v1::Report& report,
                          const v1::Scenario& scenario, const std::string& base,
                          const CliOptions& options) {
  std::map<std::string, std::string> files;  // suffix -> content
  if (Wants(options, "html")) {
    files[".html"] = ReportToHtml(report, scenario);
    const size_t slash = base.find_last_of('/');
    AIOT_RETURN_IF_ERROR(WriteChartLibrary(
        slash == std::string::npos ? "." : base.substr(0, slash)));
  }
  if (Wants(options, "json")) files[".json"] = ReportToJson(report);
  if (Wants(options, "csv")) {
    files[".frequency.csv"] = FrequencyCsv(report);
    files[".daily.csv"] = DailyCsv(report);
    files[".placements.csv"] = PlacementsCsv(report);
    files[".delivery.csv"] = DeliveryCsv(report);
    files[".weekly.csv"] = WeeklyCsv(report);
    if (report.audiences_size() > 0)
      files[".audiences.csv"] = AudiencesCsv(report);
    if (report.live_streams_size() > 0) {
      files[".streams.csv"] = StreamsCsv(report);
      files[".stream_minutes.csv"] = StreamMinutesCsv(report);
    }
  }
  for (const auto& [suffix, content] : files)
    AIOT_RETURN_IF_ERROR(WriteFileAtomically(base + suffix, content));
  for (const char* suffix : kOutputSuffixes) {
    if (files.count(suffix) == 0) std::remove((base + suffix).c_str());
  }
  return absl::OkStatus();
}

// One scenario of a batch.
struct Job {
  std::string path;     // the input file
  std::string out_dir;  // OUT, or OUT/<its folder relative to the input>
  std::string name;     // output name: the file's stem (or its whole name)
  std::string rel_dir;  // its folder relative to the input folder
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

// The .hash file: the input's hash, then the seconds its run took (so
// that a row reused by --skip-up-to-date keeps them).
std::string HashFile(const Job& job) {
  return absl::StrCat(job.hash, "\nseconds ", CsvNumber(job.seconds), "\n");
}

// Up to date: the stored hash matches and the outputs are there; the
// report is read back from its JSON for the table.
bool UpToDate(Job* job, const CliOptions& options) {
  absl::StatusOr<std::string> stored = ReadFile(OutBase(*job) + ".hash");
  if (!stored.ok()) return false;
  const std::vector<std::string> lines = absl::StrSplit(*stored, '\n');
  if (lines.empty() || lines[0] != job->hash) return false;
  double seconds = 0;
  if (lines.size() > 1 && absl::StartsWith(lines[1], "seconds ") &&
      absl::SimpleAtod(lines[1].substr(8), &seconds)) {
    job->seconds = seconds;
  }
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

// The memory budget the scenarios running at once share: a scenario
// waits until its estimate fits beside the others'. Thread-safe.
class MemoryGate {
 public:
  explicit MemoryGate(int64_t budget) : budget_(budget) {}

  // Blocks until `bytes` fit; the caller has checked bytes <= budget.
  void Acquire(int64_t bytes) {
    absl::MutexLock lock(&mu_);
    auto fits = [this, bytes]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return used_ == 0 || used_ + bytes <= budget_;
    };
    mu_.Await(absl::Condition(&fits));
    used_ += bytes;
  }
  void Release(int64_t bytes) {
    absl::MutexLock lock(&mu_);
    used_ -= bytes;
  }

 private:
  const int64_t budget_;
  absl::Mutex mu_;
  int64_t used_ ABSL_GUARDED_BY(mu_) = 0;
};

// Prepares and runs one scenario within the memory budget.
absl::StatusOr<v1::Report> RunWithin(const v1::Scenario& scenario,
                                     const CliOptions& options,
                                     const RunOptions& run, MemoryGate* gate) {
  absl::StatusOr<std::unique_ptr<const PreparedScenario>> prepared =
      PreparedScenario::Prepare(scenario);
  absl::Status status = prepared.status();
  if (status.ok()) status = CheckMemory(**prepared, options);
  // Over ranks, all run it or none does (a rank short of memory stops it
  // for all, with its message).
  AIOT_RETURN_IF_ERROR(AgreeStatus(options.cluster, status));
  const int64_t bytes = (*prepared)->EstimateRunBytes(Ranks(options));
  gate->Acquire(bytes);
  absl::StatusOr<v1::Report> report = RunPrepared(**prepared, nullptr, run);
  gate->Release(bytes);
  return report;
}

// Runs one job and writes its outputs: reports (atomically), then the hash
// (last, so an interrupted job is redone), or the error file.
void RunJob(Job* job, const CliOptions& options, int threads,
            const std::function<void(double)>& progress, MemoryGate* gate) {
  const auto start = std::chrono::steady_clock::now();
  // Over ranks, a file one rank cannot read fails the scenario for all.
  if (const absl::Status agreed =
          AgreeStatus(options.cluster, job->scenario.status());
      !agreed.ok() && job->scenario.ok()) {
    job->scenario = agreed;
  }
  if (job->scenario.ok()) {
    RunOptions run = EngineOptions(options, threads);
    run.progress = progress;
    job->report = RunWithin(*job->scenario, options, run, gate);
    if (!job->report.ok())
      job->report = PrefixPath(job->path, job->report.status());
  } else {
    job->report = job->scenario.status();
  }
  // The run's seconds, before its outputs are written.
  job->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (Leads(options)) {
    absl::Status status = MakeDirectories(job->out_dir);
    if (status.ok() && job->report.ok()) {
      status =
          WriteOutputs(*job->report, *job->scenario, OutBase(*job), options);
      if (status.ok())
        status = WriteFileAtomically(OutBase(*job) + ".hash", HashFile(*job));
      if (status.ok()) std::remove((OutBase(*job) + ".error.txt").c_str());
      if (!status.ok()) job->report = status;
    } else if (status.ok()) {
      std::remove((OutBase(*job) + ".hash").c_str());
      status = WriteFileAtomically(
          OutBase(*job) + ".error.txt",
          absl::StrCat(job->report.status().message(), "\n"));
    }
    if (!status.ok() && job->report.ok()) job->report = status;
  }
  // Over ranks, every rank learns whether rank 0 could write the outputs
  // (--fail-fast stops all ranks alike).
  if (const absl::Status agreed =
          AgreeStatus(options.cluster, job->report.status());
      !agreed.ok() && job->report.ok()) {
    job->report = agreed;
  }
}

// The rows of the jobs that have ended (done), in input order.
std::string SummaryCsv(const std::vector<Job>& jobs,
                       const std::vector<bool>& done) {
  std::string out =
      "scenario,output,path,status,target_people,reach_people,reach_pct,"
      "average_frequency,grp,spend,cost_per_reached_person,interactions,"
      "conversions,units,reach_people_se,seconds,warnings,error\n";
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!done[i]) continue;
    const Job& j = jobs[i];
    const char* status = j.not_run       ? "not_run"
                         : j.skipped     ? "up_to_date"
                         : j.report.ok() ? "ok"
                                         : "failed";
    // The scenario's own name, and where its outputs are (relative to OUT).
    const std::string scenario_name =
        j.scenario.ok() && !j.scenario->name().empty() ? j.scenario->name()
                                                       : FileStem(j.path);
    const std::string output =
        j.rel_dir.empty() ? j.name : absl::StrCat(j.rel_dir, "/", j.name);
    absl::StrAppend(&out, CsvField(scenario_name), ",", CsvField(output), ",",
                    CsvField(j.path), ",", status);
    const std::string seconds = absl::StrFormat("%.3f", j.seconds);
    if (j.report.ok() && !j.not_run) {
      const v1::Report& r = *j.report;
      const Headline h = HeadlineOf(r);
      auto whole = [](double v) { return CsvNumber(std::round(v)); };
      absl::StrAppend(
          &out, ",", whole(h.target_people), ",", whole(h.reach_people), ",",
          CsvNumber(r.reach_pct()), ",", CsvNumber(r.average_frequency()), ",",
          CsvNumber(r.grp()), ",", absl::StrFormat("%.2f", h.spend), ",",
          CsvNumber(h.cost_per_reached_person()), ",", whole(h.interactions),
          ",", whole(h.conversions), ",", h.platform ? "platform" : "sample",
          ",", h.platform ? whole(h.reach_people_se) : "", ",", seconds, ",",
          CsvField(SummaryWarnings(r)), ",");
    } else {
      absl::StrAppend(&out, ",,,,,,,,,,,,", seconds, ",,");
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
  // With platform units, the people, spend and counts are the platform's.
  const Headline h = HeadlineOf(r);
  auto whole = [](double v) { return std::llround(v); };
  out << absl::StrFormat(
      kRowFormat, job.name, Thousands(whole(h.target_people)),
      Thousands(whole(h.reach_people)), absl::StrFormat("%.2f", r.reach_pct()),
      // -1: withheld under privacy noise.
      r.average_frequency() < 0
          ? "-"
          : absl::StrFormat("%.2f", r.average_frequency()),
      Money(h.spend),
      h.spend > 0 ? absl::StrFormat("%.2f", h.cost_per_reached_person()) : "-",
      Count(whole(h.interactions)), Count(whole(h.conversions)),
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

}  // namespace

absl::StatusOr<std::vector<BatchInput>> ExpandInputs(
    const std::vector<std::string>& paths, const std::string& skip_dir,
    const std::vector<std::string>& exclude) {
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
      if (std::find(exclude.begin(), exclude.end(),
                    it->path().filename().string()) != exclude.end()) {
        if (it->is_directory()) it.disable_recursion_pending();
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
             std::ostream& lead_out, std::ostream& lead_err) {
  // Ranks other than 0 print nothing (rank 0 prints the agreed results).
  std::ostringstream discard;
  std::ostream& out = Leads(options) ? lead_out : discard;
  std::ostream& err = Leads(options) ? lead_err : discard;
  for (const std::string& f : options.formats) {
    if (f != "json" && f != "csv" && f != "html") {
      err << "--format: unknown format '" << f
          << "' (known: json, csv, html)\n";
      return 1;
    }
  }
  if (Leads(options)) {
    if (const absl::Status s = MakeDirectories(options.out_dir); !s.ok()) {
      err << "--out: " << s.message() << "\n";
      return 1;
    }
    RemoveStaleTemporaries(options.out_dir);
  }
  absl::StatusOr<std::vector<BatchInput>> inputs =
      ExpandInputs(paths, options.out_dir, options.exclude);
  if (!inputs.ok()) {
    err << "error: " << inputs.status().message() << "\n";
    return 1;
  }
  // Load every file first: names, output places and hashes. Outputs are
  // named after the input file, relative to its input folder: the stem,
  // or the whole file name where two files of a folder share a stem
  // (x.textproto and x.json). Names never become paths unchecked: outputs
  // stay inside OUT.
  std::vector<Job> jobs(inputs->size());
  // rel_dir/stem -> the file names with it
  std::map<std::string, std::set<std::string>> stems;
  auto stem_key = [](const BatchInput& in) {
    return absl::StrCat(in.rel_dir, "/", SafeFileName(FileStem(in.path)));
  };
  auto file_name = [](const BatchInput& in) {
    return std::filesystem::path(in.path).filename().string();
  };
  for (const BatchInput& in : *inputs)
    stems[stem_key(in)].insert(file_name(in));
  std::map<std::string, std::string> taken;  // output base -> file
  for (size_t i = 0; i < jobs.size(); ++i) {
    Job& job = jobs[i];
    const BatchInput& in = (*inputs)[i];
    job.path = in.path;
    job.rel_dir = in.rel_dir;
    job.out_dir = in.rel_dir.empty()
                      ? options.out_dir
                      : absl::StrCat(options.out_dir, "/", in.rel_dir);
    job.scenario = LoadScenarioFile(job.path);
    job.name = SafeFileName(stems[stem_key(in)].size() > 1 ? file_name(in)
                                                           : FileStem(in.path));
    // Only files of different arguments can meet here (a/x.textproto and
    // b/x.textproto given side by side).
    if (auto [it, fresh] = taken.emplace(OutBase(job), job.path); !fresh) {
      job.scenario = PrefixPath(
          job.path, absl::InvalidArgumentError(absl::StrCat(
                        "its outputs would be ", OutBase(job),
                        ".*, as those of ", it->second,
                        "; run the two to different --out folders, or from one "
                        "folder")));
    }
    absl::StatusOr<std::string> content = ReadFile(job.path);
    job.hash = Hash({kEngineVersion, absl::StrJoin(options.formats, ","),
                     content.ok() ? *content : ""});
    job.skipped =
        options.skip_up_to_date && job.scenario.ok() && UpToDate(&job, options);
  }
  if (options.cluster != nullptr) {
    // Rank 0 reads the outputs: which scenarios are up to date is its call.
    std::string skipped;
    for (const Job& job : jobs) skipped += job.skipped ? '1' : '0';
    options.cluster->Broadcast(&skipped);
    for (size_t i = 0; i < jobs.size(); ++i)
      jobs[i].skipped = skipped[i] == '1';
  }

  // Run the rest, up to --threads scenarios at once. Rows print as
  // scenarios finish.
  const int total_threads = ResolveThreads(options.threads);
  std::vector<size_t> todo;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].skipped) todo.push_back(i);
  }
  // Over ranks, one scenario at a time, in order: every rank meets the
  // others in the same runs' collectives.
  const int workers =
      options.cluster != nullptr
          ? 1
          : static_cast<int>(std::max<size_t>(
                1, std::min<size_t>(todo.size(), total_threads)));
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
  MemoryGate gate(MemoryBudgetBytes(options));
  // summary.csv is rewritten as each scenario ends, so that a batch killed
  // part way leaves one listing what finished (and what was up to date).
  absl::Mutex summary_mu;
  std::vector<bool> done(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) done[i] = jobs[i].skipped;
  absl::Status summary_status;
  auto write_summary = [&] {
    if (!Leads(options)) return;
    absl::Status s = MakeDirectories(options.out_dir);
    if (s.ok()) {
      s = WriteFileAtomically(options.out_dir + "/summary.csv",
                              SummaryCsv(jobs, done));
    }
    if (!s.ok() && summary_status.ok()) summary_status = s;
  };
  {
    absl::MutexLock lock(&summary_mu);
    write_summary();
  }
  ProgressBar bar(options.progress_bar && !options.quiet, todo.size(), out);
  if (options.progress_lines) bar.set_lines(&err);
  ParallelFor(static_cast<int64_t>(todo.size()), workers, [&](int64_t k, int) {
    Job& job = jobs[todo[k]];
    if (options.fail_fast && stop.load()) {
      job.not_run = true;
    } else {
      bar.Update(k, job.name, 0.0);
      RunJob(
          &job, options, engine_threads,
          [&](double f) { bar.Update(k, job.name, f); }, &gate);
      if (!job.report.ok()) stop.store(true);
    }
    std::ostringstream row, errors;
    PrintRow(job, row, errors);
    bar.Finish(k, options.quiet ? "" : row.str());
    err << errors.str();
    absl::MutexLock lock(&summary_mu);
    done[todo[k]] = true;
    write_summary();
  });
  bar.Clear();

  int failed = 0, not_run = 0, skipped = 0;
  for (const Job& job : jobs) {
    failed += !job.not_run && !job.report.ok();
    not_run += job.not_run;
    skipped += job.skipped;
  }
  if (!summary_status.ok()) {
    err << "error: " << summary_status.message() << "\n";
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

// Reach at or above this share of the target is saturated: more budget
// buys frequency, hardly reach.
constexpr double kSaturatedReachPct = 95.0;

// What a reader of summary.csv should not miss (cli.h): placements that
// missed their goal (MissedGoal), caps that refused impressions and a
// saturated reach.
std::string SummaryWarnings(const v1::Report& r) {
  std::vector<std::string> w;
  for (const v1::PlacementDelivery& d : r.delivery()) {
    if (MissedGoal(d)) {
      w.push_back(absl::StrFormat("under_delivery:%s:%.1f%%", d.name(),
                                  d.under_delivery_pct()));
    }
  }
  for (const v1::CapRow& c : r.caps()) {
    if (c.refused() > 0)
      w.push_back(absl::StrCat("cap_binding:", c.name(), ":", c.refused()));
  }
  if (r.reach_pct() >= kSaturatedReachPct)
    w.push_back(absl::StrFormat("saturation:reach:%.1f%%", r.reach_pct()));
  return absl::StrJoin(w, ";");
}

int ValidateFiles(const std::vector<std::string>& files, std::ostream& out,
                  std::ostream& err) {
  int failed = 0;
  for (const std::string& path : files) {
    absl::StatusOr<v1::Scenario> scenario = LoadScenarioFile(path);
    // Every independent error of the file, not only the first.
    std::vector<absl::Status> errors;
    if (scenario.ok()) {
      errors = ValidateScenarioAll(*scenario);
      for (absl::Status& e : errors) e = PrefixPath(path, e);
    } else {
      errors.push_back(scenario.status());
    }
    if (errors.empty()) {
      out << path << ": ok\n";
    } else {
      ++failed;
      for (const absl::Status& e : errors)
        err << "error: " << e.message() << "\n";
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace aiotreach
