#include "engine/engine.h"

#include <atomic>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/cancel.h"
#include "engine/population.h"
#include "engine/simulator.h"
#include "engine/thread_cluster.h"
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

// Small() on the flight-at-once path, or with a daily cap and a paced goal
// on the day-by-day path (two passes a day).
v1::Scenario OnPath(bool day_by_day) {
  v1::Scenario s = Small();
  if (day_by_day) {
    s.mutable_placements(0)->set_impression_goal(4000);
    v1::FrequencyCap* cap = s.add_frequency_caps();
    cap->set_scope(v1::CAP_SCOPE_PERSON);
    cap->set_period(v1::CAP_PERIOD_DAY);
    cap->set_limit(1);
  }
  return s;
}

class RunControlTest : public ::testing::TestWithParam<bool> {};

TEST_P(RunControlTest, ProgressRisesToOne) {
  std::vector<double> seen;
  RunOptions options;
  options.threads = 2;
  options.shard_households = 500;
  options.progress = [&](double f) { seen.push_back(f); };
  absl::StatusOr<v1::Report> r = RunScenario(OnPath(GetParam()), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->hourly_impressions_size() > 0, GetParam());
  ASSERT_GT(seen.size(), 5u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i], seen[i - 1]);
  EXPECT_DOUBLE_EQ(seen.back(), 1.0);
}

TEST_P(RunControlTest, CancelBeforeStartStopsTheRun) {
  CancelToken cancel;
  cancel.Cancel();
  RunOptions options;
  options.cancel = &cancel;
  EXPECT_THAT(RunScenario(OnPath(GetParam()), options),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
}

TEST_P(RunControlTest, CancelDuringTheRunStopsItPromptly) {
  CancelToken cancel;
  std::atomic<int> calls{0};
  double last = 0.0;
  RunOptions options;
  options.threads = 2;
  options.shard_households = 100;
  options.cancel = &cancel;
  options.progress = [&](double f) {
    ++calls;
    last = f;
    if (f >= 0.25) cancel.Cancel();
  };
  EXPECT_THAT(RunScenario(OnPath(GetParam()), options),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  // Each worker finishes at most the shard it holds: the run stops near a
  // quarter, far from the end.
  EXPECT_GT(calls.load(), 0);
  EXPECT_LT(last, 0.3);
}

// Within every documented limit and practically endless: 100,000 people,
// 64 phone placements at 10,000 opportunities a day, 731 days (a probe
// once held the server with it until kill -9). With a cap it takes the day
// path.
v1::Scenario Endless(bool day_by_day) {
  v1::Scenario s;
  s.set_seed(1);
  s.mutable_ecosystem()->mutable_preset()->set_name("small-city");
  s.set_population(100000);
  s.set_flight_days(731);
  for (int j = 0; j < 64; ++j) {
    v1::Placement* p = s.add_placements();
    p->set_name(absl::StrCat("splash_", j));
    p->set_device_type("phone");
    p->mutable_opportunity()->mutable_poisson()->set_rate(10000);
    p->set_share_of_voice(1.0);
  }
  if (day_by_day) {
    v1::FrequencyCap* cap = s.add_frequency_caps();
    cap->set_scope(v1::CAP_SCOPE_PERSON);
    cap->set_period(v1::CAP_PERIOD_DAY);
    cap->set_limit(65535);
  }
  return s;
}

// The engine polls the token within a shard, not only between shards: the
// probe answers "stop" on its third poll, and the run returns. Nothing
// here depends on the machine's speed: without polls inside the first
// shard, the run would not end.
TEST_P(RunControlTest, AnEndlessShardNoticesTheCancel) {
  CancelToken cancel;
  std::atomic<int> polls{0};
  cancel.set_probe([&] { return ++polls >= 3; });
  RunOptions options;
  options.threads = 2;
  options.cancel = &cancel;
  EXPECT_THAT(RunScenario(Endless(GetParam()), options),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  EXPECT_GE(polls.load(), 3);
}

TEST_P(RunControlTest, ADeadlineStopsAnEndlessRun) {
  CancelToken cancel;
  cancel.set_deadline(absl::Now() + absl::Milliseconds(200));
  RunOptions options;
  options.threads = 2;
  options.cancel = &cancel;
  EXPECT_THAT(RunScenario(Endless(GetParam()), options),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("deadline passed")));
}

INSTANTIATE_TEST_SUITE_P(BothPaths, RunControlTest, ::testing::Bool());

// A report's size is bounded by the schema's limits, not by the request: 64
// placements with the longest names (256 bytes) over 731 days, with caps
// and replicates, on both paths. (Before names were bounded, 64 long names
// turned a 16.8 MB request into a 1.09 GB report.)
TEST(EngineTest, TheLargestReportIsBounded) {
  for (bool day_by_day : {false, true}) {
    v1::Scenario s = Endless(day_by_day);
    s.set_population(200);
    s.set_replicates(2);
    for (int j = 0; j < s.placements_size(); ++j) {
      v1::Placement* p = s.mutable_placements(j);
      p->set_name(absl::StrCat(j, std::string(250, 'n')));
      p->mutable_opportunity()->mutable_poisson()->set_rate(0.01);
    }
    absl::StatusOr<v1::Report> r = RunScenario(s, RunOptions());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_LT(r->ByteSizeLong(), size_t{16} << 20) << day_by_day;
    RecordProperty(day_by_day ? "report_bytes_day" : "report_bytes_flight",
                   static_cast<int>(r->ByteSizeLong()));
  }
}

TEST(CancelPollerTest, PollsEveryPollUnitsOfWork) {
  CancelToken token;
  int probes = 0;
  token.set_probe([&] { return ++probes > 2; });
  CancelPoller poll(&token);
  for (int64_t i = 0; i < kCancelPollUnits - 1; ++i) ASSERT_FALSE(poll.Tick());
  EXPECT_EQ(probes, 0);
  EXPECT_FALSE(poll.Tick());  // the kCancelPollUnits-th unit: first poll
  EXPECT_EQ(probes, 1);
  EXPECT_FALSE(poll.Tick(kCancelPollUnits));
  EXPECT_TRUE(poll.Tick(5 * kCancelPollUnits));
  EXPECT_EQ(probes, 3);
  EXPECT_TRUE(poll.Tick());  // sticky, without polling again
  EXPECT_EQ(probes, 3);
  EXPECT_TRUE(token.cancelled());  // the probe's answer is latched
  CancelPoller none(nullptr);
  EXPECT_FALSE(none.Tick(10 * kCancelPollUnits));
}

// Scale-out: two processes each running half the shards, their tallies
// added, give the single-process result.
// Spread over ranks (threads standing in for processes), every rank's
// total is the single process's tally.
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
  std::vector<std::vector<int64_t>> totals(3);
  ThreadCluster::Run(3, [&](const Cluster& cluster) {
    RunOptions part = options;
    part.threads = 1;
    part.cluster = &cluster;
    absl::StatusOr<Tally> total = sim.Run(part);
    ASSERT_TRUE(total.ok()) << total.status();
    totals[cluster.rank()] = total->values();
  });
  for (const std::vector<int64_t>& total : totals)
    EXPECT_EQ(total, whole->values());
  EXPECT_GT(whole->impressions(), 0);
}

// More ranks than households: every rank refuses alike (no rank waits in
// a collective for one that stopped), naming the ranks and the households.
TEST(EngineTest, MoreRanksThanHouseholdsIsAClearError) {
  v1::Scenario tiny = Small();
  tiny.set_population(2);  // one or two households
  std::vector<absl::Status> status(4);
  ThreadCluster::Run(4, [&](const Cluster& cluster) {
    RunOptions options;
    options.threads = 1;
    options.cluster = &cluster;
    status[cluster.rank()] = RunScenario(tiny, options).status();
  });
  for (const absl::Status& s : status) {
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                            HasSubstr("ranks: 4 MPI ranks for")));
  }
}

