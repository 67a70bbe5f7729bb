#include "engine/day_simulator.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/distributions.h"
#include "engine/fast_math.h"
#include "engine/parallel.h"
#include "engine/reach_counter.h"
#include "engine/rng.h"
#include "engine/simulator.h"

namespace aiotreach {
namespace {

// Sub key of day d's draws; sub 0 is the flight-at-once path's.
uint32_t DaySub(int day) { return 1u + static_cast<uint32_t>(day); }

// Everything kept about one shard from one day to the next.
struct ShardState {
  PopulationShard pop;
  std::vector<uint8_t> in_target;         // per person
  std::vector<uint8_t> household_target;  // per household: a target member
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

// Devices of a household in slot order: its shared devices of carrying
// types in type order, then each target member's personal devices of
// carrying types in type order. Calls f(type, member or -1) per device.
template <typename F>
void ForEachDevice(const ShardState& s, int i, uint32_t carrying, F&& f) {
  for (uint32_t rest = s.pop.household_devices[i] & carrying; rest != 0;
       rest &= rest - 1) {
    f(__builtin_ctz(rest), -1);
  }
  const uint32_t m0 = s.pop.member_begin[i];
  const int size = static_cast<int>(s.pop.member_begin[i + 1] - m0);
  for (int m = 0; m < size; ++m) {
    if (!s.in_target[m0 + m]) continue;
    for (uint32_t rest = s.pop.person_devices[m0 + m] & carrying; rest != 0;
         rest &= rest - 1) {
      f(__builtin_ctz(rest), m);
    }
  }
}

// Simulates shards day by day into its own Tally. One per worker thread.
class DayWorker {
 public:
  DayWorker(const Population& population, const Campaign& campaign,
            const CapPlan& plan, uint64_t seed, Tally* tally)
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
        blocks_(campaign.placements().size()) {
    for (int t : campaign.CarryingTypes()) {
      if (!campaign.placements_by_type()[t].empty()) placed_ |= 1u << t;
    }
    count_links_ = !population.ecosystem().device_links().empty();
    count_contacts_ = population.ecosystem().mean_social_contacts() > 0.0;
    const int n = static_cast<int>(campaign.caps().size());
    day_person_.assign(n, {});
    day_device_.assign(n, {});
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
    population_.Generate(begin, end, needs, &st->pop);
    PopulationShard& pop = st->pop;
    // The batch scratch is not needed again.
    pop.household_blocks = {};
    pop.person_blocks = {};
    pop.activity_blocks = {};
    const int households = pop.households();
    const int people = static_cast<int>(pop.person_devices.size());
    st->in_target.assign(people, 1);
    st->household_target.assign(households, 0);
    int64_t target_people = 0;
    int64_t target_households = 0;
    for (int i = 0; i < households; ++i) {
      const uint32_t m0 = pop.member_begin[i];
      const int size = static_cast<int>(pop.member_begin[i + 1] - m0);
      for (int m = 0; m < size; ++m) {
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
    st->flight_person.assign(
        size_t{static_cast<size_t>(people)} * plan_.flight_caps, 0);
    if (plan_.flight_device_caps > 0) {
      st->device_begin.assign(households + 1, 0);
      for (int i = 0; i < households; ++i) {
        uint32_t n = 0;
        ForEachDevice(*st, i, placed_, [&](int, int) { ++n; });
        st->device_begin[i + 1] = st->device_begin[i] + n;
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
      const bool shared = p.household_device;
      const int owners = shared ? st->pop.households() : st->pop.people();
      const uint32_t first = static_cast<uint32_t>(
          shared ? st->pop.first_household : st->pop.first_person);
      std::vector<RngBlock>& blocks = blocks_[j];
      blocks.resize(owners);
      FirstBlocks(seed_, p.stream, DaySub(day), first, owners, blocks.data());
      const uint32_t bit = 1u << p.device_type;
      int64_t total = 0;
      for (int o = 0; o < owners; ++o) {
        const bool eligible =
            shared ? (st->pop.household_devices[o] & bit) &&
                         st->household_target[o]
                   : (st->pop.person_devices[o] & bit) && st->in_target[o];
        if (eligible) {
          Rng rng(seed_, p.stream, first + o, DaySub(day), blocks[o]);
          total += DrawOpportunities(p, DeviceMean(p, day, *st, o), rng);
        }
      }
      totals[j] += total;
    }
  }

  // Pass 2 of day `day` on one shard; win[j] is paced placement j's win
  // probability for the day.
  void RunDay(int day, const std::vector<double>& win, ShardState* st) {
    const auto& placements = campaign_.placements();
    for (size_t j = 0; j < placements.size(); ++j) {
      const CompiledPlacement& p = placements[j];
      const bool shared = p.household_device;
      const int owners = shared ? st->pop.households() : st->pop.people();
      blocks_[j].resize(owners);
      FirstBlocks(seed_, p.stream, DaySub(day),
                  static_cast<uint32_t>(shared ? st->pop.first_household
                                               : st->pop.first_person),
                  owners, blocks_[j].data());
    }
    for (int i = 0; i < st->pop.households(); ++i) {
      if (st->household_target[i]) HouseholdDay(day, win, st, i);
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
      if (count_contacts_) {
        for (int m = 0; m < size; ++m) {
          tally_.social_contacts() +=
              population_.SocialContactCount(st->pop.first_person + m0 + m);
        }
      }
    }
  }

  void FoldReach() { reach_.Finish(); }

 private:
  struct DeviceDay {
    int placement;
    int type;
    int member;  // -1: a household device
    int slot;    // device index in the household (ForEachDevice order)
    Rng rng;     // positioned at the next event's words
  };
  struct Event {
    double time;  // hours in [0, 24)
    int device;   // index into devices_
  };

  // The device's mean (Poisson) or probability (Bernoulli) of eligible
  // opportunities on `day`.
  double DeviceMean(const CompiledPlacement& p, int day, const ShardState& st,
                    int owner) const {
    const double mean = p.day_mean[day];
    return p.scale_by_activity ? mean * st.pop.activity[owner] : mean;
  }

  // Opportunities drawn from rng: Bernoulli(mean) or Poisson(mean).
  static int64_t DrawOpportunities(const CompiledPlacement& p, double mean,
                                   Rng& rng) {
    if (p.process == Process::kBernoulli) return rng.Uniform() < mean;
    return SamplePoisson(rng, mean);
  }

  // Won opportunities of a placement on one device in a day, from the
  // device's stream of the day: paced, the opportunities (the same draw as
  // pass 1's) thinned by the day's win probability; otherwise the process
  // thinned by the share of voice, drawn directly.
  static int64_t DrawWon(const CompiledPlacement& p, double win, double mean,
                         Rng& rng) {
    if (p.paced()) {
      return SampleBinomial(rng, DrawOpportunities(p, mean, rng), win);
    }
    return DrawOpportunities(p, mean * p.share_of_voice, rng);
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

  void HouseholdDay(int day, const std::vector<double>& win, ShardState* st,
                    int i) {
    const auto& placements = campaign_.placements();
    const auto& by_type = campaign_.placements_by_type();
    const uint32_t m0 = st->pop.member_begin[i];
    const int size = static_cast<int>(st->pop.member_begin[i + 1] - m0);
    devices_.clear();
    events_.clear();
    int slot = 0;
    ForEachDevice(*st, i, placed_, [&](int t, int member) {
      const bool shared = member < 0;
      const int owner = shared ? i : static_cast<int>(m0) + member;
      const uint32_t owner_id = static_cast<uint32_t>(
          shared ? st->pop.first_household + i : st->pop.first_person + owner);
      for (int j : by_type[t]) {
        const CompiledPlacement& p = placements[j];
        Rng rng(seed_, p.stream, owner_id, DaySub(day), blocks_[j][owner]);
        const int64_t won =
            DrawWon(p, win[j], DeviceMean(p, day, *st, owner), rng);
        if (won == 0) continue;
        const int device = static_cast<int>(devices_.size());
        for (int64_t k = 0; k < won; ++k)
          events_.push_back({p.clock.Time(rng.Uniform()), device});
        devices_.push_back({j, t, member, slot, rng});
      }
      ++slot;
    });
    if (events_.empty()) return;
    // Time order; ties (rare: times are at 2^-32 of a day) keep the device
    // order, so the order is a function of the draws alone.
    std::stable_sort(
        events_.begin(), events_.end(),
        [](const Event& a, const Event& b) { return a.time < b.time; });
    ResetDayCounters(size, slot);
    for (const Event& e : events_) Serve(day, e, st, i, m0, size);
    CountDayCaps(st, m0, size);
  }

  void ResetDayCounters(int size, int devices) {
    const auto& caps = campaign_.caps();
    for (size_t c = 0; c < caps.size(); ++c) {
      if (!caps[c].daily) continue;
      day_person_[c].assign(size, 0);
      if (!caps[c].per_person) day_device_[c].assign(devices, 0);
    }
  }

  void CountDayCaps(ShardState* st, uint32_t m0, int size) {
    const auto& caps = campaign_.caps();
    for (size_t c = 0; c < caps.size(); ++c) {
      if (!caps[c].daily) continue;
      for (int m = 0; m < size; ++m) {
        if (!st->in_target[m0 + m]) continue;
        const int n = day_person_[c][m];
        if (n > caps[c].limit) {
          caps_.exposures_over_limit[c] += n - caps[c].limit;
          ++caps_.people_over_limit[c];
        }
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
        n = cap.daily ? day_person_[c][member]
                      : st.flight_person[(m0 + member) * plan_.flight_caps +
                                         plan_.flight_index[c]];
      } else {
        n = cap.daily ? day_device_[c][slot]
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
        ++day_person_[c][m];
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
    Rng& rng = d.rng;
    // Words of this event: the audience's, then one for the interaction,
    // then two for a follow-up; all are read or skipped, so every event of
    // the device starts at a fixed place whatever happened before.
    const uint32_t audience_words = p.AudienceWords(size);
    const uint32_t extra_words =
        (p.interaction_rate > 0.0 ? 1 : 0) + (p.follow_up > 0.0 ? 2 : 0);
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
    ++tally_.daily_impressions()[day];
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
        ++day_device_[c][d.slot];
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
  std::vector<std::vector<RngBlock>> blocks_;
  std::vector<DeviceDay> devices_;
  std::vector<Event> events_;
  std::vector<int> viewers_;
  // Day caps: [cap][member] and [cap][device slot] of the household.
  std::vector<std::vector<uint32_t>> day_person_;
  std::vector<std::vector<uint32_t>> day_device_;
};

}  // namespace

absl::StatusOr<Tally> DaySimulator::Run(const RunOptions& options) const {
  if (options.shard_households < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shard_households: must be >= 1, got ", options.shard_households));
  }
  const TallyShape shape = MakeTallyShape(population_, campaign_);
  const int64_t shards =
      (population_.households() + options.shard_households - 1) /
      options.shard_households;
  const int threads = static_cast<int>(
      std::min<int64_t>(ResolveThreads(options.threads), shards));
  const CapPlan plan(campaign_);
  std::vector<Tally> tallies(threads, Tally(shape));
  std::vector<std::unique_ptr<DayWorker>> workers;
  for (int w = 0; w < threads; ++w) {
    workers.push_back(std::make_unique<DayWorker>(population_, campaign_, plan,
                                                  seed_, &tallies[w]));
  }
  const auto& placements = campaign_.placements();
  const int days = campaign_.flight_days();
  const int n_placements = static_cast<int>(placements.size());
  const bool any_paced =
      std::any_of(placements.begin(), placements.end(),
                  [](const CompiledPlacement& p) { return p.paced(); });

  // Progress: shards prepared, each day's one or two passes, the final
  // pass.
  const int64_t steps = shards * (2 + int64_t{days} * (any_paced ? 2 : 1));
  std::mutex progress_mu;
  int64_t done = 0;
  auto step = [&]() {
    if (!options.progress) return;
    std::lock_guard<std::mutex> lock(progress_mu);
    options.progress(static_cast<double>(++done) / steps);
  };
  auto cancelled = [&]() {
    return options.cancel != nullptr && options.cancel->cancelled();
  };
  auto for_each_shard = [&](auto&& body) {
    ParallelFor(shards, threads, [&](int64_t s, int w) {
      if (cancelled()) return;
      body(s, w);
      step();
    });
    return !cancelled();
  };

  std::vector<ShardState> states(shards);
  if (!for_each_shard([&](int64_t s, int w) {
        workers[w]->Prepare(s, options.shard_households, &states[s]);
      })) {
    return absl::CancelledError("simulation cancelled");
  }
  std::vector<int64_t> delivered(n_placements, 0);
  std::vector<double> win(n_placements, 0.0);
  std::vector<std::vector<int64_t>> shard_totals(
      shards, std::vector<int64_t>(n_placements, 0));
  for (int day = 0; day < days; ++day) {
    if (any_paced) {
      for (auto& t : shard_totals) std::fill(t.begin(), t.end(), 0);
      if (!for_each_shard([&](int64_t s, int w) {
            workers[w]->CountOpportunities(day, &states[s],
                                           shard_totals[s].data());
          })) {
        return absl::CancelledError("simulation cancelled");
      }
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
    if (!for_each_shard([&](int64_t s, int w) {
          workers[w]->RunDay(day, win, &states[s]);
        })) {
      return absl::CancelledError("simulation cancelled");
    }
    for (const Tally& t : tallies) {
      const int64_t* row =
          t.daily_placement_impressions() + int64_t{day} * n_placements;
      for (int j = 0; j < n_placements; ++j) delivered[j] += row[j];
    }
  }
  if (!for_each_shard([&](int64_t s, int w) {
        workers[w]->Finish(&states[s]);
        states[s] = ShardState();
      })) {
    return absl::CancelledError("simulation cancelled");
  }
  Tally total(shape);
  for (int w = 0; w < threads; ++w) {
    workers[w]->FoldReach();
    total.Merge(tallies[w]);
  }
  return total;
}

}  // namespace aiotreach
