// Parses scenario text (protobuf text format or proto3 JSON) into the same
// v1::Scenario message the API takes. The engine reads no files: callers
// hand it the content.
//
//   absl::StatusOr<v1::Scenario> s =
//       ParseScenario(content, ScenarioFormat::kText);
//   // errors: "line 3:7: Message type "aiotreach.v1.Scenario" has no
//   //          field named "flight_dayz"."
#ifndef AIOTREACH_ENGINE_SCENARIO_PARSER_H_
#define AIOTREACH_ENGINE_SCENARIO_PARSER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/scenario.pb.h"

namespace aiotreach {

enum class ScenarioFormat { kText, kJson };

// InvalidArgument for empty content, invalid UTF-8 (naming the byte
// offset), syntax errors (naming line and column), unknown fields and wrong
// JSON types.
absl::StatusOr<v1::Scenario> ParseScenario(absl::string_view content,
                                           ScenarioFormat format);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_SCENARIO_PARSER_H_
