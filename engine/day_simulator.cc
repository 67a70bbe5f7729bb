#include "engine/day_simulator.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/distributions.h"
#include "engine/fast_math.h"
#include "engine/reach_counter.h"
#include "engine/rng.h"
#include "engine/sharded_run.h"
#include "engine/simulator.h"
#include "engine/status_macros.h"

namespace aiotreach {
namespace {

// Events of a household-day sorted by insertion; more by std::stable_sort.
constexpr size_t kInsertionSortEvents = 64;

// Sub key of day d's draws; sub 0 is the flight-at-once path's.
uint32_t DaySub(int day) { return 1u + static_cast<uint32_t>(day); }

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
  // Bit j: an impression of placement j on the person's own device, or on
  // the household's device; bit t: a follow-up on the household's type t.
  std::vector<uint64_t> person_impressions;
  std::vector<uint64_t> household_impressions;
  std::vector<uint32_t> household_follow_ups;
  // Flight-cap counters: [person * flight caps + k], and per device
  // [slot * flight device caps + k], slots from device_begin per household.
  std::vector<uint32_t> flight_person;
  std::vector<uint32_t> device_begin;
  std::vector<uint32_t> flight_device;
  // [paced placement][owner]: the day's opportunities drawn in pass 1,
  // handed to pass 2.
  std::vector<std::vector<int32_t>> opportunities;
};

// The caps, split the ways the simulation reads them.
struct CapPlan {
  // Per cap: index among flight caps (person counters), and among flight
  // device caps (device counters); -1 if not one.
  std::vector<int> flight_index;
  std::vector<int> flight_device_index;
  int flight_caps = 0;
  int flight_device_caps = 0;
  // Per placement: the caps covering it, in list order.
  std::vector<std::vector<int>> covering;

  explicit CapPlan(const Campaign& campaign) {
    const auto& caps = campaign.caps();
    covering.resize(campaign.placements().size());
    for (size_t c = 0; c < caps.size(); ++c) {
      flight_index.push_back(caps[c].daily ? -1 : flight_caps++);
      flight_device_index.push_back(
          caps[c].daily || caps[c].per_person ? -1 : flight_device_caps++);
      for (size_t j = 0; j < covering.size(); ++j) {
        if ((caps[c].placements >> j) & 1)
          covering[j].push_back(static_cast<int>(c));
      }
    }
  }
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

Owners OwnersOf(const CompiledPlacement& p, const ShardState& st) {
  if (p.household_device) {
    return {st.pop.households(), static_cast<uint32_t>(st.pop.first_household),
            st.pop.household_devices.data(), st.household_target.data()};
  }
  return {st.pop.people(), static_cast<uint32_t>(st.pop.first_person),
          st.pop.person_devices.data(), st.in_target.data()};
}

// Simulates shards day by day into its own Tally. One per worker thread.
class DayWorker {
 public:
  DayWorker(const Population& population, const Campaign& campaign,
            const CapPlan& plan, uint64_t seed, const CancelToken* cancel,
            Tally* tally)
      : population_(population),
        campaign_(campaign),
        plan_(plan),
        seed_(seed),
        tally_(*tally),
        placements_(tally->placements()),
        types_(tally->device_types()),
        delivery_(tally->delivery()),
        caps_(tally->caps()),
        reach_(campaign, tally),
        blocks_(campaign.placements().size()),
        won_(campaign.placements().size()),
        won_household_(campaign.placements().size()),
        counts_(campaign.placements().size()),
        poll_(cancel) {
    for (int t : campaign.CarryingTypes()) {
      if (!campaign.placements_by_type()[t].empty()) placed_ |= 1u << t;
    }
    count_links_ = !population.ecosystem().device_links().empty();
    count_contacts_ = population.ecosystem().mean_social_contacts() > 0.0;
    const int n = static_cast<int>(campaign.caps().size());
    for (int c = 0; c < n; ++c) {
      const CompiledCap& cap = campaign.caps()[c];
      has_device_caps_ = has_device_caps_ || !cap.per_person;
      if (cap.daily) day_caps_.push_back(c);
    }
    day_person_.assign(size_t{static_cast<size_t>(n)} * kMaxHouseholdSize, 0);
    day_device_.assign(size_t{static_cast<size_t>(n)} * kMaxDeviceSlots, 0);
  }

