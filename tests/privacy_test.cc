// Privacy (Scenario.privacy, docs/PRIVACY.md): the noise's spread against
// its formula, no released count below k, the consistency invariants after
// noise, and reports without privacy unchanged.
#include "engine/privacy.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/figures.h"
#include "engine/rng.h"
#include "gtest/gtest.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

using testing::ParseTextOrDie;
using testing::RunOrDie;

// Two placements on phones and TVs, 14 days, audiences; `privacy` is the
// body of the scenario's privacy message (empty: none).
v1::Scenario Campaign(int64_t people, const std::string& privacy) {
  v1::Scenario s = ParseTextOrDie(R"pb(
    name: "private"
    seed: 77
    flight_days: 14
    ecosystem { preset { name: "small-city" } }
    placements {
      name: "tv_boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 0.3 } }
      share_of_voice: 0.5
      audience { kind: AUDIENCE_KIND_ONE_MEMBER }
    }
    placements {
      name: "phone_splash"
      device_type: "phone"
      opportunity { poisson { rate: 1 } }
      share_of_voice: 0.1
    }
    report { max_frequency: 12 audiences: true }
  )pb");
  s.set_population(people);
  if (!privacy.empty()) {
    *s.mutable_privacy() =
        ParseTextOrDie(absl::StrCat("privacy { ", privacy, " }")).privacy();
  }
  return s;
}

// Over 10,000 draws the noise's standard deviation is within 2% of its
// formula (the standard error of a sample SD is about SD / sqrt(2 n) =
// 0.7% for the Gaussian, 1.1% for the heavier-tailed Laplace).
TEST(PrivacyTest, NoiseSpreadMatchesItsFormula) {
  for (auto [noise, epsilon, delta] :
       {std::tuple{v1::PRIVACY_NOISE_DISCRETE_LAPLACE, 0.3, 0.0},
        std::tuple{v1::PRIVACY_NOISE_DISCRETE_LAPLACE, 2.0, 0.0},
        std::tuple{v1::PRIVACY_NOISE_DISCRETE_GAUSSIAN, 0.5, 1e-6},
        std::tuple{v1::PRIVACY_NOISE_DISCRETE_GAUSSIAN, 1.0, 1e-3}}) {
    const double scale = NoiseScale(noise, epsilon, delta);
    const double sd = NoiseStandardDeviation(noise, epsilon, delta);
    double sum = 0, square = 0;
    const int n = 10000;
    for (int i = 0; i < n; ++i) {
      Rng rng(11, streams::kPrivacyNoise, static_cast<uint32_t>(i));
      const double x = noise == v1::PRIVACY_NOISE_DISCRETE_LAPLACE
                           ? SampleDiscreteLaplace(rng, scale)
                           : SampleDiscreteGaussian(rng, scale);
      sum += x;
      square += x * x;
    }
    const double mean = sum / n;
    const double empirical = std::sqrt(square / n - mean * mean);
    EXPECT_NEAR(empirical / sd, 1.0, 0.02)
        << v1::PrivacyNoise_Name(noise) << " epsilon " << epsilon;
    EXPECT_NEAR(mean, 0.0, 5 * sd / std::sqrt(n));
  }
}

// Every count the report releases: the headline's, the histogram and k+
// reach, breakdown rows, overlaps, daily, weekly and audience reach.
std::vector<std::pair<std::string, int64_t>> Released(const v1::Report& r) {
  std::vector<std::pair<std::string, int64_t>> out = {
      {"reach_people", r.reach_people()},
      {"reach_households", r.reach_households()},
      {"reach_devices", r.reach_devices()}};
  for (int i = 0; i < r.frequency_histogram_size(); ++i) {
    out.push_back({absl::StrCat("histogram ", i), r.frequency_histogram(i)});
    out.push_back({absl::StrCat("k+ ", i), r.reach_k_plus(i)});
  }
  for (const auto* rows : {&r.placements(), &r.device_types()}) {
    for (const v1::BreakdownRow& b : *rows) {
      out.push_back({b.name() + " reach", b.reach_people()});
      out.push_back({b.name() + " exclusive", b.exclusive_reach()});
    }
  }
  for (const v1::Overlap& o : r.placement_overlap())
    out.push_back({"overlap", o.reach_both()});
  for (const v1::DailyRow& d : r.daily()) {
    out.push_back({absl::StrCat("new ", d.day()), d.new_reach_people()});
    out.push_back(
        {absl::StrCat("cumulative ", d.day()), d.cumulative_reach_people()});
  }
  for (const v1::WeeklyRow& w : r.weekly())
    out.push_back({absl::StrCat("week ", w.week()), w.reach_people()});
  for (const v1::AudienceRow& a : r.audiences()) {
    out.push_back({a.category() + " people", a.people()});
    out.push_back({a.category() + " reach", a.reach_people()});
    for (int i = 0; i < a.frequency_histogram_size(); ++i)
      out.push_back({a.category() + " bucket", a.frequency_histogram(i)});
  }
  return out;
}

