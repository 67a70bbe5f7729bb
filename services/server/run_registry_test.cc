// The RunRegistry without gRPC: kept runs started, watched, listed,
// cancelled and persisted.
#include "services/server/run_registry.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/io/file_util.h"
#include "services/server/testing.h"
#include "tests/status_matchers.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

// Every update Watch sends until the run ends, and the report it ends with.
struct Watched {
  std::vector<v1::RunInfo> updates;
  v1::Report report;
};
Watched WatchToEnd(const RunRegistry& runs, const std::string& id) {
  Watched w;
  EXPECT_TRUE(runs.Watch(
                      id,
                      [&](const v1::RunInfo& info, const v1::Report* r) {
                        w.updates.push_back(info);
                        if (r != nullptr) w.report = *r;
                        return true;
                      },
                      [] { return false; })
                  .ok());
  return w;
}

TEST(RunRegistryTest, StartWatchGetList) {
  EcosystemStore store(int64_t{256} << 20);
  Runner runner(TestRunnerOptions(1, 4), &store);
  RunRegistry runs(&runner, "");
  absl::StatusOr<v1::RunInfo> started = runs.Start(TestCity(2000), "");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->id(), "run-1");
  EXPECT_EQ(started->state(), v1::RUN_STATE_QUEUED);
  const Watched watched = WatchToEnd(runs, "run-1");
  const std::vector<v1::RunInfo>& seen = watched.updates;
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().state(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_GT(seen.back().report_bytes(), 0);
  for (size_t i = 1; i < seen.size(); ++i)
    EXPECT_GE(seen[i].fraction(), seen[i - 1].fraction());
  absl::StatusOr<v1::GetRunResponse> got = runs.Get("run-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->report().SerializeAsString(),
            watched.report.SerializeAsString());
  EXPECT_THAT(runs.Get("run-01"), StatusIs(absl::StatusCode::kNotFound,
                                           HasSubstr("no run 'run-01'")));
  ASSERT_TRUE(runs.Start(TestCity(1000), "").ok());
  WatchToEnd(runs, "run-2");
  v1::ListRunsRequest list;
  list.set_page_size(1);
  absl::StatusOr<v1::ListRunsResponse> page = runs.List(list);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->runs_size(), 1);
  EXPECT_EQ(page->runs(0).id(), "run-2");  // newest first
  list.set_page_token(page->next_page_token());
  page = runs.List(list);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->runs(0).id(), "run-1");
  EXPECT_THAT(runs.Cancel("run-1"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("has already ended")));
}

TEST(RunRegistryTest, BadScenarioIsRefusedAtStart) {
  EcosystemStore store(int64_t{256} << 20);
  Runner runner(TestRunnerOptions(1, 4), &store);
  RunRegistry runs(&runner, "");
  v1::Scenario bad = TestCity(100);
  bad.set_flight_days(0);
  EXPECT_THAT(runs.Start(bad, ""), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("flight_days")));
  v1::ListRunsRequest list;
  EXPECT_EQ(runs.List(list)->runs_size(), 0);
}

TEST(RunRegistryTest, CancelStopsARunAndShutdownCancelsTheRest) {
  EcosystemStore store(int64_t{256} << 20);
  Runner runner(TestRunnerOptions(1, 4), &store);
  RunRegistry runs(&runner, "");
  ASSERT_TRUE(runs.Start(TestCity(50'000'000), "").ok());
  ASSERT_TRUE(runs.Start(TestCity(50'000'000), "").ok());  // queued behind it
  ASSERT_TRUE(runs.Cancel("run-1").ok());
  EXPECT_EQ(WatchToEnd(runs, "run-1").updates.back().state(),
            v1::RUN_STATE_CANCELLED);
  runs.Shutdown(absl::ZeroDuration());
  EXPECT_EQ(runs.Get("run-2")->run().state(), v1::RUN_STATE_CANCELLED);
  EXPECT_THAT(runs.Start(TestCity(100), ""),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("shutting")));
}

// Runs persist: a second registry on the same directory sees the finished
// run with its report, and numbers new runs after it.
TEST(RunRegistryTest, RunsPersistUnderTheDataDirectory) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/runs";
  EcosystemStore store(int64_t{256} << 20);
  Runner runner(TestRunnerOptions(1, 4), &store);
  std::string report;
  {
    RunRegistry runs(&runner, dir);
    ASSERT_TRUE(runs.Load().ok());
    ASSERT_TRUE(runs.Start(TestCity(1000), "").ok());
    report = WatchToEnd(runs, "run-1").report.SerializeAsString();
  }
  for (const char* kind : {"info", "scenario", "report"})
    EXPECT_TRUE(ReadFile(dir + "/runs/run-1." + kind).ok()) << kind;
  RunRegistry again(&runner, dir);
  ASSERT_TRUE(again.Load().ok());
  absl::StatusOr<v1::GetRunResponse> got = again.Get("run-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->run().state(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_EQ(got->report().SerializeAsString(), report);
  EXPECT_EQ(again.Start(TestCity(100), "")->id(), "run-2");
}

}  // namespace
}  // namespace aiotreach