  // Draws shard s's households and sets up its state.
  void Prepare(int64_t s, int64_t shard_households, ShardState* st) {
    const int64_t begin = s * shard_households;
    const int64_t end =
        std::min(population_.households(), begin + shard_households);
    const CompiledTarget& target = campaign_.target();
    PopulationNeeds needs;
    needs.activity = campaign_.uses_activity() || target.needs_activity();
    needs.age_band = target.needs_age_band();
    needs.city_tier = target.needs_city_tier();
    // Generate's batch scratch stays with the worker from shard to shard:
    // reallocating it would fault its pages in again every time.
    PopulationShard& pop = st->pop;
    pop.household_blocks.swap(scratch_.household_blocks);
    pop.person_blocks.swap(scratch_.person_blocks);
    pop.activity_blocks.swap(scratch_.activity_blocks);
    population_.Generate(begin, end, needs, &pop);
    pop.household_blocks.swap(scratch_.household_blocks);
    pop.person_blocks.swap(scratch_.person_blocks);
    pop.activity_blocks.swap(scratch_.activity_blocks);
    const int households = pop.households();
    const int people = static_cast<int>(pop.person_devices.size());
    st->in_target.assign(people, 1);
    st->household_of.resize(people);
    st->household_target.assign(households, 0);
    int64_t target_people = 0;
    int64_t target_households = 0;
    for (int i = 0; i < households; ++i) {
      const uint32_t m0 = pop.member_begin[i];
      const int size = static_cast<int>(pop.member_begin[i + 1] - m0);
      for (int m = 0; m < size; ++m) {
        st->household_of[m0 + m] = static_cast<uint32_t>(i);
        const bool in = target.Contains(
            needs.age_band ? pop.age_band[m0 + m] : 0,
            needs.city_tier ? pop.city_tier[i] : 0, size,
            pop.person_devices[m0 + m], pop.household_devices[i],
            needs.activity ? pop.activity[m0 + m] : 1.0f);
        st->in_target[m0 + m] = in;
        target_people += in;
        st->household_target[i] |= in;
      }
      target_households += st->household_target[i];
    }
    tally_.all_people() += people;
    tally_.all_households() += households;
    tally_.people() += target_people;
    tally_.households() += target_households;

    st->count.assign(people, 0);
    st->first.assign(people, static_cast<int16_t>(campaign_.flight_days()));
    st->reached_by.assign(people, 0);
    st->types.assign(people, 0);
    st->last.assign(people, -1);
    st->person_impressions.assign(people, 0);
    st->household_impressions.assign(households, 0);
    st->household_follow_ups.assign(households, 0);
    st->opportunities.resize(campaign_.placements().size());
    st->flight_person.assign(
        size_t{static_cast<size_t>(people)} * plan_.flight_caps, 0);
    if (plan_.flight_device_caps > 0) {
      st->device_begin.assign(households + 1, 0);
      for (int i = 0; i < households; ++i) {
        const int size =
            static_cast<int>(pop.member_begin[i + 1] - pop.member_begin[i]);
        st->device_begin[i + 1] =
            st->device_begin[i] + DeviceSlot(*st, i, kMaxDeviceTypes, size);
      }
      st->flight_device.assign(
          size_t{st->device_begin[households]} * plan_.flight_device_caps, 0);
    }
  }

  // Pass 1 of day `day` on one shard: draws the eligible opportunities of
  // each paced placement on every device; adds their totals to `totals`.
  void CountOpportunities(int day, ShardState* st, int64_t* totals) {
    const auto& placements = campaign_.placements();
    for (size_t j = 0; j < placements.size(); ++j) {
      const CompiledPlacement& p = placements[j];
      if (!p.paced()) continue;
      DrawCounts(static_cast<int>(j), day, *st);
      // Keep the counts for pass 2, which would draw the same again.
      counts_[j].swap(st->opportunities[j]);
      const int32_t* counts = st->opportunities[j].data();
      const Owners owners = OwnersOf(p, *st);
      int64_t total = 0;
      for (int o = 0; o < owners.count; ++o)
        total += owners.Eligible(o, p.device_type) ? counts[o] : 0;
      totals[j] += total;
    }
  }

  // Pass 2 of day `day` on one shard; win[j] is paced placement j's win
  // probability for the day.
  void RunDay(int day, const std::vector<double>& win, ShardState* st) {
    const auto& placements = campaign_.placements();
    const int n = static_cast<int>(placements.size());
    for (int j = 0; j < n; ++j) {
      if (placements[j].paced()) {
        DrawBlocks(j, day, *st);
        counts_[j].swap(st->opportunities[j]);  // pass 1's draws
        Thin(j, day, win[j], *st);
      } else {
        DrawCounts(j, day, *st);
      }
      ListWon(j, *st);
    }
    // Visit the households with won opportunities, in order: the smallest
    // household at the heads of the placements' lists next.
    std::array<int, kMaxPlacements> next{};
    constexpr uint32_t kNone = ~0u;
    while (true) {
      uint32_t i = kNone;
      for (int j = 0; j < n; ++j) {
        if (next[j] < static_cast<int>(won_[j].size()))
          i = std::min(i, won_household_[j][next[j]]);
      }
      if (i == kNone) break;
      HouseholdDay(day, st, static_cast<int>(i), next.data());
    }
  }

