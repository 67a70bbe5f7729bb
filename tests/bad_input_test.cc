// Bad input: every case is an InvalidArgument error that names the field
// (or the line, byte offset or JSON field) and the bad value, never a crash.
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "engine/engine.h"
#include "engine/scenario_parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace aiotreach {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::StatusIs;

constexpr char kValid[] = R"pb(
  name: "bad"
  seed: 1
  population: 1000
  flight_days: 7
  ecosystem {
    spec {
      household_size_weights: [ 0.5, 0.5 ]
      activity_shape: 2
      age_bands { name: "young" weight: 1 }
      age_bands { name: "old" weight: 1 }
      device_types {
        name: "phone"
        owner: OWNER_KIND_PERSON
        ownership_probability: 1
      }
      device_types {
        name: "tv"
        owner: OWNER_KIND_HOUSEHOLD
        ownership_probability: 0.5
      }
      device_types {
        name: "vacuum"
        owner: OWNER_KIND_HOUSEHOLD
        ownership_probability: 0
      }
    }
  }
  placements {
    name: "splash"
    device_type: "phone"
    opportunity { poisson { rate: 3 } }
    share_of_voice: 0.1
  }
  placements {
    name: "boot"
    device_type: "tv"
    opportunity { bernoulli { probability: 0.35 } }
    share_of_voice: 0.2
    audience {
      kind: AUDIENCE_KIND_TURNER_AND_PRESENT
      co_presence_probability: 0.3
    }
  }
)pb";

struct BadCase {
  std::string name;
  // kValid with `from` replaced by `to` (text format), or `content` as is.
  std::string from;
  std::string to;
  std::vector<std::string> expected;  // substrings of the error
  ScenarioFormat format = ScenarioFormat::kText;
  std::string content;
};

std::string Content(const BadCase& c) {
  if (!c.content.empty() || c.from.empty()) return c.content;
  const std::string out = absl::StrReplaceAll(kValid, {{c.from, c.to}});
  EXPECT_NE(out, kValid) << c.name << ": '" << c.from
                         << "' not in the valid scenario";
  return out;
}

// Parses, then validates, like `aiotreach validate`.
absl::Status ParseAndValidate(const std::string& content,
                              ScenarioFormat format) {
  absl::StatusOr<v1::Scenario> scenario = ParseScenario(content, format);
  if (!scenario.ok()) return scenario.status();
  return ValidateScenario(*scenario);
}

