#include "engine/optimizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/parallel.h"
#include "engine/status_macros.h"
#include "engine/validation.h"
#include "engine/what_if.h"

namespace aiotreach {
namespace {

// Steps a budget is cut into when the request gives none.
constexpr int kDefaultSteps = 40;

struct Objective {
  enum Kind { kReach, kReachK, kHouseholds, kConversions } kind = kReach;
  int k = 1;  // kReachK
};

absl::StatusOr<Objective> ParseObjective(absl::string_view s) {
  Objective o;
  if (s.empty() || s == "reach") return o;
  if (s == "households") {
    o.kind = Objective::kHouseholds;
    return o;
  }
  if (s == "conversions") {
    o.kind = Objective::kConversions;
    return o;
  }
  constexpr absl::string_view kPrefix = "reach_k:";
  if (absl::StartsWith(s, kPrefix) &&
      absl::SimpleAtoi(s.substr(kPrefix.size()), &o.k) && o.k >= 1 &&
      o.k <= 100) {
    o.kind = Objective::kReachK;
    return o;
  }
  return FieldError("objective",
                    absl::StrCat("unknown objective ", Quoted(s),
                                 " (known: reach, reach_k:K with K in 1..100, "
                                 "households, conversions)"));
}

// With replicates, the objective is their mean where the report has its
// interval (reach_people, reach_households, reach_3_plus, conversions),
// else replicate 0's figure (the report's body).
double ValueOf(const Objective& o, const v1::Report& r) {
  const char* figure = o.kind == Objective::kReach         ? "reach_people"
                       : o.kind == Objective::kHouseholds  ? "reach_households"
                       : o.kind == Objective::kConversions ? "conversions"
                       : o.k == 3                          ? "reach_3_plus"
                                                           : "";
  for (const v1::FigureInterval& f : r.uncertainty().figures()) {
    if (f.figure() == figure) return f.mean();
  }
  switch (o.kind) {
    case Objective::kReach:
      return static_cast<double>(r.reach_people());
    case Objective::kReachK:
      return o.k <= r.reach_k_plus_size()
                 ? static_cast<double>(r.reach_k_plus(o.k - 1))
                 : 0.0;
    case Objective::kHouseholds:
      return static_cast<double>(r.reach_households());
    case Objective::kConversions:
      return static_cast<double>(r.conversions());
  }
  return 0.0;
}

// The placements split over, their bounds and the step lattice: placement
// p gets min[p] + k[p] * unit[p] yuan with k[p] <= cap[p], and the total
// at most the budget. A budget-bought placement's unit is the step (and
// `steps` of them spend the budget exactly); a day-priced placement's is
// its price a day (k days, the first of the flight).
struct Problem {
  std::vector<int> index;  // into scenario.placements
  std::vector<std::string> names;
  std::vector<double> min, max;
  std::vector<int> cap;
  std::vector<double> unit;
  std::vector<bool> per_day;
  double step = 0.0;
  int steps = 0;
  double budget = 0.0;

