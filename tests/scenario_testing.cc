#include "tests/scenario_testing.h"

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace aiotreach::testing {

v1::Scenario ParseTextOrDie(const std::string& text) {
  v1::Scenario scenario;
  if (!google::protobuf::TextFormat::ParseFromString(text, &scenario)) {
    ADD_FAILURE() << "cannot parse scenario:\n" << text;
  }
  return scenario;
}

v1::Report RunOrDie(const v1::Scenario& scenario, const RunOptions& options) {
  absl::StatusOr<v1::Report> report = RunScenario(scenario, options);
  if (!report.ok()) {
    ADD_FAILURE() << "run failed: " << report.status();
    return v1::Report();
  }
  return *std::move(report);
}

}  // namespace aiotreach::testing
