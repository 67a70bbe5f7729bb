// Built-in ecosystems, each a plain EcosystemSpec with a default population.
// Their parameters and sources are listed in docs/PRESETS.md.
//
//   absl::StatusOr<const Preset*> p = FindPreset("small-city");
#ifndef AIOTREACH_ENGINE_PRESETS_H_
#define AIOTREACH_ENGINE_PRESETS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aiotreach/v1/ecosystem.pb.h"

namespace aiotreach {

struct PresetInfo {
  std::string name;
  std::string description;
  int64_t population = 0;  // people at scale 1
  v1::EcosystemSpec spec;
};

// The preset called `name`, or NotFound listing the known names. The
// returned pointer lives for the whole program.
absl::StatusOr<const PresetInfo*> FindPreset(absl::string_view name);

std::vector<std::string> PresetNames();

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_PRESETS_H_
