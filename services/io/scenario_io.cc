#include "services/io/scenario_io.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/io/file_util.h"

namespace aiotreach {

absl::StatusOr<ScenarioFormat> FormatForPath(absl::string_view path) {
  for (const char* ext : {".textproto", ".txtpb", ".pbtxt"}) {
    if (absl::EndsWith(path, ext)) return ScenarioFormat::kText;
  }
  if (absl::EndsWith(path, ".json")) return ScenarioFormat::kJson;
  return absl::InvalidArgumentError(
      "unknown file type: expected .textproto, .txtpb, .pbtxt (text format) or "
      ".json");
}

bool IsScenarioPath(absl::string_view path) { return FormatForPath(path).ok(); }

absl::StatusOr<v1::Scenario> LoadScenarioFile(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  absl::StatusOr<ScenarioFormat> format = FormatForPath(path);
  if (!format.ok()) return PrefixPath(path, format.status());
  absl::StatusOr<v1::Scenario> scenario = ParseScenario(*content, *format);
  if (!scenario.ok()) return PrefixPath(path, scenario.status());
  if (scenario->name().empty()) scenario->set_name(FileStem(path));
  return scenario;
}

}  // namespace aiotreach