TEST(PrivacyTest, NoReleasedCountIsBelowK) {
  const v1::Report r = RunOrDie(Campaign(3000, "min_cell_people: 50"));
  int suppressed = 0;
  for (const auto& [name, v] : Released(r)) {
    EXPECT_TRUE(v == -1 || v >= 50) << name << " = " << v;
    suppressed += v == -1;
  }
  // A small city of 3,000 has thin cells: the high frequencies, the large
  // households.
  EXPECT_GT(suppressed, 0);
  // Each suppressed cell is listed by a figure name that reads -1.
  EXPECT_GE(r.privacy().suppressed_size(), suppressed);
  for (const std::string& name : r.privacy().suppressed()) {
    const absl::StatusOr<double> v = FigureValue(r, name);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(*v, -1) << name;
  }
  // Ratios of a suppressed count read -1 too.
  for (const v1::AudienceRow& a : r.audiences()) {
    if (a.reach_people() == -1) {
      EXPECT_EQ(a.reach_pct(), -1);
    }
  }
  // Without noise, what is not suppressed is the true figure.
  const v1::Report plain = RunOrDie(Campaign(3000, ""));
  EXPECT_EQ(r.reach_people(), plain.reach_people());
  EXPECT_EQ(r.exposures(), plain.exposures());
}

TEST(PrivacyTest, InvariantsHoldAfterNoise) {
  const v1::Report r = RunOrDie(
      Campaign(20000, "noise: PRIVACY_NOISE_DISCRETE_LAPLACE epsilon: 20"));
  const v1::Report plain = RunOrDie(Campaign(20000, ""));
  ASSERT_TRUE(r.has_privacy());
  EXPECT_GT(r.privacy().released_counts(), 50);
  const double sd = r.privacy().noise_standard_deviation();
  EXPECT_GT(sd, 0);
  // Histogram sums to the reach; k+ reach monotone from it.
  int64_t sum = 0;
  for (int64_t n : r.frequency_histogram()) {
    EXPECT_GE(n, 0);
    sum += n;
  }
  EXPECT_EQ(sum, r.reach_people());
  EXPECT_EQ(r.reach_k_plus(0), r.reach_people());
  for (int k = 1; k < r.reach_k_plus_size(); ++k)
    EXPECT_LE(r.reach_k_plus(k), r.reach_k_plus(k - 1));
  // The reach is a sum of F noised buckets: within 5 of its SDs of the
  // truth (clamping at 0 only moves it towards the truth's side).
  EXPECT_NEAR(r.reach_people(), plain.reach_people(),
              5 * sd * std::sqrt(r.frequency_histogram_size()) + 1);
  // The union is at least each part; overlaps within their bounds.
  for (const v1::BreakdownRow& b : r.placements()) {
    EXPECT_LE(b.reach_people(), r.reach_people());
    EXPECT_LE(b.exclusive_reach(), b.reach_people());
    EXPECT_GE(b.exclusive_reach(), 0);
  }
  const v1::Overlap& o = r.placement_overlap(0);
  const int64_t a = r.placements(0).reach_people();
  const int64_t b = r.placements(1).reach_people();
  EXPECT_LE(o.reach_both(), std::min(a, b));
  EXPECT_GE(o.reach_both(), a + b - r.reach_people());
  // The daily curve rises to the reach; weeks within it.
  int64_t before = 0;
  for (const v1::DailyRow& d : r.daily()) {
    EXPECT_GE(d.cumulative_reach_people(), before);
    EXPECT_EQ(d.cumulative_reach_people() - before, d.new_reach_people());
    before = d.cumulative_reach_people();
  }
  EXPECT_EQ(before, r.reach_people());
  for (const v1::WeeklyRow& w : r.weekly()) {
    EXPECT_GE(w.reach_people(), 0);
    EXPECT_LE(w.reach_people(), r.reach_people());
  }
  for (const v1::AudienceRow& row : r.audiences()) {
    int64_t reach = 0;
    for (int64_t n : row.frequency_histogram()) reach += n;
    EXPECT_EQ(reach, row.reach_people());
    EXPECT_GE(row.people(), row.reach_people());
  }
  // Exposures are not protected by the noise: withheld.
  EXPECT_EQ(r.exposures(), -1);
  EXPECT_GT(r.privacy().withheld_size(), 0);
  // The same seed releases the same figures.
  const v1::Report again = RunOrDie(
      Campaign(20000, "noise: PRIVACY_NOISE_DISCRETE_LAPLACE epsilon: 20"));
  EXPECT_EQ(again.SerializeAsString(), r.SerializeAsString());
}

TEST(PrivacyTest, WithoutPrivacyReportsAreUnchanged) {
  const v1::Report none = RunOrDie(Campaign(5000, ""));
  const v1::Report zero = RunOrDie(Campaign(5000, "min_cell_people: 0"));
  EXPECT_FALSE(none.has_privacy());
  EXPECT_EQ(none.SerializeAsString(), zero.SerializeAsString());
}

}  // namespace
}  // namespace aiotreach