  std::vector<double> Budgets(const std::vector<int>& k) const {
    std::vector<double> b(k.size());
    for (size_t p = 0; p < k.size(); ++p) b[p] = min[p] + k[p] * unit[p];
    return b;
  }
  // True if one more step of p fits the budget beside `k`'s.
  bool Fits(const std::vector<int>& k, int p) const {
    double total = 0.0;
    for (size_t q = 0; q < k.size(); ++q) total += min[q] + k[q] * unit[q];
    return k[p] < cap[p] && total + unit[p] <= budget * (1 + 1e-9);
  }
};

// Reads a list of per-placement bounds into `out` (by problem order).
absl::Status ReadBounds(
    const google::protobuf::RepeatedPtrField<v1::PlacementBudget>& bounds,
    const char* field, const Problem& problem, std::vector<double>* out) {
  for (int i = 0; i < bounds.size(); ++i) {
    const std::string path = FieldPath("", field, i);
    const auto it = std::find(problem.names.begin(), problem.names.end(),
                              bounds[i].placement());
    if (it == problem.names.end()) {
      return FieldError(
          FieldPath(path, "placement"),
          absl::StrCat("no optimized placement ", Quoted(bounds[i].placement()),
                       " (optimized: ", absl::StrJoin(problem.names, ", "),
                       ")"));
    }
    AIOT_RETURN_IF_ERROR(
        CheckNonNegative(bounds[i].budget(), FieldPath(path, "budget")));
    (*out)[it - problem.names.begin()] = bounds[i].budget();
  }
  return absl::OkStatus();
}

absl::StatusOr<Problem> MakeProblem(const v1::Scenario& scenario,
                                    const v1::OptimizeOptions& o) {
  AIOT_RETURN_IF_ERROR(CheckPositive(o.budget(), "budget"));
  Problem problem;
  std::vector<std::string> wanted(o.placements().begin(), o.placements().end());
  if (wanted.empty()) {
    for (const v1::Placement& p : scenario.placements()) {
      if (p.buying_case() == v1::Placement::kBudget ||
          p.buying_case() == v1::Placement::kPricePerDay)
        wanted.push_back(p.name());
    }
  }
  if (wanted.empty()) {
    return FieldError("placements",
                      "the scenario has no placement bought by budget or by "
                      "the day; the optimizer splits budgets (give "
                      "placements budget and cpm, or price_per_day)");
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    const std::string path = FieldPath("", "placements", static_cast<int>(i));
    AIOT_ASSIGN_OR_RETURN(const int index,
                          PlacementIndex(scenario, wanted[i], path));
    const bool per_day =
        scenario.placements(index).buying_case() == v1::Placement::kPricePerDay;
    if (!per_day) {
      AIOT_RETURN_IF_ERROR(
          CheckBoughtBy(scenario, index, v1::Placement::kBudget, path));
    }
    problem.per_day.push_back(per_day);
    if (std::find(problem.index.begin(), problem.index.end(), index) !=
        problem.index.end()) {
      return FieldError(path, absl::StrCat(Quoted(wanted[i]), " is repeated"));
    }
    problem.index.push_back(index);
    problem.names.push_back(wanted[i]);
  }
  const size_t n = problem.names.size();
  problem.min.assign(n, 0.0);
  problem.max.assign(n, o.budget());
  AIOT_RETURN_IF_ERROR(ReadBounds(o.min(), "min", problem, &problem.min));
  AIOT_RETURN_IF_ERROR(ReadBounds(o.max(), "max", problem, &problem.max));
  double floor_sum = 0.0;
  for (size_t p = 0; p < n; ++p) floor_sum += problem.min[p];
  if (floor_sum > o.budget()) {
    return FieldError(
        "min",
        absl::StrCat("the minimums add up to ", FormatValue(floor_sum),
                     ", more than the budget ", FormatValue(o.budget())));
  }
  for (size_t p = 0; p < n; ++p) {
    if (problem.max[p] < problem.min[p]) {
      return FieldError("max", absl::StrCat(Quoted(problem.names[p]), ": ",
                                            FormatValue(problem.max[p]),
                                            " is below its minimum ",
                                            FormatValue(problem.min[p])));
    }
  }
  if (o.step() < 0.0) {
    return FieldError(
        "step", absl::StrCat("must be > 0 (or 0 for budget / ", kDefaultSteps,
                             "), got ", FormatValue(o.step())));
  }
  const double free = o.budget() - floor_sum;
  const double step = o.step() > 0.0 ? o.step() : o.budget() / kDefaultSteps;
  if (free < step * (1.0 - 1e-9)) {
    return FieldError(
        "budget",
        absl::StrCat(FormatValue(o.budget()), " leaves ", FormatValue(free),
                     " above the minimums, less than one step of ",
                     FormatValue(step)));
  }
  const double steps = std::round(free / step);
  if (steps > kMaxOptimizerSteps) {
    return FieldError(
        "step",
        absl::StrCat(FormatValue(step), " cuts ", FormatValue(free), " into ",
                     steps, " steps; at most ", kMaxOptimizerSteps));
  }
  problem.steps = static_cast<int>(steps);
  problem.step = free / problem.steps;
  problem.budget = o.budget();
  int room = 0;
  double day_room = 0.0;
  for (size_t p = 0; p < n; ++p) {
    if (problem.per_day[p]) {
      // Whole days: the minimum rounded up to a day, at most the flight.
      const double price =
          scenario.placements(problem.index[p]).price_per_day();
      const double min_days = std::ceil(problem.min[p] / price - 1e-9);
      const double max_days = std::min<double>(
          scenario.flight_days(), std::floor(problem.max[p] / price + 1e-9));
      problem.unit.push_back(price);
      problem.min[p] = min_days * price;
      problem.cap.push_back(
          static_cast<int>(std::max(0.0, max_days - min_days)));
      day_room += problem.cap.back() * price;
      continue;
    }
    problem.unit.push_back(problem.step);
    problem.cap.push_back(static_cast<int>(
        std::floor((problem.max[p] - problem.min[p]) / problem.step + 1e-9)));
    room += problem.cap.back();
  }
  floor_sum = 0.0;
  for (size_t p = 0; p < n; ++p) floor_sum += problem.min[p];
  if (floor_sum > o.budget() * (1 + 1e-9)) {
    return FieldError(
        "min", absl::StrCat("the minimums, in whole days where priced by the "
                            "day, add up to ",
                            FormatValue(floor_sum), ", more than the budget ",
                            FormatValue(o.budget())));
  }
  if (room * problem.step + day_room < free * (1 - 1e-9)) {
    return FieldError("max",
                      absl::StrCat("the maximums leave room for ",
                                   FormatValue(floor_sum + room * problem.step),
                                   " of the budget ", FormatValue(o.budget())));
  }
  return problem;
}

struct Eval {
  double value = 0.0;
  v1::Report report;
};

// Runs the scenario at budget splits, each split once (a cache), several
// at once on the threads (one thread each; one split alone, or over
// ranks, one at a time on all of them).
class Evaluator {
 public:
  Evaluator(const v1::Scenario& base, const Problem& problem,
            const Objective& objective, const RunOptions& run,
            const StoredPopulation* stored, int expected)
      : base_(base),
        problem_(problem),
        objective_(objective),
        run_(run),
        stored_(stored),
        expected_(expected) {
    if (objective.kind == Objective::kReachK &&
        base_.report().max_frequency() < objective.k &&
        !(base_.report().max_frequency() == 0 && objective.k <= 10)) {
      base_.mutable_report()->set_max_frequency(objective.k);
    }
  }

