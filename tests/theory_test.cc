// The engine against closed-form results (docs/MODEL.md, "Checks from
// theory"). Each tolerance is k standard errors of the estimate under the
// theory being checked, at a fixed seed; k = 5 unless stated.
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/substitute.h"
#include "gtest/gtest.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

using testing::ParseTextOrDie;
using testing::ProportionSe;
using testing::Row;
using testing::RunOrDie;

constexpr double kSe = 5.0;

// One-person households, each person with one phone and no activity
// heterogeneity: per-person exposure processes are independent.
std::string OnePhonePerPerson(int64_t people, int days,
                              const std::string& placements,
                              const std::string& activity = "") {
  // A plain raw string: clang-format leaves it as written, so the
  // substitutions stay whole tokens.
  return absl::Substitute(R"(
    name: "theory" seed: 4242 population: $0 flight_days: $1
    ecosystem {
      spec {
        household_size_weights: [ 1 ]
        device_types {
          name: "phone" owner: OWNER_KIND_PERSON ownership_probability: 1
          $2
        }
      }
    }
    $3)",
                          people, days, activity, placements);
}

// Checks every histogram bucket (the last is F+) against N * pmf(f).
void ExpectHistogram(const v1::Report& r,
                     const std::vector<double>& pmf_1_to_f_plus) {
  const double n = static_cast<double>(r.universe().people());
  ASSERT_EQ(r.frequency_histogram_size(),
            static_cast<int>(pmf_1_to_f_plus.size()));
  for (size_t i = 0; i < pmf_1_to_f_plus.size(); ++i) {
    const double p = pmf_1_to_f_plus[i];
    EXPECT_NEAR(r.frequency_histogram(i) / n, p,
                kSe * ProportionSe(p, n) + 1e-12)
        << "frequency " << i + 1;
  }
}

std::vector<double> PoissonBuckets(double m, int f) {
  std::vector<double> out;
  double pk = std::exp(-m), below = pk;
  for (int k = 1; k < f; ++k) {
    pk *= m / k;
    out.push_back(pk);
    below += pk;
  }
  out.push_back(1.0 - below);
  return out;
}

// Poisson(m) exposures, no cap: reach = 1 - e^-m, frequency Poisson(m).
// Rate 3 a day won at share of voice 0.5 over one day: m = 1.5.
TEST(TheoryTest, PoissonReachAndHistogram) {
  const int64_t n = 200000;
  const v1::Report r = RunOrDie(ParseTextOrDie(OnePhonePerPerson(n, 1, R"pb(
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 3 } }
      share_of_voice: 0.5
    })pb")));
  const double m = 1.5;
  const double reach = 1 - std::exp(-m);
  EXPECT_NEAR(r.reach_people() / double(n), reach,
              kSe * ProportionSe(reach, n));
  EXPECT_NEAR(r.exposures() / double(n), m, kSe * std::sqrt(m / n));
  ExpectHistogram(r, PoissonBuckets(m, 10));
}

