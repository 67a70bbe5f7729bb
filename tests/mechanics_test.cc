// Campaign mechanics against theory and exact accounting: caps, pacing,
// dayparts, targeting, follow-ups, conversions, replicates. Statistical
// tolerances are k standard errors of the estimate under the theory
// checked, at a fixed seed; k = 5 unless stated.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "engine/report_builder.h"
#include "gtest/gtest.h"
#include "tests/scenario_testing.h"
#include "tests/status_matchers.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using testing::ParseTextOrDie;
using testing::ProportionSe;
using testing::Row;
using testing::RunOrDie;
using testing::StatusIs;

constexpr double kSe = 5.0;

// One-person households, each person with a phone and a wearable (both
// personal screens): `rest` adds placements, caps and options.
std::string PhoneAndWearable(int64_t people, int days,
                             const std::string& rest) {
  return absl::Substitute(R"(
    name: "mechanics" seed: 99 population: $0 flight_days: $1
    ecosystem {
      spec {
        household_size_weights: [ 1 ]
        device_types {
          name: "phone" owner: OWNER_KIND_PERSON ownership_probability: 1
          screen: true platform_connected: true
        }
        device_types {
          name: "wearable" owner: OWNER_KIND_PERSON ownership_probability: 1
          screen: true
        }
      }
    }
    $2)",
                          people, days, rest);
}

// Sum over people of max(0, f - k), and the number with f > k, from a
// histogram whose last bucket F is exact (F above every count).
std::pair<int64_t, int64_t> ExcessOver(const v1::Report& r, int k) {
  int64_t excess = 0, people = 0;
  for (int i = 0; i < r.frequency_histogram_size(); ++i) {
    const int f = i + 1;
    if (f > k) {
      excess += (f - k) * r.frequency_histogram(i);
      people += r.frequency_histogram(i);
    }
  }
  return {excess, people};
}

// A per-person cap K on X ~ Poisson(m) opportunities delivers E[min(X, K)]
// impressions a person (MODEL.md, "Checks from theory"). m = 3 over two
// days, K = 2 for the flight.
TEST(MechanicsTest, PersonCapDeliversTheExpectedMinimum) {
  const int64_t n = 100000;
  const v1::Report r = RunOrDie(ParseTextOrDie(PhoneAndWearable(n, 2, R"pb(
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 1.5 } }
      share_of_voice: 1
    }
    frequency_caps {
      scope: CAP_SCOPE_PERSON
      period: CAP_PERIOD_FLIGHT
      limit: 2
    }
    report { max_frequency: 5 })pb")));
  const double m = 3.0;
  const double p0 = std::exp(-m), p1 = m * p0;
  const double mean = p1 + 2 * (1 - p0 - p1);
  const double second_moment = p1 + 4 * (1 - p0 - p1);
  const double sd = std::sqrt(second_moment - mean * mean);
  EXPECT_NEAR(r.impressions() / double(n), mean, kSe * sd / std::sqrt(n));
  for (int f = 3; f <= 5; ++f) EXPECT_EQ(r.frequency_histogram(f - 1), 0);
  const v1::PlacementDelivery& d = Row(r.delivery(), "splash");
  EXPECT_EQ(d.won(), d.served() + d.refused_by_cap());
  EXPECT_NEAR(d.won() / double(n), m, kSe * std::sqrt(m / n));
  EXPECT_EQ(r.caps(0).refused(), d.refused_by_cap());
  EXPECT_EQ(r.caps(0).exposures_over_limit(), 0);
}

