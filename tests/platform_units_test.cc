// Platform units (docs/PLATFORM_UNITS.md): money stated for the whole
// platform buys the sample's share, and the sample's figures project back
// with a sampling error that matches the spread over samples.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using testing::ParseTextOrDie;
using testing::Row;
using testing::RunOrDie;

// A campaign on xiaomi-2020 at `scale`, its money in platform units: TV
// boot ads by share of voice, phone splash bought by a budget (paced, on
// the day path with a cap) or by share of voice (flight at once).
std::string Campaign(double scale, uint64_t seed, bool day_path,
                     int days = 14) {
  return absl::Substitute(R"(
    name: "platform" seed: $0 flight_days: $3 platform_units: true
    ecosystem { preset { name: "xiaomi-2020" scale: $1 } population_seed: $0 }
    placements {
      name: "tv_boot" device_type: "tv"
      opportunity { bernoulli { probability: 0.35 } }
      share_of_voice: 0.2 cpm: 60
      audience { kind: AUDIENCE_KIND_TURNER_AND_PRESENT
                 co_presence_probability: 0.187 }
    }
    placements {
      name: "phone_splash" device_type: "phone"
      opportunity { poisson { rate: 3 scale_by_activity: true } }
      $2
    }
    $4)",
                          seed, scale,
                          day_path ? "budget: 30000000 cpm: 20 "
                                     "interaction_rate: 0.01"
                                   : "share_of_voice: 0.05 cpm: 20",
                          days,
                          day_path ? "frequency_caps { name: \"3 a day\" "
                                     "scope: CAP_SCOPE_PERSON period: "
                                     "CAP_PERIOD_DAY limit: 3 }"
                                   : "");
}

// The platform's money buys the sample's share: a budget, an impression
// goal and a price per day are each multiplied by the sample fraction.
TEST(PlatformUnitsTest, MoneyBuysTheSamplesShare) {
  v1::Scenario s = ParseTextOrDie(R"pb(
    name: "share"
    seed: 5
    flight_days: 7
    platform_units: true
    ecosystem { preset { name: "xiaomi-2020" scale: 0.0001 } }
    placements {
      name: "budget"
      device_type: "phone"
      opportunity { poisson { rate: 3 } }
      budget: 2000000
      cpm: 20
    }
    placements {
      name: "goal"
      device_type: "phone"
      opportunity { poisson { rate: 3 } }
      impression_goal: 50000000
    }
    placements {
      name: "by_day"
      device_type: "tv"
      opportunity { bernoulli { probability: 0.35 } }
      price_per_day: 300000
      audience { kind: AUDIENCE_KIND_ONE_MEMBER }
    }
  )pb");
  const v1::Report r = RunOrDie(s);
  const v1::PlatformProjection& p = r.platform();
  EXPECT_DOUBLE_EQ(p.sample_fraction(), 1e-4);
  EXPECT_EQ(p.platform_people(), 396'500'000);
  // 2 million yuan at 20 a thousand: 100 million impressions on the
  // platform, 10,000 in a 1/10,000 sample; 50 million, 5,000.
  EXPECT_EQ(Row(r.delivery(), "budget").goal(), 10'000);
  EXPECT_EQ(Row(r.delivery(), "goal").goal(), 5'000);
  // 300,000 yuan a day: 30 in the sample, 7 days.
  EXPECT_NEAR(Row(r.delivery(), "by_day").spend(), 7 * 30.0, 1e-9);
  // The projection divides by the fraction: the platform's spend is what
  // was stated, the days bought and the budget (paced: within 1%, the
  // last day's draws can fall a few impressions short).
  EXPECT_NEAR(p.spend().value(), r.spend() * 1e4, 1e-3);
  EXPECT_NEAR(p.spend().value(), 2'000'000 + 7 * 300'000.0, 20'000.0);
  EXPECT_NEAR(p.impressions().value(), r.impressions() * 1e4, 1e-3);
  EXPECT_EQ(p.target_people().value(), 396'500'000);
  EXPECT_EQ(p.target_people().standard_error(), 0.0);  // fixed by design
}

TEST(PlatformUnitsTest, NeedAPresetAndASampleNoLargerThanThePlatform) {
  v1::Scenario spec = ParseTextOrDie(R"pb(
    name: "spec"
    seed: 1
    flight_days: 1
    population: 100
    platform_units: true
    ecosystem {
      spec {
        household_size_weights: [ 1 ]
        device_types {
          name: "phone"
          owner: OWNER_KIND_PERSON
          ownership_probability: 1
        }
      }
    }
    placements {
      name: "p"
      device_type: "phone"
      opportunity { poisson { rate: 1 } }
      share_of_voice: 1
    }
  )pb");
  absl::Status status = ValidateScenario(spec);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("platform_units: needs a preset ecosystem"));
  v1::Scenario big = ParseTextOrDie(Campaign(2, 1, false));
  status = ValidateScenario(big);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("platform_units: the sample (793000000 people) is "
                        "larger than the platform (396500000"));
}

