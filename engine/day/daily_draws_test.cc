// The day loop's draws on a real shard: counts follow their process, the
// won list holds exactly the eligible owners with a count, thinning keeps
// nothing at win 0 and everything at win 1; a paced placement drawn by
// leaves gives each eligible owner Poisson counts at its rate, thinned at
// the win probability, with uniform times.
#include "engine/day/daily_draws.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/day/testing.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace day {
namespace {

constexpr char kScenario[] = R"pb(
  seed: 4
  population: 3000
  flight_days: 20
  ecosystem {
    spec {
      household_size_weights: [ 1, 1, 1 ]
      age_bands { name: "young" weight: 1 }
      age_bands { name: "old" weight: 1 }
      device_types {
        name: "phone"
        owner: OWNER_KIND_PERSON
        ownership_probability: 0.8
      }
    }
  }
  placements {
    name: "splash"
    device_type: "phone"
    opportunity { poisson { rate: 2 } }
    impression_goal: 5000
  }
  target { age_bands: "old" }
)pb";

class DailyDrawsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shard_ = MakeTestShard(kScenario, 4);
    ASSERT_NE(shard_.prepared, nullptr);
    // The target, the "old" age band, holds some people and not others.
    const int in = std::count(st_.in_target.begin(), st_.in_target.end(), 1);
    ASSERT_GT(in, 0);
    ASSERT_LT(in, st_.people());
    draws_ = std::make_unique<DailyDraws>(shard_.campaign(), 4);
  }

  TestShard shard_;
  ShardState& st_ = shard_.st;
  std::unique_ptr<DailyDraws> draws_;
};

// Poisson(2) opportunities per phone-day: the shard's mean count is 2
// within 5 standard errors (sd sqrt(2) / sqrt(owners)).
TEST_F(DailyDrawsTest, CountsFollowTheProcess) {
  draws_->DrawCounts(0, 0, st_);
  const std::vector<int32_t>& counts = draws_->counts(0);
  ASSERT_EQ(counts.size(), static_cast<size_t>(st_.pop.people()));
  double sum = 0;
  for (int32_t c : counts) sum += c;
  const double n = static_cast<double>(counts.size());
  EXPECT_NEAR(sum / n, 2.0, 5 * std::sqrt(2.0 / n));
  // Another day draws other numbers; the same day the same ones.
  const std::vector<int32_t> day0 = counts;
  draws_->DrawCounts(0, 1, st_);
  EXPECT_NE(draws_->counts(0), day0);
  draws_->DrawCounts(0, 0, st_);
  EXPECT_EQ(draws_->counts(0), day0);
}

TEST_F(DailyDrawsTest, WonListHoldsEligibleOwnersWithACount) {
  draws_->DrawCounts(0, 0, st_);
  draws_->ListWon(0, st_);
  const std::vector<int32_t>& counts = draws_->counts(0);
  size_t expected = 0;
  for (size_t o = 0; o < counts.size(); ++o) {
    const bool owns = (st_.person_devices[o] & 1u) != 0;
    expected += counts[o] > 0 && owns && st_.in_target[o];
  }
  ASSERT_EQ(draws_->won(0).size(), expected);
  uint32_t previous = 0;
  for (size_t k = 0; k < draws_->won(0).size(); ++k) {
    const uint32_t o = draws_->won(0)[k];
    EXPECT_GT(counts[o], 0);
    EXPECT_TRUE(st_.in_target[o]);
    const uint32_t i = draws_->won_household(0)[k];
    EXPECT_GE(o, st_.pop.member_begin[i]);  // o is one of household i's
    EXPECT_LT(o, st_.pop.member_begin[i + 1]);
    if (k > 0) EXPECT_GT(o, previous);  // owner order
    previous = o;
  }
}

// The rank over household starts finds every person's household (the
// shard holds more than 64 people, so several words and their counts).
TEST_F(DailyDrawsTest, HouseholdOfFindsEveryMembersHousehold) {
  ASSERT_GT(st_.people(), 200);
  for (int i = 0; i < st_.households(); ++i) {
    for (uint32_t m = st_.pop.member_begin[i]; m < st_.pop.member_begin[i + 1];
         ++m) {
      ASSERT_EQ(st_.HouseholdOf(m), i) << m;
    }
  }
}

