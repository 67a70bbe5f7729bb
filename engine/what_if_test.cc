#include "engine/what_if.h"

#include <string>
#include <vector>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

v1::Scenario Base() {
  v1::Scenario s;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "base"
        seed: 17
        ecosystem { preset { name: "small-city" } }
        population: 20000
        flight_days: 7
        placements {
          name: "tv_boot"
          device_type: "tv"
          opportunity { bernoulli { probability: 0.35 } }
          share_of_voice: 0.3
          audience {
            kind: AUDIENCE_KIND_TURNER_AND_PRESENT
            co_presence_probability: 0.2
          }
        }
        placements {
          name: "phone_splash"
          device_type: "phone"
          opportunity { poisson { rate: 3 scale_by_activity: true } }
          budget: 100
          cpm: 20
        }
      )pb",
      &s);
  return s;
}

const v1::FigureDelta& Delta(const v1::VariantComparison& v,
                             const std::string& figure) {
  for (const v1::FigureDelta& d : v.deltas()) {
    if (d.figure() == figure) return d;
  }
  ADD_FAILURE() << figure;
  return v.deltas(0);
}

// Deltas equal the difference of separate runs with the same seed.
TEST(WhatIfTest, CompareEqualsSeparateRuns) {
  v1::Scenario variant = Base();
  variant.set_name("more_splash");
  variant.set_seed(0);  // inherits the base's
  variant.mutable_placements(1)->set_budget(300);
  absl::StatusOr<v1::Comparison> c =
      CompareScenarios(Base(), {variant}, RunOptions());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->seed(), 17u);
  variant.set_seed(17);
  absl::StatusOr<v1::Report> base = RunScenario(Base(), RunOptions());
  absl::StatusOr<v1::Report> alone = RunScenario(variant, RunOptions());
  ASSERT_TRUE(base.ok() && alone.ok());
  EXPECT_EQ(c->base().SerializeAsString(), base->SerializeAsString());
  ASSERT_EQ(c->variants_size(), 1);
  const v1::VariantComparison& v = c->variants(0);
  EXPECT_EQ(v.name(), "more_splash");
  EXPECT_EQ(v.report().SerializeAsString(), alone->SerializeAsString());
  const v1::FigureDelta& reach = Delta(v, "reach_people");
  EXPECT_EQ(reach.base(), base->reach_people());
  EXPECT_EQ(reach.variant(), alone->reach_people());
  EXPECT_EQ(reach.delta(), alone->reach_people() - base->reach_people());
  EXPECT_DOUBLE_EQ(reach.relative_delta(), reach.delta() / reach.base());
  EXPECT_GT(reach.delta(), 0);  // three times the splash budget
  EXPECT_DOUBLE_EQ(Delta(v, "spend").delta(), alone->spend() - base->spend());
}

TEST(WhatIfTest, CompareCarriesReplicateIntervals) {
  v1::Scenario base = Base();
  base.set_replicates(3);
  v1::Scenario variant = base;
  variant.mutable_placements(0)->set_share_of_voice(0.5);
  absl::StatusOr<v1::Comparison> c =
      CompareScenarios(base, {variant}, RunOptions());
  ASSERT_TRUE(c.ok()) << c.status();
  const v1::FigureDelta& reach = Delta(c->variants(0), "reach_people");
  EXPECT_LT(reach.base_lower(), reach.base_upper());
  EXPECT_LT(reach.variant_lower(), reach.variant_upper());
}

TEST(WhatIfTest, CompareNamesTheBadField) {
  v1::Scenario other_seed = Base();
  other_seed.set_seed(5);
  EXPECT_THAT(CompareScenarios(Base(), {other_seed}, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("variants[0].seed: must be unset or the "
                                 "base's seed 17 (common random numbers), "
                                 "got 5")));
  v1::Scenario bad = Base();
  bad.mutable_placements(0)->set_share_of_voice(2);
  EXPECT_THAT(CompareScenarios(Base(), {Base(), bad}, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("variants[1].placements[0].share_of_voice")));
  EXPECT_THAT(CompareScenarios(bad, {Base()}, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("base.placements[0].share_of_voice")));
  EXPECT_THAT(CompareScenarios(Base(), {}, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("variants: at least one")));
}

// With common random numbers a larger budget never wins fewer
// opportunities on a device, so without caps reach never falls.
TEST(WhatIfTest, SweepIsMonotoneWithoutCaps) {
  const std::vector<double> budgets = {25, 50, 100, 200, 400, 800};
  absl::StatusOr<v1::SweepCurve> curve =
      SweepBudget(Base(), "phone_splash", budgets, RunOptions());
  ASSERT_TRUE(curve.ok()) << curve.status();
  ASSERT_EQ(curve->points_size(), 6);
  for (int i = 1; i < curve->points_size(); ++i) {
    EXPECT_GE(curve->points(i).reach_people(),
              curve->points(i - 1).reach_people())
        << budgets[i];
    EXPECT_GT(curve->points(i).impressions(),
              curve->points(i - 1).impressions());
  }
  // Each point is the scenario run with that budget.
  v1::Scenario at_200 = Base();
  at_200.mutable_placements(1)->set_budget(200);
  absl::StatusOr<v1::Report> direct = RunScenario(at_200, RunOptions());
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(curve->points(3).reach_people(), direct->reach_people());
  EXPECT_DOUBLE_EQ(curve->points(3).spend(), direct->spend());
}

