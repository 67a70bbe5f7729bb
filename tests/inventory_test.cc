// Flight inventories (Opportunity.inventory) against their closed forms
// under binomial thinning: a device with N opportunities, each won with
// probability p, reaches its owner with probability E[1 - (1 - p)^N] and
// exposes them f times with probability E[C(N, f) p^f (1 - p)^(N - f)]
// (docs/MODEL.md, "Checks from theory"). Thinning a negative binomial
// (m, r) gives a negative binomial (p m, r); thinning a Poisson mixture
// thins each rate. Both simulation paths; tolerances are k = 5 standard
// errors of a proportion at a fixed seed.
#include "engine/inventory.h"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/scenario_testing.h"
#include "tests/status_matchers.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using testing::ParseTextOrDie;
using testing::ProportionSe;
using testing::RunOnPath;
using testing::RunOrDie;
using testing::StatusIs;

constexpr double kSe = 5.0;
constexpr double kWon = 0.3;  // share of voice: each opportunity's p
constexpr int64_t kPeople = 40000;

// One-person households with one phone each; `inventory` is the body of
// opportunity.inventory. 14 days.
v1::Scenario WithInventory(const std::string& inventory) {
  v1::Scenario s = ParseTextOrDie(absl::StrCat(
      testing::kOnePhonePerPerson,
      "placements { name: \"splash\" device_type: \"phone\" opportunity { "
      "inventory { ",
      inventory, " } } share_of_voice: ", kWon,
      " } report { max_frequency: 4 }"));
  s.set_name("inventory");
  s.set_seed(31);
  s.set_population(kPeople);
  s.set_flight_days(14);
  return s;
}

double LogChoose(double n, double k) {
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1);
}

// P(exactly f won) for a weighted list of counts: sum w_n Binomial(f; n, p).
double ThinnedCounts(const std::vector<double>& w, int f) {
  double total = 0, sum = 0;
  for (double x : w) total += x;
  for (size_t n = f; n < w.size(); ++n) {
    sum += w[n] / total *
           std::exp(LogChoose(n, f) + f * std::log(kWon) +
                    (n - f) * std::log(1 - kWon));
  }
  return sum;
}

struct Family {
  std::string name;
  std::string inventory;
  // P(exactly f exposures), f >= 0, in closed form.
  std::function<double(int)> pmf;
};

std::vector<Family> Families() {
  std::vector<Family> out;
  // Histogram: counts 0..5 with weights (as from logs).
  const std::vector<double> h = {4, 1, 2, 0, 1, 2};
  out.push_back({"histogram", "histogram { weights: [ 4, 1, 2, 0, 1, 2 ] }",
                 [h](int f) { return ThinnedCounts(h, f); }});
  // Zeta: n^-2 for n = 1..1000.
  std::vector<double> z(1001, 0.0);
  for (int n = 1; n <= 1000; ++n) z[n] = std::pow(n, -2.0);
  out.push_back({"zeta", "zeta { exponent: 2 max_count: 1000 }",
                 [z](int f) { return ThinnedCounts(z, f); }});
  // Negative binomial (m = 4, r = 0.8), thinned: (p m, r).
  out.push_back({"negative_binomial",
                 "negative_binomial { mean: 4 shape: 0.8 }", [](int f) {
                   const double m = kWon * 4, r = 0.8;
                   return std::exp(std::lgamma(f + r) - std::lgamma(r) -
                                   std::lgamma(f + 1.0) +
                                   r * std::log(r / (r + m)) +
                                   f * std::log(m / (r + m)));
                 }});
  // Dirac mixture: rates 0.5 (weight 3) and 6 (weight 1), thinned: Poisson
  // of p times each rate.
  out.push_back(
      {"dirac_mixture", "dirac_mixture { rates: [ 0.5, 6 ] weights: [ 3, 1 ] }",
       [](int f) {
         double sum = 0;
         for (auto [rate, w] : {std::pair{0.5, 0.75}, {6.0, 0.25}}) {
           const double m = kWon * rate;
           sum += w * std::exp(f * std::log(m) - m - std::lgamma(f + 1.0));
         }
         return sum;
       }});
  return out;
}

class InventoryTest : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(InventoryTest, ThinningReproducesTheClosedForms) {
  const auto [index, day_by_day] = GetParam();
  const Family family = Families()[index];
  SCOPED_TRACE(family.name);
  const v1::Report r = RunOnPath(WithInventory(family.inventory), day_by_day);
  const double n = kPeople;
  const double reach = 1.0 - family.pmf(0);
  EXPECT_NEAR(r.reach_people() / n, reach, kSe * ProportionSe(reach, n));
  for (int f = 1; f <= 3; ++f) {
    const double p = family.pmf(f);
    EXPECT_NEAR(r.frequency_histogram(f - 1) / n, p, kSe * ProportionSe(p, n))
        << "frequency " << f;
  }
}

