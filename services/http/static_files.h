// The what-if page's files (services/http/page/ and the vendored ECharts),
// built into the binary by tools/embed_files.py.
#ifndef AIOTREACH_SERVICES_HTTP_STATIC_FILES_H_
#define AIOTREACH_SERVICES_HTTP_STATIC_FILES_H_

#include "absl/strings/string_view.h"

namespace aiotreach {

struct StaticFile {
  absl::string_view name;  // the base name: "index.html"
  const char* content_type;
  absl::string_view content;
};

// The file of that base name, or null.
const StaticFile* FindStaticFile(absl::string_view name);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_HTTP_STATIC_FILES_H_