  // Counts shard s's people, households, devices and conversions after
  // the last day.
  void Finish(ShardState* st) {
    const int never = campaign_.flight_days();
    const auto& by_type = campaign_.placements_by_type();
    const CompiledConversion& conversion = campaign_.conversion();
    for (int i = 0; i < st->pop.households(); ++i) {
      const uint32_t m0 = st->pop.member_begin[i];
      const int size = static_cast<int>(st->pop.member_begin[i + 1] - m0);
      // Devices, and those with an impression (or a follow-up).
      const uint64_t hh_imp = st->household_impressions[i];
      const uint32_t hh_follow = st->household_follow_ups[i];
      for (uint32_t rest = st->pop.household_devices[i]; rest != 0;
           rest &= rest - 1) {
        const int t = __builtin_ctz(rest);
        CountDevice(t, hh_imp, (hh_follow >> t) & 1, by_type[t]);
      }
      int household_first = never;
      for (int m = 0; m < size; ++m) {
        const uint32_t pm = m0 + m;
        for (uint32_t rest = st->pop.person_devices[pm]; rest != 0;
             rest &= rest - 1) {
          const int t = __builtin_ctz(rest);
          CountDevice(t, st->person_impressions[pm], false, by_type[t]);
        }
        if (!st->in_target[pm]) continue;
        CountFlightCaps(st, pm);
        const int32_t count = st->count[pm];
        if (count == 0) continue;
        uint64_t type_bits = 0;
        for (uint32_t rest = st->types[pm]; rest != 0; rest &= rest - 1)
          type_bits |= reach_.TypeBit(__builtin_ctz(rest));
        reach_.Person(count, st->first[pm], st->reached_by[pm], type_bits);
        household_first = std::min<int>(household_first, st->first[pm]);
        if (conversion.enabled) {
          const int screens =
              __builtin_popcount(st->types[pm] & campaign_.screen_types());
          Rng rng(seed_, streams::kConversion,
                  static_cast<uint32_t>(st->pop.first_person + pm));
          if (rng.Uniform() < conversion.Probability(count, screens))
            Convert(st->reached_by[pm], st->last[pm]);
        }
      }
      if (household_first < never) reach_.Household(household_first);
      if (count_links_) population_.CountLinks(st->pop, i, tally_.links());
    }
    if (count_contacts_) {
      tally_.social_contacts() += population_.SocialContactTotal(
          st->pop.first_person, st->pop.people(), &contact_blocks_);
    }
  }

  void FoldReach() { reach_.Finish(); }

 private:
  struct DeviceDay {
    int placement;
    int type;
    int member;  // -1: a household device
    int slot;    // device index in the household (DeviceSlot)
    uint32_t owner_id;
    uint32_t next_word;     // the next event's first word in the stream
    const RngBlock* block;  // the stream's first block
  };
  struct Event {
    double time;  // hours in [0, 24)
    int device;   // index into devices_
  };

  // Time order, stable, for a household-day of many events; kept out of
  // line, away from the usual few.
  __attribute__((noinline)) static void SortManyEvents(
      std::vector<Event>* events) {
    std::stable_sort(
        events->begin(), events->end(),
        [](const Event& a, const Event& b) { return a.time < b.time; });
  }

  // The stream of (placement, device owner, day) has a fixed layout: word
  // 0 the count (for paced placements the opportunities, else the won
  // opportunities) by inversion; word 1, paced only, the binomial thinning
  // of the opportunities by the day's win probability; then one word per
  // won opportunity for its time; then each opportunity's audience,
  // interaction and follow-up words. A count whose mean is too large for
  // inversion comes from a side stream instead, leaving the layout as is.
  static constexpr uint32_t kLargeCountSub = 1u << 16;
  static constexpr uint32_t kLargeThinSub = 2u << 16;
  static uint32_t FirstTimeWord(const CompiledPlacement& p) {
    return p.paced() ? 2 : 1;
  }

