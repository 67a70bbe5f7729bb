// Breakdowns by audience and week (Report.audiences, Report.weekly) on both
// simulation paths, against exact accounting and against theory: a
// Bernoulli(p) placement a day on a phone owned with probability q by age
// band reaches a fraction q (1 - (1 - p)^d) of a band in d days (MODEL.md,
// "Checks from theory"). Tolerances are k = 5 standard errors of a
// proportion, at a fixed seed.
#include <cmath>
#include <map>
#include <string>

#include "absl/strings/substitute.h"
#include "gtest/gtest.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

using testing::ParseTextOrDie;
using testing::ProportionSe;
using testing::RunOnPath;
using testing::RunOrDie;

constexpr double kSe = 5.0;
constexpr double kDaily = 0.2;       // p: an opportunity a day
constexpr double kYoungPhone = 0.9;  // q of the young band
constexpr double kOldPhone = 0.5;    // q of the old band
constexpr double kYoungShare = 0.4;

// 14 days from a Thursday: calendar weeks of 4, 7 and 3 days.
v1::Scenario Scenario(const std::string& rest = "") {
  return ParseTextOrDie(absl::Substitute(
      R"pb(
        name: "breakdowns"
        seed: 7
        population: 40000
        flight_days: 14
        start_day: DAY_OF_WEEK_THURSDAY
        ecosystem {
          spec {
            household_size_weights: [ 0.3, 0.4, 0.3 ]
            age_bands { name: "young" weight: 0.4 }
            age_bands { name: "old" weight: 0.6 }
            genders { name: "female" weight: 0.5 }
            genders { name: "male" weight: 0.5 }
            city_tiers { name: "a" weight: 0.3 }
            city_tiers { name: "b" weight: 0.7 }
            device_types {
              name: "phone"
              owner: OWNER_KIND_PERSON
              ownership_probability: 0.5
              ownership_by {
                attribute: ATTRIBUTE_AGE_BAND
                probability { key: "young" value: $0 }
                probability { key: "old" value: $1 }
              }
              screen: true
            }
          }
        }
        placements {
          name: "splash"
          device_type: "phone"
          opportunity { bernoulli { probability: $2 } }
          share_of_voice: 1
        }
        report { max_frequency: 20 audiences: true } $3)pb",
      kYoungPhone, kOldPhone, kDaily, rest));
}

double ReachIn(int days) { return 1.0 - std::pow(1.0 - kDaily, days); }

// P(Binomial(n, p) >= k).
double AtLeast(int n, double p, int k) {
  double below = 0.0;
  for (int i = 0; i < k; ++i) {
    below += std::tgamma(n + 1.0) /
             (std::tgamma(i + 1.0) * std::tgamma(n - i + 1.0)) *
             std::pow(p, i) * std::pow(1 - p, n - i);
  }
  return 1.0 - below;
}

const v1::AudienceRow& Audience(const v1::Report& r, const std::string& attr,
                                const std::string& category) {
  for (const v1::AudienceRow& row : r.audiences()) {
    if (row.attribute() == attr && row.category() == category) return row;
  }
  ADD_FAILURE() << "no audience row " << attr << "=" << category;
  return v1::AudienceRow::default_instance();
}

class BreakdownsTest : public ::testing::TestWithParam<bool> {};

TEST_P(BreakdownsTest, EachAttributeAddsUpToTheTotals) {
  const v1::Report r = RunOnPath(Scenario(), GetParam());
  ASSERT_EQ(r.audiences_size(), 2 + 2 + 2 + 3);
  struct Sums {
    int64_t people = 0, reach = 0, exposures = 0;
    std::vector<int64_t> histogram = std::vector<int64_t>(20, 0);
  };
  std::map<std::string, Sums> by;
  for (const v1::AudienceRow& row : r.audiences()) {
    Sums& s = by[row.attribute()];
    s.people += row.people();
    s.reach += row.reach_people();
    s.exposures += row.exposures();
    ASSERT_EQ(row.frequency_histogram_size(), 20);
    for (int f = 0; f < 20; ++f) s.histogram[f] += row.frequency_histogram(f);
    EXPECT_EQ(row.reach_k_plus(0), row.reach_people());
    EXPECT_DOUBLE_EQ(row.grp(), 100.0 * row.exposures() / row.people());
  }
  ASSERT_EQ(by.size(), 4u);
  for (const auto& [attribute, s] : by) {
    SCOPED_TRACE(attribute);
    EXPECT_EQ(s.people, r.universe().people());
    EXPECT_EQ(s.reach, r.reach_people());
    EXPECT_EQ(s.exposures, r.exposures());
    for (int f = 0; f < 20; ++f)
      EXPECT_EQ(s.histogram[f], r.frequency_histogram(f));
  }
}

TEST_P(BreakdownsTest, ReachByAgeBandFollowsOwnership) {
  const v1::Report r = RunOnPath(Scenario(), GetParam());
  for (const auto& [band, q] :
       {std::pair<std::string, double>{"young", kYoungPhone},
        {"old", kOldPhone}}) {
    SCOPED_TRACE(band);
    const v1::AudienceRow& row = Audience(r, "age_band", band);
    const double n = row.people();
    const double reach = q * ReachIn(14);
    EXPECT_NEAR(row.reach_people() / n, reach, kSe * ProportionSe(reach, n));
    const double three_plus = q * AtLeast(14, kDaily, 3);
    EXPECT_NEAR(row.reach_k_plus(2) / n, three_plus,
                kSe * ProportionSe(three_plus, n));
  }
  // Gender is drawn apart from age: each half reaches the mean.
  const double q = kYoungShare * kYoungPhone + (1 - kYoungShare) * kOldPhone;
  const double people = r.universe().people();
  for (const char* gender : {"female", "male"}) {
    SCOPED_TRACE(gender);
    const v1::AudienceRow& row = Audience(r, "gender", gender);
    EXPECT_NEAR(row.people() / people, 0.5, kSe * ProportionSe(0.5, people));
    EXPECT_NEAR(row.reach_pct() / 100, q * ReachIn(14),
                kSe * ProportionSe(q * ReachIn(14), row.people()));
  }
}

