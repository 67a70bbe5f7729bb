// The presets: every one builds, and xiaomi-2020 at a small scale
// reproduces the public 2020 aggregates of docs/MODEL.md within 5
// standard errors of its sample (docs/PRESETS.md derives the parameters):
// 289 million connected IoT devices (phones not counted), 5.6 million
// users with 5 or more, 130 million speaker wake-ups a day, smart-TV daily
// boot 35%, 1.26-1.37 viewers per viewing TV and 1.49 in the evening.
#include "engine/presets.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/substitute.h"
#include "engine/ecosystem.h"
#include "engine/engine.h"
#include "engine/population.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

constexpr double kSe = 5.0;
constexpr double kScale = 1e-4;  // 39,650 people, about 15,000 households
constexpr double kFullPeople = 396.5e6;

TEST(PresetsTest, EveryPresetBuilds) {
  ASSERT_GE(PresetNames().size(), 2u);
  for (const std::string& name : PresetNames()) {
    SCOPED_TRACE(name);
    absl::StatusOr<const PresetInfo*> preset = FindPreset(name);
    ASSERT_TRUE(preset.ok());
    EXPECT_GT((*preset)->population, 0);
    EXPECT_GT((*preset)->spec.device_types_size(), 0) << "spec did not parse";
    EXPECT_TRUE(Ecosystem::Build((*preset)->spec, name).ok());
  }
}

// The xiaomi-2020 population at kScale, drawn whole.
struct Drawn {
  std::shared_ptr<const Ecosystem> eco;
  std::unique_ptr<const Population> pop;
  PopulationShard shard;
};

Drawn DrawXiaomi() {
  Drawn d;
  absl::StatusOr<const PresetInfo*> preset = FindPreset("xiaomi-2020");
  EXPECT_TRUE(preset.ok());
  absl::StatusOr<std::unique_ptr<const Ecosystem>> eco =
      Ecosystem::Build((*preset)->spec, "xiaomi-2020");
  EXPECT_TRUE(eco.ok()) << eco.status();
  d.eco = std::move(*eco);
  absl::StatusOr<std::unique_ptr<const Population>> pop = Population::Build(
      d.eco, static_cast<int64_t>(std::round(kFullPeople * kScale)), 2020, 1);
  EXPECT_TRUE(pop.ok()) << pop.status();
  d.pop = std::move(*pop);
  d.pop->Generate(0, d.pop->households(), PopulationNeeds::All(), &d.shard);
  return d;
}

// A household's connected IoT devices: shared ones and its members'
// personal ones, phones not counted.
int IotDevices(const Ecosystem& eco, const PopulationShard& s, int i) {
  int n = 0;
  for (size_t t = 0; t < eco.device_types().size(); ++t) {
    const DeviceTypeInfo& type = eco.device_types()[t];
    if (type.name == "phone" || !type.platform_connected) continue;
    if (type.household_owned) {
      n += (s.household_devices[i] >> t) & 1;
    } else {
      for (uint32_t p = s.member_begin[i]; p < s.member_begin[i + 1]; ++p)
        n += (s.person_devices[p] >> t) & 1;
    }
  }
  return n;
}

// Devices and heavy users: totals over households, whose IoT counts are
// independent, so SE = sqrt(H) * the sample SD of a household's count.
TEST(PresetsTest, XiaomiDevicesAndHeavyUsers) {
  const Drawn d = DrawXiaomi();
  const int households = d.shard.households();
  double sum = 0.0, sum_sq = 0.0;
  int heavy = 0;
  for (int i = 0; i < households; ++i) {
    const int n = IotDevices(*d.eco, d.shard, i);
    sum += n;
    sum_sq += double{n} * n;
    heavy += n >= 5;
  }
  const double mean = sum / households;
  const double sd = std::sqrt(sum_sq / households - mean * mean);
  EXPECT_NEAR(sum / kScale, 289e6, kSe * std::sqrt(households) * sd / kScale);
  // Users with 5 or more: one account holds a household's devices.
  const double p = 5.6e6 * kScale / households;
  EXPECT_NEAR(heavy / kScale, 5.6e6,
              kSe * std::sqrt(households * p * (1 - p)) / kScale);
}