std::vector<BadCase> Cases() {
  using F = ScenarioFormat;
  return {
      {"missing flight_days",
       "flight_days: 7",
       "",
       {"flight_days: must be in [1, 731], got 0"}},
      {"absurd flight_days",
       "flight_days: 7",
       "flight_days: 100000",
       {"flight_days: must be in [1, 731], got 100000"}},
      {"negative flight_days",
       "flight_days: 7",
       "flight_days: -3",
       {"flight_days:", "got -3"}},
      {"share of voice above 1",
       "share_of_voice: 0.2",
       "share_of_voice: 1.5",
       {"placements[1].share_of_voice: must be in [0, 1], got 1.5"}},
      {"negative share of voice",
       "share_of_voice: 0.1",
       "share_of_voice: -0.1",
       {"placements[0].share_of_voice: must be in [0, 1], got -0.1"}},
      {"probability above 1",
       "probability: 0.35",
       "probability: 1.2",
       {"placements[1].opportunity.bernoulli.probability: must be in [0, 1], "
        "got 1.2"}},
      {"negative rate",
       "rate: 3",
       "rate: -3",
       {"placements[0].opportunity.poisson.rate: must be finite and >= 0, got "
        "-3"}},
      {"NaN rate",
       "rate: 3",
       "rate: nan",
       {"placements[0].opportunity.poisson.rate", "got nan"}},
      {"infinite rate",
       "rate: 3",
       "rate: inf",
       {"placements[0].opportunity.poisson.rate", "got inf"}},
      {"absurd rate",
       "rate: 3",
       "rate: 1e9",
       {"placements[0].opportunity.poisson.rate: must be <= 10000 a day, got "
        "1e+09"}},
      {"inventory histogram with a negative weight",
       "poisson { rate: 3 }",
       "inventory { histogram { weights: [ 3, -1, 2 ] } }",
       {"placements[0].opportunity.inventory.histogram.weights[1]: must be "
        "finite and >= 0, got -1"}},
      {"inventory without a distribution",
       "poisson { rate: 3 }",
       "inventory { }",
       {"placements[0].opportunity.inventory: needs a distribution"}},
      {"unknown device type",
       "device_type: \"phone\"",
       "device_type: \"watch\"",
       {"placements[0].device_type: unknown device type 'watch' (known: phone, "
        "tv, vacuum)"}},
      {"device type no one owns",
       "device_type: \"tv\"",
       "device_type: \"vacuum\"",
       {"placements[1].device_type: no one owns a 'vacuum'"}},
      {"duplicate placement names",
       "name: \"boot\"",
       "name: \"splash\"",
       {"placements[1].name: duplicate placement name 'splash'"}},
      {"missing placement name",
       "name: \"splash\"",
       "",
       {"placements[0].name: is required"}},
      {"missing device type",
       "device_type: \"phone\"",
       "",
       {"placements[0].device_type: is required"}},
      {"no placements",
       "",
       "",
       {"placements: at least one placement (or a live stream) is required"},
       F::kText,
       "name: \"x\" population: 10 flight_days: 3 ecosystem { preset { name: "
       "\"small-city\" } }"},
      {"missing share of voice",
       "share_of_voice: 0.1",
       "",
       {"placements[0].buying: is required"}},
      {"missing opportunity",
       "opportunity { poisson { rate: 3 } }",
       "",
       {"placements[0].opportunity: is required"}},
      {"unknown preset",
       "",
       "",
       {"ecosystem.preset.name: unknown preset 'big-city'", "small-city"},
       F::kText,
       "population: 10 flight_days: 3 ecosystem { preset { name: \"big-city\" "
       "} }"
       " placements { name: \"a\" device_type: \"tv\" share_of_voice: 1"
       " opportunity { bernoulli { probability: 1 } } }"},
      {"missing ecosystem",
       "",
       "",
       {"ecosystem: is required"},
       F::kText,
       "population: 10 flight_days: 3 placements { name: \"a\" }"},
      {"population beyond the limit",
       "population: 1000",
       "population: 2000000000",
       {"population: must be in [1, 1000000000], got 2000000000"}},
      {"negative population",
       "population: 1000",
       "population: -5",
       {"population: must be in [1, 1000000000], got -5"}},
      {"population missing with a spec",
       "population: 1000",
       "",
       {"population: is required with an inline ecosystem spec"}},
      {"negative household size weight",
       "[ 0.5, 0.5 ]",
       "[ 0.5, -0.5 ]",
       {"ecosystem.spec.household_size_weights[1]: must be finite and >= 0, "
        "got -0.5"}},
      {"ownership probability above 1",
       "ownership_probability: 0.5",
       "ownership_probability: 1.2",
       {"ecosystem.spec.device_types[1].ownership_probability: must be in [0, "
        "1], got 1.2"}},
      {"duplicate device type",
       "name: \"vacuum\"",
       "name: \"tv\"",
       {"ecosystem.spec.device_types[2].name: duplicate device type 'tv'"}},
      {"personal audience on a shared device",
       "kind: AUDIENCE_KIND_TURNER_AND_PRESENT",
       "kind: AUDIENCE_KIND_OWNER",
       {"placements[1].audience.kind:", "got AUDIENCE_KIND_OWNER"}},
      {"co-presence above 1",
       "co_presence_probability: 0.3",
       "co_presence_probability: 1.5",
       {"placements[1].audience.co_presence_probability: must be in [0, 1], "
        "got 1.5"}},
      {"activity scaling on a shared device",
       "bernoulli { probability: 0.35 }",
       "poisson { rate: 2 scale_by_activity: true }",
       {"placements[1].opportunity.poisson.scale_by_activity: needs a personal "
        "device; 'tv'"}},
      {"negative activity shape",
       "activity_shape: 2",
       "activity_shape: -1",
       {"ecosystem.spec.activity_shape: must be finite and >= 0, got -1"}},
      {"day-of-week pattern of the wrong length",
       "ownership_probability: 1\n",
       "ownership_probability: 1 activity { day_of_week: [1, 2, 3] }\n",
       {"ecosystem.spec.device_types[0].activity.day_of_week: must have 7 "
        "weights, got 3"}},
      {"probability beyond 1 on the peak day",
       "ownership_probability: 0.5\n",
       "ownership_probability: 0.5 activity { day_of_week: [3, 1, 1, 1, 1, 0, "
       "0] }\n",
       {"placements[1].opportunity.bernoulli.probability: times the peak "
        "day-of-week weight",
        "got 0.35"}},
      {"absurd max frequency",
       "flight_days: 7",
       "flight_days: 7 report { max_frequency: 1000 }",
       {"report.max_frequency: must be in [0, 100], got 1000"}},
      {"unknown ownership category",
       "ownership_probability: 1\n",
       "ownership_probability: 1 ownership_by { attribute: ATTRIBUTE_AGE_BAND "
       "probability { key: \"teen\" value: 0.5 } }\n",
       {"ecosystem.spec.device_types[0].ownership_by.probability[\"teen\"]: "
        "unknown category "
        "'teen' (known: young, old)"}},
      {"negative preset scale",
       "",
       "",
       {"ecosystem.preset.scale: must be finite and > 0, got -1"},
       F::kText,
       "flight_days: 3 ecosystem { preset { name: \"small-city\" scale: -1 } }"
       " placements { name: \"a\" device_type: \"tv\" share_of_voice: 1"
       " opportunity { bernoulli { probability: 1 } }"
       " audience { kind: AUDIENCE_KIND_ONE_MEMBER } }"},
      {"empty file", "", "", {"file is empty"}, F::kText, " \n\t\n"},
      {"truncated file",
       "",
       "",
       {"line 2:"},
       F::kText,
       "name: \"x\"\nplacements { name: "},
      {"invalid UTF-8",
       "",
       "",
       {"invalid UTF-8 at byte offset 7 (byte 0xff)"},
       F::kText,
       "name: \"\xff\""},
      {"unknown field",
       "flight_days: 7",
       "flight_dayz: 7",
       {"line 5:", "no field named \"flight_dayz\""}},
      {"unknown enum value",
       "AUDIENCE_KIND_TURNER_AND_PRESENT",
       "AUDIENCE_KIND_EVERYONE",
       {"AUDIENCE_KIND_EVERYONE"}},
      {"JSON wrong type",
       "",
       "",
       {"JSON", "flight_days"},
       F::kJson,
       R"({"name": "x", "flight_days": "seven"})"},
      {"JSON unknown field",
       "",
       "",
       {"JSON: (top level): no field named 'flightDayz' in Scenario"},
       F::kJson,
       R"({"name": "x", "flightDayz": 7})"},
      {"JSON truncated",
       "",
       "",
       {"JSON: line 1:30: syntax error"},
       F::kJson,
       R"({"name": "x", "flight_days": )"},
      // Parse errors name the field and the place.
      {"text value of the wrong type",
       "opportunity { poisson { rate: 3 } }",
       "opportunity { poisson { rate: abc } }",
       {"line ", "placements[0].opportunity.poisson.rate: Expected double"}},
      // An unknown enum value lists the valid ones, at the value's place.
      {"text unknown enum value",
       "kind: AUDIENCE_KIND_TURNER_AND_PRESENT",
       "kind: AUDIENCE_KIND_TURNER",
       {"line ",
        "placements[1].audience.kind: Unknown enumeration value of "
        "\"AUDIENCE_KIND_TURNER\" for field \"kind\"; valid values: "
        "AUDIENCE_KIND_UNSPECIFIED, AUDIENCE_KIND_OWNER, "
        "AUDIENCE_KIND_TURNER_AND_PRESENT, AUDIENCE_KIND_ONE_MEMBER"}},
      {"JSON unknown enum value",
       "",
       "",
       {"JSON: (placements[0].pacing.kind): invalid value \"EVENLY\"",
        "; valid values: PACING_KIND_UNSPECIFIED, "},
       F::kJson,
       R"({"name": "x", "placements": [{"pacing": {"kind": "EVENLY"}}]})"},
      {"text misspelt field",
       "share_of_voice: 0.2",
       "share_of_voic: 0.2",
       {"line ", "placements[1].share_of_voic: ", "no field named"}},
      {"text unclosed brace",
       "age_bands { name: \"old\" weight: 1 }",
       "age_bands { name: \"old\" weight: 1",
       {"line ", "ecosystem.spec.age_bands[1]"}},
      {"JSON key given twice",
       "",
       "",
       {"JSON: (top level): key 'flight_days' appears twice"},
       F::kJson,
       R"({"name": "x", "flight_days": 3, "flight_days": 7})"},
      {"JSON key given twice in a placement",
       "",
       "",
       {"JSON: placements[1]: key 'name' appears twice"},
       F::kJson,
       R"({"flightDays": 3, "placements": [{"name": "a"}, {"name": "b", "name": "c"}]})"},
      {"JSON misspelt field in a nested message",
       "",
       "",
       {"JSON: placements[0].opportunity.poisson: no field named 'rat' in "
        "PoissonDaily"},
       F::kJson,
       R"({"placements": [{"name": "a", "opportunity": {"poisson": {"rat": 1}}}]})"},
      {"JSON syntax error with its place",
       "",
       "",
       {"JSON: line 3:16: syntax error"},
       F::kJson,
       "{\"name\": \"x\",\n \"seed\": 1,\n \"flightDays\": }"},
      {"JSON array at the top",
       "",
       "",
       {"JSON: line 1:1: a scenario is a JSON object"},
       F::kJson,
       "[1, 2]"},
      // Buying and pacing.
      {"budget without a CPM",
       "share_of_voice: 0.1",
       "budget: 1000",
       {"placements[0].cpm: is required with a budget", "got 0"}},
      {"negative budget",
       "share_of_voice: 0.1",
       "budget: -5 cpm: 10",
       {"placements[0].budget: must be finite and > 0, got -5"}},
      {"zero impression goal",
       "share_of_voice: 0.1",
       "impression_goal: 0",
       {"placements[0].impression_goal: must be in [1, ", "got 0"}},
      {"CPM on a day buy",
       "share_of_voice: 0.2",
       "price_per_day: 100 cpm: 5",
       {"placements[1].cpm: does not apply to a price_per_day buy, got 5"}},
      {"negative CPM",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 cpm: -1",
       {"placements[0].cpm: must be finite and >= 0, got -1"}},
      {"pacing on a share of voice",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 pacing { kind: PACING_KIND_EVEN }",
       {"placements[0].pacing.kind: applies to budget and impression_goal"}},
      {"front-loaded share out of range",
       "share_of_voice: 0.1",
       "impression_goal: 1000 pacing { kind: PACING_KIND_FRONT_LOADED "
       "front_loaded_share: 1.5 }",
       {"placements[0].pacing.front_loaded_share: must be in (0, 1), got "
        "1.5"}},
      {"front-loaded share on even pacing",
       "share_of_voice: 0.1",
       "impression_goal: 1000 pacing { front_loaded_share: 0.6 }",
       {"placements[0].pacing.front_loaded_share: applies to "
        "PACING_KIND_FRONT_LOADED only, got 0.6"}},
      // Dayparts, interactions, follow-ups.
      {"daypart past midnight",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 dayparts { start_hour: 20 end_hour: 25 }",
       {"placements[0].dayparts[0].end_hour: must be in [0, 24], got 25"}},
      {"empty daypart",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 dayparts { start_hour: 5 end_hour: 5 }",
       {"placements[0].dayparts[0]: is empty", "got 5 to 5"}},
      {"interaction rate above 1",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 interaction_rate: 2",
       {"placements[0].interaction_rate: must be in [0, 1], got 2"}},
      {"follow-up on a personal device",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 voice_follow_up { probability: 0.5 }",
       {"placements[0].voice_follow_up.probability: needs a household "
        "device",
        "got 0.5"}},
      {"follow-up without a voice device",
       "share_of_voice: 0.2",
       "share_of_voice: 0.2 voice_follow_up { probability: 0.5 }",
       {"placements[1].voice_follow_up.probability: needs a household-owned "
        "device type with voice: true"}},
      // Casting a placement to the household TV.
      {"cast probability above 1",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 casting { probability: 1.5 }",
       {"placements[0].casting.probability: must be in [0, 1], got 1.5"}},
      {"cast without a casting link",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 casting { probability: 0.5 }",
       {"placements[0].casting: the ecosystem has no LINK_KIND_CASTING link "
        "between 'phone' and 'tv'"}},
      {"cast from a household device",
       "share_of_voice: 0.2",
       "share_of_voice: 0.2 casting { probability: 0.5 }",
       {"placements[1].casting: casts from a personal device; 'tv' is owned "
        "by the household"}},
      {"cast to a personal device",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 casting { probability: 0.5 tv_device_type: "
       "\"phone\" }",
       {"placements[0].casting.tv_device_type: 'phone' is a personal device "
        "type"}},
      // Retargeting.
      {"retarget without a source",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 retarget { within_days: 3 }",
       {"placements[0].retarget: needs a source"}},
      {"retarget after an unknown placement",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 retarget { after_placement: \"billboard\" }",
       {"placements[0].retarget.after_placement: no placement called "
        "'billboard'"}},
      {"retarget after an unknown device type",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 retarget { after_device_type: \"radio\" }",
       {"placements[0].retarget.after_device_type: unknown device type "
        "'radio'"}},
      {"retarget window past the flight",
       "share_of_voice: 0.2",
       "share_of_voice: 0.2 retarget { after_device_type: \"phone\" "
       "within_days: 30 }",
       {"placements[1].retarget.within_days: must be in [0, 7], got 30"}},
      // Caps.
      {"cap without scope",
       "flight_days: 7",
       "flight_days: 7 frequency_caps { period: CAP_PERIOD_DAY limit: 1 }",
       {"frequency_caps[0].scope: is required", "got CAP_SCOPE_UNSPECIFIED"}},
      {"cap without period",
       "flight_days: 7",
       "flight_days: 7 frequency_caps { scope: CAP_SCOPE_PERSON limit: 1 }",
       {"frequency_caps[0].period: is required", "got CAP_PERIOD_UNSPECIFIED"}},
      {"cap of zero",
       "flight_days: 7",
       "flight_days: 7 frequency_caps { scope: CAP_SCOPE_DEVICE period: "
       "CAP_PERIOD_FLIGHT }",
       {"frequency_caps[0].limit: must be in [1, 65535], got 0"}},
      {"cap over days without their number",
       "flight_days: 7",
       "flight_days: 7 frequency_caps { scope: CAP_SCOPE_PERSON period: "
       "CAP_PERIOD_DAYS limit: 4 }",
       {"frequency_caps[0].period_days: must be in [1, 731], got 0"}},
      {"period_days on a weekly cap",
       "flight_days: 7",
       "flight_days: 7 frequency_caps { scope: CAP_SCOPE_PERSON period: "
       "CAP_PERIOD_WEEK limit: 4 period_days: 3 }",
       {"frequency_caps[0].period_days: is only for CAP_PERIOD_DAYS, got 3 "
        "with CAP_PERIOD_WEEK"}},
      {"cap on an unknown placement",
       "flight_days: 7",
       "flight_days: 7 frequency_caps { scope: CAP_SCOPE_PERSON period: "
       "CAP_PERIOD_DAY limit: 1 placements: \"nope\" }",
       {"frequency_caps[0].placements[0]: unknown placement 'nope' (known: "
        "splash, boot)"}},
      // Privacy.
      {"privacy noise without epsilon",
       "flight_days: 7",
       "flight_days: 7 privacy { noise: PRIVACY_NOISE_DISCRETE_LAPLACE }",
       {"privacy.epsilon: must be in (0, 1000] with noise, got 0"}},
      {"negative epsilon",
       "flight_days: 7",
       "flight_days: 7 privacy { noise: PRIVACY_NOISE_DISCRETE_LAPLACE "
       "epsilon: -1 }",
       {"privacy.epsilon: must be in (0, 1000] with noise, got -1"}},
      {"Gaussian noise without delta",
       "flight_days: 7",
       "flight_days: 7 privacy { noise: PRIVACY_NOISE_DISCRETE_GAUSSIAN "
       "epsilon: 1 }",
       {"privacy.delta: must be in (0, 1) with the discrete Gaussian, got 0"}},
      {"negative k",
       "flight_days: 7",
       "flight_days: 7 privacy { min_cell_people: -5 }",
       {"privacy.min_cell_people: must be in [0, 1000000000], got -5"}},
      // Target.
      {"unknown age band",
       "flight_days: 7",
       "flight_days: 7 target { age_bands: \"teen\" }",
       {"target.age_bands[0]: unknown age band 'teen' (known: young, old)"}},
      {"unknown city tier",
       "flight_days: 7",
       "flight_days: 7 target { city_tiers: \"tier9\" }",
       {"target.city_tiers[0]: unknown city tier 'tier9'"}},
      {"unknown owned device",
       "flight_days: 7",
       "flight_days: 7 target { owns_device_types: \"car\" }",
       {"target.owns_device_types[0]: unknown device type 'car'"}},
      {"household sizes reversed",
       "flight_days: 7",
       "flight_days: 7 target { min_household_size: 3 max_household_size: 2 "
       "}",
       {"target.max_household_size: must be >= min_household_size (3), got "
        "2"}},
      {"negative activity bound",
       "flight_days: 7",
       "flight_days: 7 target { min_activity: -1 }",
       {"target.min_activity: must be finite and >= 0, got -1"}},
      // Conversions and replicates.
      {"conversion rate above 1",
       "flight_days: 7",
       "flight_days: 7 conversion { max_rate: 2 saturation_frequency: 1 }",
       {"conversion.max_rate: must be in [0, 1], got 2"}},
      {"conversion without saturation",
       "flight_days: 7",
       "flight_days: 7 conversion { max_rate: 0.1 }",
       {"conversion.saturation_frequency: must be finite and > 0, got 0"}},
      // Finite but huge: once spend "Infinity" and reach changed by weights.
      // Found by the request fuzzer: a subnormal shape made NaN activity.
      {"vanishing activity shape",
       "activity_shape: 2",
       "activity_shape: 1.35e-312",
       {"ecosystem.spec.activity_shape: must be 0 (no heterogeneity) or at "
        "least 0.01, got 1.35e-312"}},
      {"astronomical CPM",
       "share_of_voice: 0.1",
       "share_of_voice: 0.1 cpm: 1e308",
       {"placements[0].cpm: must be at most 1e+12, got 1e+308"}},
      {"astronomical category weight",
       "age_bands { name: \"old\" weight: 1 }",
       "age_bands { name: \"old\" weight: 1e308 }",
       {"ecosystem.spec.age_bands[1].weight: must be at most 1e+12, got "
        "1e+308"}},
      {"astronomical household size weight",
       "household_size_weights: [ 0.5, 0.5 ]",
       "household_size_weights: [ 0.5, 1e300 ]",
       {"ecosystem.spec.household_size_weights[1]: must be at most 1e+12"}},
      // Long values are cut in messages, never echoed whole.
      {"long placement name",
       "name: \"splash\"",
       "name: \"" + std::string(5000, 'x') + "\"",
       {"placements[0].name: at most 256 bytes, got 'xxxx",
        "...' (5000 bytes)"}},
      {"long unknown device type",
       "device_type: \"phone\"",
       "device_type: \"" + std::string(100000, 'y') + "\"",
       {"placements[0].device_type: unknown device type 'yyyy",
        "...' (100000 bytes)"}},
      {"control characters in an unknown name",
       "device_type: \"phone\"",
       "device_type: \"ph\\none\"",
       {"unknown device type 'ph\\x0aone'"}},
      {"too many replicates",
       "flight_days: 7",
       "flight_days: 7 replicates: 5000",
       {"replicates: must be in [0, 1000], got 5000"}},
      {"JSON budget not a number",
       "",
       "",
       {"JSON", "budget"},
       F::kJson,
       R"({"population": 10, "flightDays": 3, "ecosystem": {"preset": {"name": "small-city"}},
           "placements": [{"name": "a", "deviceType": "phone", "budget": "lots",
                           "opportunity": {"poisson": {"rate": 1}}}]})"},
      {"JSON NaN share of voice",
       "",
       "",
       {"placements[0].share_of_voice", "got nan"},
       F::kJson,
       R"({"population": 10, "flightDays": 3, "ecosystem": {"preset": {"name": "small-city"}},
           "placements": [{"name": "a", "deviceType": "phone", "shareOfVoice": "NaN",
                           "opportunity": {"poisson": {"rate": 1}}}]})"},
  };
}

TEST(BadInputTest, EveryCaseNamesFieldAndValue) {
  const std::vector<BadCase> cases = Cases();
  ASSERT_GE(cases.size(), 25u);
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string content = Content(c);
    const absl::Status status = ParseAndValidate(content, c.format);
    std::vector<::testing::Matcher<std::string>> parts;
    for (const std::string& e : c.expected) parts.push_back(HasSubstr(e));
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                                 AllOfArray(parts)));
    // Whatever the input, a message stays short enough for an RPC's
    // trailers and a terminal.
    EXPECT_LT(status.message().size(), 1000u)
        << status.message().substr(0, 200);
  }
}

TEST(BadInputTest, TheValidBaseIsValid) {
  EXPECT_THAT(ParseAndValidate(kValid, ScenarioFormat::kText), testing::IsOk());
}

}  // namespace
}  // namespace aiotreach
