#include "engine/optimizer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

// Three budget-bought placements with diminishing returns: the TV boot ad
// reaches only TV households (a third of the phone's price per reached
// person at first, then saturating), the phone splash is capped at one a
// day, the speaker's wake-ups reach few. A few replicates give intervals.
v1::Scenario ThreePlacements() {
  v1::Scenario s;
  google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "split"
        seed: 29
        ecosystem { preset { name: "small-city" } }
        population: 12000
        flight_days: 7
        replicates: 4
        placements {
          name: "tv_boot"
          device_type: "tv"
          opportunity { bernoulli { probability: 0.35 } }
          budget: 100
          cpm: 60
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
        placements {
          name: "speaker_voice"
          device_type: "speaker"
          opportunity { poisson { rate: 2 } }
          budget: 100
          cpm: 30
          audience { kind: AUDIENCE_KIND_ONE_MEMBER }
        }
        frequency_caps {
          name: "1 a day"
          scope: CAP_SCOPE_PERSON
          period: CAP_PERIOD_DAY
          limit: 1
        }
      )pb",
      &s);
  return s;
}

v1::OptimizeOptions Options(double budget, double step) {
  v1::OptimizeOptions o;
  o.set_budget(budget);
  o.set_step(step);
  return o;
}

RunOptions Threads() {
  RunOptions run;
  run.threads = 2;
  return run;
}

// Every split of the same lattice (budget in steps), run with the same
// seed: the best mean reach and its replicate interval.
struct GridBest {
  double mean = 0.0, lower = 0.0;
  std::vector<double> split;
};
GridBest Grid(const v1::Scenario& scenario, const std::vector<int>& index,
              double budget, int steps) {
  GridBest best;
  std::vector<int> k(index.size(), 0);
  // All compositions of `steps` into index.size() parts.
  std::function<void(size_t, int)> walk = [&](size_t p, int left) {
    if (p + 1 == index.size()) {
      k[p] = left;
      v1::Scenario s = scenario;
      std::vector<double> split;
      for (size_t q = 0; q < index.size(); ++q) {
        const double b = budget * k[q] / steps;
        split.push_back(b);
        if (b > 0) {
          s.mutable_placements(index[q])->set_budget(b);
        } else {
          s.mutable_placements(index[q])->set_share_of_voice(0);
        }
      }
      absl::StatusOr<v1::Report> r = RunScenario(s, Threads());
      EXPECT_TRUE(r.ok()) << r.status();
      const v1::FigureInterval& f = r->uncertainty().figures(0);
      EXPECT_EQ(f.figure(), "reach_people");
      if (f.mean() > best.mean) best = {f.mean(), f.lower(), split};
      return;
    }
    for (int x = 0; x <= left; ++x) {
      k[p] = x;
      walk(p + 1, left - x);
    }
  };
  walk(0, steps);
  return best;
}

// The optimizer's split is as good as the best of every split on its
// lattice: its mean reach lies inside the best grid point's 95% interval
// (Student-t over the replicates) or above it.
TEST(OptimizerTest, TwoPlacementsMatchExhaustiveGrid) {
  v1::Scenario s = ThreePlacements();
  s.mutable_placements()->DeleteSubrange(2, 1);
  const GridBest grid = Grid(s, {0, 1}, 600, 12);
  absl::StatusOr<v1::Optimization> o =
      OptimizeBudget(s, Options(600, 50), Threads());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->greedy_steps(), 12);
  EXPECT_GE(o->objective_value(), grid.lower)
      << "grid best " << grid.mean << " at " << grid.split[0] << "/"
      << grid.split[1];
  // An interior optimum: neither placement alone is best here.
  EXPECT_GT(o->allocation(0).budget(), 0);
  EXPECT_GT(o->allocation(1).budget(), 0);
  double total = 0;
  for (const v1::AllocationRow& row : o->allocation()) total += row.budget();
  EXPECT_NEAR(total, 600, 1e-9);
}