  // counts_[j][o]: word 0's count for every owner o of the shard (owned
  // device and target or not), in loops the compiler vectorises; fills
  // blocks_[j] with the owners' first blocks.
  void DrawCounts(int j, int day, const ShardState& st) {
    const CompiledPlacement& p = campaign_.placements()[j];
    DrawBlocks(j, day, st);
    const Owners shard_owners = OwnersOf(p, st);
    const int owners = shard_owners.count;
    const uint32_t first = shard_owners.first;
    const RngBlocks& blocks = blocks_[j];
    std::vector<int32_t>& out = counts_[j];
    out.resize(owners);
    int32_t* counts = out.data();
    const RngBlock* b = blocks.data();
    const double mean = p.day_mean[day] * (p.paced() ? 1.0 : p.share_of_voice);
    if (p.process == Process::kBernoulli) {
      for (int o = 0; o < owners; ++o)
        counts[o] = Rng::ToUniform(b[o][0]) < mean;
      return;
    }
    if (!p.scale_by_activity) {
      const double e = Exp(-mean);
      for (int o = 0; o < owners; ++o)
        counts[o] = PoissonInverseHead(Rng::ToUniform(b[o][0]), mean, e);
      for (int o = 0; o < owners; ++o) {
        if (counts[o] >= kPoissonHeadTerms || mean >= kPoissonInversionLimit)
          counts[o] = LargeCount(p, day, first + o, b[o][0], mean);
      }
      return;
    }
    const float* activity = st.pop.activity.data();
    for (int o = 0; o < owners; ++o) {
      const double m = mean * activity[o];
      counts[o] = PoissonInverseHead(Rng::ToUniform(b[o][0]), m, Exp(-m));
    }
    for (int o = 0; o < owners; ++o) {
      const double m = mean * activity[o];
      if (counts[o] >= kPoissonHeadTerms || m >= kPoissonInversionLimit)
        counts[o] = LargeCount(p, day, first + o, b[o][0], m);
    }
  }

  // blocks_[j]: the first block of the day's stream of every owner.
  void DrawBlocks(int j, int day, const ShardState& st) {
    const CompiledPlacement& p = campaign_.placements()[j];
    const Owners owners = OwnersOf(p, st);
    blocks_[j].resize(owners.count);
    FirstBlocks(seed_, p.stream, DaySub(day), owners.first, owners.count,
                blocks_[j].data());
  }

  // A Poisson count past the batch's reach: inversion of word 0 for a mean
  // below kPoissonInversionLimit, else PTRS on the side stream.
  int32_t LargeCount(const CompiledPlacement& p, int day, uint32_t owner,
                     uint32_t word0, double mean) const {
    if (mean < kPoissonInversionLimit)
      return static_cast<int32_t>(
          PoissonInverse(Rng::ToUniform(word0), mean, Exp(-mean)));
    Rng side(seed_, p.stream, owner, DaySub(day) | kLargeCountSub);
    return static_cast<int32_t>(SamplePoisson(side, mean));
  }

  // won_[j]: the owners with won opportunities of placement j on a device
  // they own, in the target, in owner order (a branch-free compaction);
  // won_household_[j] their households.
  void ListWon(int j, const ShardState& st) {
    const CompiledPlacement& p = campaign_.placements()[j];
    const Owners owners = OwnersOf(p, st);
    const int32_t* counts = counts_[j].data();
    std::vector<uint32_t>& list = won_[j];
    list.resize(owners.count + 1);
    uint32_t* out = list.data();
    int n = 0;
    for (int o = 0; o < owners.count; ++o) {
      out[n] = static_cast<uint32_t>(o);
      n += (counts[o] > 0) & owners.Eligible(o, p.device_type);
    }
    list.resize(n);
    std::vector<uint32_t>& households = won_household_[j];
    households.resize(n);
    for (int k = 0; k < n; ++k) {
      households[k] = p.household_device ? list[k] : st.household_of[list[k]];
    }
  }

  // Paced placement j: thins counts_[j] (the day's opportunities) to the
  // won ones, Binomial(n, win) from word 1. Call after DrawCounts(j, day).
  void Thin(int j, int day, double win, const ShardState& st) {
    const CompiledPlacement& p = campaign_.placements()[j];
    const BinomialHeadTable table(win);
    int32_t* counts = counts_[j].data();
    const RngBlock* b = blocks_[j].data();
    const int owners = static_cast<int>(counts_[j].size());
    for (int o = 0; o < owners; ++o) {
      const int c = counts[o];
      const int n = std::min(c, kBinomialHeadTrials - 1);
      const int k = BinomialInverseHead(Rng::ToUniform(b[o][1]), n, table);
      counts[o] = c < kBinomialHeadTrials ? k : c;
    }
    const uint32_t first = OwnersOf(p, st).first;
    for (int o = 0; o < owners; ++o) {
      const int64_t n = counts[o];
      if (n < kBinomialHeadTrials) continue;
      // Large counts: the rare heavy device, or a very large rate.
      if (n * std::min(win, 1.0 - win) <= kBinomialChunkMean) {
        counts[o] = static_cast<int32_t>(
            BinomialInverse(Rng::ToUniform(b[o][1]), n, win));
      } else {
        Rng side(seed_, p.stream, first + o, DaySub(day) | kLargeThinSub);
        counts[o] = static_cast<int32_t>(SampleBinomial(side, n, win));
      }
    }
  }

