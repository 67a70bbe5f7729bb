// The day loop's draws on a real shard: counts follow their process, the
// won list holds exactly the eligible owners with a count, thinning keeps
// nothing at win 0 and everything at win 1.
#include "engine/day/daily_draws.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "engine/day/testing.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace day {
namespace {

constexpr char kScenario[] = R"pb(
  seed: 4
  population: 3000
  flight_days: 5
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

}  // namespace
}  // namespace day
}  // namespace aiotreach