  // Runs every split of `splits` not yet known.
  absl::Status Run(const std::vector<std::vector<double>>& splits) {
    std::vector<std::vector<double>> todo;
    for (const std::vector<double>& s : splits) {
      if (!cache_.count(s) &&
          std::find(todo.begin(), todo.end(), s) == todo.end())
        todo.push_back(s);
    }
    std::vector<v1::Scenario> scenarios;
    for (const std::vector<double>& s : todo) scenarios.push_back(Scenario(s));
    std::vector<absl::StatusOr<v1::Report>> out =
        RunScenarios(scenarios, run_, stored_, [&] {
          ++evaluations_;
          if (run_.progress) {
            run_.progress(
                std::min(0.99, static_cast<double>(evaluations_) /
                                   std::max(expected_, evaluations_ + 1)));
          }
        });
    for (size_t i = 0; i < todo.size(); ++i) {
      if (!out[i].ok()) return out[i].status();
      Eval e;
      e.value = ValueOf(objective_, *out[i]);
      e.report = *std::move(out[i]);
      cache_.emplace(todo[i], std::move(e));
    }
    return absl::OkStatus();
  }

  const Eval& At(const std::vector<double>& split) const {
    return cache_.at(split);
  }
  int evaluations() const { return evaluations_; }

 private:
  v1::Scenario Scenario(const std::vector<double>& split) const {
    v1::Scenario s = base_;
    for (size_t p = 0; p < split.size(); ++p) {
      v1::Placement* placement = s.mutable_placements(problem_.index[p]);
      // A placement given nothing keeps its draws (the others' do not
      // move) and wins nothing.
      const int days =
          problem_.per_day[p]
              ? static_cast<int>(std::llround(split[p] / problem_.unit[p]))
              : 0;
      if (problem_.per_day[p] && days > 0) {
        SetFirstDays(placement, days);
      } else if (split[p] > 0.0 && !problem_.per_day[p]) {
        placement->set_budget(split[p]);
      } else {
        placement->set_share_of_voice(0.0);
      }
    }
    return s;
  }
  v1::Scenario base_;
  const Problem& problem_;
  const Objective objective_;
  const RunOptions& run_;
  const StoredPopulation* stored_;
  const int expected_;
  std::map<std::vector<double>, Eval> cache_;
  int evaluations_ = 0;
};

std::vector<int> Moved(std::vector<int> k, int from, int to) {
  if (from >= 0) --k[from];
  if (to >= 0) ++k[to];
  return k;
}

void AddFrontier(const Problem& problem, const std::vector<double>& split,
                 double value, const std::string& placement, bool saturated,
                 v1::Optimization* out) {
  v1::FrontierPoint* f = out->add_frontier();
  double total = 0.0;
  for (double b : split) {
    total += b;
    f->add_allocation(b);
  }
  f->set_budget(total);
  f->set_objective(value);
  f->set_placement(placement);
  f->set_saturated(saturated);
}

}  // namespace

absl::StatusOr<v1::Optimization> OptimizeBudget(
    const v1::Scenario& scenario, const v1::OptimizeOptions& options,
    const RunOptions& run, const StoredPopulation* stored) {
  AIOT_ASSIGN_OR_RETURN(const Objective objective,
                        ParseObjective(options.objective()));
  if (objective.kind == Objective::kConversions && !scenario.has_conversion()) {
    return FieldError("objective",
                      "conversions needs the scenario's conversion model");
  }
  AIOT_ASSIGN_OR_RETURN(const Problem problem, MakeProblem(scenario, options));
  const int n = static_cast<int>(problem.names.size());
  Evaluator eval(scenario, problem, objective, run, stored,
                 problem.steps * n + 4 * n * n);
  v1::Optimization out;
  out.set_seed(scenario.seed());
  out.set_objective(options.objective().empty() ? "reach"
                                                : options.objective());
  out.set_budget(options.budget());
  out.set_step(problem.step);
  for (const std::string& name : problem.names) out.add_placements(name);

  // Greedy: each step to the placement whose step buys the most, found
  // lazily (Minoux's accelerated greedy): a placement's gain measured at an
  // earlier point is a bound on its gain now when returns diminish, so
  // only the placement with the best bound is run again, until the best is
  // fresh. The exchange moves below check the result with every neighbour.
  std::vector<int> k(n, 0);
  AIOT_RETURN_IF_ERROR(eval.Run({problem.Budgets(k)}));
  AddFrontier(problem, problem.Budgets(k), eval.At(problem.Budgets(k)).value,
              "", false, &out);
  constexpr double kUnknown = std::numeric_limits<double>::infinity();
  std::vector<double> bound(n, kUnknown);
  // Gains per yuan: a day-priced step and a budget step cost differently.
  auto per_yuan = [&](int p) {
    return bound[p] == kUnknown ? kUnknown : bound[p] / problem.unit[p];
  };
  int greedy_steps = 0;
  while (true) {
    const double now = eval.At(problem.Budgets(k)).value;
    std::vector<bool> fresh(n, false);
    int best = -1;
    while (true) {
      best = -1;
      for (int p = 0; p < n; ++p) {
        if (problem.Fits(k, p) && (best < 0 || per_yuan(p) > per_yuan(best)))
          best = p;
      }
      if (best < 0 || fresh[best]) break;
      // Every placement without a bound runs at once; else the best.
      std::vector<int> run;
      for (int p = 0; p < n; ++p) {
        if (problem.Fits(k, p) && !fresh[p] &&
            (bound[p] == kUnknown || p == best))
          run.push_back(p);
      }
      std::vector<std::vector<double>> splits;
      for (int p : run) splits.push_back(problem.Budgets(Moved(k, -1, p)));
      AIOT_RETURN_IF_ERROR(eval.Run(splits));
      for (int p : run) {
        bound[p] = eval.At(problem.Budgets(Moved(k, -1, p))).value - now;
        fresh[p] = true;
      }
    }
    if (best < 0) break;  // no step fits what is left of the budget
    k[best]++;
    ++greedy_steps;
    AddFrontier(problem, problem.Budgets(k), now + bound[best],
                problem.names[best], bound[best] <= 0.0, &out);
  }
  out.set_greedy_steps(greedy_steps);

  // Exchange: a step from placement i to j, taken when it gains more than
  // twice its noise. Under common random numbers the change is the people
  // gained by j's step less those lost with i's: each a count of people
  // whose status changed, roughly Poisson, so the net change's standard
  // deviation is about sqrt(gained + lost), estimated from the single
  // steps up on j and down on i.
  int moves = 0;
  for (int round = 0; round < kMaxExchangeRounds; ++round) {
    std::vector<std::vector<double>> points;
    // A move from p to q: p's step back, q's step if it then fits.
    auto movable = [&](int p, int q) {
      return q != p && k[p] > 0 && problem.Fits(Moved(k, p, -1), q);
    };
    for (int p = 0; p < n; ++p) {
      if (k[p] < problem.cap[p])
        points.push_back(problem.Budgets(Moved(k, -1, p)));
      if (k[p] > 0) points.push_back(problem.Budgets(Moved(k, p, -1)));
      for (int q = 0; q < n; ++q) {
        if (movable(p, q)) points.push_back(problem.Budgets(Moved(k, p, q)));
      }
    }
    AIOT_RETURN_IF_ERROR(eval.Run(points));
    const double now = eval.At(problem.Budgets(k)).value;
    int from = -1, to = -1;
    double best_gain = 0.0;
    for (int i = 0; i < n; ++i) {
      if (k[i] == 0) continue;
      const double down = now - eval.At(problem.Budgets(Moved(k, i, -1))).value;
      for (int j = 0; j < n; ++j) {
        if (!movable(i, j)) continue;
        const double up = eval.At(problem.Budgets(Moved(k, -1, j))).value - now;
        const double gain =
            eval.At(problem.Budgets(Moved(k, i, j))).value - now;
        const double noise = std::sqrt(std::abs(up) + std::abs(down));
        if (gain > 2.0 * noise && gain > best_gain) {
          from = i;
          to = j;
          best_gain = gain;
        }
      }
    }
    if (from < 0) break;
    k = Moved(k, from, to);
    ++moves;
  }
  out.set_exchange_moves(moves);
  if (moves > 0) {
    AddFrontier(problem, problem.Budgets(k), eval.At(problem.Budgets(k)).value,
                "exchange", false, &out);
  }

  // The scenario's own split, scaled to the total: never worse than it
  // (when it keeps the bounds).
  std::vector<double> result = problem.Budgets(k);
  // Day-priced placements keep their days; the budgets are scaled to what
  // is left of the total.
  double given_sum = 0.0, day_cost = 0.0;
  std::vector<double> given(n);
  for (int p = 0; p < n; ++p) {
    const v1::Placement& placement = scenario.placements(problem.index[p]);
    if (problem.per_day[p]) {
      given[p] = problem.unit[p] * (placement.days_size() > 0
                                        ? placement.days_size()
                                        : scenario.flight_days());
      day_cost += given[p];
    } else {
      given[p] = placement.budget();
      given_sum += given[p];
    }
  }
  const double left = options.budget() - day_cost;
  bool within = given_sum > 0.0 ? left > 0.0 : day_cost > 0.0 && left >= 0.0;
  for (int p = 0; p < n && within; ++p) {
    if (!problem.per_day[p]) given[p] *= left / given_sum;
    within = given[p] >= problem.min[p] - 1e-9 * options.budget() &&
             given[p] <= problem.max[p] + 1e-9 * options.budget();
  }
  // Only a split within the bounds competes.
  if (within) {
    AIOT_RETURN_IF_ERROR(eval.Run({given}));
    for (double g : given) out.add_given_allocation(g);
    out.set_given_objective(eval.At(given).value);
    if (eval.At(given).value > eval.At(result).value) {
      result = given;
      out.set_given_kept(true);
      AddFrontier(problem, result, eval.At(result).value, "given", false, &out);
    }
  }

  // The optimum and its next steps: marginal costs and saturation.
  // (A day-priced placement bought every day has no next step.)
  std::vector<std::vector<double>> ups;
  for (int p = 0; p < n; ++p) {
    ups.push_back(result);
    ups.back()[p] += problem.unit[p];
    const bool has_up =
        !problem.per_day[p] ||
        std::llround(ups.back()[p] / problem.unit[p]) <= scenario.flight_days();
    if (!has_up) ups.back() = result;
  }
  AIOT_RETURN_IF_ERROR(eval.Run(ups));
  const Eval& best = eval.At(result);
  out.set_objective_value(best.value);
  *out.mutable_report() = best.report;
  bool saturated = true;
  double best_point = 0.0;
  for (int p = 0; p < n; ++p) {
    const Eval& up = eval.At(ups[p]);
    const v1::PlacementDelivery& d = best.report.delivery(problem.index[p]);
    v1::AllocationRow* row = out.add_allocation();
    row->set_placement(problem.names[p]);
    row->set_budget(result[p]);
    row->set_share(result[p] / options.budget());
    row->set_served(d.served());
    row->set_spend(d.spend());
    row->set_under_delivery(d.under_delivery());
    // Short of its goal by 1% or more: pacing's own noise is a fraction of
    // that (as the CLI's notes on missed goals).
    row->set_saturated(d.under_delivery_pct() >= 1.0);
    if (problem.per_day[p])
      row->set_days(
          static_cast<int>(std::llround(result[p] / problem.unit[p])));
    const double gain = up.value - best.value;
    if (gain > 0.0) {
      saturated = false;
      row->set_marginal_cost(problem.unit[p] / gain);
    }
    const double points = up.report.reach_pct() - best.report.reach_pct();
    if (points > best_point) {
      best_point = points;
      out.set_marginal_cost_per_reach_point(problem.unit[p] / points);
      out.set_marginal_placement(problem.names[p]);
    }
  }
  out.set_saturated(saturated);
  out.set_evaluations(eval.evaluations());
  if (best.report.has_platform() &&
      best.report.platform().sample_fraction() > 0.0) {
    // The platform's counts: the sample's over the sample fraction.
    const double f = best.report.platform().sample_fraction();
    out.set_platform_units(true);
    out.set_objective_value(out.objective_value() / f);
    out.set_given_objective(out.given_objective() / f);
    for (v1::FrontierPoint& point : *out.mutable_frontier())
      point.set_objective(point.objective() / f);
    for (v1::AllocationRow& row : *out.mutable_allocation()) {
      row.set_marginal_cost(row.marginal_cost() * f);
      row.set_spend(row.spend() / f);
      row.set_served(std::llround(row.served() / f));
      row.set_under_delivery(std::llround(row.under_delivery() / f));
    }
  }
  return out;
}

}  // namespace aiotreach