  void CountDevice(int t, uint64_t impressions, bool follow_up,
                   const std::vector<int>& placements) {
    ++types_.devices[t];
    bool reached = follow_up;
    for (int j : placements) {
      ++placements_.devices[j];
      if ((impressions >> j) & 1) {
        ++placements_.devices_reached[j];
        reached = true;
      }
    }
    if (reached) ++types_.devices_reached[t];
  }

  void CountFlightCaps(ShardState* st, uint32_t pm) {
    const auto& caps = campaign_.caps();
    for (size_t c = 0; c < caps.size(); ++c) {
      const int k = plan_.flight_index[c];
      if (k < 0) continue;
      const uint32_t n = st->flight_person[pm * plan_.flight_caps + k];
      if (n > static_cast<uint32_t>(caps[c].limit)) {
        caps_.exposures_over_limit[c] += n - caps[c].limit;
        ++caps_.people_over_limit[c];
      }
    }
  }

  void Convert(uint64_t reached_by, int last) {
    ++tally_.conversions();
    ++delivery_.conversions_last_touch[last];
    const int n = __builtin_popcountll(reached_by);
    const int64_t share = (kEvenSplitUnit + n / 2) / n;
    for (uint64_t rest = reached_by; rest != 0; rest &= rest - 1)
      delivery_.conversions_even_split[__builtin_ctzll(rest)] += share;
  }

  // The slot of household i's device of type t (of `member`, or shared if
  // member < 0): devices are numbered shared ones first, in type order,
  // then each target member's personal ones in type order; only types
  // carrying a placement count.
  // DeviceSlot(st, i, kMaxDeviceTypes, size) is the household's number of
  // devices.
  int DeviceSlot(const ShardState& st, int i, int t, int member) const {
    const uint32_t below = t >= kMaxDeviceTypes ? ~0u : (uint32_t{1} << t) - 1;
    const uint32_t shared = st.pop.household_devices[i] & placed_;
    if (member < 0) return __builtin_popcount(shared & below);
    const uint32_t m0 = st.pop.member_begin[i];
    int slot = __builtin_popcount(shared);
    for (int m = 0; m < member; ++m) {
      if (st.in_target[m0 + m])
        slot += __builtin_popcount(st.pop.person_devices[m0 + m] & placed_);
    }
    if (t >= kMaxDeviceTypes) return slot;
    return slot + __builtin_popcount(st.pop.person_devices[m0 + member] &
                                     placed_ & below);
  }

