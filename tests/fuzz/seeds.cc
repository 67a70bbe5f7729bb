#include "tests/fuzz/seeds.h"

#include <algorithm>

#include "aiotreach/v1/service.pb.h"
#include "engine/engine.h"
#include "services/io/file_util.h"
#include "services/io/scenario_io.h"

namespace aiotreach {
namespace {

// The scenario at a size that runs in milliseconds.
v1::Scenario Small(v1::Scenario s) {
  s.set_population(2000);
  s.set_flight_days(std::min(s.flight_days(), 14));
  s.set_replicates(std::min(s.replicates(), 2));
  return s;
}

std::string WithByte(char byte, const std::string& body) {
  return std::string(1, byte) + body;
}

}  // namespace

std::vector<std::string> ScenarioSeeds(const std::vector<std::string>& files) {
  std::vector<std::string> seeds;
  for (const std::string& f : files) {
    absl::StatusOr<ScenarioFormat> format = FormatForPath(f);
    absl::StatusOr<std::string> content = ReadFile(f);
    if (!format.ok() || !content.ok()) continue;
    seeds.push_back(
        WithByte(*format == ScenarioFormat::kText ? 0 : 1, *content));
  }
  return seeds;
}

std::vector<std::string> RequestSeeds(const std::vector<std::string>& files) {
  std::vector<std::string> seeds;
  for (const std::string& f : files) {
    absl::StatusOr<v1::Scenario> loaded = LoadScenarioFile(f);
    if (!loaded.ok()) continue;
    const v1::Scenario s = Small(*loaded);
    v1::CreateEcosystemRequest create;
    *create.mutable_ecosystem() = s.ecosystem();
    create.set_population(2000);
    seeds.push_back(WithByte(0, create.SerializeAsString()));
    v1::RunScenarioRequest run;
    *run.mutable_scenario() = s;
    seeds.push_back(WithByte(4, run.SerializeAsString()));
    v1::StartRunRequest start;
    *start.mutable_scenario() = s;
    seeds.push_back(WithByte(5, start.SerializeAsString()));
    v1::CompareScenariosRequest compare;
    *compare.mutable_base() = s;
    *compare.add_variants() = s;
    seeds.push_back(WithByte(9, compare.SerializeAsString()));
    v1::SweepBudgetRequest sweep;
    *sweep.mutable_scenario() = s;
    sweep.set_placement(s.placements_size() > 0 ? s.placements(0).name() : "");
    sweep.add_budgets(1000);
    sweep.add_budgets(5000);
    seeds.push_back(WithByte(10, sweep.SerializeAsString()));
  }
  v1::ListRunsRequest list;
  list.set_page_size(2);
  seeds.push_back(WithByte(7, list.SerializeAsString()));
  return seeds;
}

std::vector<std::string> ReportSeeds(const std::vector<std::string>& files) {
  std::vector<std::string> seeds;
  for (const std::string& f : files) {
    absl::StatusOr<v1::Scenario> loaded = LoadScenarioFile(f);
    if (!loaded.ok()) continue;
    RunOptions options;
    options.threads = 1;
    absl::StatusOr<v1::Report> report = RunScenario(Small(*loaded), options);
    if (report.ok()) seeds.push_back(report->SerializeAsString());
  }
  return seeds;
}

std::vector<std::string> SeedsFor(const std::string& target,
                                  const std::vector<std::string>& files) {
  if (target == "scenario") return ScenarioSeeds(files);
  if (target == "request") return RequestSeeds(files);
  if (target == "report") return ReportSeeds(files);
  return {};
}

}  // namespace aiotreach
