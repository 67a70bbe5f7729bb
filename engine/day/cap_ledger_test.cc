// The cap ledger on a real shard of a tiny population: what blocks, what
// counts, what resets, what is reported past a limit.
#include "engine/day/cap_ledger.h"

#include <memory>

#include "engine/day/testing.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace day {
namespace {

// Households of 2 or 3 people, a phone each, a TV each household; caps:
// 0: 1 exposure a person a day (every placement); 1: 2 boot impressions a
// TV over the flight; 2: 3 exposures a person over the flight.
constexpr char kScenario[] = R"pb(
  seed: 1
  population: 60
  flight_days: 7
  ecosystem {
    spec {
      household_size_weights: [ 0, 1, 1 ]
      device_types {
        name: "phone"
        owner: OWNER_KIND_PERSON
        ownership_probability: 1
      }
      device_types {
        name: "tv"
        owner: OWNER_KIND_HOUSEHOLD
        ownership_probability: 1
      }
    }
  }
  placements {
    name: "splash"
    device_type: "phone"
    opportunity { poisson { rate: 1 } }
    share_of_voice: 1
  }
  placements {
    name: "boot"
    device_type: "tv"
    opportunity { bernoulli { probability: 1 } }
    share_of_voice: 1
    audience { kind: AUDIENCE_KIND_ONE_MEMBER }
  }
  frequency_caps { scope: CAP_SCOPE_PERSON period: CAP_PERIOD_DAY limit: 1 }
  frequency_caps {
    scope: CAP_SCOPE_DEVICE
    period: CAP_PERIOD_FLIGHT
    limit: 2
    placements: "boot"
  }
  frequency_caps { scope: CAP_SCOPE_PERSON period: CAP_PERIOD_FLIGHT limit: 3 }
)pb";

class CapLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shard_ = MakeTestShard(kScenario, 1);
    ASSERT_NE(shard_.prepared, nullptr);
    TallyShape shape;
    shape.placements = 2;
    shape.device_types = 2;
    shape.flight_days = 7;
    shape.max_frequency = 10;
    shape.caps = static_cast<int>(shard_.campaign().caps().size());
    tally_ = std::make_unique<Tally>(shape);
    plan_ = std::make_unique<CapPlan>(shard_.campaign());
    slots_ = std::make_unique<DeviceSlots>(shard_.campaign());
    ledger_ = std::make_unique<CapLedger>(shard_.campaign(), *plan_, *slots_,
                                          tally_->caps());
    ledger_->StartShard(&st_);
  }

  int Size(int i) const {
    return static_cast<int>(st_.pop.member_begin[i + 1] -
                            st_.pop.member_begin[i]);
  }

  TestShard shard_;
  ShardState& st_ = shard_.st;
  std::unique_ptr<Tally> tally_;
  std::unique_ptr<CapPlan> plan_;
  std::unique_ptr<DeviceSlots> slots_;
  std::unique_ptr<CapLedger> ledger_;
};

TEST_F(CapLedgerTest, PlanSplitsCapsByPeriodAndScope) {
  EXPECT_EQ(plan_->flight_caps, 2);                            // caps 1 and 2
  EXPECT_EQ(plan_->flight_device_caps, 1);                     // cap 1
  EXPECT_EQ(plan_->covering[0], (std::vector<int>{0, 2}));     // splash
  EXPECT_EQ(plan_->covering[1], (std::vector<int>{0, 1, 2}));  // boot
  EXPECT_TRUE(ledger_->has_device_caps());
}

TEST_F(CapLedgerTest, DayCapBlocksThePersonForTheRestOfTheDayOnly) {
  const int i = 0;
  const uint32_t m0 = st_.pop.member_begin[i];
  ASSERT_GE(Size(i), 2);
  EXPECT_EQ(ledger_->Blocking(0, st_, i, m0, 0, 0), -1);
  ledger_->CountExposure(0, &st_, m0, 0);
  EXPECT_EQ(ledger_->Blocking(0, st_, i, m0, 0, 0), 0);   // the day cap
  EXPECT_EQ(ledger_->Blocking(1, st_, i, m0, 0, 0), 0);   // campaign-wide
  EXPECT_EQ(ledger_->Blocking(0, st_, i, m0, 1, 0), -1);  // another member
  // A co-viewer exposed past the cap: reported at the end of the day.
  ledger_->CountExposure(1, &st_, m0, 0);
  ledger_->EndHouseholdDay(st_, i, m0, Size(i));
  EXPECT_EQ(tally_->caps().exposures_over_limit[0], 1);
  EXPECT_EQ(tally_->caps().people_over_limit[0], 1);
  // The next day starts fresh; the flight cap (3) still counts both.
  EXPECT_EQ(ledger_->Blocking(0, st_, i, m0, 0, 0), -1);
  ledger_->CountExposure(0, &st_, m0, 0);
  EXPECT_EQ(ledger_->Blocking(0, st_, i, m0, 0, 0), 0);
  ledger_->EndHouseholdDay(st_, i, m0, Size(i));
  EXPECT_EQ(ledger_->Blocking(0, st_, i, m0, 0, 0), 2);  // 3 of 3 this flight
  ledger_->CountExposure(0, &st_, m0, 0);
  ledger_->EndFlight(st_, m0);
  EXPECT_EQ(tally_->caps().exposures_over_limit[2], 1);
  EXPECT_EQ(tally_->caps().people_over_limit[2], 1);
}

TEST_F(CapLedgerTest, DeviceCapCountsImpressionsPerDevice) {
  const int slot = slots_->Slot(st_, 0, 1, -1);  // household 0's TV
  const uint32_t m0 = st_.pop.member_begin[0];
  EXPECT_EQ(slot, 0);  // shared devices come first
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(ledger_->Blocking(1, st_, 0, m0, 0, slot), -1);
    ledger_->CountImpression(1, &st_, 0, slot);
    ledger_->EndHouseholdDay(st_, 0, m0, Size(0));  // a new day each time
  }
  EXPECT_EQ(ledger_->Blocking(1, st_, 0, m0, 0, slot), 1);
  // Phones are not under the device cap; another household's TV is free.
  EXPECT_EQ(ledger_->Blocking(0, st_, 0, m0, 0, slots_->Slot(st_, 0, 0, 0)),
            -1);
  const uint32_t m1 = st_.pop.member_begin[1];
  EXPECT_EQ(ledger_->Blocking(1, st_, 1, m1, 0, slot), -1);
  // Slots: the TV, then each member's phone.
  EXPECT_EQ(slots_->Slot(st_, 0, kMaxDeviceTypes, Size(0)), 1 + Size(0));
}

}  // namespace
}  // namespace day
}  // namespace aiotreach