// The preset's reference placements (docs/PRESETS.md): TV boot with
// probability 0.35 a day and co-presence 0.187 (0.306 in the evening),
// speaker wake-ups Poisson(5.02) a day.
std::string Reference(int days) {
  return absl::Substitute(R"(
    name: "xiaomi-2020-reference" seed: 2020 flight_days: $0
    ecosystem { preset { name: "xiaomi-2020" scale: $1 } }
    placements {
      name: "tv_boot"
      device_type: "tv"
      opportunity { bernoulli { probability: 0.35 } }
      share_of_voice: 1
      audience { kind: AUDIENCE_KIND_TURNER_AND_PRESENT co_presence_probability: 0.187 }
    }
    placements {
      name: "speaker_wake"
      device_type: "speaker"
      opportunity { poisson { rate: 5.02 } }
      share_of_voice: 1
      audience { kind: AUDIENCE_KIND_ONE_MEMBER }
    }
    report { max_frequency: 100 })",
                          days, kScale);
}

int64_t Devices(const v1::Report& r, const std::string& type) {
  for (const auto& d : r.population().devices()) {
    if (d.device_type() == type) return d.devices();
  }
  return 0;
}

// Household sizes: mean and variance of (size - 1), for co-viewing SEs.
std::pair<double, double> OthersMeanVariance() {
  const double w[] = {0.254, 0.297, 0.210, 0.132, 0.062, 0.030, 0.015};
  double total = 0, m = 0, m2 = 0;
  for (int s = 1; s <= 7; ++s) {
    total += w[s - 1];
    m += w[s - 1] * (s - 1);
    m2 += w[s - 1] * (s - 1) * (s - 1);
  }
  m /= total;
  return {m, m2 / total - m * m};
}

// SE of the mean viewers per impression over n impressions with
// co-presence c: viewers - 1 ~ Binomial(S - 1, c).
double ViewersSe(double c, double n) {
  const auto [m, v] = OthersMeanVariance();
  return std::sqrt((c * (1 - c) * m + c * c * v) / n);
}

TEST(PresetsTest, XiaomiBootWakeUpsAndCoViewing) {
  v1::Scenario scenario;
  ASSERT_TRUE(
      google::protobuf::TextFormat::ParseFromString(Reference(7), &scenario));
  absl::StatusOr<v1::Report> r = RunScenario(scenario, RunOptions());
  ASSERT_TRUE(r.ok()) << r.status();
  // Daily boot over a week: Binomial(7 TVs, 0.35).
  const double tv_days = 7.0 * Devices(*r, "tv");
  const v1::BreakdownRow& boot = testing::Row(r->placements(), "tv_boot");
  EXPECT_NEAR(boot.impressions() / tv_days, 0.35,
              kSe * std::sqrt(0.35 * 0.65 / tv_days));
  // Viewers per viewing TV: 1.26 to 1.37; the model's 1 + 0.187 E[S - 1].
  const double viewers = boot.viewers_per_impression();
  const double se = ViewersSe(0.187, boot.impressions());
  EXPECT_GE(viewers, 1.26 - kSe * se);
  EXPECT_LE(viewers, 1.37 + kSe * se);
  // Wake-ups: 130 million a day. Per speaker Poisson(r), over S ~ Bin(H,
  // 0.17) speakers: Var = 7 (E[S] r + Var(S) r^2).
  const double speakers = Devices(*r, "speaker");
  const double households = r->universe().all_households();
  const double rate = 5.02;
  const double wakeups =
      testing::Row(r->placements(), "speaker_wake").impressions() / 7.0;
  const double var_day =
      speakers * rate + households * 0.17 * 0.83 * rate * rate;
  EXPECT_NEAR(wakeups / kScale, 130e6, kSe * std::sqrt(var_day) / kScale);
}

// The evening (18:00-23:00): 1.49 viewers per viewing TV, from an evening
// placement with co-presence 0.306.
TEST(PresetsTest, XiaomiEveningCoViewing) {
  v1::Scenario scenario;
  ASSERT_TRUE(
      google::protobuf::TextFormat::ParseFromString(Reference(7), &scenario));
  scenario.mutable_placements()->RemoveLast();  // the speaker's
  v1::Placement* boot = scenario.mutable_placements(0);
  boot->mutable_audience()->set_co_presence_probability(0.306);
  v1::HourRange* evening = boot->add_dayparts();
  evening->set_start_hour(18);
  evening->set_end_hour(23);
  absl::StatusOr<v1::Report> r = RunScenario(scenario, RunOptions());
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::BreakdownRow& row = testing::Row(r->placements(), "tv_boot");
  EXPECT_NEAR(row.viewers_per_impression(), 1.49,
              kSe * ViewersSe(0.306, row.impressions()) + 0.01);
  for (int h = 0; h < 24; ++h) {
    if (h < 18 || h >= 23) EXPECT_EQ(r->hourly_impressions(h), 0) << h;
  }
}

}  // namespace
}  // namespace aiotreach