TEST_F(DailyDrawsTest, ThinningKeepsNothingAtZeroAndAllAtOne) {
  draws_->DrawCounts(0, 2, st_);
  const std::vector<int32_t> opportunities = draws_->counts(0);
  draws_->Thin(0, 2, 1.0, st_);
  EXPECT_EQ(draws_->counts(0), opportunities);
  draws_->counts(0) = opportunities;
  draws_->Thin(0, 2, 0.0, st_);
  for (int32_t c : draws_->counts(0)) EXPECT_EQ(c, 0);
  // At 0.5: Binomial(n, 1/2) never exceeds n; the total is half within 5
  // standard errors (sd sqrt(N / 4) over N opportunities).
  draws_->counts(0) = opportunities;
  draws_->Thin(0, 2, 0.5, st_);
  double total = 0, kept = 0;
  for (size_t o = 0; o < opportunities.size(); ++o) {
    EXPECT_LE(draws_->counts(0)[o], opportunities[o]);
    total += opportunities[o];
    kept += draws_->counts(0)[o];
  }
  EXPECT_NEAR(kept, total / 2, 5 * std::sqrt(total / 4));
}

// The shard's owners that can take placement 0 (a phone, in the target).
std::vector<int> EligibleOwners(const ShardState& st) {
  std::vector<int> out;
  for (int o = 0; o < st.people(); ++o) {
    if ((st.person_devices[o] & 1u) && st.in_target[o]) out.push_back(o);
  }
  return out;
}

// Owner-day counts that should be Poisson(rate): their mean and variance
// are both the rate within 5 standard errors (sd sqrt(rate / n) and
// sqrt((rate + 2 rate^2) / n) over n owner-days).
struct PoissonCheck {
  double n = 0, sum = 0, squares = 0;
  void Add(int32_t count) {
    ++n;
    sum += count;
    squares += double{count} * count;
  }
  void Expect(double rate) const {
    const double mean = sum / n;
    EXPECT_NEAR(mean, rate, 5 * std::sqrt(rate / n));
    EXPECT_NEAR(squares / n - mean * mean, rate,
                5 * std::sqrt((rate + 2 * rate * rate) / n));
  }
};

