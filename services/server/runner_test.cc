// The Runner without gRPC: admission (slots, the queue, reservations, the
// memory budget), validation, and the call's cancellation and deadline
// reaching the engine.
#include "services/server/runner.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/server/testing.h"
#include "tests/status_matchers.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

TEST(RunnerTest, RunsAndValidates) {
  EcosystemStore store(int64_t{256} << 20);
  Runner runner(TestRunnerOptions(1, 0), &store);
  absl::StatusOr<v1::Report> report = runner.Run(TestCity(2000), "", {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GT(report->reach_people(), 0);
  v1::Scenario bad = TestCity(2000);
  bad.set_flight_days(0);
  EXPECT_THAT(
      runner.Validate(bad, ""),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("flight_days")));
  EXPECT_THAT(runner.Validate(TestCity(2000), "eco-9"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("eco-9")));
  // Day by day, ~15 bytes a person: 40 million never fit 256 MiB.
  v1::Scenario big = TestCity(40'000'000);
  big.add_frequency_caps()->set_scope(v1::CAP_SCOPE_PERSON);
  big.mutable_frequency_caps(0)->set_period(v1::CAP_PERIOD_DAY);
  big.mutable_frequency_caps(0)->set_limit(1);
  EXPECT_THAT(runner.Validate(big, ""),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("--memory_budget_mb")));
}

// The server's privacy floors: k raised on every run; under an epsilon
// budget, runs on a stored ecosystem need noise, are charged epsilon x
// replicates, and are refused past the budget (runs without a stored
// ecosystem are not charged).
TEST(RunnerTest, PrivacyFloorsAndTheEpsilonLedger) {
  EcosystemStore store(int64_t{256} << 20);
  RunnerOptions options = TestRunnerOptions(1, 0);
  options.min_cell_people = 20;
  options.epsilon_budget = 3;
  Runner runner(options, &store);
  v1::CreateEcosystemRequest create;
  *create.mutable_ecosystem() = TestCity(2000).ecosystem();
  create.set_population(2000);
  absl::StatusOr<v1::EcosystemInfo> eco = store.Create(create, 1);
  ASSERT_TRUE(eco.ok()) << eco.status();

  absl::StatusOr<v1::Report> plain = runner.Run(TestCity(2000), "", {});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->privacy().min_cell_people(), 20);
  EXPECT_THAT(runner.Run(TestCity(2000), eco->id(), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("needs privacy noise")));
  v1::Scenario noised = TestCity(2000);
  noised.mutable_privacy()->set_noise(v1::PRIVACY_NOISE_DISCRETE_LAPLACE);
  noised.mutable_privacy()->set_epsilon(1);
  noised.set_replicates(2);
  noised.clear_ecosystem();  // the stored one's
  noised.set_population(0);
  const absl::StatusOr<v1::Report> first = runner.Run(noised, eco->id(), {});
  EXPECT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(runner.EpsilonSpent(eco->id()), 2);
  EXPECT_THAT(runner.Run(noised, eco->id(), {}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("epsilon budget of " + eco->id() +
                                 ": 2 of 3 spent, this query needs 2")));
  noised.set_replicates(1);
  const absl::StatusOr<v1::Report> last = runner.Run(noised, eco->id(), {});
  EXPECT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(runner.EpsilonSpent(eco->id()), 3);
  EXPECT_THAT(runner.Calibrate(noised, v1::CalibrateOptions(), eco->id(), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("unknown number of scenarios")));
}

// Places: running + queued + reserved never exceed concurrent + queued;
// a reservation is given back by its run or by Unreserve.
TEST(RunnerTest, ReservationsHoldPlaces) {
  EcosystemStore store(int64_t{256} << 20);
  Runner runner(TestRunnerOptions(1, 1), &store);
  ASSERT_TRUE(runner.Reserve().ok());
  ASSERT_TRUE(runner.Reserve().ok());
  EXPECT_THAT(runner.Reserve(), StatusIs(absl::StatusCode::kResourceExhausted,
                                         HasSubstr("--max_queued_runs")));
  runner.Unreserve();
  CallControl reserved;
  reserved.reserved = true;
  ASSERT_TRUE(runner.Run(TestCity(500), "", reserved).ok());  // gives it back
  EXPECT_TRUE(runner.Reserve().ok());
  runner.Unreserve();
  runner.Unreserve();
  EXPECT_TRUE(runner.Reserve().ok());
  EXPECT_TRUE(runner.Reserve().ok());
}

// The call's probe and deadline reach the engine through its cancel token:
// no watcher thread, and a run of 50 million people stops.
TEST(RunnerTest, CancellationAndDeadlineStopTheEngine) {
  EcosystemStore store(int64_t{256} << 20);
  Runner runner(TestRunnerOptions(1, 0), &store);
  std::atomic<int> polls{0};
  CallControl cancelled;
  cancelled.cancelled = [&] { return ++polls > 2; };
  EXPECT_THAT(runner.Run(TestCity(50'000'000), "", cancelled),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  EXPECT_GT(polls.load(), 2);
  CallControl late;
  late.deadline =
      std::chrono::system_clock::now() + std::chrono::milliseconds(50);
  EXPECT_THAT(
      runner.Run(TestCity(50'000'000), "", late),
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("deadline")));
  EXPECT_EQ(runner.running(), 0);
}

}  // namespace
}  // namespace aiotreach