// Two devices a person, each with Poisson(2) a day for 3 days. A
// cross-device cap of 3 a flight holds every person to 3; the same cap per
// device lets up to 6 through, and its waste is exactly the exposures past
// 3 a person.
TEST(MechanicsTest, CrossDeviceCapsHoldAndDeviceCapsWaste) {
  const int64_t n = 50000;
  const std::string placements = R"pb(
    placements {
      name: "phone_splash"
      device_type: "phone"
      opportunity { poisson { rate: 2 } }
      share_of_voice: 1
      cpm: 20
    }
    placements {
      name: "watch_face"
      device_type: "wearable"
      opportunity { poisson { rate: 2 } }
      share_of_voice: 1
      cpm: 20
    }
    report { max_frequency: 40 })pb";
  const v1::Report person = RunOrDie(ParseTextOrDie(
      PhoneAndWearable(n, 3, placements + R"pb(frequency_caps {
                                                 scope: CAP_SCOPE_PERSON
                                                 period: CAP_PERIOD_FLIGHT
                                                 limit: 3
                                               })pb")));
  EXPECT_EQ(ExcessOver(person, 3).second, 0);
  EXPECT_GT(person.frequency_histogram(2), n / 2);
  EXPECT_EQ(person.caps(0).exposures_over_limit(), 0);
  EXPECT_EQ(person.caps(0).people_over_limit(), 0);

  const v1::Report device = RunOrDie(ParseTextOrDie(
      PhoneAndWearable(n, 3, placements + R"pb(frequency_caps {
                                                 scope: CAP_SCOPE_DEVICE
                                                 period: CAP_PERIOD_FLIGHT
                                                 limit: 3
                                               })pb")));
  const auto [excess, over] = ExcessOver(device, 3);
  EXPECT_GT(over, n / 2);
  EXPECT_EQ(ExcessOver(device, 6).second, 0);
  EXPECT_EQ(device.caps(0).exposures_over_limit(), excess);
  EXPECT_EQ(device.caps(0).people_over_limit(), over);
  // Each device's impression exposes its owner once, at 20 yuan a
  // thousand: the waste is 0.02 yuan an exposure past the limit.
  EXPECT_NEAR(device.caps(0).waste_yuan(), 0.02 * excess, 1e-9 * excess);
  EXPECT_EQ(person.caps(0).waste_yuan(), 0);
  EXPECT_EQ(device.exposures() - person.exposures(),
            excess + (device.exposures() - excess - person.exposures()));
}

// Daily caps start again each day: a device cap of 1 a day on two devices
// allows at most 2 exposures a person-day, so 2 * D over the flight.
TEST(MechanicsTest, DailyDeviceCapsResetEachDay) {
  const int64_t n = 20000;
  const v1::Report r = RunOrDie(ParseTextOrDie(PhoneAndWearable(n, 4, R"pb(
    placements {
      name: "phone_splash"
      device_type: "phone"
      opportunity { poisson { rate: 5 } }
      share_of_voice: 1
    }
    placements {
      name: "watch_face"
      device_type: "wearable"
      opportunity { poisson { rate: 5 } }
      share_of_voice: 1
    }
    frequency_caps { scope: CAP_SCOPE_DEVICE period: CAP_PERIOD_DAY limit: 1 }
    report { max_frequency: 12 })pb")));
  EXPECT_EQ(ExcessOver(r, 8).second, 0);
  // P(a device has no opportunity on a day) = e^-5: nearly all reach 8.
  EXPECT_GT(r.frequency_histogram(7), n * 9 / 10);
  for (const v1::DailyRow& day : r.daily()) EXPECT_LE(day.impressions(), 2 * n);
  // The cap's waste against one a day per person: one exposure in excess
  // on each person-day both devices had an opportunity, (1 - e^-5)^2.
  const double both = std::pow(1 - std::exp(-5.0), 2);
  EXPECT_NEAR(r.caps(0).exposures_over_limit() / double(4 * n), both,
              kSe * ProportionSe(both, 4 * n));
}

// Caps over calendar periods start again at each window's first day: one
// opportunity a device each day for 14 days from a Thursday, so calendar
// weeks are days 1-4, 5-11 and 12-14 (three windows) and windows of 7
// days from day 1 are two. Exact counts, no tolerance.
TEST(MechanicsTest, WeekAndDayWindowCapsStartAgainEachWindow) {
  const int64_t n = 2000;
  const std::string placements = R"pb(
    start_day: DAY_OF_WEEK_THURSDAY
    placements {
      name: "phone_splash"
      device_type: "phone"
      opportunity { bernoulli { probability: 1 } }
      share_of_voice: 1
    }
    placements {
      name: "watch_face"
      device_type: "wearable"
      opportunity { bernoulli { probability: 1 } }
      share_of_voice: 1
    }
    report { max_frequency: 30 })pb";
  auto run = [&](const std::string& cap) {
    return RunOrDie(ParseTextOrDie(PhoneAndWearable(n, 14, placements + cap)));
  };
  const v1::Report week = run(R"pb(frequency_caps {
                                     scope: CAP_SCOPE_PERSON
                                     period: CAP_PERIOD_WEEK
                                     limit: 2
                                   })pb");
  EXPECT_EQ(week.caps(0).period(), "week");
  EXPECT_EQ(week.frequency_histogram(6 - 1), n);  // 2 in each of 3 weeks
  EXPECT_EQ(week.caps(0).refused(), (28 - 6) * n);
  EXPECT_EQ(week.caps(0).exposures_over_limit(), 0);

  const v1::Report days = run(R"pb(frequency_caps {
                                     scope: CAP_SCOPE_PERSON
                                     period: CAP_PERIOD_DAYS
                                     period_days: 7
                                     limit: 2
                                   })pb");
  EXPECT_EQ(days.caps(0).period(), "7 days");
  EXPECT_EQ(days.frequency_histogram(4 - 1), n);  // 2 in each of 2 windows

  // A device cap of 1 a week lets each device through once a week: 6 a
  // person, 1 past a person's limit of 1 in each of the 3 weeks.
  const v1::Report device = run(R"pb(frequency_caps {
                                       scope: CAP_SCOPE_DEVICE
                                       period: CAP_PERIOD_WEEK
                                       limit: 1
                                     })pb");
  EXPECT_EQ(device.frequency_histogram(6 - 1), n);
  EXPECT_EQ(device.caps(0).exposures_over_limit(), 3 * n);
  EXPECT_EQ(device.caps(0).people_over_limit(), 3 * n);
}