// One phone a person, 20 flight days, a placement paced by `goal` with
// Poisson opportunities (`poisson`: the fields of its poisson {}); the
// ecosystem spec's `extra` fields.
TestShard PacedPhones(uint64_t seed, const std::string& poisson, int64_t goal,
                      const std::string& extra = "") {
  const std::string text =
      "seed: " + std::to_string(seed) +
      R"pb(
        population: 3000
        flight_days: 20
        ecosystem { spec { household_size_weights: [ 1, 1, 1 ]
                           device_types {
                             name: "phone"
                             owner: OWNER_KIND_PERSON
                             ownership_probability: 1
                           }
      )pb" +
      extra +
      R"pb(
        }
        }
                             placements {
                               name: "splash"
                               device_type: "phone"
                               opportunity { poisson { )pb" +
      poisson + "} } impression_goal: " + std::to_string(goal) + "}";
  return MakeTestShard(text.c_str(), seed);
}

// A leaf's weight is its eligible owners' rates (1 each here) added up, and
// a day's opportunities over the shard are Poisson(2 x eligible owners):
// over 20 days the total is 40 x eligible within 5 standard errors.
TEST_F(DailyDrawsTest, LeavesDrawPoissonOpportunities) {
  ASSERT_TRUE(DrawnByLeaves(shard_.campaign().placements()[0]));
  draws_->WeighLeaves(0, &st_);
  const double eligible = EligibleOwners(st_).size();
  ASSERT_EQ(st_.leaf_weight[0].size(),
            static_cast<size_t>((st_.households() + kLeafHouseholds - 1) /
                                kLeafHouseholds));
  double weight = 0;
  for (double w : st_.leaf_weight[0]) weight += w;
  EXPECT_EQ(weight, eligible);
  int64_t total = 0;
  for (int day = 0; day < 20; ++day) {
    const int64_t drawn = draws_->CountLeaves(0, day, &st_);
    int64_t sum = 0;
    for (int64_t a : st_.leaf_opportunities[0]) sum += a;
    EXPECT_EQ(drawn, sum);
    total += drawn;
  }
  EXPECT_NEAR(total, 40 * eligible, 5 * std::sqrt(40 * eligible));
}

// With every opportunity won, the won list holds eligible owners in owner
// order with their households, and the counts add up to the leaves'
// opportunities. A Poisson total spread over the owners by rate makes each
// owner's count Poisson(2), independently: over 20 days the owner-days'
// mean and variance are both 2 (PoissonCheck), and the share of zeros
// e^-2 within 5 standard errors (sd sqrt(p (1 - p) / N)).
TEST_F(DailyDrawsTest, LeavesGiveEachOwnerPoissonCounts) {
  draws_->WeighLeaves(0, &st_);
  const std::vector<int> eligible = EligibleOwners(st_);
  std::vector<int32_t> count(st_.people());
  PoissonCheck check;
  double zeros = 0;
  for (int day = 0; day < 20; ++day) {
    const int64_t opportunities = draws_->CountLeaves(0, day, &st_);
    draws_->AllocateLeaves(0, day, 1.0, st_);
    const std::vector<uint32_t>& won = draws_->won(0);
    std::fill(count.begin(), count.end(), 0);
    int64_t total = 0;
    for (size_t k = 0; k < won.size(); ++k) {
      const uint32_t o = won[k];
      ASSERT_TRUE((st_.person_devices[o] & 1u) && st_.in_target[o]) << o;
      const uint32_t i = draws_->won_household(0)[k];
      EXPECT_GE(o, st_.pop.member_begin[i]);
      EXPECT_LT(o, st_.pop.member_begin[i + 1]);
      if (k > 0) ASSERT_GT(o, won[k - 1]);
      ASSERT_GT(draws_->won_count(0)[k], 0);
      count[o] = draws_->won_count(0)[k];
      total += count[o];
    }
    EXPECT_EQ(total, opportunities);
    for (int o : eligible) {
      check.Add(count[o]);
      zeros += count[o] == 0;
    }
  }
  check.Expect(2.0);
  const double n = check.n;
  const double p0 = std::exp(-2.0);
  EXPECT_NEAR(zeros / n, p0, 5 * std::sqrt(p0 * (1 - p0) / n));
}

// At win probability 1/2 the won total is half the opportunities within 5
// standard errors (Binomial: sd sqrt(A / 4)); at 0 nothing is won. The
// times are uniform on [0, 1): mean 1/2 (sd sqrt(1 / 12 / n)), a quarter
// of them below 1/4 (sd sqrt(3 / 16 / n)).
TEST_F(DailyDrawsTest, LeavesThinAtTheWinProbabilityWithUniformTimes) {
  draws_->WeighLeaves(0, &st_);
  double opportunities = 0, won = 0, times = 0, time_sum = 0, early = 0;
  for (int day = 0; day < 20; ++day) {
    opportunities += draws_->CountLeaves(0, day, &st_);
    draws_->AllocateLeaves(0, day, 0.5, st_);
    for (int32_t c : draws_->won_count(0)) won += c;
    for (double u : draws_->won_uniforms(0)) {
      ASSERT_GE(u, 0.0);
      ASSERT_LT(u, 1.0);
      ++times;
      time_sum += u;
      early += u < 0.25;
    }
  }
  EXPECT_NEAR(won, opportunities / 2, 5 * std::sqrt(opportunities / 4));
  EXPECT_EQ(times, won);
  EXPECT_NEAR(time_sum / times, 0.5, 5 * std::sqrt(1.0 / 12 / times));
  EXPECT_NEAR(early / times, 0.25, 5 * std::sqrt(3.0 / 16 / times));
  draws_->CountLeaves(0, 3, &st_);
  draws_->AllocateLeaves(0, 3, 0.0, st_);
  EXPECT_TRUE(draws_->won(0).empty());
}

// Scaled by activity, an owner's rate is 2 x its activity: over 20 days
// the owners above the median activity win 40 x their summed activity,
// within 5 standard errors (a Poisson total: sd its mean's root).
TEST(DailyDrawsActivityTest, LeavesPlaceWinsByActivity) {
  TestShard shard = PacedPhones(9, "rate: 2 scale_by_activity: true", 5000,
                                "activity_shape: 1");
  ASSERT_NE(shard.prepared, nullptr);
  ShardState& st = shard.st;
  DailyDraws draws(shard.campaign(), 9);
  draws.WeighLeaves(0, &st);
  std::vector<float> sorted(st.pop.activity.begin(),
                            st.pop.activity.begin() + st.people());
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2,
                   sorted.end());
  const float median = sorted[sorted.size() / 2];
  double high_activity = 0, high_won = 0;
  for (int o = 0; o < st.people(); ++o) {
    if (st.pop.activity[o] > median) high_activity += st.pop.activity[o];
  }
  for (int day = 0; day < 20; ++day) {
    draws.CountLeaves(0, day, &st);
    draws.AllocateLeaves(0, day, 1.0, st);
    for (size_t k = 0; k < draws.won(0).size(); ++k) {
      if (st.pop.activity[draws.won(0)[k]] > median)
        high_won += draws.won_count(0)[k];
    }
  }
  const double expected = 40 * high_activity;
  EXPECT_NEAR(high_won, expected, 5 * std::sqrt(expected));
}