TEST(OptimizerTest, ThreePlacementsMatchExhaustiveGrid) {
  const v1::Scenario s = ThreePlacements();
  const GridBest grid = Grid(s, {0, 1, 2}, 640, 8);
  absl::StatusOr<v1::Optimization> o =
      OptimizeBudget(s, Options(640, 80), Threads());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_GE(o->objective_value(), grid.lower) << "grid best " << grid.mean;
  // Never worse than the split the scenario gave (even thirds).
  EXPECT_GE(o->objective_value(), o->given_objective());
  ASSERT_EQ(o->given_allocation_size(), 3);
  EXPECT_NEAR(o->given_allocation(0), 640.0 / 3, 1e-9);
}

// A day-priced placement moves a day (its price) at a step: TV boot at 40
// yuan a day beside a budget-bought phone splash, 600 yuan in steps of 50.
// The lattice: d days of TV and the phone's budget the rest in whole
// steps; the optimizer's answer is inside the best point's interval.
TEST(OptimizerTest, DayPricedPlacementsBuyDays) {
  v1::Scenario s = ThreePlacements();
  s.mutable_placements()->DeleteSubrange(2, 1);
  s.mutable_placements(0)->set_price_per_day(40);
  s.mutable_placements(0)->clear_cpm();
  GridBest grid;
  for (int d = 0; d <= 7; ++d) {
    v1::Scenario point = s;
    v1::Placement* tv = point.mutable_placements(0);
    if (d > 0) {
      tv->clear_days();
      for (int day = 1; day <= d; ++day) tv->add_days(day);
    } else {
      tv->set_share_of_voice(0);
    }
    const double phone = 50 * std::floor((600 - 40.0 * d) / 50);
    point.mutable_placements(1)->set_budget(phone);
    absl::StatusOr<v1::Report> r = RunScenario(point, Threads());
    ASSERT_TRUE(r.ok()) << r.status();
    const v1::FigureInterval& f = r->uncertainty().figures(0);
    if (f.mean() > grid.mean) grid = {f.mean(), f.lower(), {40.0 * d, phone}};
  }
  absl::StatusOr<v1::Optimization> o =
      OptimizeBudget(s, Options(600, 50), Threads());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_GE(o->objective_value(), grid.lower)
      << "grid best " << grid.mean << " at " << grid.split[0] << "/"
      << grid.split[1];
  const v1::AllocationRow& tv = o->allocation(0);
  EXPECT_EQ(tv.budget(), 40.0 * tv.days());
  EXPECT_LE(tv.days(), 7);
  EXPECT_EQ(o->allocation(1).days(), 0);
  EXPECT_LE(tv.budget() + o->allocation(1).budget(), 600 + 1e-9);
  // The report is the run of that allocation: TV on its first days only.
  for (const v1::DailyRow& day : o->report().daily()) {
    if (day.day() > tv.days()) {
      EXPECT_EQ(day.placement_impressions(0), 0);
    }
  }
}

// The result is the report of the split it names: running the scenario
// with the optimizer's budgets gives the same figures (common random
// numbers, so exactly the same).
TEST(OptimizerTest, ReportIsTheRunOfTheAllocation) {
  v1::Scenario s = ThreePlacements();
  s.set_replicates(1);
  absl::StatusOr<v1::Optimization> o =
      OptimizeBudget(s, Options(150, 25), Threads());
  ASSERT_TRUE(o.ok()) << o.status();
  for (int p = 0; p < 3; ++p) {
    const double b = o->allocation(p).budget();
    if (b > 0) {
      s.mutable_placements(p)->set_budget(b);
    } else {
      s.mutable_placements(p)->set_share_of_voice(0);
    }
  }
  absl::StatusOr<v1::Report> r = RunScenario(s, Threads());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->reach_people(), o->report().reach_people());
  EXPECT_EQ(o->objective_value(), r->reach_people());
  // The frontier rises with the budget (greedy steps never lose reach
  // beyond noise) and ends at the total.
  ASSERT_EQ(o->frontier_size(), 1 + o->greedy_steps() +
                                    (o->exchange_moves() > 0 ? 1 : 0) +
                                    (o->given_kept() ? 1 : 0));
  EXPECT_EQ(o->frontier(0).budget(), 0);
  EXPECT_NEAR(o->frontier(o->greedy_steps()).budget(), 150, 1e-9);
  EXPECT_GT(o->frontier(o->greedy_steps()).objective(),
            o->frontier(1).objective());
}