// Even pacing delivers a goal the inventory can carry within 1%; spend at
// the CPM never exceeds the budget.
TEST(MechanicsTest, PacingDeliversTheGoalAndKeepsTheBudget) {
  const int64_t n = 50000;
  // Inventory: 3 a day x 10 days x 50,000 = 1.5 million; 6,000 yuan at 20
  // yuan CPM buys 300,000.
  const v1::Report r = RunOrDie(ParseTextOrDie(PhoneAndWearable(n, 10, R"pb(
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 3 } }
      budget: 6000
      cpm: 20
    })pb")));
  const v1::PlacementDelivery& d = Row(r.delivery(), "splash");
  EXPECT_EQ(d.goal(), 300000);
  EXPECT_NEAR(d.served(), 300000, 3000);
  EXPECT_LE(d.spend(), 6000.0);
  EXPECT_NEAR(d.spend(), 6000.0, 60.0);
  EXPECT_EQ(r.spend(), d.spend());
  // Even: each day near a tenth.
  for (const v1::DailyRow& day : r.daily())
    EXPECT_NEAR(day.placement_impressions(0), 30000, 1500) << day.day();
}

// A placement bought for some days of the flight runs on those days only,
// on both paths; a day-priced buy pays for them, a budget is paced over
// them (each bought day near a third of the goal).
TEST(MechanicsTest, DaysBoughtBoundDeliveryAndSpend) {
  const int64_t n = 20000;
  for (bool day_by_day : {false, true}) {
    RunOptions options;
    options.day_by_day = day_by_day;
    const v1::Report r =
        RunOrDie(ParseTextOrDie(PhoneAndWearable(n, 7, R"pb(
                   placements {
                     name: "watch_face"
                     device_type: "wearable"
                     opportunity { bernoulli { probability: 0.5 } }
                     price_per_day: 100
                     days: [ 2, 5 ]
                   }
                   placements {
                     name: "splash"
                     device_type: "phone"
                     opportunity { poisson { rate: 3 } }
                     budget: 900
                     cpm: 20
                     days: [ 1, 4, 7 ]
                   })pb")),
                 options);
    const v1::PlacementDelivery& watch = Row(r.delivery(), "watch_face");
    EXPECT_EQ(watch.spend(), 200.0);
    const v1::PlacementDelivery& splash = Row(r.delivery(), "splash");
    EXPECT_NEAR(splash.served(), 45000, 450);
    for (const v1::DailyRow& day : r.daily()) {
      const int d = day.day();
      // Bernoulli(1/2) on each of 20,000 wearables on a bought day: mean
      // 10,000, SD 71.
      if (d == 2 || d == 5) {
        EXPECT_NEAR(day.placement_impressions(0), 10000, kSe * 71) << d;
      } else {
        EXPECT_EQ(day.placement_impressions(0), 0) << d;
      }
      if (d == 1 || d == 4 || d == 7) {
        EXPECT_NEAR(day.placement_impressions(1), 15000, 750) << d;
      } else {
        EXPECT_EQ(day.placement_impressions(1), 0) << d;
      }
    }
  }
  EXPECT_THAT(RunScenario(ParseTextOrDie(PhoneAndWearable(n, 7, R"pb(
                            placements {
                              name: "watch_face"
                              device_type: "wearable"
                              opportunity { bernoulli { probability: 0.5 } }
                              price_per_day: 100
                              days: [ 2, 2 ]
                            })pb")),
                          RunOptions())
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("placements[0].days[1]: day 2 is repeated")));
  EXPECT_THAT(RunScenario(ParseTextOrDie(PhoneAndWearable(n, 7, R"pb(
                            placements {
                              name: "watch_face"
                              device_type: "wearable"
                              opportunity { bernoulli { probability: 0.5 } }
                              price_per_day: 100
                              days: [ 8 ]
                            })pb")),
                          RunOptions())
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("placements[0].days[0]")));
}

// Front-loaded pacing puts the stated share into the first half.
TEST(MechanicsTest, FrontLoadedPacingFollowsItsShare) {
  const int64_t n = 50000;
  const v1::Report r = RunOrDie(ParseTextOrDie(PhoneAndWearable(n, 10, R"pb(
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 3 } }
      impression_goal: 400000
      pacing { kind: PACING_KIND_FRONT_LOADED front_loaded_share: 0.7 }
    })pb")));
  int64_t first_half = 0;
  for (int d = 0; d < 5; ++d) first_half += r.daily(d).placement_impressions(0);
  EXPECT_NEAR(first_half, 280000, 4000);
  EXPECT_NEAR(Row(r.delivery(), "splash").served(), 400000, 4000);
}