TEST(WhatIfTest, SweepNamesTheBadField) {
  EXPECT_THAT(SweepBudget(Base(), "radio", {1}, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("placement: no placement 'radio' (known: "
                                 "tv_boot, phone_splash)")));
  EXPECT_THAT(SweepBudget(Base(), "tv_boot", {1}, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'tv_boot' is not bought by budget")));
  EXPECT_THAT(
      SweepBudget(Base(), "phone_splash", {10, -1}, RunOptions()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("budgets[1]: must be finite and > 0, got -1")));
  EXPECT_THAT(SweepBudget(Base(), "phone_splash", {}, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("budgets: at least one")));
}

// Base() with the TV boot ad bought by budget too.
v1::Scenario BothBought() {
  v1::Scenario s = Base();
  s.mutable_placements(0)->set_budget(100);
  s.mutable_placements(0)->set_cpm(60);
  return s;
}

v1::PlacementShare* AddShare(v1::SweepSpec* spec, const std::string& name,
                             double share) {
  v1::PlacementShare* s = spec->add_split();
  s->set_placement(name);
  s->set_share(share);
  return s;
}

// compare shows each cap's refusals and waste in yuan, the variant's cap
// against none in the base.
TEST(WhatIfTest, CompareShowsCapRefusalsAndWaste) {
  v1::Scenario capped = Base();
  capped.set_name("capped");
  capped.mutable_placements(0)->set_cpm(60);
  v1::FrequencyCap* cap = capped.add_frequency_caps();
  cap->set_name("1 a day a device");
  cap->set_scope(v1::CAP_SCOPE_DEVICE);
  cap->set_period(v1::CAP_PERIOD_DAY);
  cap->set_limit(1);
  absl::StatusOr<v1::Comparison> c =
      CompareScenarios(Base(), {capped}, RunOptions());
  ASSERT_TRUE(c.ok()) << c.status();
  const v1::FigureDelta& refused =
      Delta(c->variants(0), "caps[1 a day a device].refused");
  EXPECT_EQ(refused.base(), 0);
  EXPECT_EQ(refused.variant(), c->variants(0).report().caps(0).refused());
  EXPECT_GT(refused.variant(), 0);
  const v1::FigureDelta& waste =
      Delta(c->variants(0), "caps[1 a day a device].waste_yuan");
  EXPECT_EQ(waste.variant(), c->variants(0).report().caps(0).waste_yuan());
  EXPECT_GT(waste.variant(), 0);
}

// A total budget at a fixed split: each point is the scenario run with the
// total cut by the shares.
TEST(WhatIfTest, SplitSweepCutsTheTotal) {
  v1::SweepSpec spec;
  AddShare(&spec, "tv_boot", 0.25);
  AddShare(&spec, "phone_splash", 0.75);
  for (double b : {100, 200, 400}) spec.add_budgets(b);
  absl::StatusOr<v1::SweepCurve> curve =
      Sweep(BothBought(), spec, RunOptions());
  ASSERT_TRUE(curve.ok()) << curve.status();
  EXPECT_EQ(curve->swept(), "total_budget");
  ASSERT_EQ(curve->points_size(), 3);
  v1::Scenario at_200 = BothBought();
  at_200.mutable_placements(0)->set_budget(50);
  at_200.mutable_placements(1)->set_budget(150);
  absl::StatusOr<v1::Report> direct = RunScenario(at_200, RunOptions());
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(curve->points(1).reach_people(), direct->reach_people());
  EXPECT_EQ(curve->points(1).budget(), 200);
  EXPECT_GT(curve->points(2).impressions(), curve->points(1).impressions());
  EXPECT_FALSE(curve->points(2).bought_nothing_more());
}

// Past what the TVs can show, a larger budget buys nothing more: the
// point says so, with the undelivered impressions; before, it does not.
TEST(WhatIfTest, SweepSaysWhenABudgetBuysNothingMore) {
  v1::SweepSpec spec;
  spec.set_placement("tv_boot");
  // 20,000 people, about 5,300 TVs on about a third of 7 days: some 13,000
  // boots; at 60 yuan a thousand 100 yuan buys 1,667, 10,000 yuan 166,667.
  for (double b : {50, 100, 10000, 20000}) spec.add_budgets(b);
  absl::StatusOr<v1::SweepCurve> curve =
      Sweep(BothBought(), spec, RunOptions());
  ASSERT_TRUE(curve.ok()) << curve.status();
  EXPECT_FALSE(curve->points(1).bought_nothing_more());
  EXPECT_EQ(curve->points(1).under_delivery(), 0);
  EXPECT_GT(curve->points(2).under_delivery(), 0);
  EXPECT_TRUE(curve->points(3).bought_nothing_more());
  EXPECT_EQ(curve->points(3).impressions(), curve->points(2).impressions());
}

// A share of voice sweep: without caps a larger share wins a superset of
// the opportunities (common random numbers), so reach never falls.
TEST(WhatIfTest, ShareOfVoiceSweepIsMonotone) {
  v1::SweepSpec spec;
  spec.set_placement("tv_boot");
  for (double v : {0.1, 0.3, 0.6, 1.0}) spec.add_shares_of_voice(v);
  absl::StatusOr<v1::SweepCurve> curve = Sweep(Base(), spec, RunOptions());
  ASSERT_TRUE(curve.ok()) << curve.status();
  EXPECT_EQ(curve->swept(), "share_of_voice");
  for (int i = 1; i < curve->points_size(); ++i) {
    EXPECT_EQ(curve->points(i).share_of_voice(), spec.shares_of_voice(i));
    EXPECT_GE(curve->points(i).reach_people(),
              curve->points(i - 1).reach_people());
    EXPECT_GT(curve->points(i).impressions(),
              curve->points(i - 1).impressions());
  }
}

// Days bought of a day-priced placement: the first k days of the flight,
// paid k times the price; all the flight's days is the scenario as
// written.
TEST(WhatIfTest, DaysSweepBuysTheFirstDays) {
  v1::Scenario s = Base();
  s.mutable_placements(0)->set_price_per_day(30);
  v1::SweepSpec spec;
  spec.set_placement("tv_boot");
  for (int k : {1, 3, 7}) spec.add_days(k);
  absl::StatusOr<v1::SweepCurve> curve = Sweep(s, spec, RunOptions());
  ASSERT_TRUE(curve.ok()) << curve.status();
  EXPECT_EQ(curve->swept(), "days");
  absl::StatusOr<v1::Report> whole = RunScenario(s, RunOptions());
  ASSERT_TRUE(whole.ok());
  const double splash_spend = whole->delivery(1).spend();
  for (int i = 0; i < 3; ++i) {
    const v1::SweepPoint& p = curve->points(i);
    EXPECT_EQ(p.days(), spec.days(i));
    EXPECT_NEAR(p.spend(), 30.0 * p.days() + splash_spend, 1e-9);
    if (i > 0) {
      EXPECT_GT(p.impressions(), curve->points(i - 1).impressions());
      EXPECT_FALSE(p.bought_nothing_more());
    }
  }
  EXPECT_EQ(curve->points(2).reach_people(), whole->reach_people());
  spec.add_days(8);
  EXPECT_THAT(Sweep(s, spec, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("days[3]: must be in [1, 7], got 8")));
  spec.add_budgets(10);
  EXPECT_THAT(Sweep(s, spec, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("days: a days sweep moves one placement's "
                                 "days alone")));
}

TEST(WhatIfTest, SweepSpecNamesTheBadField) {
  v1::SweepSpec spec;
  AddShare(&spec, "tv_boot", 0.5);
  AddShare(&spec, "phone_splash", 0.4);
  spec.add_budgets(100);
  EXPECT_THAT(Sweep(BothBought(), spec, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("split: the shares add up to 0.9, not 1")));
  spec.mutable_split(1)->set_placement("radio");
  EXPECT_THAT(Sweep(BothBought(), spec, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("split[1].placement: no placement 'radio'")));
  spec.mutable_split(1)->set_placement("tv_boot");
  EXPECT_THAT(Sweep(BothBought(), spec, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("split[1].placement: 'tv_boot' is repeated")));
  spec.mutable_split(1)->set_placement("phone_splash");
  spec.mutable_split(1)->set_share(1.5);
  EXPECT_THAT(
      Sweep(BothBought(), spec, RunOptions()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("split[1].share: must be in (0, 1], got 1.5")));
  EXPECT_THAT(Sweep(Base(), spec, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("split[0].placement: 'tv_boot' is not bought "
                                 "by budget")));
  spec.set_placement("tv_boot");
  EXPECT_THAT(Sweep(BothBought(), spec, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("split: give a placement or a split")));
  v1::SweepSpec sov;
  sov.set_placement("phone_splash");
  sov.add_shares_of_voice(0.5);
  EXPECT_THAT(Sweep(Base(), sov, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'phone_splash' is not bought by share of "
                                 "voice")));
  sov.set_placement("tv_boot");
  sov.add_shares_of_voice(1.2);
  EXPECT_THAT(Sweep(Base(), sov, RunOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("shares_of_voice[1]: must be in [0, 1]")));
}

}  // namespace
}  // namespace aiotreach
