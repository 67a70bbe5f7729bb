// Samplers for the engine's distributions, each driven by an Rng.
//
// Samplers take the Rng by reference and consume a documented number of
// words, so that callers can lay out keyed streams. Counts drawn by
// inversion (Poisson for small means, CDF tables) consume exactly one word
// and are monotone in their parameter for a fixed word: with common random
// numbers, a larger mean never yields a smaller count.
//
//   Rng rng(seed, stream, id);
//   int64_t k = SamplePoisson(rng, 1.68);
#ifndef AIOTREACH_ENGINE_DISTRIBUTIONS_H_
#define AIOTREACH_ENGINE_DISTRIBUTIONS_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "engine/rng.h"

namespace aiotreach {

// Poisson(mean), mean >= 0. Below kPoissonInversionLimit: inversion by
// sequential search, one word. Above it: Hormann's PTRS transformed
// rejection (1993), two words per trial.
inline constexpr double kPoissonInversionLimit = 16.0;
int64_t SamplePoisson(Rng& rng, double mean);

// Poisson by inversion from a given uniform u in (0, 1); exp_neg_mean must
// be Exp(-mean) (fast_math.h). Monotone non-decreasing in mean for fixed u.
int64_t PoissonInverse(double u, double mean, double exp_neg_mean);

namespace internal {
inline constexpr int kReciprocalCount = 256;
constexpr std::array<double, kReciprocalCount> MakeReciprocals() {
  std::array<double, kReciprocalCount> r{};
  for (int k = 1; k < kReciprocalCount; ++k) r[k] = 1.0 / k;
  return r;
}
// 1 / k: the inversion multiplies instead of dividing, which keeps its
// loop-carried chain short.
inline constexpr std::array<double, kReciprocalCount> kReciprocals =
    MakeReciprocals();
}  // namespace internal

// The first kPoissonHeadTerms steps of PoissonInverse without a branch, for
// loops over many devices that the compiler vectorises: the same count as
// PoissonInverse when it is below kPoissonHeadTerms (the same arithmetic in
// the same order), else kPoissonHeadTerms, and the caller runs
// PoissonInverse.
inline constexpr int kPoissonHeadTerms = 16;
inline int PoissonInverseHead(double u, double mean, double exp_neg_mean) {
  double p = exp_neg_mean;
  double cdf = p;
  int k = cdf < u;
  for (int t = 1; t < kPoissonHeadTerms; ++t) {
    p *= mean * internal::kReciprocals[t];
    cdf += p;
    k += cdf < u;
  }
  return k;
}

// Binomial(n, p) by inversion from one uniform u, when n * min(p, 1 - p)
// <= kBinomialChunkMean. The count is the u-quantile, so for fixed u it
// never decreases as p grows.
inline constexpr double kBinomialChunkMean = 300.0;
int64_t BinomialInverse(double u, int64_t n, double p);

// Binomial(n, p) for any n: BinomialInverse over chunks of trials of mean
// at most kBinomialChunkMean, one word per chunk.
int64_t SampleBinomial(Rng& rng, int64_t n, double p);

// Binomial(n, p) for n < kBinomialHeadTrials without a branch, for loops
// over many devices that share p: with s = min(p, 1 - p), `table` holds
// q = 1 - s and odds = s / q, and `flip` is p > 1/2. Monotone in p for
// fixed u.
inline constexpr int kBinomialHeadTrials = 16;
struct BinomialHeadTable {
  explicit BinomialHeadTable(double p);
  double q = 1.0;
  double odds = 0.0;
  // p > 1/2 counts failures: v = flip + sign * u, k -> flip * n + sign * k.
  // Arithmetic rather than a select keeps device loops vectorisable.
  double flip = 0.0;
  double sign = 1.0;
};
inline int BinomialInverseHead(double u, int n, BinomialHeadTable t) {
  // All in doubles and selects, so that loops over devices vectorise.
  const double trials = n;
  const double v = t.flip + t.sign * u;
  // q^n by squaring (n < 16), branch-free.
  double q = t.q;
  double pmf = (n & 1) ? q : 1.0;
  q *= q;
  pmf *= (n & 2) ? q : 1.0;
  q *= q;
  pmf *= (n & 4) ? q : 1.0;
  q *= q;
  pmf *= (n & 8) ? q : 1.0;
  double cdf = pmf;
  double k = cdf < v ? 1.0 : 0.0;
  double trials_left = trials;
#pragma GCC unroll 16
  for (int i = 1; i < kBinomialHeadTrials; ++i) {
    pmf *= trials_left * internal::kReciprocals[i] * t.odds;
    trials_left -= 1.0;
    cdf += pmf;
    k += cdf < v ? 1.0 : 0.0;
  }
  k = k < trials ? k : trials;
  return static_cast<int>(t.flip * trials + t.sign * k);
}

// Standard normal by Box-Muller (two words).
double SampleStandardNormal(Rng& rng);

// Gamma(shape, scale), shape > 0. An integer shape k <= kMaxExactGammaShape
// is a sum of k exponentials: -scale * Log(U_1 ... U_k), exactly, from k
// words (the product in word order). Other shapes use Marsaglia-Tsang (2000);
// shapes below 1 the boost Gamma(shape + 1) * U^(1 / shape).
inline constexpr int kMaxExactGammaShape = 8;
double SampleGamma(Rng& rng, double shape, double scale);

// A discrete distribution over 0..n-1 sampled by inversion of its CDF.
class CdfTable {
 public:
  CdfTable() = default;
  // weights: non-negative with a positive sum.
  explicit CdfTable(const std::vector<double>& weights);

  // The index i with cdf[i-1] <= u < cdf[i]; u in (0, 1). Expected O(1):
  // a guide table (Chen & Asau, 1974) gives where to start the search.
  int Sample(double u) const {
    const int n = size();
    if (n <= kBranchlessSize) {
      // Small tables (household sizes, bands): count the entries at or
      // below u without branches, which random u would mispredict.
      int i = 0;
      for (int k = 0; k < n - 1; ++k) i += cdf_[k] <= u;
      return i;
    }
    const int cells = static_cast<int>(guide_.size());
    int i = guide_[std::min(static_cast<int>(u * cells), cells - 1)];
    while (i < n - 1 && cdf_[i] <= u) ++i;
    return i;
  }
  int size() const { return static_cast<int>(cdf_.size()); }
  double Probability(int i) const;

  // The same index from the word w that u = Rng::ToUniform(w) comes from:
  // the count of thresholds[k] <= w, thresholds from WordThresholds(), in
  // integers (no conversion, and a loop that vectorises).
  std::vector<uint64_t> WordThresholds() const;

 private:
  std::vector<double> cdf_;
  static constexpr int kBranchlessSize = 8;
  // guide_[g] = the first i with cdf_[i] > g / guide_.size(). With several
  // cells per entry the search from there rarely moves, so its branch is
  // predictable.
  static constexpr int kGuideCellsPerEntry = 4;
  std::vector<int> guide_;
};

// The CDF of Binomial(n, p), sampled by inversion (one uniform).
CdfTable BinomialTable(int n, double p);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_DISTRIBUTIONS_H_
