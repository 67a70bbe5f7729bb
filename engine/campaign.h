// A scenario's placements, validated against its ecosystem and compiled
// into the per-flight quantities the simulator samples from.
//
//   auto campaign = Campaign::Build(scenario, *ecosystem);
//   // "placements[1].share_of_voice: must be in [0, 1], got 1.5"
//
// How an impression is drawn (see docs/MODEL.md):
//  - Poisson opportunities with daily rate r_d and share of voice w are won
//    as a Poisson process of rate w r_d (thinning), so a device's won count
//    over the flight is Poisson(sum_d w r_d [x activity]) and each won
//    event's day is drawn independently with probability proportional to
//    w r_d. Unwon opportunities are never visited.
//  - Bernoulli opportunities (at most one a day, probability p_d) are won on
//    day d with probability q_d = w p_d. Candidate days are the first K of a
//    keyed random permutation of the flight's days with K ~ Binomial(D,
//    max q_d); each candidate is kept with probability q_d / max q_d.
//
// Thread-safe: immutable after Build().
#ifndef AIOTREACH_ENGINE_CAMPAIGN_H_
#define AIOTREACH_ENGINE_CAMPAIGN_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/scenario.pb.h"
#include "engine/distributions.h"
#include "engine/ecosystem.h"
#include "engine/rng.h"

namespace aiotreach {

// Limits of the schema, documented in docs/SCENARIO_FORMAT.md.
inline constexpr int kMaxFlightDays = 731;
// Weekly reach on the flight-at-once path counts at most this many weeks
// (a flight of about 15 months); longer flights take the day path.
inline constexpr int kMaxFlightPathWeeks = 64;
inline constexpr int kMaxPlacements = 64;
inline constexpr double kMaxPoissonRate = 10000.0;  // per device per day
inline constexpr int kDefaultMaxFrequency = 10;
inline constexpr int kMaxMaxFrequency = 100;

inline constexpr int kMaxFrequencyCaps = 16;
// Co-viewer sets of households up to this size are drawn from one word.
inline constexpr int kMaxSubsetHousehold = 8;
inline constexpr int kMaxReplicates = 1000;
inline constexpr int kHoursPerDay = 24;

enum class Process { kBernoulli, kPoisson, kInventory };

// How a placement is bought (the `buying` oneof).
enum class Buying { kShareOfVoice, kBudget, kImpressionGoal, kPricePerDay };

// Where in the day a placement's opportunities fall: the device type's
// hour-of-day shares restricted to the placement's dayparts.
struct DayClock {
  bool flat = true;  // all 24 hours, equal shares: time = 24 u
  // cdf[h]: share of the eligible day before the end of hour h.
  std::array<double, kHoursPerDay> cdf{};
  // Share of the device's daily activity inside the dayparts.
  double mass = 1.0;
  // Bit h set: the placement runs in hour h.
  uint32_t hours = (1u << kHoursPerDay) - 1;

  // A time of day in [0, 24) hours from one uniform: the hour by
  // inversion, the position within it from the same uniform's remainder.
  double Time(double u) const {
    return flat ? kHoursPerDay * u : PatternTime(u);
  }
  double PatternTime(double u) const;
};

struct CompiledPlacement {
  std::string name;
  int device_type = 0;
  bool household_device = false;
  // Key of this placement's random stream, derived from its name.
  uint32_t stream = 0;
  Process process = Process::kPoisson;

  // Poisson: won events per device over the flight at activity 1, and
  // whether the owner's activity multiplies it.
  double flight_mean = 0.0;
  double exp_neg_flight_mean = 1.0;  // exp(-flight_mean)
  bool scale_by_activity = false;
  // Bernoulli: K ~ Binomial(flight_days, max_d q_d).
  CdfTable candidate_count;
  // Inventory: the device's flight inventory N over 0..K (word 0 of its
  // flight stream); each opportunity's day from inventory_days (all flight
  // days by their day-of-week weight), won with probability won_on[d]
  // (share of voice, 0 on days not bought; 1 where pacing decides).
  CdfTable inventory;
  CdfTable inventory_days;
  std::vector<double> won_on;
  // Day path: cumulative day-of-week weights, [d] = sum of days < d, for
  // splitting N over the days (DailyDraws).
  std::vector<double> inventory_cumulative;
  // Day of an event: Poisson, drawn from day_table unless flat_days
  // (uniform); Bernoulli, kept with probability keep[d] unless flat_days.
  bool flat_days = true;
  CdfTable day_table;
  std::vector<double> keep;

