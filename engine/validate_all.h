// Every independent error of a scenario, not only the first.
//
// ValidateScenario stops at the first error it meets. To find the next,
// ValidateScenarioAll sets the field that error names aside (its value
// replaced by a valid one: the field cleared, or the first of a few plain
// values that passes) and checks the scenario again. An error at a field
// already reported, or at one of its parents, follows from an earlier one
// and ends the search, as does an error that names no field of the
// scenario (its errors read "<field path>: <what is wrong>, got <value>").
//
//   for (const absl::Status& e : ValidateScenarioAll(scenario))
//     std::cerr << e.message() << "\n";
#ifndef AIOTREACH_ENGINE_VALIDATE_ALL_H_
#define AIOTREACH_ENGINE_VALIDATE_ALL_H_

#include <vector>

#include "absl/status/status.h"
#include "proto/aiotreach/v1/scenario.pb.h"

namespace aiotreach {

// The scenario's errors in the order they were found, at most max_errors;
// empty when it is valid.
std::vector<absl::Status> ValidateScenarioAll(const v1::Scenario& scenario,
                                              int max_errors = 20);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_VALIDATE_ALL_H_