  // Serves household i's won opportunities of the day in time order;
  // next[j] is the position of its first owner in won_[j], moved past it.
  void HouseholdDay(int day, ShardState* st, int i, int* next) {
    const auto& placements = campaign_.placements();
    if (poll_.stopped()) {  // the run is stopping: skip the shard's rest
      for (size_t j = 0; j < placements.size(); ++j)
        next[j] = static_cast<int>(won_[j].size());
      return;
    }
    const uint32_t m0 = st->pop.member_begin[i];
    const int size = static_cast<int>(st->pop.member_begin[i + 1] - m0);
    devices_.clear();
    events_.clear();
    for (size_t j = 0; j < placements.size(); ++j) {
      const CompiledPlacement& p = placements[j];
      const std::vector<uint32_t>& list = won_[j];
      const std::vector<uint32_t>& households = won_household_[j];
      const uint32_t first_owner = OwnersOf(p, *st).first;
      for (int& k = next[j]; k < static_cast<int>(list.size()) &&
                             households[k] == static_cast<uint32_t>(i);
           ++k) {
        const int owner = static_cast<int>(list[k]);
        const int member =
            p.household_device ? -1 : owner - static_cast<int>(m0);
        const uint32_t owner_id = first_owner + owner;
        const RngBlock& block = blocks_[j][owner];
        const int device = static_cast<int>(devices_.size());
        const int32_t won = counts_[j][owner];
        const uint32_t first_time = FirstTimeWord(p);
        if (first_time + won <= 4) {
          // The usual case: the times are in the block already drawn.
          for (int32_t e = 0; e < won; ++e) {
            AddEvent(p.clock.Time(Rng::ToUniform(block[first_time + e])),
                     device);
          }
        } else {
          Rng rng(seed_, p.stream, owner_id, DaySub(day), block);
          rng.Skip(first_time);
          for (int32_t e = 0; e < won; ++e)
            AddEvent(p.clock.Time(rng.Uniform()), device);
        }
        const int slot =
            has_device_caps_ ? DeviceSlot(*st, i, p.device_type, member) : 0;
        devices_.push_back({static_cast<int>(j), p.device_type, member, slot,
                            owner_id, first_time + won, &block});
      }
    }
    // One poll count for the household-day: its events, and itself.
    if (events_.empty() || poll_.Tick(events_.size() + 1)) return;
    // Time order, stable: ties (rare: times are at 2^-32 of a day) keep the
    // device order, so the order is a function of the draws alone. By
    // insertion for the usual few events; a household-day can also hold
    // millions (high rates on many placements), hence the fallback.
    if (events_.size() <= kInsertionSortEvents) {
      for (size_t a = 1; a < events_.size(); ++a) {
        const Event e = events_[a];
        size_t b = a;
        for (; b > 0 && events_[b - 1].time > e.time; --b)
          events_[b] = events_[b - 1];
        events_[b] = e;
      }
    } else {
      SortManyEvents(&events_);
    }
    // Millions of events in one household-day are possible: poll among
    // them too, at no cost to the usual few.
    const Event* events = events_.data();
    const size_t n = events_.size();
    for (size_t k = 0; k < n; ++k) {
      if (k >= kCancelPollUnits && k % kCancelPollUnits == 0 && poll_.Check())
        return;
      Serve(day, events[k], st, i, m0, size);
    }
    CountDayCaps(*st, i, m0, size);
  }

  // Appends an event field by field: building it whole and copying it
  // stalls on store forwarding (two narrow stores, one wide load).
  void AddEvent(double time, int device) {
    events_.emplace_back();
    Event& e = events_.back();
    e.time = time;
    e.device = device;
  }

  // Adds the day's exposures past each day cap's limit, and zeroes the
  // household's day counters for the next household.
  void CountDayCaps(const ShardState& st, int i, uint32_t m0, int size) {
    const auto& caps = campaign_.caps();
    for (int c : day_caps_) {
      uint32_t* person = &day_person_[c * kMaxHouseholdSize];
      for (int m = 0; m < size; ++m) {
        const int n = static_cast<int>(person[m]);
        person[m] = 0;
        if (!st.in_target[m0 + m]) continue;
        if (n > caps[c].limit) {
          caps_.exposures_over_limit[c] += n - caps[c].limit;
          ++caps_.people_over_limit[c];
        }
      }
      if (!caps[c].per_person) {
        std::fill_n(&day_device_[c * kMaxDeviceSlots],
                    DeviceSlot(st, i, kMaxDeviceTypes, size), 0);
      }
    }
  }

  // The first cap covering placement j that `member` (person caps) or the
  // device in `slot` of household i (device caps) has reached; -1 if none.
  int BlockingCap(int j, const ShardState& st, int i, uint32_t m0, int member,
                  int slot) const {
    const auto& caps = campaign_.caps();
    for (int c : plan_.covering[j]) {
      const CompiledCap& cap = caps[c];
      uint32_t n;
      if (cap.per_person) {
        n = cap.daily ? day_person_[c * kMaxHouseholdSize + member]
                      : st.flight_person[(m0 + member) * plan_.flight_caps +
                                         plan_.flight_index[c]];
      } else {
        n = cap.daily ? day_device_[c * kMaxDeviceSlots + slot]
                      : st.flight_device[(st.device_begin[i] + slot) *
                                             plan_.flight_device_caps +
                                         plan_.flight_device_index[c]];
      }
      if (n >= static_cast<uint32_t>(cap.limit)) return c;
    }
    return -1;
  }

