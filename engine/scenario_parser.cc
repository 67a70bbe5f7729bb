#include "engine/scenario_parser.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/parse_locator.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace aiotreach {
namespace {

// Byte offset of the first invalid UTF-8 sequence, or -1.
int64_t FirstInvalidUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const int64_t n = static_cast<int64_t>(s.size());
  int64_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    int len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                          (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return -1;
}

// Keeps the first error of the text-format parser and its place.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (!error_.empty()) return;
    error_ = message;
    line_ = line;
    column_ = column;
  }
  void AddWarning(int, int, const std::string&) override {}

  // "line 14:21: placements[0].cpm: Expected double, got: "abc"", with
  // 1-based positions and the field found at the place in `content`.
  std::string Message(absl::string_view content) const {
    if (error_.empty()) return "cannot parse text format";
    const std::string path =
        TextFieldPath(content, line_, column_, *v1::Scenario::descriptor());
    return absl::StrCat("line ", line_ + 1, ":", column_ + 1, ": ",
                        path.empty() ? "" : absl::StrCat(path, ": "), error_);
  }

 private:
  std::string error_;
  int line_ = 0;
  int column_ = 0;
};

}  // namespace

absl::StatusOr<v1::Scenario> ParseScenario(absl::string_view content,
                                           ScenarioFormat format) {
  if (absl::StripAsciiWhitespace(content).empty()) {
    return absl::InvalidArgumentError("file is empty");
  }
  const int64_t bad = FirstInvalidUtf8(content);
  if (bad >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid UTF-8 at byte offset ", bad, " (byte 0x",
        absl::Hex(static_cast<unsigned char>(content[bad]), absl::kZeroPad2),
        ")"));
  }
  v1::Scenario scenario;
  if (format == ScenarioFormat::kText) {
    FirstErrorCollector errors;
    google::protobuf::TextFormat::Parser parser;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(std::string(content), &scenario))
      return absl::InvalidArgumentError(errors.Message(content));
    return scenario;
  }
  // Syntax errors with their place, duplicate keys and unknown fields with
  // their path, before the protobuf parser (which reports the first two
  // without a place, and takes the last value of a duplicate key).
  if (const absl::Status s = CheckJson(content, *v1::Scenario::descriptor());
      !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("JSON: ", s.message()));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      std::string(content), &scenario, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JSON: ", std::string(status.message())));
  }
  return scenario;
}

}  // namespace aiotreach
