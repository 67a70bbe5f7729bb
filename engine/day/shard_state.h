// The day loop's state of one shard, kept from day to day, and how its
// devices and streams are addressed. Internal to the day-by-day path
// (engine/day_simulator.h).
#ifndef AIOTREACH_ENGINE_DAY_SHARD_STATE_H_
#define AIOTREACH_ENGINE_DAY_SHARD_STATE_H_

#include <cstdint>
#include <vector>

#include "engine/campaign.h"
#include "engine/narrow_array.h"
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
// Flight inventories: the split of a device's N opportunities over the
// days, one stream per node of a binary tree over the flight (heap order,
// node < 2048).
inline constexpr uint32_t kInventoryTreeSub = 3u << 16;
inline uint32_t FirstTimeWord(const CompiledPlacement& p) {
  return p.paced() ? 2 : 1;
}

// A paced placement with Poisson opportunities is drawn by leaves, not
// device by device: the households in fixed groups of kLeafHouseholds (by
// household id, so the same whatever the shards, threads or ranks). Each
// leaf-day's opportunities are one Poisson draw of the leaf's summed rate
// (stream (placement, leaf, day | kLeafCountSub)); its won ones
// Binomial(opportunities, win), placed on the leaf's owners in proportion
// to their rates by sorted uniform positions (exponential spacings), and
// where a position falls in its owner's run of rate is the opportunity's
// time of day (stream (placement, leaf, day | kLeafWonSub)). This is
// exact: given the day's total, Poisson counts are multinomial over the
// devices, and the won ones a uniform subset of them. Shards are cut on
// leaf boundaries. The owner's own day stream then holds only its events'
// words, from word 0.
inline constexpr int kLeafHouseholds = 64;
inline constexpr uint32_t kLeafCountSub = 4u << 16;
inline constexpr uint32_t kLeafWonSub = 5u << 16;
inline bool DrawnByLeaves(const CompiledPlacement& p) {
  return p.paced() && p.process == Process::kPoisson;
}

inline constexpr uint16_t kNeverExposed = 0xFFFF;

// Everything kept about one shard from one day to the next, each array as
// narrow as the scenario allows (NarrowArray: a mask of three placements
// takes a byte): docs/ENGINE.md, "Memory".
struct ShardState {
  // The shard's households: first ids, member_begin and (if the campaign
  // reads it) activity; nothing else of a PopulationShard is kept.
  PopulationShard pop;
  NarrowArray person_devices;             // per person: bit t, owns type t
  NarrowArray household_devices;          // per household
  std::vector<uint8_t> in_target;         // per person
  std::vector<uint8_t> household_target;  // per household: a target member
  // Per person (target people only change them).
  NarrowArray count;       // exposures so far
  NarrowArray first;       // day of the first exposure; flight days if none
  NarrowArray reached_by;  // bit j: placement j exposed them
  NarrowArray types;       // bit t: a device of type t exposed them
  NarrowArray last;        // 1 + placement of the last exposure (conversions)
  // 1 + the calendar week of the last exposure; 0: none (only when the
  // flight spans two weeks or more).
  NarrowArray last_week;
  // With breakdown frequencies: [person * placements + j] exposures by
  // placement j, [person * row_types + t] on device type t.
  NarrowArray placement_count;
  NarrowArray type_count;
  int row_types = 0;
  // [route * people + person]: the last day the person was exposed to the
  // route's source by a device its placement's screen is tied to;
  // kNeverExposed if never (Campaign::retarget_routes()).
  std::vector<uint16_t> last_source;
  // Bit j: an impression of placement j on the person's own device, or on
  // the household's device; bit t: a follow-up on the household's type t.
  NarrowArray person_impressions;
  NarrowArray household_impressions;
  NarrowArray household_follow_ups;
  // Flight-cap counters (CapLedger): [person * flight caps + k], and per
  // device [slot * flight device caps + k], slots from device_begin per
  // household.
  NarrowArray flight_person;
  std::vector<uint32_t> device_begin;
  NarrowArray flight_device;
  // [paced placement][owner]: the day's opportunities drawn in pass 1,
  // handed to pass 2.
  std::vector<NarrowArray> opportunities;
  // [placement drawn by leaves][leaf of the shard]: the leaf's summed rate
  // weight, and the day's opportunities drawn in pass 1.
  std::vector<std::vector<double>> leaf_weight;
  std::vector<std::vector<int64_t>> leaf_opportunities;