// A budget far past what the inventory holds: every placement under-
// delivers, and the optimizer says the optimum is saturated.
TEST(OptimizerTest, ReportsSaturation) {
  v1::Scenario s = ThreePlacements();
  s.set_replicates(1);
  s.set_population(3000);
  absl::StatusOr<v1::Optimization> o =
      OptimizeBudget(s, Options(30000, 3000), Threads());
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->saturated());
  EXPECT_EQ(o->marginal_cost_per_reach_point(), 0);
  bool any = false;
  for (const v1::AllocationRow& row : o->allocation()) {
    any = any || row.saturated();
    if (row.saturated()) {
      EXPECT_GT(row.under_delivery(), 0);
    }
  }
  EXPECT_TRUE(any);
  EXPECT_TRUE(o->frontier(o->frontier_size() - 1).saturated() ||
              o->exchange_moves() > 0 || o->given_kept());
}

TEST(OptimizerTest, BoundsAreKept) {
  v1::Scenario s = ThreePlacements();
  s.set_replicates(1);
  v1::OptimizeOptions o = Options(150, 25);
  v1::PlacementBudget* min = o.add_min();
  min->set_placement("speaker_voice");
  min->set_budget(50);
  v1::PlacementBudget* max = o.add_max();
  max->set_placement("phone_splash");
  max->set_budget(25);
  absl::StatusOr<v1::Optimization> r = OptimizeBudget(s, o, Threads());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(r->allocation(2).budget(), 50 - 1e-9);
  EXPECT_LE(r->allocation(1).budget(), 25 + 1e-9);
  // Objectives other than reach.
  o.set_objective("reach_k:2");
  r = OptimizeBudget(s, o, Threads());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->objective_value(), r->report().reach_k_plus(1));
  o.set_objective("households");
  r = OptimizeBudget(s, o, Threads());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->objective_value(), r->report().reach_households());
}

TEST(OptimizerTest, BadRequestsNameTheField) {
  const v1::Scenario s = ThreePlacements();
  const RunOptions run;
  EXPECT_THAT(
      OptimizeBudget(s, Options(0, 0), run).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("budget")));
  EXPECT_THAT(OptimizeBudget(s, Options(100, 200), run).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("less than one step of 200")));
  EXPECT_THAT(OptimizeBudget(s, Options(100, 0.1), run).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("step: 0.1 cuts 100 into 1000 steps")));
  v1::OptimizeOptions o = Options(100, 10);
  o.set_objective("reach_k:0");
  EXPECT_THAT(OptimizeBudget(s, o, run).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("objective: unknown objective 'reach_k:0'")));
  o.set_objective("conversions");
  EXPECT_THAT(OptimizeBudget(s, o, run).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("conversion model")));
  o = Options(100, 10);
  o.add_min()->set_placement("radio");
  EXPECT_THAT(OptimizeBudget(s, o, run).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("min[0].placement: no optimized placement "
                                 "'radio'")));
  o = Options(100, 10);
  v1::PlacementBudget* m = o.add_min();
  m->set_placement("tv_boot");
  m->set_budget(150);
  EXPECT_THAT(OptimizeBudget(s, o, run).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("min: the minimums add up to 150")));
  o = Options(100, 10);
  for (const char* name : {"tv_boot", "phone_splash", "speaker_voice"}) {
    v1::PlacementBudget* x = o.add_max();
    x->set_placement(name);
    x->set_budget(20);
  }
  EXPECT_THAT(OptimizeBudget(s, o, run).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("max: the maximums leave room for 60")));
  o = Options(100, 10);
  o.add_placements("tv_boot");
  o.add_placements("tv_boot");
  EXPECT_THAT(OptimizeBudget(s, o, run).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("placements[1]: 'tv_boot' is repeated")));
  v1::Scenario sov = s;
  for (v1::Placement& p : *sov.mutable_placements()) p.set_share_of_voice(0.1);
  EXPECT_THAT(OptimizeBudget(sov, Options(100, 10), run).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no placement bought by budget")));
}

}  // namespace
}  // namespace aiotreach
