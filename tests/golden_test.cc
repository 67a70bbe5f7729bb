// The reports of tests/golden/*.textproto, compared byte for byte with the
// checked-in tests/golden/*.report.json: tiny (the flight-at-once path) and
// mechanics (the day-by-day path, every campaign mechanic) and live (a live
// stream with every arrival channel). A difference
// means results changed: if intended, regenerate with tools/update_golden
// and review the diff.
#include <string>

#include "gtest/gtest.h"
#include "services/io/file_util.h"
#include "services/io/report_format.h"
#include "services/io/scenario_io.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, ReportMatchesTheGoldenFile) {
  const std::string base = "tests/golden/" + GetParam();
  absl::StatusOr<v1::Scenario> scenario = LoadScenarioFile(base + ".textproto");
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  absl::StatusOr<std::string> golden = ReadFile(base + ".report.json");
  ASSERT_TRUE(golden.ok()) << golden.status();
  const std::string actual = ReportToJson(testing::RunOrDie(*scenario));
  EXPECT_EQ(actual, *golden)
      << "results changed; if intended, run tools/update_golden";
}

INSTANTIATE_TEST_SUITE_P(Files, GoldenTest,
                         ::testing::Values("tiny", "mechanics", "live"));

}  // namespace
}  // namespace aiotreach
