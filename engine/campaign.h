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

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/scenario.pb.h"
#include "engine/distributions.h"
#include "engine/ecosystem.h"

namespace aiotreach {

// Limits of the schema, documented in docs/SCENARIO_FORMAT.md.
inline constexpr int kMaxFlightDays = 731;
inline constexpr int kMaxPlacements = 64;
inline constexpr double kMaxPoissonRate = 10000.0;  // per device per day
inline constexpr int kDefaultMaxFrequency = 10;
inline constexpr int kMaxMaxFrequency = 100;

enum class Process { kBernoulli, kPoisson };

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
  uint32_t AudienceWords(int household_size) const;
};

inline constexpr int kMaxSubsetHousehold = 8;

class Campaign {
 public:
  // Validates the scenario's flight, placements and report options against
  // `ecosystem`. Errors are InvalidArgument naming the field and value.
  static absl::StatusOr<std::unique_ptr<const Campaign>> Build(
      const v1::Scenario& scenario, const Ecosystem& ecosystem);

  Campaign(const Campaign&) = delete;
  Campaign& operator=(const Campaign&) = delete;

  int flight_days() const { return flight_days_; }
  int start_day_of_week() const { return start_dow_; }  // 0 = Monday
  int max_frequency() const { return max_frequency_; }
  const std::vector<CompiledPlacement>& placements() const {
    return placements_;
  }
  // Placements by device type index.
  const std::vector<std::vector<int>>& placements_by_type() const {
    return placements_by_type_;
  }
  // True if some placement's opportunities scale with activity.
  bool uses_activity() const;
  // Device types that carry at least one placement, in index order.
  std::vector<int> CarryingTypes() const;

 private:
  Campaign() = default;

  int flight_days_ = 0;
  int start_dow_ = 0;
  int max_frequency_ = kDefaultMaxFrequency;
  std::vector<CompiledPlacement> placements_;
  std::vector<std::vector<int>> placements_by_type_;
};

// The stream key of a placement called `name`: a stable 64-bit FNV-1a hash
// folded into [streams::kFirstPlacementStream, 2^32).
uint32_t PlacementStream(absl::string_view name);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_CAMPAIGN_H_
