// Helpers that check one field of a config and name it in the error.
//
// Every error reads "<field path>: <what is wrong>, got <value>", e.g.
// "placements[1].share_of_voice: must be in [0, 1], got 1.5".
//
//   AIOT_RETURN_IF_ERROR(CheckProbability(p.share_of_voice(),
//                                         FieldPath(path, "share_of_voice")));
#ifndef AIOTREACH_ENGINE_VALIDATION_H_
#define AIOTREACH_ENGINE_VALIDATION_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace aiotreach {

// "a.b", or "b" when a is empty.
std::string FieldPath(absl::string_view parent, absl::string_view field);
// "a.b[3]".
std::string FieldPath(absl::string_view parent, absl::string_view field,
                      int index);
// "a[3]".
std::string IndexPath(absl::string_view path, int index);

// InvalidArgument("<path>: <message>").
absl::Status FieldError(absl::string_view path, absl::string_view message);

// "12.5 MiB": byte counts in memory-budget messages.
std::string Mib(int64_t bytes);

// A double as a user wrote it: shortest round-trip form, "nan", "inf".
std::string FormatValue(double value);

// The largest amount (money, weights, activity bounds) a config may hold:
// larger values are mistakes, and would overflow sums (cpm 1e308 once made
// spend "Infinity").
inline constexpr double kMaxAmount = 1e12;
// The longest name (scenario, placement, cap, category, device type), in
// bytes: names are echoed in errors and reports, whose size they bound.
inline constexpr int kMaxNameBytes = 256;

// A string for an error message, quoted: 'tv', with control characters,
// quotes and backslashes escaped, and anything past 64 bytes cut (at a
// UTF-8 boundary) with the full size named: 'xxxx...' (8388608 bytes).
std::string Quoted(absl::string_view s);

// name at most kMaxNameBytes long (empty is the caller's to check).
absl::Status CheckName(absl::string_view name, absl::string_view path);

// v in [0, 1] (NaN fails).
absl::Status CheckProbability(double v, absl::string_view path);
// 0 <= v <= kMaxAmount (NaN fails).
absl::Status CheckNonNegative(double v, absl::string_view path);
// 0 < v <= kMaxAmount (NaN fails).
absl::Status CheckPositive(double v, absl::string_view path);
// Relative weights: each in [0, kMaxAmount], with a positive sum; errors
// name `path`[i] or `path`.
absl::Status CheckWeights(absl::Span<const double> weights,
                          absl::string_view path);
// lo <= v <= hi for integers.
absl::Status CheckIntInRange(int64_t v, int64_t lo, int64_t hi,
                             absl::string_view path);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_VALIDATION_H_
