// The day loop's kept state: narrow enough for W2's campaign (at most 16
// bytes a person, issue 12's aim) and never more than the estimate the
// memory check uses.
#include "engine/day/shard_state.h"

#include <iostream>
#include <string>

#include "engine/day/cap_ledger.h"
#include "engine/day/daily_draws.h"
#include "engine/day/testing.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace day {
namespace {

// W2 (docs/WORKLOADS.md) at 30,000 people.
constexpr char kW2[] = R"pb(
  seed: 20201
  population: 30000
  flight_days: 28
  ecosystem {
    spec {
      household_size_weights: [ 0.25, 0.29, 0.21, 0.15, 0.10 ]
      activity_shape: 2
      device_types {
        name: "phone"
        owner: OWNER_KIND_PERSON
        ownership_probability: 1
        screen: true
      }
      device_types {
        name: "tv"
        owner: OWNER_KIND_HOUSEHOLD
        ownership_probability: 0.75
        screen: true
      }
      device_types {
        name: "speaker"
        owner: OWNER_KIND_HOUSEHOLD
        ownership_probability: 0.35
        voice: true
      }
    }
  }
  placements {
    name: "tv_boot"
    device_type: "tv"
    opportunity { bernoulli { probability: 0.35 } }
    share_of_voice: 0.2
    audience {
      kind: AUDIENCE_KIND_TURNER_AND_PRESENT
      co_presence_probability: 0.3
    }
  }
  placements {
    name: "phone_splash"
    device_type: "phone"
    opportunity { poisson { rate: 3 scale_by_activity: true } }
    impression_goal: 300000
    pacing { kind: PACING_KIND_EVEN }
  }
  placements {
    name: "speaker_voice"
    device_type: "speaker"
    opportunity { poisson { rate: 2 } }
    share_of_voice: 0.05
    audience { kind: AUDIENCE_KIND_ONE_MEMBER }
  }
  frequency_caps {
    name: "daily"
    scope: CAP_SCOPE_PERSON
    period: CAP_PERIOD_DAY
    limit: 1
  }
)pb";

// A flight cap per device on top: its counters are kept too.
constexpr char kDeviceCap[] = R"pb(
  frequency_caps {
    name: "tv flight"
    scope: CAP_SCOPE_DEVICE
    period: CAP_PERIOD_FLIGHT
    limit: 300
    placements: "tv_boot"
  }
)pb";

// The state as the day loop holds it mid-flight: started, its flight
// counters sized, and a day's opportunities of the paced placement kept
// (by leaves of households).
size_t KeptBytes(TestShard* t) {
  const CapPlan plan(t->campaign());
  const DeviceSlots slots(t->campaign());
  TallyShape shape;
  shape.caps = static_cast<int>(t->campaign().caps().size());
  Tally tally(shape);
  CapLedger caps(t->campaign(), plan, slots, tally.caps());
  caps.StartShard(&t->st);
  // Placement 1, phone_splash, is paced with Poisson opportunities: drawn
  // by leaves, it keeps each leaf's weight and the day's opportunities.
  DailyDraws draws(t->campaign(), 1);
  EXPECT_TRUE(DrawnByLeaves(t->campaign().placements()[1]));
  draws.WeighLeaves(1, &t->st);
  draws.CountLeaves(1, 0, &t->st);
  EXPECT_EQ(t->st.opportunities[1].size(), 0u);  // nothing an owner
  return t->st.MemoryBytes();
}

TEST(ShardStateTest, W2KeepsAtMostSixteenBytesAPerson) {
  TestShard t = MakeTestShard(kW2, 1);
  ASSERT_NE(t.prepared, nullptr);
  const double people = t.st.people();
  const double per_person = KeptBytes(&t) / people;
  EXPECT_LE(per_person, 16.0);
  EXPECT_LE(per_person,
            KeptBytesPerPerson(t.campaign(), *t.prepared->ecosystem()));
  std::cout << "W2 keeps " << per_person << " bytes a person (estimate "
            << KeptBytesPerPerson(t.campaign(), *t.prepared->ecosystem())
            << ")\n";
  // The masks of three placements and three types take a byte each.
  EXPECT_EQ(t.st.reached_by.width(), 1);
  EXPECT_EQ(t.st.types.width(), 1);
  EXPECT_EQ(t.st.person_devices.width(), 1);
  EXPECT_EQ(t.st.last.size(), 0u);  // no conversions, no last placement
}

TEST(ShardStateTest, EstimateCoversDeviceCapCounters) {
  const std::string text = std::string(kW2) + kDeviceCap;
  TestShard t = MakeTestShard(text.c_str(), 1);
  ASSERT_NE(t.prepared, nullptr);
  const double per_person = KeptBytes(&t) / static_cast<double>(t.st.people());
  EXPECT_GT(t.st.flight_device.size(), 0u);
  EXPECT_LE(per_person,
            KeptBytesPerPerson(t.campaign(), *t.prepared->ecosystem()));
}

}  // namespace
}  // namespace day
}  // namespace aiotreach