  v1::AudienceKind audience = v1::AUDIENCE_KIND_OWNER;
  double co_presence = 0.0;
  // TURNER_AND_PRESENT with 0 < co_presence < 1: for a household of size
  // s <= kMaxSubsetHousehold, presence_subsets[s] is the distribution of
  // the set of other members present (bit k: the k-th other member),
  // P(mask) = c^|mask| (1 - c)^(s - 1 - |mask|), drawn from one word.
  // Larger households draw each other member from a word of its own.
  std::vector<CdfTable> presence_subsets;

  // Words of the device's stream one event's audience reads.
  uint32_t AudienceWords(int household_size) const {
    switch (audience) {
      case v1::AUDIENCE_KIND_ONE_MEMBER:
        return 1;
      case v1::AUDIENCE_KIND_TURNER_AND_PRESENT:
        if (presence_subsets.empty()) return 1;  // nobody else, or everyone
        if (household_size == 1) return 1;
        return household_size <= kMaxSubsetHousehold ? 2 : household_size;
      default:
        return 0;
    }
  }

  // For the members other than `turner` of a household of `size` who are
  // present at an impression, calls present(member). Reads
  // AudienceWords(size) - 1 words of rng.
  // Always inlined: it sits in the innermost loop of both simulators.
  template <typename Present>
  ABSL_ATTRIBUTE_ALWAYS_INLINE void ForEachOtherPresent(
      int size, int turner, Rng& rng, Present&& present) const;

  // Buying.
  Buying buying = Buying::kShareOfVoice;
  double share_of_voice = 1.0;  // kShareOfVoice; 1 for kPricePerDay
  double cpm = 0.0;             // yuan per thousand; 0: not priced
  double budget = 0.0;
  int64_t goal = 0;  // kBudget, kImpressionGoal
  double price_per_day = 0.0;
  // Days the placement runs (Placement.days), out of the flight's.
  int bought_days = 0;
  // Paced buys: day d's share of what is left of the goal is
  // pacing_weight[d] / sum over e >= d of pacing_weight[e]. Empty: even.
  std::vector<double> pacing_weight;
  bool paced() const {
    return buying == Buying::kBudget || buying == Buying::kImpressionGoal;
  }
  // The day's impression target T_d from the goal left, G_d >= 0.
  int64_t DayTarget(int day, int64_t goal_left) const;
  // Yuan spent for `served` impressions over `days` days.
  double Spend(int64_t served, int days) const;

  // Day-by-day simulation: the mean number (Poisson) or probability
  // (Bernoulli) of eligible opportunities on day d, inside the dayparts,
  // before buying and activity.
  std::vector<double> day_mean;
  DayClock clock;
  double interaction_rate = 0.0;
  double follow_up = 0.0;  // VoiceFollowUp.probability

  // PlacementCasting: a served impression of an owner with the casting
  // link (ecosystem device_links[cast_link]) to the household's cast_type
  // is cast with cast_probability; members present with cast_co_presence.
  double cast_probability = 0.0;
  int cast_type = -1;
  int cast_link = -1;
  double cast_co_presence = 0.0;

  // Retargeting: the index of this placement's route in
  // Campaign::retarget_routes(), or -1.
  int retarget = -1;
};

// A retargeting placement's route: who may see `placement` (people exposed
// to `after_placement`, or on a device of `after_type`, in the last
// `within_days` days, by a device the placement's screen is tied to).
struct RetargetRoute {
  int placement = 0;
  int after_placement = -1;
  int after_type = -1;
  int within_days = 0;
  std::string after;  // the source's name, for the report
};

// Cast draws read the placement's stream under this bit of the sub key,
// at the event's own word offset: beside the event's words, shifting none.
inline constexpr uint32_t kCastSubBit = 0x80000000u;

struct CompiledCap {
  std::string name;
  bool per_person = true;  // else per device
  bool daily = true;       // else per flight or per window of days
  // Counters start again on flight days d > 0 with (d + window_offset) %
  // window_days == 0: calendar weeks are window 7, offset the start day of
  // the week (Monday 0); 0: one window, the flight.
  int window_days = 0;
  int window_offset = 0;
  bool calendar_week = false;  // CAP_PERIOD_WEEK
  int limit = 1;
  uint64_t placements = 0;                   // bit j: covers placement j
  std::vector<std::string> placement_names;  // as given; empty: all