TEST_P(BreakdownsTest, WeeklyReachFollowsTheCalendarWeeks) {
  const v1::Report r = RunOnPath(Scenario(), GetParam());
  ASSERT_EQ(r.weekly_size(), 3);
  const int days[] = {4, 7, 3};
  const int first[] = {1, 5, 12};
  const double q = kYoungShare * kYoungPhone + (1 - kYoungShare) * kOldPhone;
  const double n = r.universe().people();
  int64_t exposures = 0, impressions = 0;
  for (int w = 0; w < 3; ++w) {
    SCOPED_TRACE(w);
    const v1::WeeklyRow& row = r.weekly(w);
    EXPECT_EQ(row.week(), w + 1);
    EXPECT_EQ(row.days(), days[w]);
    EXPECT_EQ(row.first_day(), first[w]);
    const double reach = q * ReachIn(days[w]);
    EXPECT_NEAR(row.reach_people() / n, reach, kSe * ProportionSe(reach, n));
    EXPECT_LE(row.reach_people(), row.exposures());
    exposures += row.exposures();
    impressions += row.impressions();
  }
  EXPECT_EQ(exposures, r.exposures());
  EXPECT_EQ(impressions, r.impressions());
  EXPECT_EQ(r.weekly(2).cumulative_reach_people(), r.reach_people());
}

// Each placement's own frequency: a second placement on the phone at 0.1 a
// day beside the splash's 0.2. The splash row's histogram is the splash's
// exposures alone: q Binomial(14, 0.2) among the band-weighted owners; the
// phone row holds every exposure, so it is the headline histogram.
TEST_P(BreakdownsTest, RowsHaveTheirOwnFrequency) {
  v1::Scenario s = Scenario();
  s.mutable_report()->set_breakdown_frequency(true);
  v1::Placement* feed = s.add_placements();
  *feed = s.placements(0);
  feed->set_name("feed");
  feed->mutable_opportunity()->mutable_bernoulli()->set_probability(0.1);
  const v1::Report r = RunOnPath(s, GetParam());
  for (const auto* rows : {&r.placements(), &r.device_types()}) {
    for (const v1::BreakdownRow& row : *rows) {
      SCOPED_TRACE(row.name());
      ASSERT_EQ(row.frequency_histogram_size(), 20);
      int64_t sum = 0, exposures = 0;
      for (int f = 0; f < 20; ++f) {
        sum += row.frequency_histogram(f);
        exposures += (f + 1) * row.frequency_histogram(f);
      }
      EXPECT_EQ(sum, row.reach_people());
      EXPECT_EQ(row.reach_k_plus(0), row.reach_people());
      EXPECT_EQ(exposures, row.exposures());  // nobody past 20 here
    }
  }
  const v1::BreakdownRow& phone = r.device_types(0);
  for (int f = 0; f < 20; ++f)
    EXPECT_EQ(phone.frequency_histogram(f), r.frequency_histogram(f));
  const double q = kYoungShare * kYoungPhone + (1 - kYoungShare) * kOldPhone;
  const double n = r.universe().people();
  const double three_plus = q * AtLeast(14, kDaily, 3);
  EXPECT_NEAR(r.placements(0).reach_k_plus(2) / n, three_plus,
              kSe * ProportionSe(three_plus, n));
}

INSTANTIATE_TEST_SUITE_P(BothPaths, BreakdownsTest, ::testing::Bool());

// A one-week flight has one week, whose reach is the flight's.
TEST(BreakdownsTest, AOneWeekFlightIsOneWeek) {
  v1::Scenario s = Scenario();
  s.set_flight_days(4);
  const v1::Report r = RunOrDie(s);
  ASSERT_EQ(r.weekly_size(), 1);
  EXPECT_EQ(r.weekly(0).reach_people(), r.reach_people());
  EXPECT_EQ(r.weekly(0).days(), 4);
}

// A target by gender is the universe of the breakdowns too.
TEST(BreakdownsTest, TargetByGender) {
  const v1::Report r =
      RunOrDie(Scenario(R"pb(target { genders: "female" })pb"));
  EXPECT_EQ(Audience(r, "gender", "male").people(), 0);
  EXPECT_EQ(Audience(r, "gender", "female").people(), r.universe().people());
  EXPECT_LT(r.universe().people(), r.universe().all_people());
}

// Without report.audiences there are no rows, and the draws are the same.
TEST(BreakdownsTest, AudiencesAreAskedFor) {
  v1::Scenario s = Scenario();
  const v1::Report with = RunOrDie(s);
  s.mutable_report()->set_audiences(false);
  const v1::Report without = RunOrDie(s);
  EXPECT_EQ(without.audiences_size(), 0);
  EXPECT_EQ(with.reach_people(), without.reach_people());
  EXPECT_EQ(with.exposures(), without.exposures());
}

}  // namespace
}  // namespace aiotreach