INSTANTIATE_TEST_SUITE_P(FamiliesOnBothPaths, InventoryTest,
                         ::testing::Combine(::testing::Range(0, 4),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return Families()[std::get<0>(info.param)].name +
                                  (std::get<1>(info.param) ? "_day_path"
                                                           : "_flight_path");
                         });

// Over the days, a device's opportunities follow the day weights: a flat
// week spreads them evenly, so each of 14 days carries 1/14 of the
// impressions (each day's count is binomial over the people's
// opportunities; k = 5 of its standard error).
TEST(InventoryTest, OpportunitiesSpreadOverTheDays) {
  for (bool day_by_day : {false, true}) {
    const v1::Report r = RunOnPath(
        WithInventory("negative_binomial { mean: 4 shape: 0.8 }"), day_by_day);
    const double total = r.impressions();
    for (const v1::DailyRow& d : r.daily()) {
      EXPECT_NEAR(d.impressions() / total, 1.0 / 14,
                  kSe * ProportionSe(1.0 / 14, total))
          << "day " << d.day() << (day_by_day ? " (day path)" : "");
    }
  }
}

// An impression goal on an inventory placement is paced over its
// opportunities like any other: delivered within 1% when the inventory
// carries it.
TEST(InventoryTest, PacedGoalsDeliver) {
  v1::Scenario s = WithInventory("negative_binomial { mean: 4 shape: 0.8 }");
  s.mutable_placements(0)->set_impression_goal(30000);  // of ~160,000
  const v1::Report r = RunOrDie(s);
  EXPECT_NEAR(r.impressions(), 30000, 300);
}

TEST(InventoryPmfTest, MomentsOfTheFamilies) {
  v1::FlightInventory nb;
  nb.mutable_negative_binomial()->set_mean(4);
  nb.mutable_negative_binomial()->set_shape(0.8);
  const std::vector<double> pmf = InventoryPmf(nb, "x").value();
  double sum = 0, mean = 0, square = 0;
  for (size_t n = 0; n < pmf.size(); ++n) {
    sum += pmf[n];
    mean += n * pmf[n];
    square += double(n) * n * pmf[n];
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_NEAR(mean, 4.0, 1e-9);
  EXPECT_NEAR(square - mean * mean, 4.0 + 16.0 / 0.8, 1e-6);
  EXPECT_NEAR(ThinnedReach(pmf, kWon),
              1 - std::pow(0.8 / (0.8 + kWon * 4), 0.8), 1e-9);

  v1::FlightInventory zeta;
  zeta.mutable_zeta()->set_exponent(2);
  const std::vector<double> z = InventoryPmf(zeta, "x").value();
  ASSERT_EQ(z.size(), size_t{kDefaultZetaMaxCount} + 1);
  EXPECT_EQ(z[0], 0.0);
  EXPECT_NEAR(z[1] / z[2], 4.0, 1e-12);
}

TEST(InventoryPmfTest, BadInventoriesNameTheFieldAndValue) {
  auto error = [](const std::string& text) {
    v1::FlightInventory inv =
        ParseTextOrDie(
            absl::StrCat("name: \"x\" placements { opportunity { inventory { ",
                         text, " } } }"))
            .placements(0)
            .opportunity()
            .inventory();
    return InventoryPmf(inv, "p.inventory").status();
  };
  EXPECT_THAT(error("histogram { weights: [ 1, -2 ] }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("p.inventory.histogram.weights[1]")));
  EXPECT_THAT(
      error("histogram { weights: [ 0, 0 ] }"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("positive sum")));
  EXPECT_THAT(error("zeta { exponent: 0 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("p.inventory.zeta.exponent: must be in (0, "
                                 "100], got 0")));
  EXPECT_THAT(error("negative_binomial { mean: 1e6 shape: 1 }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("p.inventory.negative_binomial.mean: puts "
                                 "counts past 99999")));
  EXPECT_THAT(error("dirac_mixture { rates: [ 1, 2 ] weights: [ 1 ] }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("p.inventory.dirac_mixture.weights: needs "
                                 "one weight a rate (2), got 1")));
  EXPECT_THAT(error(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("needs a distribution")));
}

}  // namespace
}  // namespace aiotreach
