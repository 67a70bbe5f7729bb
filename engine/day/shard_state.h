// The day loop's state of one shard, kept from day to day, and how its
// devices and streams are addressed. Internal to the day-by-day path
// (engine/day_simulator.h).
#ifndef AIOTREACH_ENGINE_DAY_SHARD_STATE_H_
#define AIOTREACH_ENGINE_DAY_SHARD_STATE_H_

#include <cstdint>
#include <vector>

#include "engine/campaign.h"
#include "engine/population.h"

namespace aiotreach {
namespace day {

// Sub key of day d's draws; sub 0 is the flight-at-once path's.
inline uint32_t DaySub(int day) { return 1u + static_cast<uint32_t>(day); }

// The stream of (placement, device owner, day) has a fixed layout: word 0
// the count (for paced placements the opportunities, else the won
// opportunities) by inversion; word 1, paced only, the binomial thinning of
// the opportunities by the day's win probability; then one word per won
// opportunity for its time; then each opportunity's audience, interaction
// and follow-up words. A count whose mean is too large for inversion comes
// from a side stream instead, leaving the layout as is.
inline constexpr uint32_t kLargeCountSub = 1u << 16;
inline constexpr uint32_t kLargeThinSub = 2u << 16;
inline uint32_t FirstTimeWord(const CompiledPlacement& p) {
  return p.paced() ? 2 : 1;
}

inline constexpr uint16_t kNeverExposed = 0xFFFF;

// Everything kept about one shard from one day to the next.
struct ShardState {
  PopulationShard pop;
  std::vector<uint8_t> in_target;         // per person
  std::vector<uint8_t> household_target;  // per household: a target member
  std::vector<uint32_t> household_of;     // per person: shard household
  // Per person (target people only change them).
  std::vector<int32_t> count;        // exposures so far
  std::vector<int16_t> first;        // day of the first exposure
  std::vector<uint64_t> reached_by;  // bit j: placement j exposed them
  std::vector<uint32_t> types;       // bit t: a device of type t exposed them
  std::vector<int8_t> last;          // placement of the last exposure
  // [route * people + person]: the last day the person was exposed to the
  // route's source by a device its placement's screen is tied to;
  // kNeverExposed if never (Campaign::retarget_routes()).
  std::vector<uint16_t> last_source;
  // Bit j: an impression of placement j on the person's own device, or on
  // the household's device; bit t: a follow-up on the household's type t.
  std::vector<uint64_t> person_impressions;
  std::vector<uint64_t> household_impressions;
  std::vector<uint32_t> household_follow_ups;
  // Flight-cap counters (CapLedger): [person * flight caps + k], and per
  // device [slot * flight device caps + k], slots from device_begin per
  // household.
  std::vector<uint32_t> flight_person;
  std::vector<uint32_t> device_begin;
  std::vector<uint32_t> flight_device;
  // [paced placement][owner]: the day's opportunities drawn in pass 1,
  // handed to pass 2.
  std::vector<std::vector<int32_t>> opportunities;
};

// The owners of a placement's devices in a shard: its households for a
// household device, its people for a personal one.
struct Owners {
  int count;
  uint32_t first;           // the first owner's id (the key of its streams)
  const uint32_t* devices;  // each owner's device mask
  // 1 if the owner can take the placement: a person in the target, a
  // household with a target member.
  const uint8_t* target;

  // 1 if owner o has a device of type t and is in the target.
  uint32_t Eligible(int o, int t) const {
    return (devices[o] >> t) & target[o] & 1;
  }
};

inline Owners OwnersOf(const CompiledPlacement& p, const ShardState& st) {
  if (p.household_device) {
    return {st.pop.households(), static_cast<uint32_t>(st.pop.first_household),
            st.pop.household_devices.data(), st.household_target.data()};
  }
  return {st.pop.people(), static_cast<uint32_t>(st.pop.first_person),
          st.pop.person_devices.data(), st.in_target.data()};
}

// Numbers a household's devices that carry a placement: shared ones first,
// in type order, then each target member's personal ones in type order.
// Device caps count by these slots.
struct DeviceSlots {
  uint32_t placed = 0;  // device types carrying a placement

  explicit DeviceSlots(const Campaign& campaign) {
    for (int t : campaign.CarryingTypes()) {
      if (!campaign.placements_by_type()[t].empty()) placed |= 1u << t;
    }
  }

  // The slot of household i's device of type t (of `member`, or shared if
  // member < 0). Slot(st, i, kMaxDeviceTypes, size) is the household's
  // number of devices.
  int Slot(const ShardState& st, int i, int t, int member) const {
    const uint32_t below = t >= kMaxDeviceTypes ? ~0u : (uint32_t{1} << t) - 1;
    const uint32_t shared = st.pop.household_devices[i] & placed;
    if (member < 0) return __builtin_popcount(shared & below);
    const uint32_t m0 = st.pop.member_begin[i];
    int slot = __builtin_popcount(shared);
    for (int m = 0; m < member; ++m) {
      if (st.in_target[m0 + m])
        slot += __builtin_popcount(st.pop.person_devices[m0 + m] & placed);
    }
    if (t >= kMaxDeviceTypes) return slot;
    return slot + __builtin_popcount(st.pop.person_devices[m0 + member] &
                                     placed & below);
  }
};

}  // namespace day
}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_DAY_SHARD_STATE_H_