  // One exposure of household member m (of a household whose people start
  // at m0) to placement j on a device of type t.
  void Expose(int day, int j, int t, ShardState* st, uint32_t m0, int m) {
    const uint32_t pm = m0 + m;
    if (!st->in_target[pm]) {
      ++tally_.off_target_exposures();
      return;
    }
    ++st->count[pm];
    st->first[pm] = std::min<int16_t>(st->first[pm], static_cast<int16_t>(day));
    st->reached_by[pm] |= uint64_t{1} << j;
    st->types[pm] |= 1u << t;
    st->last[pm] = static_cast<int8_t>(j);
    ++tally_.daily_exposures()[day];
    ++placements_.exposures[j];
    ++types_.exposures[t];
    const auto& caps = campaign_.caps();
    for (int c : plan_.covering[j]) {
      if (caps[c].daily) {
        ++day_person_[c * kMaxHouseholdSize + m];
      } else {
        ++st->flight_person[pm * plan_.flight_caps + plan_.flight_index[c]];
      }
    }
  }

  void Serve(int day, const Event& e, ShardState* st, int i, uint32_t m0,
             int size) {
    DeviceDay& d = devices_[e.device];
    const int j = d.placement;
    const CompiledPlacement& p = campaign_.placements()[j];
    // Words of this event: the audience's, then one for the interaction,
    // then two for a follow-up; all are read or skipped, so every event of
    // the device starts at a fixed place whatever happened before. The
    // stream is set up only for events that read words (not a phone's
    // impression without interactions).
    const uint32_t audience_words = p.AudienceWords(size);
    const uint32_t extra_words =
        (p.interaction_rate > 0.0 ? 1 : 0) + (p.follow_up > 0.0 ? 2 : 0);
    const uint32_t words = audience_words + extra_words;
    Rng rng = words > 0
                  ? Rng(seed_, p.stream, d.owner_id, DaySub(day), *d.block)
                  : Rng();
    if (words > 0) rng.Skip(d.next_word);
    d.next_word += words;
    int checked = d.member;
    uint32_t rest = audience_words + extra_words;
    if (checked < 0) {
      checked = static_cast<int>(rng.UniformInt(size));
      --rest;
    }
    if (!st->in_target[m0 + checked]) {
      rng.Skip(rest);
      return;
    }
    ++delivery_.won[j];
    const int blocking = BlockingCap(j, *st, i, m0, checked, d.slot);
    if (blocking >= 0) {
      ++delivery_.refused[j];
      ++caps_.refused[blocking];
      ++tally_.daily_refused()[day];
      rng.Skip(rest);
      return;
    }
    // Served: one impression.
    ++tally_.impressions();
    ++placements_.impressions[j];
    ++types_.impressions[d.type];
    ++tally_.daily_placement_impressions()[day * placements_.rows + j];
    ++tally_.hourly_impressions()[std::min(23, static_cast<int>(e.time))];
    if (d.member < 0) {
      st->household_impressions[i] |= uint64_t{1} << j;
    } else {
      st->person_impressions[m0 + d.member] |= uint64_t{1} << j;
    }
    const auto& caps = campaign_.caps();
    for (int c : plan_.covering[j]) {
      if (caps[c].per_person) continue;
      if (caps[c].daily) {
        ++day_device_[c * kMaxDeviceSlots + d.slot];
      } else {
        ++st->flight_device[(st->device_begin[i] + d.slot) *
                                plan_.flight_device_caps +
                            plan_.flight_device_index[c]];
      }
    }
    viewers_.clear();
    viewers_.push_back(checked);
    Expose(day, j, d.type, st, m0, checked);
    if (p.audience == v1::AUDIENCE_KIND_TURNER_AND_PRESENT) {
      p.ForEachOtherPresent(size, checked, rng, [&](int m) {
        viewers_.push_back(m);
        Expose(day, j, d.type, st, m0, m);
      });
    }
    if (p.interaction_rate > 0.0 && rng.Uniform() < p.interaction_rate)
      ++delivery_.interactions[j];
    if (p.follow_up > 0.0) {
      const double u = rng.Uniform();
      const uint32_t pick = rng.NextU32();
      const int voice = VoiceType(st->pop.household_devices[i]);
      if (voice >= 0 && u < p.follow_up) {
        const int asker = viewers_[(uint64_t{pick} * viewers_.size()) >> 32];
        ++delivery_.follow_ups[j];
        ++delivery_.interactions[j];
        ++tally_.cross_device()[j * types_.rows + voice];
        st->household_follow_ups[i] |= 1u << voice;
        Expose(day, j, voice, st, m0, asker);
      }
    }
  }

  // The household's first voice device type, or -1.
  int VoiceType(uint32_t household_devices) const {
    for (int t : campaign_.voice_types()) {
      if ((household_devices >> t) & 1) return t;
    }
    return -1;
  }