// A goal past the inventory: every opportunity is won, and the shortfall
// is reported. Served ~ Poisson(N x rate x days).
TEST(MechanicsTest, PacingReportsUnderDelivery) {
  const int64_t n = 20000;
  const v1::Report r = RunOrDie(ParseTextOrDie(PhoneAndWearable(n, 5, R"pb(
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 2 } }
      impression_goal: 500000
    })pb")));
  const v1::PlacementDelivery& d = Row(r.delivery(), "splash");
  const double inventory = 2.0 * 5 * n;
  EXPECT_NEAR(d.served(), inventory, kSe * std::sqrt(inventory));
  EXPECT_EQ(d.under_delivery(), 500000 - d.served());
  EXPECT_NEAR(d.under_delivery_pct(), 100.0 * d.under_delivery() / 500000,
              1e-9);
  EXPECT_EQ(d.over_delivery(), 0);
}

// Dayparts: no impression outside the placement's hours, and the count
// inside is the device's activity share of those hours (Poisson thinning).
TEST(MechanicsTest, DaypartsKeepImpressionsInTheirHours) {
  const int64_t n = 20000;
  std::vector<double> hours(24, 1.0);
  for (int h = 18; h < 23; ++h) hours[h] = 3.0;  // evening peak
  std::string weights;
  for (double w : hours) weights += absl::StrCat(w, ", ");
  weights.resize(weights.size() - 2);
  const v1::Report r = RunOrDie(ParseTextOrDie(absl::Substitute(
      R"(
    name: "dayparts" seed: 5 population: $0 flight_days: 3
    ecosystem {
      spec {
        household_size_weights: [ 1 ]
        device_types {
          name: "phone" owner: OWNER_KIND_PERSON ownership_probability: 1
          activity { hour_of_day: [ $1 ] }
        }
      }
    }
    placements {
      name: "evening"
      device_type: "phone"
      opportunity { poisson { rate: 4 } }
      share_of_voice: 1
      dayparts { start_hour: 20 end_hour: 23 }
      dayparts { start_hour: 23 end_hour: 1 }
    })",
      n, weights)));
  ASSERT_EQ(r.hourly_impressions_size(), 24);
  double share = 0.0, total = 0.0;
  for (int h = 0; h < 24; ++h) {
    total += hours[h];
    const bool on = h >= 20 || h == 0;
    if (on) share += hours[h];
    if (!on) EXPECT_EQ(r.hourly_impressions(h), 0) << "hour " << h;
    if (on) EXPECT_GT(r.hourly_impressions(h), 0) << "hour " << h;
  }
  const double expected = 4.0 * 3 * n * share / total;
  EXPECT_NEAR(r.impressions(), expected, kSe * std::sqrt(expected));
}

