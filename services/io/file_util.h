// Whole-file reads and atomic writes, for every face and the tests.
//
//   absl::StatusOr<std::string> text = ReadFile("sims/w1.textproto");
//   absl::Status s = WriteFileAtomically("out/w1.json", json);
#ifndef AIOTREACH_SERVICES_IO_FILE_UTIL_H_
#define AIOTREACH_SERVICES_IO_FILE_UTIL_H_

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

// `status` with its message prefixed by "path: " (OK stays OK).
absl::Status PrefixPath(const std::string& path, const absl::Status& status);

// A scenario's name as one file name that stays inside the folder it is
// joined to, whatever the name holds: '/', '\\', control characters and
// the characters Windows refuses (<>:"|?*) become '_', a leading '.'
// becomes '_' (no ".", "..", or hidden files), an empty name becomes
// "scenario", and a name longer than kMaxFileNameBytes is cut at a UTF-8
// character boundary. Other UTF-8 (Chinese names) is kept as it is.
//   SafeFileName("../../victim/package") == "_._.._victim_package"
inline constexpr size_t kMaxFileNameBytes = 120;
std::string SafeFileName(const std::string& name);

// "dir/name.textproto" -> "name".
std::string FileStem(const std::string& path);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_IO_FILE_UTIL_H_