// Per-device means of 16 and more take the PTRS sampler, not inversion:
// Poisson(25) per person gives mean and variance 25, and P(X < 10) = 2.2e-4.
TEST(TheoryTest, PoissonLargeMeansTakeTheRejectionSampler) {
  const int64_t n = 50000;
  const v1::Report r = RunOrDie(ParseTextOrDie(OnePhonePerPerson(n, 1, R"pb(
    placements {
      name: "feed"
      device_type: "phone"
      opportunity { poisson { rate: 50 } }
      share_of_voice: 0.5
    })pb")));
  EXPECT_NEAR(r.exposures() / double(n), 25.0, kSe * std::sqrt(25.0 / n));
  const double below_10 = 2.2e-4;
  EXPECT_NEAR((n - r.frequency_histogram(9)) / double(n), below_10,
              kSe * ProportionSe(below_10, n));
}

// Over D days a Poisson process of daily mean m/D reaches, by day d,
// 1 - e^(-m d / D): checks that won events are spread evenly over days.
TEST(TheoryTest, PoissonDailyCumulativeReach) {
  const int64_t n = 100000;
  const int days = 7;
  const v1::Report r = RunOrDie(ParseTextOrDie(OnePhonePerPerson(n, days, R"pb(
    placements {
      name: "splash"
      device_type: "phone"
      opportunity { poisson { rate: 0.2 } }
      share_of_voice: 1
    })pb")));
  ASSERT_EQ(r.daily_size(), days);
  for (int d = 1; d <= days; ++d) {
    const double reach = 1 - std::exp(-0.2 * d);
    EXPECT_NEAR(r.daily(d - 1).cumulative_reach_people() / double(n), reach,
                kSe * ProportionSe(reach, n))
        << "day " << d;
  }
  EXPECT_EQ(r.daily(days - 1).cumulative_reach_people(), r.reach_people());
}

// Each of D days, exposure with probability q independently: frequency ~
// Binomial(D, q). p = 0.3 won at share of voice 0.5 gives q = 0.15, and with
// D = 4 reach = 1 - 0.85^4 = 0.4780.
TEST(TheoryTest, BinomialOverDays) {
  const int64_t n = 200000;
  const v1::Report r = RunOrDie(ParseTextOrDie(OnePhonePerPerson(n, 4, R"pb(
    placements {
      name: "boot"
      device_type: "phone"
      opportunity { bernoulli { probability: 0.3 } }
      share_of_voice: 0.5
    }
    report { max_frequency: 5 })pb")));
  const double q = 0.15;
  const double reach = 1 - std::pow(1 - q, 4);
  EXPECT_NEAR(reach, 0.4780, 5e-5);
  EXPECT_NEAR(r.reach_people() / double(n), reach,
              kSe * ProportionSe(reach, n));
  std::vector<double> pmf;
  for (int k = 1; k <= 4; ++k) {
    pmf.push_back(std::tgamma(5) / (std::tgamma(k + 1) * std::tgamma(5 - k)) *
                  std::pow(q, k) * std::pow(1 - q, 4 - k));
  }
  pmf.push_back(0.0);  // 5+ is impossible in 4 days
  ExpectHistogram(r, pmf);
  EXPECT_EQ(r.frequency_histogram(4), 0);
}

// Independent placements with reaches r_i: combined reach 1 - prod(1 - r_i)
// (Sainsbury). 40% + 30% + 20% gives 66.4%; pairwise overlap N r_i r_j.
TEST(TheoryTest, SainsburyForIndependentPlacements) {
  const int64_t n = 200000;
  const v1::Report r = RunOrDie(ParseTextOrDie(OnePhonePerPerson(n, 1, R"pb(
    placements {
      name: "a"
      device_type: "phone"
      opportunity { bernoulli { probability: 0.4 } }
      share_of_voice: 1
    }
    placements {
      name: "b"
      device_type: "phone"
      opportunity { bernoulli { probability: 0.3 } }
      share_of_voice: 1
    }
    placements {
      name: "c"
      device_type: "phone"
      opportunity { bernoulli { probability: 0.2 } }
      share_of_voice: 1
    })pb")));
  const double reach = 1 - 0.6 * 0.7 * 0.8;
  EXPECT_NEAR(reach, 0.664, 1e-12);
  EXPECT_NEAR(r.reach_people() / double(n), reach,
              kSe * ProportionSe(reach, n));
  const double parts[] = {0.4, 0.3, 0.2};
  const char* names[] = {"a", "b", "c"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(Row(r.placements(), names[i]).reach_people() / double(n),
                parts[i], kSe * ProportionSe(parts[i], n));
    const double exclusive =
        parts[i] * (1 - parts[(i + 1) % 3]) * (1 - parts[(i + 2) % 3]);
    EXPECT_NEAR(Row(r.placements(), names[i]).exclusive_reach() / double(n),
                exclusive, kSe * ProportionSe(exclusive, n));
  }
  for (const v1::Overlap& o : r.placement_overlap()) {
    const double both = parts[o.a()[0] - 'a'] * parts[o.b()[0] - 'a'];
    EXPECT_NEAR(o.reach_both() / double(n), both, kSe * ProportionSe(both, n))
        << o.a() << " & " << o.b();
  }
}

// Sainsbury with 11 independent placements of reach 0.1 each: union
// 1 - 0.9^11, each pair overlapping in 0.01 of people. More than 10
// placements also takes the simulator's per-person reach counting instead
// of its table of reach masks.
TEST(TheoryTest, SainsburyForManyPlacements) {
  const int64_t n = 100000;
  std::string placements;
  for (int i = 0; i < 11; ++i) {
    placements += absl::Substitute(
        R"(placements { name: "p$0" device_type: "phone"
           opportunity { bernoulli { probability: 0.1 } } share_of_voice: 1 })",
        i);
  }
  const v1::Report r =
      RunOrDie(ParseTextOrDie(OnePhonePerPerson(n, 1, placements)));
  const double reach = 1 - std::pow(0.9, 11);
  EXPECT_NEAR(r.reach_people() / double(n), reach,
              kSe * ProportionSe(reach, n));
  const double exclusive = 0.1 * std::pow(0.9, 10);
  for (const v1::BreakdownRow& row : r.placements()) {
    EXPECT_NEAR(row.reach_people() / double(n), 0.1,
                kSe * ProportionSe(0.1, n));
    EXPECT_NEAR(row.exclusive_reach() / double(n), exclusive,
                kSe * ProportionSe(exclusive, n));
  }
  ASSERT_EQ(r.placement_overlap_size(), 55);
  for (const v1::Overlap& o : r.placement_overlap()) {
    EXPECT_NEAR(o.reach_both() / double(n), 0.01, kSe * ProportionSe(0.01, n))
        << o.a() << " & " << o.b();
  }
}

// A day-of-week pattern scales a Bernoulli placement's daily probability:
// weights 2,1,1,1,1,1,0 (mean 1) with p = 0.3 from a Monday give daily
// probabilities 0.6, 0.3 x 5, 0: reach 1 - 0.4 x 0.7^5, no Sunday impression.
TEST(TheoryTest, DayOfWeekPatternScalesBernoulliDays) {
  const int64_t n = 100000;
  const v1::Report r = RunOrDie(ParseTextOrDie(
      OnePhonePerPerson(n, 7,
                        R"pb(placements {
                               name: "boot"
                               device_type: "phone"
                               opportunity { bernoulli { probability: 0.3 } }
                               share_of_voice: 1
                             })pb",
                        "activity { day_of_week: [ 2, 1, 1, 1, 1, 1, 0 ] }")));
  const double reach = 1 - 0.4 * std::pow(0.7, 5);
  EXPECT_NEAR(r.reach_people() / double(n), reach,
              kSe * ProportionSe(reach, n));
  EXPECT_NEAR(r.daily(0).impressions() / double(n), 0.6,
              kSe * ProportionSe(0.6, n));
  EXPECT_NEAR(r.daily(3).impressions() / double(n), 0.3,
              kSe * ProportionSe(0.3, n));
  EXPECT_EQ(r.daily(6).impressions(), 0);
}

// The same pattern on a Poisson rate of 1 a day: daily means 2, 1, ..., 0.
TEST(TheoryTest, DayOfWeekPatternScalesPoissonRates) {
  const int64_t n = 100000;
  const v1::Report r = RunOrDie(ParseTextOrDie(
      OnePhonePerPerson(n, 7,
                        R"pb(placements {
                               name: "splash"
                               device_type: "phone"
                               opportunity { poisson { rate: 1 } }
                               share_of_voice: 1
                             })pb",
                        "activity { day_of_week: [ 2, 1, 1, 1, 1, 1, 0 ] }")));
  EXPECT_NEAR(r.daily(0).impressions() / double(n), 2.0,
              kSe * std::sqrt(2.0 / n));
  EXPECT_NEAR(r.daily(2).impressions() / double(n), 1.0,
              kSe * std::sqrt(1.0 / n));
  EXPECT_EQ(r.daily(6).impressions(), 0);
  EXPECT_NEAR(r.exposures() / double(n), 7.0, kSe * std::sqrt(7.0 / n));
}

std::string W1Text(int64_t people, const std::string& placements) {
  return absl::Substitute(R"(
    name: "w1" seed: 20201 population: $0 flight_days: 28
    ecosystem {
      spec {
        household_size_weights: [ 0.25, 0.29, 0.21, 0.15, 0.10 ]
        activity_shape: 2
        device_types { name: "phone" owner: OWNER_KIND_PERSON ownership_probability: 1 }
        device_types { name: "tv" owner: OWNER_KIND_HOUSEHOLD ownership_probability: 0.75 }
        device_types { name: "speaker" owner: OWNER_KIND_HOUSEHOLD ownership_probability: 0.35 }
      }
    }
    $1)",
                          people, placements);
}

// W1 phone only: Poisson(m a) with a ~ Gamma(2, 1/2) is negative binomial;
// m = 28 x 3 x 0.02 = 1.68 and reach = 1 - (1 + m/2)^-2 = 0.704631.
TEST(TheoryTest, W1PhoneOnlyReachIsNegativeBinomial) {
  const int64_t n = 200000;
  const v1::Report r = RunOrDie(ParseTextOrDie(W1Text(n, R"pb(
    placements {
      name: "phone_splash"
      device_type: "phone"
      opportunity { poisson { rate: 3 scale_by_activity: true } }
      share_of_voice: 0.02
    })pb")));
  const double reach = 1 - std::pow(1 + 1.68 / 2, -2);
  EXPECT_NEAR(reach, 0.704631, 1e-6);
  EXPECT_NEAR(r.reach_people() / double(n), reach,
              kSe * ProportionSe(reach, n));
  // Negative binomial mean equals the Poisson mean m: exposures per person.
  // Var per person = m + m^2 / shape.
  EXPECT_NEAR(r.exposures() / double(n), 1.68,
              kSe * std::sqrt((1.68 + 1.68 * 1.68 / 2) / n));
}

// W1's TV boot: a won boot exposes the turner plus each other member with
// probability 0.3, so viewers per impression = 1 + 0.3 (E[size] - 1), with
// E[size] = 2.56 (TV ownership does not depend on size). The SE is that of
// a mean over impressions, inflated by the design effect of ~2 impressions
// per TV sharing one household size (deff <= 2).
TEST(TheoryTest, W1TvCoViewing) {
  const int64_t n = 200000;
  const v1::Report r = RunOrDie(ParseTextOrDie(W1Text(n, R"pb(
    placements {
      name: "tv_boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 0.35 } }
      share_of_voice: 0.2
      audience {
        kind: AUDIENCE_KIND_TURNER_AND_PRESENT
        co_presence_probability: 0.3
      }
    })pb")));
  const v1::BreakdownRow& tv = Row(r.placements(), "tv_boot");
  const double mean_size = 0.25 + 2 * 0.29 + 3 * 0.21 + 4 * 0.15 + 5 * 0.10;
  const double var_size = 0.25 + 4 * 0.29 + 9 * 0.21 + 16 * 0.15 + 25 * 0.10 -
                          mean_size * mean_size;
  const double viewers = 1 + 0.3 * (mean_size - 1);
  const double var_viewers = 0.09 * var_size + 0.3 * 0.7 * (mean_size - 1);
  EXPECT_NEAR(tv.viewers_per_impression(), viewers,
              kSe * std::sqrt(2.0 * var_viewers / tv.impressions()));
  // Impressions per TV: 28 days x 0.35 x 0.2.
  EXPECT_NEAR(tv.impressions() / double(tv.devices()), 28 * 0.07,
              kSe * std::sqrt(28 * 0.07 * 0.93 / tv.devices()));
  EXPECT_NEAR(tv.devices() / double(r.universe().households()), 0.75,
              kSe * ProportionSe(0.75, r.universe().households()));
}

// W1's speaker: each won wake-up exposes exactly one member.
TEST(TheoryTest, W1SpeakerExposesOneMemberPerImpression) {
  const v1::Report r = RunOrDie(ParseTextOrDie(W1Text(50000, R"pb(
    placements {
      name: "speaker_voice"
      device_type: "speaker"
      opportunity { poisson { rate: 2 } }
      share_of_voice: 0.05
      audience { kind: AUDIENCE_KIND_ONE_MEMBER }
    })pb")));
  const v1::BreakdownRow& s = Row(r.placements(), "speaker_voice");
  EXPECT_GT(s.impressions(), 0);
  EXPECT_EQ(s.exposures(), s.impressions());
  // Won wake-ups per speaker: Poisson(28 x 2 x 0.05 = 2.8).
  EXPECT_NEAR(s.impressions() / double(s.devices()), 2.8,
              kSe * std::sqrt(2.8 / s.devices()));
}

}  // namespace
}  // namespace aiotreach

namespace aiotreach {
namespace {

// Every household of `size` people with one TV whose boot is always won:
// each impression exposes the turner plus Binomial(size - 1, c) others, so
// viewers per impression have mean 1 + (size - 1) c and variance
// (size - 1) c (1 - c). Sizes up to 8 draw the set of others from one word
// (a table over subsets), larger ones one word per member: both paths.
TEST(TheoryTest, CoViewersAreBinomialOnBothPaths) {
  for (int size : {2, 4, 8, 9, 12}) {
    const double c = 0.35;
    std::string weights;
    for (int s = 1; s <= size; ++s) weights += s == size ? "1" : "0, ";
    const v1::Report r = testing::RunOrDie(
        testing::ParseTextOrDie(absl::Substitute(R"(
      name: "coview" seed: 9 population: 120000 flight_days: 3
      ecosystem { spec {
        household_size_weights: [ $0 ]
        device_types { name: "tv" owner: OWNER_KIND_HOUSEHOLD ownership_probability: 1 }
      } }
      placements { name: "boot" device_type: "tv"
        opportunity { bernoulli { probability: 1 } } share_of_voice: 1
        audience { kind: AUDIENCE_KIND_TURNER_AND_PRESENT co_presence_probability: $1 } })",
                                                 weights, c)));
    const double impressions = r.impressions();
    ASSERT_EQ(impressions, 3 * r.universe().households()) << "size " << size;
    const double mean = 1 + (size - 1) * c;
    const double var = (size - 1) * c * (1 - c);
    EXPECT_NEAR(r.exposures() / impressions, mean,
                kSe * std::sqrt(var / impressions))
        << "size " << size;
    // Each member is the turner with probability 1/size, else present with
    // probability c: reached over 3 days unless absent all three.
    const double p_day = 1.0 / size + (1 - 1.0 / size) * c;
    const double reach = 1 - std::pow(1 - p_day, 3);
    EXPECT_NEAR(r.reach_people() / double(r.universe().people()), reach,
                kSe * testing::ProportionSe(reach, r.universe().people()))
        << "size " << size;
  }
}

}  // namespace
}  // namespace aiotreach
