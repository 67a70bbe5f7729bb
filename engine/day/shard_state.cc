#include "engine/day/shard_state.h"

namespace aiotreach {
namespace day {
namespace {

// A mask of n low bits (n up to 64).
uint64_t LowBits(int n) {
  return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
}

template <typename T>
void Free(std::vector<T>* v) {
  std::vector<T>().swap(*v);
}

template <typename T>
size_t Bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace

TargetCount MarkTarget(const CompiledTarget& target,
                       const PopulationNeeds& needs, const PopulationShard& pop,
                       ShardState* st) {
  const int households = pop.households();
  st->in_target.assign(pop.people(), 1);
  st->household_target.assign(households, 0);
  TargetCount in;
  for (int i = 0; i < households; ++i) {
    const uint32_t m0 = pop.member_begin[i];
    const int size = static_cast<int>(pop.member_begin[i + 1] - m0);
    for (int m = 0; m < size; ++m) {
      const bool member_in =
          target.Contains(needs.age_band ? pop.age_band[m0 + m] : 0,
                          needs.city_tier ? pop.city_tier[i] : 0, size,
                          pop.person_devices[m0 + m], pop.household_devices[i],
                          needs.activity ? pop.activity[m0 + m] : 1.0f,
                          needs.gender ? pop.gender[m0 + m] : 0);
      st->in_target[m0 + m] = member_in;
      in.people += member_in;
      st->household_target[i] |= member_in;
    }
    in.households += st->household_target[i];
  }
  return in;
}

void StartShardState(const Campaign& campaign, int device_types,
                     const PopulationShard& pop, ShardState* st) {
  // Kept from the drawn shard: where households start and (if read) the
  // activity, copied to exact size.
  st->pop.first_household = pop.first_household;
  st->pop.first_person = pop.first_person;
  st->pop.member_begin.assign(pop.member_begin.begin(), pop.member_begin.end());
  if (campaign.uses_activity()) {
    st->pop.activity.assign(pop.activity.begin(), pop.activity.end());
  } else {
    Free(&st->pop.activity);
  }
  const int people = st->people();
  const int households = st->households();
  // The devices, narrowed to the widest mask the shard holds.
  uint64_t person_types = 0, household_types = 0;
  for (uint32_t d : pop.person_devices) person_types |= d;
  for (uint32_t d : pop.household_devices) household_types |= d;
  st->person_devices.Assign(people, person_types, 0);
  for (int p = 0; p < people; ++p)
    st->person_devices.Set(p, pop.person_devices[p]);
  st->household_devices.Assign(households, household_types, 0);
  for (int i = 0; i < households; ++i)
    st->household_devices.Set(i, pop.household_devices[i]);
  // Where each household starts, for HouseholdOf.
  const size_t words = static_cast<size_t>(people) / 64 + 1;
  st->household_starts.assign(words, 0);
  for (int i = 0; i < households; ++i) {
    const uint32_t m0 = pop.member_begin[i];
    st->household_starts[m0 >> 6] |= uint64_t{1} << (m0 & 63);
  }
  st->starts_before.resize(words);
  uint32_t before = 0;
  for (size_t w = 0; w < words; ++w) {
    st->starts_before[w] = before;
    before += __builtin_popcountll(st->household_starts[w]);
  }

  const int placements = static_cast<int>(campaign.placements().size());
  const uint64_t placement_bits = LowBits(placements);
  const uint64_t type_bits = LowBits(device_types);
  st->count.Assign(people, 0, 0);  // widens as counts grow
  st->first.Assign(people, campaign.flight_days(), campaign.flight_days());
  st->reached_by.Assign(people, placement_bits, 0);
  st->types.Assign(people, type_bits, 0);
  if (campaign.conversion().enabled) {
    st->last.Assign(people, placements, 0);
  } else {
    st->last.Clear();
  }
  if (campaign.weeks() > 1) {
    st->last_week.Assign(people, campaign.weeks(), 0);
  } else {
    st->last_week.Clear();
  }
  if (campaign.breakdown_frequency()) {
    // One byte a counter to start with; they widen as they grow.
    st->row_types = device_types;
    st->placement_count.Assign(static_cast<size_t>(people) * placements, 0, 0);
    st->type_count.Assign(static_cast<size_t>(people) * device_types, 0, 0);
  } else {
    st->row_types = 0;
    st->placement_count.Clear();
    st->type_count.Clear();
  }
  st->last_source.assign(campaign.retarget_routes().size() * people,
                         kNeverExposed);
  st->person_impressions.Assign(people, placement_bits, 0);
  st->household_impressions.Assign(households, placement_bits, 0);
  const bool follow_ups =
      std::any_of(campaign.placements().begin(), campaign.placements().end(),
                  [](const CompiledPlacement& p) { return p.follow_up > 0.0; });
  if (follow_ups) {
    st->household_follow_ups.Assign(households, type_bits, 0);
  } else {
    st->household_follow_ups.Clear();
  }
  st->opportunities.resize(placements);
  st->leaf_weight.resize(placements);
  st->leaf_opportunities.resize(placements);
}

double KeptBytesPerPerson(const Campaign& campaign,
                          const Ecosystem& ecosystem) {
  const int types = static_cast<int>(ecosystem.device_types().size());
  const int placements = static_cast<int>(campaign.placements().size());
  const double per_household = 1.0 / ecosystem.mean_household_size();
  const int type_bytes = NarrowArray::WidthFor(LowBits(types));
  const int placement_bytes = NarrowArray::WidthFor(LowBits(placements));
  bool follow_ups = false;
  int paced = 0, by_leaves = 0;
  for (const CompiledPlacement& p : campaign.placements()) {
    follow_ups = follow_ups || p.follow_up > 0.0;
    by_leaves += DrawnByLeaves(p);
    paced += p.paced() && !DrawnByLeaves(p);
  }
  int flight_caps = 0, device_caps = 0;
  for (const CompiledCap& cap : campaign.caps()) {
    flight_caps += !cap.daily;
    device_caps += !cap.daily && !cap.per_person;
  }
  // Per person: devices, target flag, household rank bits (1/8 + 4/64),
  // activity if read, and the counters: count (2: it may widen), first
  // day, reach and type masks, last placement, last week, impressions, route
  // days, flight caps (2 each: they widen past 255).
  double bytes = type_bytes + 1 + 0.2 + (campaign.uses_activity() ? 4 : 0) + 2 +
                 NarrowArray::WidthFor(campaign.flight_days()) +
                 placement_bytes + type_bytes +
                 (campaign.conversion().enabled ? placement_bytes : 0) +
                 placement_bytes + (campaign.weeks() > 1 ? 1 : 0) +
                 2.0 * campaign.retarget_routes().size() + 2.0 * flight_caps;
  // Per household: member_begin, devices, target flag, impressions,
  // follow-ups, and device slots with their flight counters (a household
  // holds at most every type, personal ones once a member).
  bytes +=
      per_household *
      (4 + type_bytes + 1 + placement_bytes + (follow_ups ? type_bytes : 0) +
       (device_caps > 0
            ? 4 + 2.0 * device_caps * types * ecosystem.mean_household_size()
            : 0));
  // The paced placements' opportunities of the day: a byte an owner, more
  // for heavy devices; or a leaf's weight and opportunities.
  bytes += 2.0 * paced + by_leaves * per_household * 16.0 / kLeafHouseholds;
  return bytes;
}

size_t ShardState::MemoryBytes() const {
  size_t bytes =
      Bytes(pop.member_begin) + Bytes(pop.city_tier) +
      Bytes(pop.household_devices) + Bytes(pop.activity) + Bytes(pop.age_band) +
      Bytes(pop.person_devices) + Bytes(pop.person_tier) + Bytes(in_target) +
      Bytes(household_target) + Bytes(household_starts) + Bytes(starts_before) +
      Bytes(last_source) + Bytes(device_begin);
  for (const NarrowArray* a :
       {&person_devices, &household_devices, &count, &first, &reached_by,
        &types, &last, &last_week, &placement_count, &type_count,
        &person_impressions, &household_impressions, &household_follow_ups,
        &flight_person, &flight_device}) {
    bytes += a->memory_bytes();
  }
  for (const NarrowArray& a : opportunities) bytes += a.memory_bytes();
  for (const std::vector<double>& a : leaf_weight) bytes += Bytes(a);
  for (const std::vector<int64_t>& a : leaf_opportunities) bytes += Bytes(a);
  return bytes;
}

}  // namespace day
}  // namespace aiotreach