// Targeting: the universe is the target, counted from the population's
// attributes; nobody outside it is exposed or reached.
TEST(MechanicsTest, TargetIsTheUniverse) {
  const int64_t n = 60000;
  const std::string base = R"(
    name: "target" seed: 11 population: $0 flight_days: 2
    ecosystem {
      spec {
        household_size_weights: [ 1, 1 ]
        age_bands { name: "young" weight: 1 }
        age_bands { name: "old" weight: 1 }
        activity_shape: 2
        device_types {
          name: "phone" owner: OWNER_KIND_PERSON ownership_probability: 1
          screen: true platform_connected: true
        }
        device_types {
          name: "wearable" owner: OWNER_KIND_PERSON ownership_probability: 0.4
          screen: true platform_connected: true
        }
        device_types {
          name: "tv" owner: OWNER_KIND_HOUSEHOLD ownership_probability: 1
          screen: true platform_connected: true
        }
      }
    }
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 40 } }
      share_of_voice: 1
    }
    placements {
      name: "boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 1 } }
      share_of_voice: 1
      audience { kind: AUDIENCE_KIND_TURNER_AND_PRESENT co_presence_probability: 1 }
    }
    target { $1 })";
  struct Case {
    std::string target;
    double share;  // expected share of people in the target
    double se;     // its standard error
  };
  // Household sizes 1 and 2 equally likely: H = N / 1.5 households, a pair
  // each with probability 1/2, so the share in pairs, 2 Bin(H, 1/2) / N, has
  // mean 2/3 and SE sqrt(H) / N. Person attributes are independent across
  // people (binomial SE). Activity ~ Gamma(2, 1/2): P(a >= 1.5) = 4 e^-3.
  // Three connected devices: phone and TV always, the wearable with 0.4.
  const double pairs_se = std::sqrt(n / 1.5) / n;
  const double active = 4 * std::exp(-3.0);
  const std::vector<Case> cases = {
      {R"(age_bands: "young" owns_device_types: "wearable")", 0.2,
       ProportionSe(0.2, n)},
      {"min_household_size: 2", 2.0 / 3.0, pairs_se},
      {"min_activity: 1.5", active, ProportionSe(active, n)},
      {"min_connected_devices: 3", 0.4, ProportionSe(0.4, n)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    const v1::Report r =
        RunOrDie(ParseTextOrDie(absl::Substitute(base, n, c.target)));
    EXPECT_EQ(r.universe().all_people(), n);
    EXPECT_NEAR(r.universe().people() / double(n), c.share, kSe * c.se);
    // Everyone in the target has a phone at 40 a day: all are reached,
    // and no one else (reach would exceed the universe).
    EXPECT_EQ(r.reach_people(), r.universe().people());
    EXPECT_NEAR(r.reach_pct_of_all_people(),
                100.0 * r.reach_people() / double(n), 1e-9);
    int64_t histogram = 0;
    for (int64_t v : r.frequency_histogram()) histogram += v;
    EXPECT_EQ(histogram, r.universe().people());
  }
  // Co-viewers outside the target see the boot ad but are not counted.
  const v1::Report pairs = RunOrDie(
      ParseTextOrDie(absl::Substitute(base, n, R"(age_bands: "young")")));
  EXPECT_GT(pairs.off_target_exposures(), 0);
}

// The AI boot ad's follow-up happens only in households with a voice
// device: the speaker is owned in tier "a" and never in tier "b".
TEST(MechanicsTest, FollowUpsNeedAVoiceDeviceAndALink) {
  const int64_t n = 20000;
  const std::string base = R"(
    name: "follow-up" seed: 3 population: $0 flight_days: 1
    ecosystem {
      spec {
        household_size_weights: [ 1, 1, 1 ]
        city_tiers { name: "a" weight: 1 }
        city_tiers { name: "b" weight: 1 }
        device_types {
          name: "tv" owner: OWNER_KIND_HOUSEHOLD ownership_probability: 1
          screen: true
        }
        device_types {
          name: "speaker" owner: OWNER_KIND_HOUSEHOLD voice: true
          ownership_by {
            attribute: ATTRIBUTE_CITY_TIER
            probability { key: "a" value: 1 }
            probability { key: "b" value: 0 }
          }
        }
        device_links {
          from_device_type: "speaker" to_device_type: "tv"
          kind: LINK_KIND_PROXIMITY probability: $3
        }
      }
    }
    placements {
      name: "ai_boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 1 } }
      share_of_voice: 1
      audience { kind: AUDIENCE_KIND_TURNER_AND_PRESENT co_presence_probability: 0.5 }
      voice_follow_up { probability: $1 }
    }
    $2)";
  const v1::Report b = RunOrDie(ParseTextOrDie(
      absl::Substitute(base, n, 1, R"(target { city_tiers: "b" })", 1)));
  EXPECT_GT(b.impressions(), 0);
  EXPECT_EQ(Row(b.delivery(), "ai_boot").voice_follow_ups(), 0);
  EXPECT_EQ(b.cross_device_interactions_size(), 0);

  const v1::Report a = RunOrDie(ParseTextOrDie(
      absl::Substitute(base, n, 1, R"(target { city_tiers: "a" })", 1)));
  const v1::PlacementDelivery& d = Row(a.delivery(), "ai_boot");
  EXPECT_EQ(d.voice_follow_ups(), a.impressions());
  EXPECT_EQ(d.interactions(), d.voice_follow_ups());
  ASSERT_EQ(a.cross_device_interactions_size(), 1);
  EXPECT_EQ(a.cross_device_interactions(0).from_device_type(), "tv");
  EXPECT_EQ(a.cross_device_interactions(0).to_device_type(), "speaker");
  EXPECT_EQ(a.cross_device_interactions(0).interactions(),
            d.voice_follow_ups());
  // Each follow-up is an exposure on the speaker.
  EXPECT_EQ(Row(a.device_types(), "speaker").exposures(), d.voice_follow_ups());

  // Everyone, probability 0.3: a follow-up for 0.3 of the impressions in
  // tier "a", half the households.
  const v1::Report all =
      RunOrDie(ParseTextOrDie(absl::Substitute(base, n, 0.3, "", 1)));
  const double rate = 0.3 * 0.5;
  const double impressions = all.impressions();
  EXPECT_NEAR(Row(all.delivery(), "ai_boot").voice_follow_ups() / impressions,
              rate,
              kSe * std::sqrt(0.3 * 0.7 * 0.5 / impressions +
                              0.3 * 0.3 * 0.25 / impressions));

  // The follow-up travels the drawn speaker-TV link: with the link in 40%
  // of households, 0.3 * 0.5 * 0.4 of the impressions (one a household in
  // a one-day flight, so independent); with no link, none.
  const v1::Report some =
      RunOrDie(ParseTextOrDie(absl::Substitute(base, n, 0.3, "", 0.4)));
  const double linked_rate = 0.3 * 0.5 * 0.4;
  const double some_impressions = some.impressions();
  EXPECT_NEAR(
      Row(some.delivery(), "ai_boot").voice_follow_ups() / some_impressions,
      linked_rate,
      kSe * std::sqrt(linked_rate * (1 - linked_rate) / some_impressions));
  const v1::Report none =
      RunOrDie(ParseTextOrDie(absl::Substitute(base, n, 1, "", 0)));
  EXPECT_GT(none.impressions(), 0);
  EXPECT_EQ(Row(none.delivery(), "ai_boot").voice_follow_ups(), 0);
  EXPECT_EQ(none.cross_device_interactions_size(), 0);
}

