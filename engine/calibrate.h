// Calibration to observed figures (docs/CALIBRATION.md): fits named
// scenario parameters so that the simulated figures match observed ones,
// by weighted least squares with Levenberg-Marquardt. Every run uses the
// scenario's seed (common random numbers), so the figures move with the
// parameters, not with sampling noise, and the Jacobian is taken by
// central differences of CRN runs.
//
//   v1::CalibrateOptions o;
//   o.add_fit("placements.tv_boot.opportunity.bernoulli.probability");
//   v1::ObservedFigure* f = o.add_observed();
//   f->set_figure("placements[tv_boot].reach_pct");
//   f->set_value(31.5);
//   f->set_standard_error(0.4);
//   absl::StatusOr<v1::Calibration> c = Calibrate(scenario, o, run);
//
// Used alike by the CLI (`aiotreach calibrate`) and the service
// (Calibrate).
#ifndef AIOTREACH_ENGINE_CALIBRATE_H_
#define AIOTREACH_ENGINE_CALIBRATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "aiotreach/v1/scenario.pb.h"
#include "aiotreach/v1/whatif.pb.h"
#include "engine/engine.h"
#include "engine/run_options.h"

namespace aiotreach {

inline constexpr int kMaxFitParameters = 8;
inline constexpr int kMaxObservedFigures = 1000;
inline constexpr int kDefaultCalibrationIterations = 20;

// The scenario's parameter at `path` (CalibrateOptions.fit), or
// InvalidArgument naming `field` and the path where it went wrong.
absl::StatusOr<double> GetParameter(const v1::Scenario& scenario,
                                    const std::string& path,
                                    const std::string& field);
// Sets it; the same errors.
absl::Status SetParameter(v1::Scenario* scenario, const std::string& path,
                          double value, const std::string& field);

// InvalidArgument naming "fit[i]", "observed[i].figure",
// "observed[i].standard_error", "max_iterations" and the value: an unknown
// parameter, one that is not a number, a parameter given twice, a figure
// the scenario's report does not have, fewer figures than parameters; the
// scenario's own errors as RunScenario gives them.
absl::StatusOr<v1::Calibration> Calibrate(
    const v1::Scenario& scenario, const v1::CalibrateOptions& options,
    const RunOptions& run, const StoredPopulation* stored = nullptr);

// P(X >= x) for X ~ chi-square with `dof` degrees of freedom (1 if dof is
// 0).
double ChiSquareSurvival(double x, int dof);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_CALIBRATE_H_
