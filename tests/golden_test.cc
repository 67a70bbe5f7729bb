// The report of tests/golden/tiny.textproto, compared byte for byte with the
// checked-in tests/golden/tiny.report.json. A difference means results
// changed: if intended, regenerate with tools/update_golden and review the
// diff.
#include <string>

#include "gtest/gtest.h"
#include "services/cli/cli.h"
#include "services/cli/file_util.h"
#include "services/cli/report_format.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

TEST(GoldenTest, TinyReportMatchesTheGoldenFile) {
  absl::StatusOr<v1::Scenario> scenario =
      LoadScenarioFile("tests/golden/tiny.textproto");
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  absl::StatusOr<std::string> golden =
      ReadFile("tests/golden/tiny.report.json");
  ASSERT_TRUE(golden.ok()) << golden.status();
  const std::string actual = ReportToJson(testing::RunOrDie(*scenario));
  EXPECT_EQ(actual, *golden)
      << "results changed; if intended, run tools/update_golden";
}

}  // namespace
}  // namespace aiotreach
