#include "services/cli/cli.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/engine.h"
#include "engine/scenario_parser.h"
#include "engine/status_macros.h"
#include "services/cli/file_util.h"
#include "services/cli/report_format.h"

namespace aiotreach {
namespace {

absl::Status Prefixed(const std::string& path, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(path, ": ", status.message()));
}

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

absl::Status WriteOutputs(const v1::Report& report, const std::string& name,
                          const CliOptions& options) {
  const std::string base = absl::StrCat(options.out_dir, "/", name);
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

absl::StatusOr<v1::Scenario> LoadScenarioFile(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  absl::StatusOr<ScenarioFormat> format = FormatForPath(path);
  if (!format.ok()) return Prefixed(path, format.status());
  absl::StatusOr<v1::Scenario> scenario = ParseScenario(*content, *format);
  if (!scenario.ok()) return Prefixed(path, scenario.status());
  if (scenario->name().empty()) scenario->set_name(FileStem(path));
  return scenario;
}

int RunFiles(const std::vector<std::string>& files, const CliOptions& options,
             std::ostream& out, std::ostream& err) {
  for (const std::string& f : options.formats) {
    if (f != "json" && f != "csv") {
      err << "--format: unknown format '" << f << "' (known: json, csv)\n";
      return 1;
    }
  }
  if (const absl::Status s = MakeDirectories(options.out_dir); !s.ok()) {
    err << "--out: " << s.message() << "\n";
    return 1;
  }
  out << absl::StrFormat(kRowFormat, "scenario", "target", "reached", "reach %",
                         "freq", "spend", "yuan/rch", "interact", "convert",
                         "seconds");
  int failed = 0;
  std::map<std::string, std::string> names;  // output name -> file
  for (const std::string& path : files) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<v1::Report> report;
    std::string name;
    absl::StatusOr<v1::Scenario> scenario = LoadScenarioFile(path);
    if (!scenario.ok()) {
      report = scenario.status();
    } else if (auto [it, fresh] = names.emplace(scenario->name(), path);
               !fresh) {
      report = Prefixed(
          path, absl::InvalidArgumentError(absl::StrCat(
                    "name: '", scenario->name(), "' is also the name of ",
                    it->second, "; outputs would collide")));
    } else {
      name = scenario->name();
      RunOptions run;
      run.threads = options.threads;
      run.shard_households = options.shard_households;
      report = RunScenario(*scenario, run);
      if (!report.ok()) report = Prefixed(path, report.status());
    }
    if (report.ok()) {
      if (const absl::Status s = WriteOutputs(*report, name, options); !s.ok())
        report = s;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (!report.ok()) {
      ++failed;
      err << "error: " << report.status().message() << "\n";
      out << absl::StrFormat(kRowFormat, name.empty() ? FileStem(path) : name,
                             "FAILED", "-", "-", "-", "-", "-", "-", "-", "-");
      continue;
    }
    out << absl::StrFormat(
        kRowFormat, name, Thousands(report->universe().people()),
        Thousands(report->reach_people()),
        absl::StrFormat("%.2f", report->reach_pct()),
        absl::StrFormat("%.2f", report->average_frequency()),
        Money(report->spend()),
        report->spend() > 0
            ? absl::StrFormat("%.2f", report->cost_per_reached_person())
            : "-",
        Count(report->interactions()), Count(report->conversions()),
        absl::StrFormat("%.2f", seconds));
    Notes(*report, out);
  }
  out << absl::StrFormat("%d scenario(s): %d ok, %d failed; reports in %s/\n",
                         files.size(), files.size() - failed, failed,
                         options.out_dir);
  return failed == 0 ? 0 : 1;
}

int ValidateFiles(const std::vector<std::string>& files, std::ostream& out,
                  std::ostream& err) {
  int failed = 0;
  for (const std::string& path : files) {
    absl::StatusOr<v1::Scenario> scenario = LoadScenarioFile(path);
    absl::Status status = scenario.status();
    if (scenario.ok()) {
      status = ValidateScenario(*scenario);
      if (!status.ok()) status = Prefixed(path, status);
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