// Casting a phone video to the household TV (issue 11, the graph carries
// exposure): one impression a person in a one-day flight; each is cast
// with c when its owner's phone has the drawn casting link (probability L,
// per member), so casts are Binomial(impressions, c L); a cast is a TV
// impression, and each of the two other members of a household of 3 is
// exposed on the TV with q: 2q co-viewers a cast. No link, no cast.
TEST(MechanicsTest, CastsFollowTheDrawnCastingLink) {
  const int64_t n = 30000;
  const std::string base = R"(
    name: "cast" seed: 5 population: $0 flight_days: 1
    ecosystem {
      spec {
        household_size_weights: [ 0, 0, 1 ]
        device_types {
          name: "phone" owner: OWNER_KIND_PERSON ownership_probability: 1
          screen: true
        }
        device_types {
          name: "tv" owner: OWNER_KIND_HOUSEHOLD ownership_probability: 1
          screen: true
        }
        device_links {
          from_device_type: "phone" to_device_type: "tv"
          kind: LINK_KIND_CASTING probability: $1
        }
      }
    }
    placements {
      name: "video"
      device_type: "phone"
      opportunity { bernoulli { probability: 1 } }
      share_of_voice: 1
      casting { probability: 0.5 co_presence_probability: 0.3 }
    })";
  const v1::Report r = RunOrDie(ParseTextOrDie(absl::Substitute(base, n, 0.6)));
  const double impressions = r.impressions();
  ASSERT_EQ(impressions, n);
  const double casts = Row(r.delivery(), "video").casts();
  const double p = 0.5 * 0.6;
  EXPECT_NEAR(casts / impressions, p,
              kSe * std::sqrt(p * (1 - p) / impressions));
  EXPECT_EQ(Row(r.device_types(), "tv").impressions(), casts);
  EXPECT_EQ(Row(r.device_types(), "phone").impressions(), impressions - casts);
  const double co_viewers = Row(r.device_types(), "tv").exposures() - casts;
  EXPECT_NEAR(co_viewers / casts, 2 * 0.3,
              kSe * std::sqrt(2 * 0.3 * 0.7 / casts));
  EXPECT_EQ(r.exposures(), n + static_cast<int64_t>(co_viewers));

  const v1::Report none =
      RunOrDie(ParseTextOrDie(absl::Substitute(base, n, 0)));
  EXPECT_EQ(Row(none.delivery(), "video").casts(), 0);
  EXPECT_EQ(Row(none.device_types(), "tv").impressions(), 0);
  EXPECT_EQ(none.exposures(), n);
}

