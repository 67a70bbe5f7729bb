// What-if analyses over the engine: a base scenario against variants, and
// one placement's budget swept over a list of values. Both run every
// scenario with the same seed (common random numbers): differences come
// from the change, not from sampling noise, and a sweep's reach curve is
// smooth and monotone where the model is.
//
//   absl::StatusOr<v1::Comparison> c =
//       CompareScenarios(base, {more_tv, speaker_added}, options);
//   absl::StatusOr<v1::SweepCurve> curve =
//       SweepBudget(scenario, "phone_splash", {5e5, 1e6, 2e6}, options);
//
// Used alike by the CLI (`aiotreach compare`, `sweep`) and the service.
#ifndef AIOTREACH_ENGINE_WHAT_IF_H_
#define AIOTREACH_ENGINE_WHAT_IF_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/scenario.pb.h"
#include "aiotreach/v1/whatif.pb.h"
#include "engine/engine.h"
#include "engine/run_options.h"

namespace aiotreach {

// Runs `base` and each variant with base's seed and reports each variant's
// headline figures against the base. InvalidArgument naming the field with
// a "base." or "variants[i]." prefix, e.g. a variant seed that differs
// from the base's ("variants[1].seed: ..."). `stored`, if not null, is the
// population every scenario runs on (see PreparedScenario::PrepareOn).
absl::StatusOr<v1::Comparison> CompareScenarios(
    const v1::Scenario& base, const std::vector<v1::Scenario>& variants,
    const RunOptions& options, const StoredPopulation* stored = nullptr);

// The scenario's placement named `name` (its index), or InvalidArgument at
// `path` naming it and listing the known ones.
absl::StatusOr<int> PlacementIndex(const v1::Scenario& scenario,
                                   absl::string_view name,
                                   const std::string& path);

// InvalidArgument at `path` unless placement `index` is bought by `buying`
// (what a sweep or the optimizer sets).
absl::Status CheckBoughtBy(const v1::Scenario& scenario, int index,
                           v1::Placement::BuyingCase buying,
                           const std::string& path);

// Limits a placement to the first k days of the flight (Placement.days):
// a days sweep's point, the optimizer's days of a day-priced placement.
void SetFirstDays(v1::Placement* placement, int k);

// Runs every scenario: several at once, a thread each, or one after
// another on all the threads (over MPI ranks, or a single scenario).
// `done`, if set, is called after each run (under a lock, so it may count).
// The reports come back in the scenarios' order.
std::vector<absl::StatusOr<v1::Report>> RunScenarios(
    const std::vector<v1::Scenario>& scenarios, const RunOptions& run,
    const StoredPopulation* stored, const std::function<void()>& done = {});

// Runs `scenario` once per value of the spec (v1::SweepSpec): a
// placement's budget, a total budget split at fixed shares, or a
// placement's share of voice. Each point says whether the swept
// placements bought nothing more than at the previous point. InvalidArgument
// naming "placement", "split[i].share", "budgets[i]", ...; at most
// kMaxSweepPoints values.
inline constexpr int kMaxSweepPoints = 100;
absl::StatusOr<v1::SweepCurve> Sweep(const v1::Scenario& scenario,
                                     const v1::SweepSpec& spec,
                                     const RunOptions& options,
                                     const StoredPopulation* stored = nullptr);

// Sweep of `placement`'s budget (bought by budget) over `budgets`.
absl::StatusOr<v1::SweepCurve> SweepBudget(
    const v1::Scenario& scenario, absl::string_view placement,
    const std::vector<double>& budgets, const RunOptions& options,
    const StoredPopulation* stored = nullptr);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_WHAT_IF_H_
