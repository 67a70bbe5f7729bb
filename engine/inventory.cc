#include "engine/inventory.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "engine/validation.h"

namespace aiotreach {
namespace {

// Extends pmf with log_p(n) for n = 0, 1, ... until the mass reaches
// 1 - kInventoryTail past n >= `mean`; an error at `path` if that needs
// counts past kMaxInventoryCount. Renormalises.
template <typename LogP>
absl::StatusOr<std::vector<double>> Tabulate(LogP&& log_p, double mean,
                                             absl::string_view path,
                                             double value) {
  std::vector<double> pmf;
  double mass = 0.0;
  for (int n = 0;; ++n) {
    if (n > kMaxInventoryCount) {
      return FieldError(path,
                        absl::StrCat("puts counts past ", kMaxInventoryCount,
                                     " (the largest flight inventory), got ",
                                     FormatValue(value)));
    }
    const double p = std::exp(log_p(n));
    pmf.push_back(p);
    mass += p;
    if (n >= mean && mass >= 1.0 - kInventoryTail) break;
  }
  for (double& p : pmf) p /= mass;
  return pmf;
}

double LogPoisson(int n, double mean) {
  if (mean == 0.0) return n == 0 ? 0.0 : -INFINITY;
  return n * std::log(mean) - mean - std::lgamma(n + 1.0);
}

}  // namespace

absl::StatusOr<std::vector<double>> InventoryPmf(
    const v1::FlightInventory& inventory, absl::string_view path) {
  switch (inventory.distribution_case()) {
    case v1::FlightInventory::kHistogram: {
      const std::string wpath = FieldPath(path, "histogram.weights");
      const auto& w = inventory.histogram().weights();
      if (w.empty() || w.size() > kMaxInventoryCount + 1) {
        return FieldError(
            wpath, absl::StrCat("needs 1 to ", kMaxInventoryCount + 1,
                                " weights (counts 0, 1, ...), got ", w.size()));
      }
      AIOT_RETURN_IF_ERROR(CheckWeights(w, wpath));
      double total = 0.0;
      for (double x : w) total += x;
      std::vector<double> pmf;
      for (double x : w) pmf.push_back(x / total);
      return pmf;
    }
    case v1::FlightInventory::kZeta: {
      const v1::FlightInventory::Zeta& z = inventory.zeta();
      const double s = z.exponent();
      if (!(s > 0.0 && s <= 100.0)) {
        return FieldError(
            FieldPath(path, "zeta.exponent"),
            absl::StrCat("must be in (0, 100], got ", FormatValue(s)));
      }
      AIOT_RETURN_IF_ERROR(CheckIntInRange(z.max_count(), 0, kMaxInventoryCount,
                                           FieldPath(path, "zeta.max_count")));
      const int k = z.max_count() == 0 ? kDefaultZetaMaxCount
                                       : static_cast<int>(z.max_count());
      std::vector<double> pmf(k + 1, 0.0);
      double total = 0.0;
      for (int n = 1; n <= k; ++n) total += pmf[n] = std::pow(n, -s);
      for (double& p : pmf) p /= total;
      return pmf;
    }
    case v1::FlightInventory::kNegativeBinomial: {
      const v1::FlightInventory::NegativeBinomial& nb =
          inventory.negative_binomial();
      const std::string mpath = FieldPath(path, "negative_binomial.mean");
      AIOT_RETURN_IF_ERROR(CheckPositive(nb.mean(), mpath));
      AIOT_RETURN_IF_ERROR(CheckPositive(
          nb.shape(), FieldPath(path, "negative_binomial.shape")));
      const double m = nb.mean(), r = nb.shape();
      const double log_q = std::log(r / (r + m)), log_p = std::log(m / (r + m));
      const double lg_r = std::lgamma(r);
      return Tabulate(
          [&](int n) {
            return std::lgamma(n + r) - lg_r - std::lgamma(n + 1.0) +
                   r * log_q + n * log_p;
          },
          m, mpath, m);
    }
    case v1::FlightInventory::kDiracMixture: {
      const v1::FlightInventory::DiracMixture& d = inventory.dirac_mixture();
      const std::string rpath = FieldPath(path, "dirac_mixture.rates");
      const std::string wpath = FieldPath(path, "dirac_mixture.weights");
      if (d.rates().empty()) {
        return FieldError(rpath, "needs at least one rate, got none");
      }
      if (d.weights_size() != d.rates_size()) {
        return FieldError(
            wpath, absl::StrCat("needs one weight a rate (", d.rates_size(),
                                "), got ", d.weights_size()));
      }
      AIOT_RETURN_IF_ERROR(CheckWeights(d.weights(), wpath));
      double total = 0.0, largest = 0.0;
      for (int i = 0; i < d.rates_size(); ++i) {
        AIOT_RETURN_IF_ERROR(CheckNonNegative(d.rates(i), IndexPath(rpath, i)));
        total += d.weights(i);
        largest = std::max(largest, d.rates(i));
      }
      return Tabulate(
          [&](int n) {
            double p = 0.0;
            for (int i = 0; i < d.rates_size(); ++i) {
              p += d.weights(i) / total * std::exp(LogPoisson(n, d.rates(i)));
            }
            return std::log(p);
          },
          largest, rpath, largest);
    }
    default:
      return FieldError(path,
                        "needs a distribution: histogram, zeta, "
                        "negative_binomial or dirac_mixture");
  }
}

double InventoryMean(const std::vector<double>& pmf) {
  double mean = 0.0;
  for (size_t n = 0; n < pmf.size(); ++n) mean += n * pmf[n];
  return mean;
}

double ThinnedReach(const std::vector<double>& pmf, double p) {
  double none = 0.0;
  for (size_t n = 0; n < pmf.size(); ++n) none += pmf[n] * std::pow(1 - p, n);
  return 1.0 - none;
}

double ThinnedFrequency(const std::vector<double>& pmf, double p, int f) {
  double total = 0.0;
  for (size_t n = f; n < pmf.size(); ++n) {
    const double log_choose =
        std::lgamma(n + 1.0) - std::lgamma(f + 1.0) - std::lgamma(n - f + 1.0);
    total += pmf[n] *
             std::exp(log_choose + f * std::log(p) + (n - f) * std::log1p(-p));
  }
  return total;
}

}  // namespace aiotreach