// The same campaign at two scales projects to figures that agree within
// their sampling errors (k = 4 standard errors of the difference; the
// smaller sample is the larger's first households, so the difference's
// variance is at most the sum of the two).
TEST(PlatformUnitsTest, TwoScalesAgreeWithinTheirErrors) {
  const v1::Report small = RunOrDie(ParseTextOrDie(Campaign(0.0001, 7, true)));
  const v1::Report large = RunOrDie(ParseTextOrDie(Campaign(0.001, 7, true)));
  const v1::PlatformProjection& a = small.platform();
  const v1::PlatformProjection& b = large.platform();
  auto agree = [](const char* name, const v1::ProjectedFigure& x,
                  const v1::ProjectedFigure& y) {
    const double se = std::hypot(x.standard_error(), y.standard_error());
    EXPECT_GT(se, 0.0) << name;
    EXPECT_NEAR(x.value(), y.value(), 4.0 * se) << name;
  };
  agree("households", a.households(), b.households());
  agree("reach_people", a.reach_people(), b.reach_people());
  agree("reach_households", a.reach_households(), b.reach_households());
  agree("exposures", a.exposures(), b.exposures());
  agree("interactions", a.interactions(), b.interactions());
  // The budget is met at both scales (within the last day's rounding): its
  // spend is fixed by it.
  EXPECT_LT(Row(small.delivery(), "phone_splash").under_delivery_pct(), 1.0);
  EXPECT_NEAR(a.spend().value(), b.spend().value(), 0.01 * b.spend().value());
}

// The standard error is the spread of the projection over samples: over
// 30 independent samples (population and campaign seeds), the standard
// deviation of the projected reach and the reported errors (their root
// mean square) agree within the noise of a standard deviation from 30
// draws (relative standard error 1/sqrt(58) = 13%; 4 of them: 0.48 to
// 1.52 as a ratio). On the flight-at-once path and the day path.
TEST(PlatformUnitsTest, ErrorMatchesTheSpreadOverSamples) {
  for (bool day_path : {false, true}) {
    SCOPED_TRACE(day_path ? "day path" : "flight at once");
    const int kSamples = 30;
    std::vector<double> reach;
    double se2 = 0.0;
    for (int k = 0; k < kSamples; ++k) {
      const v1::Report r = RunOrDie(
          ParseTextOrDie(Campaign(0.0002, 100 + k, day_path, /*days=*/7)));
      reach.push_back(r.platform().reach_people().value());
      se2 += std::pow(r.platform().reach_people().standard_error(), 2);
    }
    double mean = 0.0;
    for (double x : reach) mean += x / kSamples;
    double var = 0.0;
    for (double x : reach) var += (x - mean) * (x - mean) / (kSamples - 1);
    const double ratio = std::sqrt(var) / std::sqrt(se2 / kSamples);
    EXPECT_GT(ratio, 0.48);
    EXPECT_LT(ratio, 1.52);
  }
}

}  // namespace
}  // namespace aiotreach