  int people() const { return pop.people(); }
  int households() const { return pop.households(); }
  // The shard household of shard person pm: the number of households
  // starting at or before pm, less one, from a bit per person (set for the
  // first member of each household) and a count before every word.
  std::vector<uint64_t> household_starts;
  std::vector<uint32_t> starts_before;  // per word of household_starts
  int HouseholdOf(uint32_t pm) const {
    const uint64_t word = household_starts[pm >> 6];
    const uint64_t upto = word & (~uint64_t{0} >> (63 - (pm & 63)));
    return static_cast<int>(starts_before[pm >> 6]) +
           __builtin_popcountll(upto) - 1;
  }
  // Household i's devices, for the link draws.
  HouseholdDevices DevicesOf(int i) const {
    return HouseholdDevices::Of(pop.first_household, pop.member_begin,
                                household_devices, person_devices, i);
  }
  // Bytes held by the shard's arrays.
  size_t MemoryBytes() const;
};

// Fills st->in_target and st->household_target from the shard's drawn
// households `pop` (drawn with `needs`, which must cover what the target
// reads).
struct TargetCount {
  int64_t people = 0;
  int64_t households = 0;
};
TargetCount MarkTarget(const CompiledTarget& target,
                       const PopulationNeeds& needs, const PopulationShard& pop,
                       ShardState* st);

// Sets up st's day-to-day state for `campaign` from the shard's drawn
// households `pop`, once in_target and household_target are filled (
// MarkTarget): keeps where households start and (if a placement scales by
// it) the activity, the devices as narrow masks, and zeroes the counters.
// The rest of `pop` (age band, city tier, the devices as drawn) is not
// kept: `pop` is the worker's scratch, reused shard after shard, so the
// arrays only read once never fragment the heap. The flight-cap counters
// are the CapLedger's (CapLedger::StartShard).
void StartShardState(const Campaign& campaign, int device_types,
                     const PopulationShard& pop, ShardState* st);

// An upper estimate of the bytes a person the day loop keeps for
// `campaign` (ShardState::MemoryBytes over the people), for the memory
// check before a run.
double KeptBytesPerPerson(const Campaign& campaign, const Ecosystem& ecosystem);

// The owners of a placement's devices in a shard: its households for a
// household device, its people for a personal one.
struct Owners {
  int count;
  uint32_t first;              // the first owner's id (the key of its streams)
  const NarrowArray* devices;  // each owner's device mask
  // 1 if the owner can take the placement: a person in the target, a
  // household with a target member.
  const uint8_t* target;

  // 1 if owner o has a device of type t and is in the target; `devices`
  // is the typed view of *devices (NarrowArray::Visit), so a loop over
  // the owners stays a plain loop.
  template <typename Mask>
  uint32_t Eligible(const Mask* devices, int o, int t) const {
    return static_cast<uint32_t>((devices[o] >> t) & target[o] & 1);
  }
};

inline Owners OwnersOf(const CompiledPlacement& p, const ShardState& st) {
  if (p.household_device) {
    return {st.households(), static_cast<uint32_t>(st.pop.first_household),
            &st.household_devices, st.household_target.data()};
  }
  return {st.people(), static_cast<uint32_t>(st.pop.first_person),
          &st.person_devices, st.in_target.data()};
}

// The shard household of owner o of placement p's devices: o itself for a
// household device, the household of person o for a personal one.
inline uint32_t HouseholdOfOwner(const CompiledPlacement& p,
                                 const ShardState& st, uint32_t o) {
  return p.household_device ? o : static_cast<uint32_t>(st.HouseholdOf(o));
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
    const uint32_t shared =
        static_cast<uint32_t>(st.household_devices[i]) & placed;
    if (member < 0) return __builtin_popcount(shared & below);
    const uint32_t m0 = st.pop.member_begin[i];
    int slot = __builtin_popcount(shared);
    for (int m = 0; m < member; ++m) {
      if (st.in_target[m0 + m]) {
        slot += __builtin_popcount(
            static_cast<uint32_t>(st.person_devices[m0 + m]) & placed);
      }
    }
    if (t >= kMaxDeviceTypes) return slot;
    return slot + __builtin_popcount(
                      static_cast<uint32_t>(st.person_devices[m0 + member]) &
                      placed & below);
  }
};

}  // namespace day
}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_DAY_SHARD_STATE_H_
