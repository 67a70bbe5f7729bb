#include "services/cli/budgets.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace aiotreach {
namespace {

// "1.5m" -> 1500000; InvalidArgument naming `flag`.
absl::StatusOr<double> Amount(absl::string_view text, absl::string_view flag) {
  std::string number(absl::StripAsciiWhitespace(text));
  double scale = 1.0;
  if (!number.empty() && (number.back() == 'k' || number.back() == 'K')) {
    scale = 1e3;
    number.pop_back();
  } else if (!number.empty() &&
             (number.back() == 'm' || number.back() == 'M')) {
    scale = 1e6;
    number.pop_back();
  }
  double value = 0.0;
  if (!absl::SimpleAtod(number, &value) || !(value > 0.0) ||
      !std::isfinite(value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": want a positive amount like 500000, 500k or 0.5m, got '", text,
        "'"));
  }
  return value * scale;
}

}  // namespace

absl::StatusOr<std::vector<double>> ParseBudgets(const std::string& list) {
  std::vector<double> budgets;
  for (absl::string_view part : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    absl::StatusOr<double> amount = Amount(part, "--budgets");
    if (!amount.ok()) return amount.status();
    budgets.push_back(*amount);
  }
  if (budgets.empty())
    return absl::InvalidArgumentError("--budgets: at least one amount");
  return budgets;
}

absl::StatusOr<std::vector<double>> BudgetRange(const std::string& from,
                                                const std::string& to,
                                                int steps) {
  absl::StatusOr<double> lo = Amount(from, "--from");
  if (!lo.ok()) return lo.status();
  absl::StatusOr<double> hi = Amount(to, "--to");
  if (!hi.ok()) return hi.status();
  if (steps < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("--steps: must be >= 2, got ", steps));
  }
  if (*hi <= *lo) {
    return absl::InvalidArgumentError(
        absl::StrCat("--to: must be above --from (", from, "), got ", to));
  }
  std::vector<double> budgets;
  for (int i = 0; i < steps; ++i)
    budgets.push_back(*lo + (*hi - *lo) * i / (steps - 1));
  return budgets;
}

}  // namespace aiotreach
