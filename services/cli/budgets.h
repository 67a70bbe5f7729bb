// Budgets as written on the command line, for `aiotreach sweep`.
//
//   ParseBudgets("500k,1m,2.5m")  -> {500000, 1000000, 2500000}
//   BudgetRange("0.5m", "4m", 8)  -> 8 amounts, both ends included
#ifndef AIOTREACH_SERVICES_CLI_BUDGETS_H_
#define AIOTREACH_SERVICES_CLI_BUDGETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace aiotreach {

// Budgets as written on the command line: "500000", "500k", "0.5m",
// comma-separated; or `from`, `to` and `steps` (>= 2, evenly spaced, both
// ends included). InvalidArgument naming the flag and the value.
absl::StatusOr<std::vector<double>> ParseBudgets(const std::string& list);
absl::StatusOr<std::vector<double>> BudgetRange(const std::string& from,
                                                const std::string& to,
                                                int steps);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_CLI_BUDGETS_H_
