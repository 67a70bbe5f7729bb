// Reading scenario files by path, for every face (CLI, server, tests): the
// format from the file's extension, the content parsed by the engine's
// ParseScenario (which reads no files), errors prefixed with the path.
//
//   absl::StatusOr<v1::Scenario> s = LoadScenarioFile("sims/w1.textproto");
//   // error: "sims/w1.textproto: line 3:7: flight_days: Expected integer..."
#ifndef AIOTREACH_SERVICES_IO_SCENARIO_IO_H_
#define AIOTREACH_SERVICES_IO_SCENARIO_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/scenario.pb.h"
#include "engine/scenario_parser.h"

namespace aiotreach {

// .textproto, .txtpb, .pbtxt: text format; .json: proto3 JSON. Otherwise
// InvalidArgument.
absl::StatusOr<ScenarioFormat> FormatForPath(absl::string_view path);

// True if `path` names a scenario file by its extension.
bool IsScenarioPath(absl::string_view path);

// Reads and parses one scenario file; a missing name becomes the file's
// stem. Errors are prefixed with the path: "w1.textproto: line 3:1: ...".
// NotFound for a missing file, InvalidArgument for a bad one.
absl::StatusOr<v1::Scenario> LoadScenarioFile(const std::string& path);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_IO_SCENARIO_IO_H_