// A leaf-day with more won opportunities than DailyDraws::kMaxLeafPositions
// (here about 64 households x 2 people x 200) places them owner by owner,
// its times left to each owner's own stream: the counts are still the
// leaves' opportunities in total, and Poisson(200) an owner-day
// (PoissonCheck).
TEST(DailyDrawsBusyLeafTest, ManyWinsArePlacedOwnerByOwner) {
  TestShard shard = PacedPhones(5, "rate: 200", 5000000);
  ASSERT_NE(shard.prepared, nullptr);
  ShardState& st = shard.st;
  DailyDraws draws(shard.campaign(), 5);
  draws.WeighLeaves(0, &st);
  std::vector<int32_t> count(st.people());
  PoissonCheck check;
  for (int day = 0; day < 10; ++day) {
    const int64_t opportunities = draws.CountLeaves(0, day, &st);
    ASSERT_GT(st.leaf_opportunities[0][0], DailyDraws::kMaxLeafPositions);
    draws.AllocateLeaves(0, day, 1.0, st);
    std::fill(count.begin(), count.end(), 0);
    int64_t total = 0;
    for (size_t k = 0; k < draws.won(0).size(); ++k) {
      EXPECT_EQ(draws.won_time(0)[k], DailyDraws::kOwnStream);
      count[draws.won(0)[k]] = draws.won_count(0)[k];
      total += draws.won_count(0)[k];
    }
    EXPECT_EQ(total, opportunities);
    EXPECT_TRUE(draws.won_uniforms(0).empty());
    for (int32_t c : count) check.Add(c);
  }
  check.Expect(200.0);
}

// A household device drawn by leaves: the owners are households (those
// with a TV), each won household-day listed as its own household, and a
// household's count Poisson(3) (PoissonCheck).
TEST(DailyDrawsHouseholdLeafTest, HouseholdDevicesGetPoissonCounts) {
  TestShard shard =
      MakeTestShard(R"pb(
                      seed: 6
                      population: 3000
                      flight_days: 20
                      ecosystem {
                        spec {
                          household_size_weights: [ 1, 1, 1 ]
                          device_types {
                            name: "tv"
                            owner: OWNER_KIND_HOUSEHOLD
                            ownership_probability: 0.6
                          }
                        }
                      }
                      placements {
                        name: "boot"
                        device_type: "tv"
                        opportunity { poisson { rate: 3 } }
                        audience { kind: AUDIENCE_KIND_ONE_MEMBER }
                        impression_goal: 50000
                      }
                    )pb",
                    6);
  ASSERT_NE(shard.prepared, nullptr);
  ShardState& st = shard.st;
  ASSERT_TRUE(DrawnByLeaves(shard.campaign().placements()[0]));
  DailyDraws draws(shard.campaign(), 6);
  draws.WeighLeaves(0, &st);
  std::vector<int32_t> count(st.households());
  PoissonCheck check;
  for (int day = 0; day < 20; ++day) {
    draws.CountLeaves(0, day, &st);
    draws.AllocateLeaves(0, day, 1.0, st);
    std::fill(count.begin(), count.end(), 0);
    for (size_t k = 0; k < draws.won(0).size(); ++k) {
      const uint32_t i = draws.won(0)[k];
      ASSERT_EQ(draws.won_household(0)[k], i);
      ASSERT_TRUE(st.household_devices[i] & 1u) << i;
      count[i] = draws.won_count(0)[k];
    }
    for (int i = 0; i < st.households(); ++i) {
      if (st.household_devices[i] & 1u) check.Add(count[i]);
    }
  }
  ASSERT_GT(check.n, 1000);
  check.Expect(3.0);
}

}  // namespace
}  // namespace day
}  // namespace aiotreach