// Retargeting (issue 11): a phone splash served only to people who saw the
// TV boot ad, tied to their phone by the drawn phone-TV link (probability
// L). One-person households, a TV each, a boot on each day with q, one
// splash opportunity a day at a time uniform in the day (so after the day's
// boot with probability 1/2). Within 0 days over a 2-day flight, a person
// is retargeted with 1 - (1 - q/2)^2 when linked; never without the link.
TEST(MechanicsTest, RetargetingFollowsTheSequenceAndTheLink) {
  const int64_t n = 40000;
  const std::string base = R"(
    name: "retarget" seed: 9 population: $0 flight_days: 2
    ecosystem {
      spec {
        household_size_weights: [ 1 ]
        device_types {
          name: "phone" owner: OWNER_KIND_PERSON ownership_probability: 1
          screen: true
        }
        device_types {
          name: "tv" owner: OWNER_KIND_HOUSEHOLD ownership_probability: 1
          screen: true
        }
        device_links {
          from_device_type: "phone" to_device_type: "tv"
          kind: LINK_KIND_SAME_ACCOUNT probability: $1
        }
      }
    }
    placements {
      name: "tv_boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 0.4 } }
      share_of_voice: 1
      audience { kind: AUDIENCE_KIND_TURNER_AND_PRESENT }
    }
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { bernoulli { probability: 1 } }
      share_of_voice: 1
      retarget { after_placement: "tv_boot" within_days: $2 }
    })";
  const double q = 0.4;
  const v1::Report r =
      RunOrDie(ParseTextOrDie(absl::Substitute(base, n, 1, 0)));
  ASSERT_EQ(r.retargeting_size(), 1);
  const v1::RetargetingRow& f = r.retargeting(0);
  EXPECT_EQ(f.placement(), "splash");
  EXPECT_EQ(f.after(), "tv_boot");
  const double expected = 1 - (1 - q / 2) * (1 - q / 2);
  EXPECT_NEAR(f.retargeted_people() / static_cast<double>(n), expected,
              kSe * std::sqrt(expected * (1 - expected) / n));
  // Every splash exposure is of a retargeted person, each of whom saw the
  // boot ad: the funnel narrows.
  EXPECT_EQ(Row(r.placements(), "splash").reach_people(),
            f.retargeted_people());
  EXPECT_EQ(f.source_people(), Row(r.placements(), "tv_boot").reach_people());
  EXPECT_LE(f.retargeted_people(), f.source_people());

  // A wider window lets yesterday's boot count too.
  const v1::Report wide =
      RunOrDie(ParseTextOrDie(absl::Substitute(base, n, 1, 1)));
  EXPECT_GT(wide.retargeting(0).retargeted_people(), f.retargeted_people());

  // Half the phones linked: half the boot viewers can be retargeted.
  const v1::Report half =
      RunOrDie(ParseTextOrDie(absl::Substitute(base, n, 0.5, 0)));
  const double source = half.retargeting(0).source_people();
  const double reached = Row(half.placements(), "tv_boot").reach_people();
  EXPECT_NEAR(source / reached, 0.5, kSe * std::sqrt(0.25 / reached));

  // No link: the TV's viewers cannot be found on their phones.
  const v1::Report none =
      RunOrDie(ParseTextOrDie(absl::Substitute(base, n, 0, 0)));
  EXPECT_EQ(none.retargeting(0).source_people(), 0);
  EXPECT_EQ(Row(none.placements(), "splash").reach_people(), 0);
  EXPECT_GT(Row(none.placements(), "tv_boot").reach_people(), 0);
}

// Conversions follow the stated response curve: with one screen type,
// P(f) = max_rate (1 - e^(-f / f0)); the expected count is the histogram
// weighted by P(f), with a binomial standard error.
TEST(MechanicsTest, ConversionsFollowTheResponseCurve) {
  const int64_t n = 100000;
  const v1::Report r = RunOrDie(ParseTextOrDie(PhoneAndWearable(n, 3, R"pb(
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 1 } }
      share_of_voice: 1
      cpm: 30
    }
    conversion { max_rate: 0.2 saturation_frequency: 2 screen_synergy: 0.5 }
    report { max_frequency: 40 })pb")));
  double expected = 0.0, variance = 0.0;
  for (int i = 0; i < r.frequency_histogram_size(); ++i) {
    const double p = 0.2 * (1 - std::exp(-(i + 1) / 2.0));
    expected += r.frequency_histogram(i) * p;
    variance += r.frequency_histogram(i) * p * (1 - p);
  }
  EXPECT_NEAR(r.conversions(), expected, kSe * std::sqrt(variance));
  const v1::PlacementDelivery& d = Row(r.delivery(), "splash");
  EXPECT_EQ(d.conversions_last_touch(), r.conversions());
  EXPECT_NEAR(d.conversions_even_split(), r.conversions(), 1e-6);
  EXPECT_NEAR(r.cost_per_conversion(), r.spend() / r.conversions(), 1e-9);
}

