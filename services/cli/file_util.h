// Whole-file reads and atomic writes for the command-line face.
//
//   absl::StatusOr<std::string> text = ReadFile("sims/w1.textproto");
//   absl::Status s = WriteFileAtomically("out/w1.json", json);
#ifndef AIOTREACH_SERVICES_CLI_FILE_UTIL_H_
#define AIOTREACH_SERVICES_CLI_FILE_UTIL_H_

#include <string>

#include "absl/status/statusor.h"

namespace aiotreach {

// NotFound if missing; InvalidArgument for a directory; Internal on I/O
// errors. Messages name the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes to a temporary file beside `path`, flushes it, then renames it
// over `path`: readers see the old file or the whole new one, never part.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& content);

// Creates `dir` and its parents if missing.
absl::Status MakeDirectories(const std::string& dir);

// "dir/name.textproto" -> "name".
std::string FileStem(const std::string& path);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_CLI_FILE_UTIL_H_