  // True if a new window starts on flight day `day` (0-based).
  bool StartsWindow(int day) const {
    return window_days > 0 && day > 0 &&
           (day + window_offset) % window_days == 0;
  }
  // How the report names the period: "day", "week", "7 days", "flight".
  std::string PeriodName() const;
};

// Who the campaign is for, compiled against the ecosystem.
struct CompiledTarget {
  bool everyone = true;
  uint64_t age_bands = ~uint64_t{0};   // bit per age band
  uint64_t city_tiers = ~uint64_t{0};  // bit per city tier
  uint64_t genders = ~uint64_t{0};     // bit per gender
  int min_household_size = 0;
  int max_household_size = 0;    // 0: no bound
  uint32_t person_types = 0;     // personal types the person must own
  uint32_t household_types = 0;  // shared types the household must own
  int min_connected_devices = 0;
  uint32_t connected_person_types = 0;
  uint32_t connected_household_types = 0;
  double min_activity = 0.0;
  double max_activity = 0.0;  // 0: no bound

  bool needs_age_band() const { return age_bands != ~uint64_t{0}; }
  bool needs_city_tier() const { return city_tiers != ~uint64_t{0}; }
  bool needs_gender() const { return genders != ~uint64_t{0}; }
  bool needs_activity() const {
    return min_activity > 0.0 || max_activity > 0.0;
  }
  bool Contains(int age_band, int city_tier, int household_size,
                uint32_t person_devices, uint32_t household_devices,
                float activity, int gender) const;
};

struct CompiledConversion {
  bool enabled = false;
  double max_rate = 0.0;
  double saturation_frequency = 1.0;
  double screen_synergy = 0.0;
  // P(convert) of a person exposed f times on s screen types.
  double Probability(int64_t f, int s) const;
};

class Campaign {
 public:
  // Validates the scenario's flight, placements and report options against
  // `ecosystem`. Every error is InvalidArgument naming the field and value,
  // the first found of:
  //  - flight_days outside [1, 731]; start_day not a DayOfWeek;
  //    report.max_frequency outside its range; replicates outside
  //    [0, 1000];
  //  - placements: none (without a live stream), or more than 64;
  //  - placements[i].name: empty, longer than 256 bytes, or a duplicate;
  //  - placements[i].device_type: empty, unknown to the ecosystem, or a
  //    type no one owns;
  //  - placements[i].opportunity: missing; a Poisson rate negative, above
  //    its limit or scaled by activity on a household device; a Bernoulli
  //    probability outside [0, 1];
  //  - placements[i].audience: a kind that does not fit the device (shared
  //    devices need TURNER_AND_PRESENT or ONE_MEMBER); a co-presence
  //    probability outside [0, 1];
  //  - placements[i] buying: none, or a share_of_voice outside [0, 1], a
  //    budget without a CPM, a budget or CPM or price_per_day negative or
  //    above 1e12, an impression_goal outside [1, 2^50], a CPM on a day
  //    buy; pacing on a share-of-voice buy, a front-loaded share outside
  //    (0, 1);
  //  - placements[i].dayparts[k]: start_hour outside [0, 23], end_hour
  //    outside [0, 24], or an empty range;
  //  - placements[i].interaction_rate, voice_follow_up.probability outside
  //    [0, 1]; a follow-up on a personal device, or in an ecosystem with
  //    no household-owned voice device;
  //  - placements[i].casting: probabilities outside [0, 1], casting from a
  //    household device, a TV type unknown or personal, no casting link
  //    between the two types in the ecosystem;
  //  - placements[i].retarget: no source, an unknown placement or device
  //    type, the placement itself, within_days outside [0, flight_days];
  //  - frequency_caps[k]: a name longer than 256 bytes, no scope or period,
  //    a limit outside [1, 65535], an unknown placement;
  //  - target: unknown age bands, city tiers or device types; household
  //    sizes, connected devices or activity bounds out of range;
  //  - conversion: a rate outside [0, 1], a saturation frequency not
  //    positive, a negative screen synergy.
  //
  // `money_scale` multiplies budgets, impression goals and per-day prices:
  // the sample fraction when the scenario states them in platform units
  // (Scenario.platform_units), else 1.
  static absl::StatusOr<std::unique_ptr<const Campaign>> Build(
      const v1::Scenario& scenario, const Ecosystem& ecosystem,
      double money_scale = 1.0);

  Campaign(const Campaign&) = delete;
  Campaign& operator=(const Campaign&) = delete;

