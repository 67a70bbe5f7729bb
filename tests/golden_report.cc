// Writes the JSON report of a scenario file: the golden files' generator.
//
//   golden_report IN.textproto OUT.json
//
// Run through tools/update_golden, which regenerates every golden file.
#include <iostream>

#include "engine/engine.h"
#include "services/io/file_util.h"
#include "services/io/report_format.h"
#include "services/io/scenario_io.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: golden_report IN.textproto OUT.json\n";
    return 2;
  }
  absl::StatusOr<aiotreach::v1::Scenario> scenario =
      aiotreach::LoadScenarioFile(argv[1]);
  if (!scenario.ok()) {
    std::cerr << scenario.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<aiotreach::v1::Report> report =
      aiotreach::RunScenario(*scenario, aiotreach::RunOptions());
  if (!report.ok()) {
    std::cerr << report.status().message() << "\n";
    return 1;
  }
  const absl::Status written =
      aiotreach::WriteFileAtomically(argv[2], aiotreach::ReportToJson(*report));
  if (!written.ok()) {
    std::cerr << written.message() << "\n";
    return 1;
  }
  return 0;
}