// The memory estimate: the day path's state grows with the people and
// divides over ranks; the flight-at-once path's hardly grows.
TEST(EngineTest, MemoryEstimateFollowsPathPeopleAndRanks) {
  v1::Scenario day = OnPath(true);
  day.set_population(10'000'000);
  v1::Scenario flight = OnPath(false);
  flight.set_population(10'000'000);
  auto d = PreparedScenario::Prepare(day);
  auto f = PreparedScenario::Prepare(flight);
  ASSERT_TRUE(d.ok() && f.ok());
  const int64_t one = (*d)->EstimateRunBytes();
  const int64_t two = (*d)->EstimateRunBytes(2);
  // 10 million people at 10 to 20 bytes a person, plus a few MiB.
  EXPECT_GT(one, int64_t{100} << 20);
  EXPECT_LT(one, int64_t{250} << 20);
  EXPECT_LT(two, one * 6 / 10);
  EXPECT_GT(two, one * 4 / 10);
  EXPECT_LT((*f)->EstimateRunBytes(), int64_t{64} << 20);
}

TEST(EngineTest, RejectsBadShardSize) {
  RunOptions options;
  options.shard_households = 0;
  EXPECT_THAT(RunScenario(Small(), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("shard_households")));
}

// A scenario on a stored population gives the report of the same scenario
// drawing that population itself (same ecosystem, people and seed).
TEST(EngineTest, StoredPopulationGivesTheSameReport) {
  v1::Ecosystem eco;
  eco.mutable_preset()->set_name("small-city");
  eco.set_population_seed(9);
  absl::StatusOr<std::unique_ptr<const StoredPopulation>> stored =
      StoredPopulation::Build(eco, 5000, 2);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ((*stored)->population().people(), 5000);
  EXPECT_GT((*stored)->MemoryBytes(), (*stored)->population().households());

  for (bool day_by_day : {false, true}) {
    v1::Scenario on_stored = OnPath(day_by_day);
    on_stored.clear_ecosystem();
    on_stored.set_population(0);
    v1::Scenario inline_scenario = OnPath(day_by_day);
    *inline_scenario.mutable_ecosystem() = eco;
    inline_scenario.set_population(5000);
    absl::StatusOr<v1::Report> a =
        RunScenario(on_stored, **stored, RunOptions());
    absl::StatusOr<v1::Report> b = RunScenario(inline_scenario, RunOptions());
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString()) << day_by_day;
  }
}

TEST(EngineTest, StoredPopulationRejectsAnEcosystemInTheScenario) {
  v1::Ecosystem eco;
  eco.mutable_preset()->set_name("small-city");
  absl::StatusOr<std::unique_ptr<const StoredPopulation>> stored =
      StoredPopulation::Build(eco, 1000, 1);
  ASSERT_TRUE(stored.ok());
  EXPECT_THAT(RunScenario(Small(), **stored, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ecosystem: must be unset")));
  v1::Scenario s = Small();
  s.clear_ecosystem();
  s.set_population(999);
  EXPECT_THAT(RunScenario(s, **stored, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("population: must be 0 (or the stored "
                                 "ecosystem's 1000)")));
  v1::Ecosystem bad;
  bad.mutable_preset()->set_name("big-city");
  EXPECT_THAT(StoredPopulation::Build(bad, 0, 1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ecosystem.preset.name: unknown preset")));
}

}  // namespace
}  // namespace aiotreach