// Multi-screen synergy: with saturation nearly instant, P = max_rate (1 +
// synergy (s - 1)), so conversions ~ max_rate (reach + synergy * reached
// on both screens). Last touch and even split each add up to the total.
TEST(MechanicsTest, ConversionsGrowWithScreens) {
  const int64_t n = 100000;
  const v1::Report r =
      RunOrDie(ParseTextOrDie(PhoneAndWearable(n, 1, R"pb(
        placements {
          name: "phone_splash"
          device_type: "phone"
          opportunity { poisson { rate: 1 } }
          share_of_voice: 1
        }
        placements {
          name: "watch_face"
          device_type: "wearable"
          opportunity { poisson { rate: 1 } }
          share_of_voice: 1
        }
        conversion {
          max_rate: 0.1
          saturation_frequency: 0.01
          screen_synergy: 1
        })pb")));
  const double both = r.device_type_overlap(0).reach_both();
  const double one = r.reach_people() - both;
  const double expected = 0.1 * one + 0.2 * both;
  EXPECT_NEAR(r.conversions(), expected,
              kSe * std::sqrt(0.1 * 0.9 * one + 0.2 * 0.8 * both));
  int64_t last_touch = 0;
  double even = 0.0;
  for (const v1::PlacementDelivery& d : r.delivery()) {
    last_touch += d.conversions_last_touch();
    even += d.conversions_even_split();
  }
  EXPECT_EQ(last_touch, r.conversions());
  EXPECT_NEAR(even, r.conversions(), 1e-6 * r.conversions());
}

// Replicate intervals: over many independent scenarios with R replicates
// each, the 95% interval for the mean reach covers the known expected
// reach N (1 - e^-m) at a rate within 4 binomial standard errors of 95%.
TEST(MechanicsTest, ReplicateIntervalsCoverTheTruth) {
  const int trials = 200;
  const int64_t n = 2000;
  const double truth = n * (1 - std::exp(-1.5));
  int covered = 0;
  for (int t = 0; t < trials; ++t) {
    v1::Scenario s = ParseTextOrDie(PhoneAndWearable(n, 1, R"pb(
      placements {
        name: "splash"
        device_type: "phone"
        opportunity { poisson { rate: 1.5 } }
        share_of_voice: 1
      }
      replicates: 10)pb"));
    s.set_seed(1000 + t);
    const v1::Report r = RunOrDie(s);
    ASSERT_EQ(r.uncertainty().replicates(), 10);
    const v1::FigureInterval& reach = r.uncertainty().figures(0);
    ASSERT_EQ(reach.figure(), "reach_people");
    EXPECT_LE(reach.lower(), reach.mean());
    covered += reach.lower() <= truth && truth <= reach.upper();
  }
  const double se = std::sqrt(trials * 0.95 * 0.05);
  EXPECT_NEAR(covered, 0.95 * trials, 4 * se);
}

// Replicate 0 is the scenario's own run: the body of a report with
// replicates equals the report without.
TEST(MechanicsTest, ReplicateZeroIsTheRunItself) {
  v1::Scenario s = ParseTextOrDie(PhoneAndWearable(5000, 2, R"pb(
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 1 } }
      share_of_voice: 0.5
    })pb"));
  const v1::Report single = RunOrDie(s);
  s.set_replicates(5);
  v1::Report with = RunOrDie(s);
  EXPECT_EQ(with.uncertainty().replicates(), 5);
  with.clear_uncertainty();
  EXPECT_EQ(with.SerializeAsString(), single.SerializeAsString());
}

// The day-by-day path against theory: W1's phone-only reach is negative
// binomial, 1 - (1 + m / 2)^-2 with m = 28 x 3 x 0.02 (WORKLOADS.md).
TEST(MechanicsTest, DayByDayPathAgreesWithTheory) {
  const int64_t n = 100000;
  v1::Scenario s = ParseTextOrDie(absl::Substitute(R"(
    name: "nb" seed: 8 population: $0 flight_days: 28
    ecosystem {
      spec {
        household_size_weights: [ 1 ]
        activity_shape: 2
        device_types { name: "phone" owner: OWNER_KIND_PERSON ownership_probability: 1 }
      }
    }
    placements {
      name: "phone_splash"
      device_type: "phone"
      opportunity { poisson { rate: 3 scale_by_activity: true } }
      share_of_voice: 0.02
    })",
                                                   n));
  RunOptions options;
  options.day_by_day = true;
  const v1::Report r = RunOrDie(s, options);
  ASSERT_EQ(r.hourly_impressions_size(), 24);  // the day path ran
  const double reach = 1 - std::pow(1 + 1.68 / 2, -2);
  EXPECT_NEAR(r.reach_people() / double(n), reach,
              kSe * ProportionSe(reach, n));
  EXPECT_NEAR(r.impressions() / double(n), 1.68,
              kSe * std::sqrt((1.68 + 1.68 * 1.68 / 2) / n));
}

TEST(MechanicsTest, StudentQuantiles) {
  EXPECT_NEAR(StudentT975(1), 12.706, 1e-3);
  EXPECT_NEAR(StudentT975(9), 2.262, 1e-3);
  EXPECT_NEAR(StudentT975(31), 2.0395, 1e-3);
  EXPECT_NEAR(StudentT975(120), 1.9799, 1e-3);
  EXPECT_NEAR(StudentT975(100000), 1.95996, 1e-4);
}

}  // namespace
}  // namespace aiotreach
