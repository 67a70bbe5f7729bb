#include "engine/validation.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace aiotreach {

std::string FieldPath(absl::string_view parent, absl::string_view field) {
  if (parent.empty()) return std::string(field);
  return absl::StrCat(parent, ".", field);
}

std::string FieldPath(absl::string_view parent, absl::string_view field,
                      int index) {
  return IndexPath(FieldPath(parent, field), index);
}

std::string IndexPath(absl::string_view path, int index) {
  return absl::StrCat(path, "[", index, "]");
}

absl::Status FieldError(absl::string_view path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

std::string Mib(int64_t bytes) {
  return absl::StrFormat("%.1f MiB", bytes / (1024.0 * 1024.0));
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  const std::string short_form = absl::StrFormat("%g", value);
  if (std::strtod(short_form.c_str(), nullptr) == value) return short_form;
  return absl::StrFormat("%.17g", value);
}

absl::Status CheckProbability(double v, absl::string_view path) {
  if (v >= 0.0 && v <= 1.0) return absl::OkStatus();
  return FieldError(path,
                    absl::StrCat("must be in [0, 1], got ", FormatValue(v)));
}

std::string Quoted(absl::string_view s) {
  constexpr size_t kShown = 64;
  size_t cut = s.size();
  if (cut > kShown) {
    cut = kShown;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
      --cut;
  }
  std::string out = "'";
  for (const char ch : s.substr(0, cut)) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += absl::StrFormat("\\x%02x", c);
    } else {
      out += ch;
    }
  }
  out += cut < s.size() ? "...'" : "'";
  if (cut < s.size()) absl::StrAppend(&out, " (", s.size(), " bytes)");
  return out;
}

absl::Status CheckName(absl::string_view name, absl::string_view path) {
  if (name.size() <= static_cast<size_t>(kMaxNameBytes))
    return absl::OkStatus();
  return FieldError(path, absl::StrCat("at most ", kMaxNameBytes,
                                       " bytes, got ", Quoted(name)));
}

namespace {

absl::Status CheckAmountLimit(double v, absl::string_view path) {
  if (v <= kMaxAmount) return absl::OkStatus();
  return FieldError(
      path, absl::StrCat("must be at most ", FormatValue(kMaxAmount), ", got ",
                         FormatValue(v)));
}

}  // namespace

absl::Status CheckNonNegative(double v, absl::string_view path) {
  if (!std::isfinite(v) || v < 0.0) {
    return FieldError(
        path, absl::StrCat("must be finite and >= 0, got ", FormatValue(v)));
  }
  return CheckAmountLimit(v, path);
}

absl::Status CheckPositive(double v, absl::string_view path) {
  if (!std::isfinite(v) || v <= 0.0) {
    return FieldError(
        path, absl::StrCat("must be finite and > 0, got ", FormatValue(v)));
  }
  return CheckAmountLimit(v, path);
}

absl::Status CheckIntInRange(int64_t v, int64_t lo, int64_t hi,
                             absl::string_view path) {
  if (v >= lo && v <= hi) return absl::OkStatus();
  return FieldError(path,
                    absl::StrCat("must be in [", lo, ", ", hi, "], got ", v));
}

absl::Status CheckWeights(absl::Span<const double> weights,
                          absl::string_view path) {
  double total = 0.0;
  for (size_t i = 0; i < weights.size(); ++i) {
    absl::Status s =
        CheckNonNegative(weights[i], IndexPath(path, static_cast<int>(i)));
    if (!s.ok()) return s;
    total += weights[i];
  }
  if (!(total > 0.0)) {
    return FieldError(path, "weights must have a positive sum, got all zero");
  }
  return absl::OkStatus();
}

}  // namespace aiotreach
