// Privacy of released reports (docs/PRIVACY.md): differential-privacy noise
// on the counts of people a report releases, consistency post-processing,
// and suppression of counts below a threshold k.
//
//   AIOT_RETURN_IF_ERROR(CheckPrivacy(scenario.privacy()));
//   ApplyPrivacy(scenario.privacy(), seed, &report);
//
// The noise is keyed by the report's seed: the same scenario and seed
// release the same figures (asking again reveals nothing new).
#ifndef AIOTREACH_ENGINE_PRIVACY_H_
#define AIOTREACH_ENGINE_PRIVACY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "aiotreach/v1/report.pb.h"
#include "aiotreach/v1/scenario.pb.h"
#include "engine/rng.h"

namespace aiotreach {

inline constexpr int kMaxLoggedAdjustments = 1000;
inline constexpr int64_t kMaxMinCellPeople = 1'000'000'000;

// True if the scenario asks for anything (a report without privacy is
// left as it is, byte for byte).
bool PrivacyOn(const v1::Privacy& privacy);

// InvalidArgument naming privacy.<field> and the value: min_cell_people
// negative or above kMaxMinCellPeople; with noise, epsilon not in
// (0, 1000]; for the discrete Gaussian, delta not in (0, 1); without
// noise, an epsilon or delta set.
absl::Status CheckPrivacy(const v1::Privacy& privacy);

// Noises, post-processes and suppresses `report` in place and adds its
// Report.privacy. A no-op when !PrivacyOn(privacy).
void ApplyPrivacy(const v1::Privacy& privacy, uint64_t seed,
                  v1::Report* report);

// Noise draws, one integer each (several words of rng).
// Two-sided geometric: P(k) proportional to alpha^|k|, alpha in [0, 1).
int64_t SampleDiscreteLaplace(Rng& rng, double alpha);
// Discrete Gaussian: P(k) proportional to exp(-k^2 / (2 sigma^2)), by
// rejection from the discrete Laplace (Canonne, Kamath, Steinke 2020,
// Algorithm 3).
int64_t SampleDiscreteGaussian(Rng& rng, double sigma);

// The standard deviation of one count's noise: sqrt(2 alpha) / (1 - alpha)
// with alpha = exp(-epsilon_i) for the discrete Laplace; sigma =
// sqrt(2 ln(1.25 / delta_i)) / epsilon_i for the discrete Gaussian (whose
// variance is sigma^2 to within 1e-9 relative for sigma >= 1).
double NoiseStandardDeviation(v1::PrivacyNoise noise, double epsilon_i,
                              double delta_i);
// The discrete Laplace's alpha, or the discrete Gaussian's sigma.
double NoiseScale(v1::PrivacyNoise noise, double epsilon_i, double delta_i);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_PRIVACY_H_
