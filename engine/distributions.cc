#include "engine/distributions.h"

#include <algorithm>
#include <cmath>

#include "engine/fast_math.h"

namespace aiotreach {

int64_t PoissonInverse(double u, double mean, double exp_neg_mean) {
  double p = exp_neg_mean;
  double cdf = p;
  int64_t k = 0;
  // Below the inversion limit the tail past k = 200 is far below 2^-32;
  // above it, the caller's means are bounded by kMaxPoissonRate * days.
  const int64_t limit =
      mean < kPoissonInversionLimit
          ? internal::kReciprocalCount - 1
          : static_cast<int64_t>(mean + 40.0 * std::sqrt(mean) + 40.0);
  while (u > cdf && k < limit) {
    ++k;
    p *= mean *
         (k < internal::kReciprocalCount ? internal::kReciprocals[k] : 1.0 / k);
    cdf += p;
  }
  return k;
}

namespace {

// log(k!) without std::lgamma, whose glibc version writes the global
// `signgam` and so races between threads.
double LogFactorial(double k) {
  int sign;
  return lgamma_r(k + 1.0, &sign);
}

// PTRS: W. Hormann, "The transformed rejection method for generating
// Poisson random variables", Insurance: Mathematics and Economics 12 (1993).
int64_t PoissonPtrs(Rng& rng, double mean) {
  const double slam = std::sqrt(mean);
  const double loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  while (true) {
    const double u = rng.Uniform() - 0.5;
    const double v = rng.Uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<int64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mean + k * loglam - LogFactorial(k)) {
      return static_cast<int64_t>(k);
    }
  }
}

}  // namespace

int64_t SamplePoisson(Rng& rng, double mean) {
  if (mean <= 0.0) return 0;
  if (mean < kPoissonInversionLimit) {
    return PoissonInverse(rng.Uniform(), mean, Exp(-mean));
  }
  return PoissonPtrs(rng, mean);
}

namespace {

// Binomial(n, p) by inversion from u, 0 < p <= 1/2, n * p small enough
// that (1 - p)^n does not underflow.
int64_t BinomialInverseLower(double u, int64_t n, double p) {
  const double q = 1.0 - p;
  const double odds = p / q;
  double pmf = Exp(static_cast<double>(n) * Log(q));
  double cdf = pmf;
  int64_t k = 0;
  while (cdf < u && k < n) {
    pmf *= static_cast<double>(n - k) / static_cast<double>(k + 1) * odds;
    cdf += pmf;
    ++k;
  }
  return k;
}

}  // namespace

int64_t BinomialInverse(double u, int64_t n, double p) {
  if (n <= 0 || p <= 0.0) return 0;
  if (p >= 1.0) return n;
  // Inverting the upper tail for p > 1/2 keeps the count the u-quantile,
  // hence monotone in p.
  if (p > 0.5) return n - BinomialInverseLower(1.0 - u, n, 1.0 - p);
  return BinomialInverseLower(u, n, p);
}

int64_t SampleBinomial(Rng& rng, int64_t n, double p) {
  if (n <= 0 || p <= 0.0) return 0;
  if (p >= 1.0) return n;
  const double small = std::min(p, 1.0 - p);
  const int64_t chunk =
      std::max<int64_t>(1, static_cast<int64_t>(kBinomialChunkMean / small));
  int64_t k = 0;
  for (int64_t left = n; left > 0; left -= chunk)
    k += BinomialInverse(rng.Uniform(), std::min(left, chunk), p);
  return k;
}

BinomialHeadTable::BinomialHeadTable(double p) {
  const bool upper = p > 0.5;
  flip = upper ? 1.0 : 0.0;
  sign = upper ? -1.0 : 1.0;
  const double s = upper ? 1.0 - p : p;
  q = 1.0 - s;
  odds = s > 0.0 ? s / q : 0.0;
}

double SampleStandardNormal(Rng& rng) {
  const double u1 = rng.Uniform();
  const double u2 = rng.Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double SampleGamma(Rng& rng, double shape, double scale) {
  if (shape <= kMaxExactGammaShape && shape == std::floor(shape)) {
    double product = rng.Uniform();
    for (int i = 1; i < static_cast<int>(shape); ++i) product *= rng.Uniform();
    return -scale * Log(product);
  }
  if (shape < 1.0) {
    const double g = SampleGamma(rng, shape + 1.0, 1.0);
    return scale * g * std::pow(rng.Uniform(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x, v;
    do {
      x = SampleStandardNormal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.Uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return scale * d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) {
      return scale * d * v;
    }
  }
}

CdfTable::CdfTable(const std::vector<double>& weights) {
  double total = 0.0;
  for (double w : weights) total += w;
  cdf_.reserve(weights.size());
  double running = 0.0;
  for (double w : weights) {
    running += w;
    cdf_.push_back(running / total);
  }
  if (!cdf_.empty()) cdf_.back() = 1.0;
  const int n = size();
  const int cells = std::max(64, kGuideCellsPerEntry * n);
  guide_.resize(cells);
  int i = 0;
  for (int g = 0; g < cells; ++g) {
    while (i < n - 1 && cdf_[i] <= static_cast<double>(g) / cells) ++i;
    guide_[g] = i;
  }
}

std::vector<uint64_t> CdfTable::WordThresholds() const {
  // cdf_[k] <= u is !(u < cdf_[k]), that is w >= WordThreshold(cdf_[k]);
  // the last entry (1) is never counted, as in Sample.
  std::vector<uint64_t> out;
  for (int k = 0; k + 1 < size(); ++k)
    out.push_back(Rng::WordThreshold(cdf_[k]));
  return out;
}

double CdfTable::Probability(int i) const {
  return i == 0 ? cdf_[0] : cdf_[i] - cdf_[i - 1];
}

CdfTable BinomialTable(int n, double p) {
  std::vector<double> pmf(n + 1, 0.0);
  if (p <= 0.0) {
    pmf[0] = 1.0;
  } else if (p >= 1.0) {
    pmf[n] = 1.0;
  } else {
    const double lp = std::log(p);
    const double lq = std::log1p(-p);
    for (int k = 0; k <= n; ++k) {
      pmf[k] = std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) -
                        std::lgamma(n - k + 1.0) + k * lp + (n - k) * lq);
    }
  }
  return CdfTable(pmf);
}

}  // namespace aiotreach
