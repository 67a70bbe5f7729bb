#include "engine/engine.h"

#include <atomic>
#include <vector>

#include "engine/population.h"
#include "engine/simulator.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

v1::Scenario Small() {
  v1::Scenario s;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "small"
        seed: 5
        ecosystem { preset { name: "small-city" } }
        population: 20000
        flight_days: 7
        placements {
          name: "tv_boot"
          device_type: "tv"
          opportunity { bernoulli { probability: 0.35 } }
          share_of_voice: 0.5
          audience { kind: AUDIENCE_KIND_ONE_MEMBER }
        }
      )pb",
      &s);
  return s;
}

TEST(EngineTest, ProgressRisesToOne) {
  std::vector<double> seen;
  RunOptions options;
  options.threads = 2;
  options.shard_households = 500;
  options.progress = [&](double f) { seen.push_back(f); };
  ASSERT_TRUE(RunScenario(Small(), options).ok());
  ASSERT_GT(seen.size(), 5u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i], seen[i - 1]);
  EXPECT_DOUBLE_EQ(seen.back(), 1.0);
}

TEST(EngineTest, CancelBeforeStartStopsTheRun) {
  CancelToken cancel;
  cancel.Cancel();
  RunOptions options;
  options.cancel = &cancel;
  EXPECT_THAT(RunScenario(Small(), options),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
}

TEST(EngineTest, CancelDuringTheRunStopsItPromptly) {
  CancelToken cancel;
  std::atomic<int> calls{0};
  RunOptions options;
  options.threads = 2;
  options.shard_households = 100;
  options.cancel = &cancel;
  options.progress = [&](double f) {
    ++calls;
    if (f >= 0.25) cancel.Cancel();
  };
  EXPECT_THAT(RunScenario(Small(), options),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  // Workers stop at the next shard: far fewer shards than the whole run.
  EXPECT_LT(calls.load(), 40);
}

// Scale-out: two processes each running half the shards, their tallies
// added, give the single-process result.
TEST(EngineTest, ShardRangesAddUpToTheWholeRun) {
  absl::StatusOr<std::unique_ptr<const PreparedScenario>> prepared =
      PreparedScenario::Prepare(Small());
  ASSERT_TRUE(prepared.ok());
  auto population =
      Population::Build((*prepared)->ecosystem(), (*prepared)->people(), 5, 1);
  ASSERT_TRUE(population.ok());
  Simulator sim(**population, (*prepared)->campaign(), 5);
  RunOptions options;
  options.shard_households = 300;
  absl::StatusOr<Tally> whole = sim.Run(options);
  ASSERT_TRUE(whole.ok());
  const int64_t shards = sim.ShardCount(300);
  Tally first(sim.shape()), second(sim.shape());
  ASSERT_TRUE(sim.RunShards(0, shards / 3, 300, nullptr, &first).ok());
  ASSERT_TRUE(sim.RunShards(shards / 3, shards, 300, nullptr, &second).ok());
  first.Merge(second);
  EXPECT_EQ(first.values(), whole->values());
  EXPECT_GT(whole->impressions(), 0);
}

TEST(EngineTest, RejectsBadShardSize) {
  RunOptions options;
  options.shard_households = 0;
  EXPECT_THAT(RunScenario(Small(), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("shard_households")));
}

}  // namespace
}  // namespace aiotreach
