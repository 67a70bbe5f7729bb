// Fuzz target: scenario parsing and validation, text format and JSON.
// The first byte picks the format; the rest is the file's content. Parse
// errors and validation errors are expected; crashes, sanitizer reports
// and errors that are not InvalidArgument are not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include "absl/strings/string_view.h"
#include "engine/engine.h"
#include "engine/scenario_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const aiotreach::ScenarioFormat format =
      data[0] % 2 == 0 ? aiotreach::ScenarioFormat::kText
                       : aiotreach::ScenarioFormat::kJson;
  const absl::string_view content(reinterpret_cast<const char*>(data) + 1,
                                  size - 1);
  absl::StatusOr<aiotreach::v1::Scenario> scenario =
      aiotreach::ParseScenario(content, format);
  absl::Status status = scenario.status();
  if (scenario.ok()) status = aiotreach::ValidateScenario(*scenario);
  if (!status.ok() && !absl::IsInvalidArgument(status)) {
    std::cerr << "unexpected status: " << status << "\n";
    std::abort();
  }
  return 0;
}