  int flight_days() const { return flight_days_; }
  // True if the scenario states money in platform units; money_scale() is
  // then the sample fraction its budgets, goals and prices were scaled by.
  bool platform_units() const { return platform_units_; }
  double money_scale() const { return money_scale_; }
  int start_day_of_week() const { return start_dow_; }  // 0 = Monday
  int max_frequency() const { return max_frequency_; }
  // Report.audiences is asked for.
  bool audiences() const { return audiences_; }
  // Frequency histograms of the breakdown rows are asked for.
  bool breakdown_frequency() const { return breakdown_frequency_; }
  // Calendar weeks (Monday to Sunday) the flight touches, and the week of
  // flight day `day` (0-based): the first week starts on start_day.
  int weeks() const { return (flight_days_ - 1 + start_dow_) / 7 + 1; }
  int WeekOf(int day) const { return (day + start_dow_) / 7; }
  const std::vector<CompiledPlacement>& placements() const {
    return placements_;
  }
  // Placements by device type index.
  const std::vector<std::vector<int>>& placements_by_type() const {
    return placements_by_type_;
  }
  // True if some placement's opportunities scale with activity.
  bool uses_activity() const;
  // Device types that carry at least one placement or a placement's voice
  // follow-up, in index order: the rows of the device-type breakdown.
  std::vector<int> CarryingTypes() const;

  const std::vector<CompiledCap>& caps() const { return caps_; }
  const CompiledTarget& target() const { return target_; }
  const CompiledConversion& conversion() const { return conversion_; }
  const std::vector<RetargetRoute>& retarget_routes() const {
    return retarget_routes_;
  }
  int replicates() const { return replicates_; }
  // Bit t set: device type t has a screen.
  uint32_t screen_types() const { return screen_types_; }
  // Household-owned voice device types, in index order (follow-ups).
  const std::vector<int>& voice_types() const { return voice_types_; }

  // True if the scenario needs opportunities placed in time, day by day
  // (caps, paced buys, dayparts, a target, interactions, follow-ups or
  // conversions); otherwise each device's flight is drawn at once.
  bool needs_day_loop() const;

 private:
  Campaign() = default;

  bool platform_units_ = false;
  double money_scale_ = 1.0;
  int flight_days_ = 0;
  int start_dow_ = 0;
  int max_frequency_ = kDefaultMaxFrequency;
  bool audiences_ = false;
  bool breakdown_frequency_ = false;
  std::vector<CompiledPlacement> placements_;
  std::vector<std::vector<int>> placements_by_type_;
  std::vector<CompiledCap> caps_;
  CompiledTarget target_;
  CompiledConversion conversion_;
  std::vector<RetargetRoute> retarget_routes_;
  int replicates_ = 1;
  uint32_t screen_types_ = 0;
  std::vector<int> voice_types_;
};

template <typename Present>
inline void CompiledPlacement::ForEachOtherPresent(int size, int turner,
                                                   Rng& rng,
                                                   Present&& present) const {
  if (size == 1 || co_presence == 0.0) return;
  if (co_presence == 1.0) {
    for (int m = 0; m < size; ++m) {
      if (m != turner) present(m);
    }
    return;
  }
  if (size <= kMaxSubsetHousehold) {
    // Bit k of the mask: the k-th member other than the turner.
    const uint32_t mask = presence_subsets[size].Sample(rng.Uniform());
    for (uint32_t rest = mask; rest != 0; rest &= rest - 1) {
      const int k = __builtin_ctz(rest);
      present(k < turner ? k : k + 1);
    }
    return;
  }
  for (int m = 0; m < size; ++m) {
    if (m != turner && rng.Uniform() < co_presence) present(m);
  }
}

// Where a cast from a personal device type goes: the household screen type
// called `tv_device_type` ("tv" when empty) and the ecosystem's
// LINK_KIND_CASTING link between the two (device_links index).
struct CastRoute {
  int tv_type = -1;
  int link = -1;
};
// InvalidArgument naming `path`.tv_device_type for an unknown or personal
// TV type, `path` when the ecosystem has no casting link between them.
absl::StatusOr<CastRoute> FindCastRoute(const Ecosystem& eco, int from_type,
                                        absl::string_view tv_device_type,
                                        absl::string_view path);

// The stream key of a placement called `name`: a stable 64-bit FNV-1a hash
// folded into [streams::kFirstPlacementStream, 2^32).
uint32_t PlacementStream(absl::string_view name);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_CAMPAIGN_H_
