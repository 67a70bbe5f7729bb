// Same input and seed, identical report, whatever the thread count or shard
// size (docs/MODEL.md, "Report"): byte-identical serialized reports.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/thread_cluster.h"
#include "gtest/gtest.h"
#include "services/io/scenario_io.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

// The bundled scenario at 30,000 people.
v1::Scenario SmallVersionOf(const std::string& path) {
  absl::StatusOr<v1::Scenario> scenario = LoadScenarioFile(path);
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  scenario->set_population(30000);
  if (scenario->ecosystem().has_preset()) {
    scenario->mutable_ecosystem()->mutable_preset()->clear_scale();
  }
  return *scenario;
}

class DeterminismTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DeterminismTest, ReportIsByteIdenticalForAnyThreadsAndShards) {
  v1::Scenario scenario = SmallVersionOf(GetParam());
  std::string reference;
  for (int threads : {1, 2, 8}) {
    for (int64_t shard : {8192, 97, 1}) {
      RunOptions options;
      options.threads = threads;
      options.shard_households = shard;
      const std::string bytes =
          testing::RunOrDie(scenario, options).SerializeAsString();
      if (reference.empty()) {
        reference = bytes;
        ASSERT_GT(reference.size(), 100u);
      } else {
        EXPECT_EQ(bytes, reference)
            << threads << " threads, " << shard << " households a shard";
      }
    }
  }
}

// Spread over ranks (engine/cluster.h; threads stand in for MPI
// processes), every rank ends with the single process's report.
TEST_P(DeterminismTest, ReportIsByteIdenticalOnAnyNumberOfRanks) {
  const v1::Scenario scenario = SmallVersionOf(GetParam());
  RunOptions single;
  single.shard_households = 97;
  const std::string reference =
      testing::RunOrDie(scenario, single).SerializeAsString();
  for (int ranks : {2, 3, 4}) {
    std::vector<std::string> bytes(ranks);
    ThreadCluster::Run(ranks, [&](const Cluster& cluster) {
      RunOptions options = single;
      options.threads = 1;
      options.cluster = &cluster;
      bytes[cluster.rank()] =
          testing::RunOrDie(scenario, options).SerializeAsString();
    });
    for (int r = 0; r < ranks; ++r)
      EXPECT_EQ(bytes[r], reference) << "rank " << r << " of " << ranks;
  }
}

// A live stream's play is cut into cells of 16,384 households
// (engine/live/stream_play.h) and the cells into ranks: at 150,000 people
// (about 58,000 households, four cells) every rank holds a cell or two, and
// share clicks, the room's heat and the report's counts cross ranks.
TEST(StreamDeterminismTest, StreamSpreadOverRanksGivesTheSameReport) {
  absl::StatusOr<v1::Scenario> scenario =
      LoadScenarioFile("tests/golden/live.textproto");
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  scenario->set_population(150000);
  RunOptions single;
  single.threads = 2;
  const v1::Report reference = testing::RunOrDie(*scenario, single);
  ASSERT_EQ(reference.live_streams_size(), 1);
  // Enough of every channel that a lost or misordered click would show.
  ASSERT_GT(reference.live_streams(0).share_arrivals(), 1000);
  const std::string bytes = reference.SerializeAsString();
  for (int ranks : {2, 3, 4}) {
    std::vector<std::string> got(ranks);
    ThreadCluster::Run(ranks, [&](const Cluster& cluster) {
      RunOptions options;
      options.threads = 1 + cluster.rank() % 2;
      options.cluster = &cluster;
      got[cluster.rank()] =
          testing::RunOrDie(*scenario, options).SerializeAsString();
    });
    for (int r = 0; r < ranks; ++r)
      EXPECT_EQ(got[r], bytes) << "rank " << r << " of " << ranks;
  }
}

TEST_P(DeterminismTest, DifferentSeedsGiveDifferentReports) {
  v1::Scenario scenario = SmallVersionOf(GetParam());
  const std::string a = testing::RunOrDie(scenario).SerializeAsString();
  scenario.set_seed(scenario.seed() + 1);
  EXPECT_NE(testing::RunOrDie(scenario).SerializeAsString(), a);
}

INSTANTIATE_TEST_SUITE_P(
    Sims, DeterminismTest,
    ::testing::Values("sims/bench/w1_100k.textproto",
                      "sims/bench/w2_1m.textproto",
                      "sims/field/fashion_ai_boot_ad.textproto",
                      "sims/field/soft_drink_cross_screen.textproto",
                      "sims/field/phone_tv_speaker.textproto",
                      "tests/golden/mechanics.textproto",
                      "tests/golden/live.textproto",
                      "sims/live/launch_promoted_by_tv_boot.textproto",
                      "sims/field/calibrate_small_city.textproto",
                      "sims/field/inventory_from_logs.textproto",
                      "sims/field/weekly_cap_private.textproto"));

}  // namespace
}  // namespace aiotreach
