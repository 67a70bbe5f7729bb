// Flight inventories (FlightInventory): the distribution of the number of
// opportunities a device offers over a flight, as a probability mass
// function over 0..K, and its closed forms under binomial thinning.
//
//   AIOT_ASSIGN_OR_RETURN(std::vector<double> pmf,
//                         InventoryPmf(o.inventory(), path));
//   double reach = ThinnedReach(pmf, 0.3);  // E[1 - (1 - p)^N]
#ifndef AIOTREACH_ENGINE_INVENTORY_H_
#define AIOTREACH_ENGINE_INVENTORY_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/scenario.pb.h"

namespace aiotreach {

// A flight inventory's largest count.
inline constexpr int kMaxInventoryCount = 99999;

// P(N = n) for n = 0..K, summing to 1. Counts past K carry less than
// kInventoryTail of the mass (negative binomial and Dirac mixture tails are
// cut there and the rest renormalised). InvalidArgument naming
// `path`.<distribution>.<field> and the value for: no distribution; a
// histogram with no weights, more than kMaxInventoryCount + 1, a negative
// one or all zero; a zeta exponent not positive or above 100, a max_count
// outside [0, kMaxInventoryCount]; a negative binomial mean or shape not
// positive, or a mean whose tail passes kMaxInventoryCount; a Dirac
// mixture with no rates, rates and weights of different lengths, a
// negative rate, a rate whose tail passes kMaxInventoryCount, or weights
// not positive in sum.
inline constexpr double kInventoryTail = 1e-12;
inline constexpr int kDefaultZetaMaxCount = 10000;
absl::StatusOr<std::vector<double>> InventoryPmf(
    const v1::FlightInventory& inventory, absl::string_view path);

// E[N] of a pmf.
double InventoryMean(const std::vector<double>& pmf);

// Each of N opportunities won independently with probability p: the
// expected share of devices with at least one, E[1 - (1 - p)^N], and
// P(exactly f) = E[C(N, f) p^f (1 - p)^(N - f)].
double ThinnedReach(const std::vector<double>& pmf, double p);
double ThinnedFrequency(const std::vector<double>& pmf, double p, int f);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_INVENTORY_H_
