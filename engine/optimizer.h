// The budget optimizer (docs/OPTIMIZER.md): splits a total budget over a
// scenario's budget-bought placements to maximise reach, k+ reach,
// households reached or conversions. Every candidate split runs the
// scenario with its own seed (common random numbers), so two splits differ
// by the change of budget, not by sampling noise.
//
//   v1::OptimizeOptions o;
//   o.set_budget(2e6);
//   o.set_objective("reach");
//   absl::StatusOr<v1::Optimization> best =
//       OptimizeBudget(scenario, o, run_options);
//
// The search: greedy marginal steps from the minimums (each step goes to
// the placement whose step buys the most objective), then exchange moves
// (a step from one placement to another) while one improves the objective
// by more than its noise. Used alike by the CLI (`aiotreach optimize`) and
// the service (OptimizeBudget).
#ifndef AIOTREACH_ENGINE_OPTIMIZER_H_
#define AIOTREACH_ENGINE_OPTIMIZER_H_

#include <string>

#include "absl/status/statusor.h"
#include "aiotreach/v1/scenario.pb.h"
#include "aiotreach/v1/whatif.pb.h"
#include "engine/engine.h"
#include "engine/run_options.h"

namespace aiotreach {

// Greedy steps at most (the step is enlarged to fit), and exchange rounds.
inline constexpr int kMaxOptimizerSteps = 400;
inline constexpr int kMaxExchangeRounds = 50;

// InvalidArgument naming the option ("budget", "step", "min[1].placement",
// "objective", ...) and its value for a bad request; the scenario's own
// errors as RunScenario gives them.
absl::StatusOr<v1::Optimization> OptimizeBudget(
    const v1::Scenario& scenario, const v1::OptimizeOptions& options,
    const RunOptions& run, const StoredPopulation* stored = nullptr);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_OPTIMIZER_H_