  const Population& population_;
  const Campaign& campaign_;
  const CapPlan& plan_;
  const uint64_t seed_;
  Tally& tally_;
  const BreakdownCounters placements_;
  const BreakdownCounters types_;
  const DeliveryCounters delivery_;
  const CapCounters caps_;
  ReachCounter reach_;
  uint32_t placed_ = 0;  // types carrying a placement
  bool count_links_ = false;
  bool count_contacts_ = false;
  std::vector<RngBlocks> blocks_;
  RngBlocks contact_blocks_;
  std::vector<DeviceDay> devices_;
  std::vector<Event> events_;
  std::vector<int> viewers_;
  // Day caps: [cap * kMaxHouseholdSize + member] and [cap *
  // kMaxDeviceSlots + device slot] of the household.
  static constexpr int kMaxDeviceSlots =
      kMaxDeviceTypes * (1 + kMaxHouseholdSize);
  std::vector<uint32_t> day_person_;
  std::vector<uint32_t> day_device_;
  bool has_device_caps_ = false;
  std::vector<int> day_caps_;  // indices of the per-day caps
  // Population::Generate's batch scratch, reused shard after shard.
  PopulationShard scratch_;
  // won_[j]: owners with won opportunities of placement j today (ListWon);
  // won_household_[j]: their households.
  std::vector<std::vector<uint32_t>> won_;
  std::vector<std::vector<uint32_t>> won_household_;
  // counts_[j][o]: the day's count of placement j for owner o (see
  // DrawCounts), won opportunities after Thin.
  std::vector<std::vector<int32_t>> counts_;
  // Polls the run's cancel token as households and events go by; a
  // stopped worker leaves its shard-day early.
  CancelPoller poll_;
};

}  // namespace

absl::StatusOr<Tally> DaySimulator::Run(const RunOptions& options) const {
  const auto& placements = campaign_.placements();
  const int days = campaign_.flight_days();
  const int n_placements = static_cast<int>(placements.size());
  const bool any_paced =
      std::any_of(placements.begin(), placements.end(),
                  [](const CompiledPlacement& p) { return p.paced(); });
  // Passes: shards prepared, each day's one or two, the final count.
  ShardedRun run(population_.households(),
                 MakeTallyShape(population_, campaign_), options,
                 2 + int64_t{days} * (any_paced ? 2 : 1));
  AIOT_RETURN_IF_ERROR(run.status());
  const int64_t shards = run.shards();
  const CapPlan plan(campaign_);
  std::vector<std::unique_ptr<DayWorker>> workers;
  for (int w = 0; w < run.threads(); ++w) {
    workers.push_back(std::make_unique<DayWorker>(
        population_, campaign_, plan, seed_, options.cancel, run.tally(w)));
  }

  std::vector<ShardState> states(shards);
  AIOT_RETURN_IF_ERROR(run.ForEachShard([&](int64_t s, int w) {
    workers[w]->Prepare(s, run.shard_households(), &states[s]);
  }));
  std::vector<int64_t> delivered(n_placements, 0);
  std::vector<double> win(n_placements, 0.0);
  std::vector<std::vector<int64_t>> shard_totals(
      shards, std::vector<int64_t>(n_placements, 0));
  for (int day = 0; day < days; ++day) {
    if (any_paced) {
      for (auto& t : shard_totals) std::fill(t.begin(), t.end(), 0);
      AIOT_RETURN_IF_ERROR(run.ForEachShard([&](int64_t s, int w) {
        workers[w]->CountOpportunities(day, &states[s], shard_totals[s].data());
      }));
      for (int j = 0; j < n_placements; ++j) {
        if (!placements[j].paced()) continue;
        int64_t available = 0;
        for (const auto& t : shard_totals) available += t[j];
        const int64_t target =
            placements[j].DayTarget(day, placements[j].goal - delivered[j]);
        win[j] = available > 0 && target > 0
                     ? std::min(1.0, static_cast<double>(target) /
                                         static_cast<double>(available))
                     : 0.0;
      }
    }
    AIOT_RETURN_IF_ERROR(run.ForEachShard(
        [&](int64_t s, int w) { workers[w]->RunDay(day, win, &states[s]); }));
    for (const Tally& t : run.tallies()) {
      const int64_t* row =
          t.daily_placement_impressions() + int64_t{day} * n_placements;
      for (int j = 0; j < n_placements; ++j) delivered[j] += row[j];
    }
  }
  AIOT_RETURN_IF_ERROR(run.ForEachShard([&](int64_t s, int w) {
    workers[w]->Finish(&states[s]);
    states[s] = ShardState();
  }));
  for (auto& worker : workers) worker->FoldReach();
  return run.Total();
}

}  // namespace aiotreach
