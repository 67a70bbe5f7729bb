// A scenario's live streams, validated against its ecosystem and campaign
// and compiled into what the stream simulator samples from.
//
//   absl::StatusOr<std::vector<CompiledStream>> streams =
//       CompileStreams(scenario, ecosystem, campaign);
//   // "live_streams[0].duration_minutes: must be in (0, 1440], got -5"
//
// Thread-safe: immutable once compiled.
#ifndef AIOTREACH_ENGINE_LIVE_STREAM_SPEC_H_
#define AIOTREACH_ENGINE_LIVE_STREAM_SPEC_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aiotreach/v1/scenario.pb.h"
#include "engine/campaign.h"
#include "engine/ecosystem.h"
#include "engine/rng.h"

namespace aiotreach {

// Limits of the schema, documented in docs/SCENARIO_FORMAT.md.
inline constexpr int kMaxLiveStreams = 16;
inline constexpr double kMinutesPerDay = 1440.0;
inline constexpr int kMaxReminders = 16;
inline constexpr int kMaxWatchDeviceTypes = 7;
inline constexpr double kMaxLogNormalSigma = 5.0;
inline constexpr double kMinWeibullShape = 0.05;
inline constexpr double kDefaultMaxMultiplier = 1000.0;

// How a viewer came, the rows of StreamReport.channels (in this order).
enum class Channel : uint8_t {
  kNotification,
  kDiscovery,
  kShare,
  kPromotion,
  kCoViewing,
};
inline constexpr int kNumChannels = 5;
const char* ChannelName(Channel c);

// A compiled TimeDistribution: Sample(u) by inversion of one uniform.
struct TimeLaw {
  enum class Kind { kFixed, kExponential, kLogNormal, kWeibull };
  Kind kind = Kind::kFixed;
  double a = 0.0;  // fixed: minutes; exponential: mean; lognormal: mu;
                   // Weibull: scale
  double b = 0.0;  // lognormal: sigma; Weibull: 1 / shape
  double Mean() const;
  // Uses one uniform, or two (lognormal: Box-Muller's pair).
  double Sample(Rng& rng) const;
};

struct SessionLaw {
  TimeLaw length;
  double bounce_share = 0.0;
  double bounce_minutes = 0.0;
  double Sample(Rng& rng) const;
};

struct CompiledStream {
  std::string name;
  int index = 0;  // in the scenario's list: keys the stream's draws
  int day = 0;    // 0-based day of the flight
  double start_minute = 0.0;
  double duration = 0.0;  // minutes

  // Watch devices: the person-owned and household-owned types with the
  // app, in the order listed (the first a viewer can use is theirs).
  std::vector<int> watch_types;
  uint32_t person_watch_types = 0;     // bit per type
  uint32_t household_watch_types = 0;  // bit per type

  // Fans: share by category of `fans_by` (one entry: for everyone).
  v1::Attribute fans_by = v1::ATTRIBUTE_UNSPECIFIED;
  std::vector<double> fan_share;
  double FanShare(int age_band, int city_tier) const;

  SessionLaw session;  // the default

  bool notification = false;
  double open_probability = 0.0;
  TimeLaw open_delay;
  std::vector<double> push_minutes;  // 0 first, then the reminders
  SessionLaw notification_session;

  bool discovery = false;
  double encounters_per_minute = 0.0;
  double amplification = 0.0;
  double reference_viewers = 1.0;
  double like_weight = 0.0;
  double max_multiplier = kDefaultMaxMultiplier;
  SessionLaw discovery_session;

  bool shares = false;
  double share_probability = 0.0;
  double click_through = 0.0;
  TimeLaw click_delay;
  int max_generations = 0;  // 0: no limit
  SessionLaw share_session;

  struct Promotion {
    int placement = 0;
    double join_probability = 0.0;
    SessionLaw session;
  };
  std::vector<Promotion> promotions;

  bool casting = false;
  double cast_probability = 0.0;
  int tv_type = -1;
  int cast_link = -1;  // index into the ecosystem's device_links
  // The person-owned type a cast starts from (the first listed).
  int cast_from_type = -1;
  double co_viewing = 0.0;

  double likes_per_minute = 0.0;
  double follow_probability = 0.0;
  double follow_minutes = 1.0;

  const SessionLaw& SessionOf(Channel c, int promotion = 0) const;
  int minutes() const;  // ceil(duration): rows of the per-minute curve
};

// Validates scenario.live_streams. Every error is InvalidArgument naming
// the field and value, the first found of:
//  - more than 16 streams; a name empty, too long or a duplicate;
//  - day outside [1, flight_days]; start_minute outside [0, 1440);
//    duration_minutes outside (0, 1440];
//  - watch_device_types: more than 7, unknown, no one owns one, or a
//    duplicate;
//  - fans: a share outside [0, 1], `by` without categories or an unknown
//    category;
//  - session: missing; any distribution missing, with impossible
//    parameters (a mean, median or scale not positive, a sigma outside
//    (0, 5], a Weibull shape below 0.05, a negative fixed time); a bounce
//    share outside [0, 1] or without bounce_minutes;
//  - notification: an open probability outside [0, 1], more than 16
//    reminders or one outside [0, duration);
//  - discovery: a negative rate or amplification, amplification without a
//    positive reference_viewers, a max_multiplier in (0, 1);
//  - shares: probabilities outside [0, 1], a negative max_generations; a
//    share process in an ecosystem without social contacts;
//  - promotions: an unknown placement, a join probability outside [0, 1];
//  - casting: a cast probability outside [0, 1], an unknown or personal
//    TV type, no person-owned watch type, no LINK_KIND_CASTING link
//    between the two in the ecosystem;
//  - tv_co_viewing_probability, engagement probabilities outside [0, 1];
//    negative likes; follow_probability without follow_minutes.
// A share process with R >= 1 is accepted: the population bounds it
// (docs/LIVE_STREAMS.md).
absl::StatusOr<std::vector<CompiledStream>> CompileStreams(
    const v1::Scenario& scenario, const Ecosystem& ecosystem,
    const Campaign& campaign);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_LIVE_STREAM_SPEC_H_
