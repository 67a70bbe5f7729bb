#include "engine/scenario_parser.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "engine/parse_locator.h"
#include "google/protobuf/descriptor.h"
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

// "<message without its full stop>; valid values: A, B, C".
std::string WithValues(absl::string_view message,
                       const google::protobuf::EnumDescriptor& e) {
  std::vector<std::string> names;
  for (int i = 0; i < e.value_count(); ++i) names.push_back(e.value(i)->name());
  return absl::StrCat(absl::StripSuffix(message, "."),
                      "; valid values: ", absl::StrJoin(names, ", "));
}

// The text between `before` and the next `after` in `s`, or "".
absl::string_view Between(absl::string_view s, absl::string_view before,
                          absl::string_view after) {
  const size_t at = s.find(before);
  if (at == absl::string_view::npos) return "";
  s.remove_prefix(at + before.size());
  const size_t end = s.find(after);
  return end == absl::string_view::npos ? "" : s.substr(0, end);
}

// An unknown enum value's error with the values it may take: the text
// parser's 'Unknown enumeration value of "X" for field "kind".' at `path`,
// and JSON's '... invalid value "X" for type
// type.googleapis.com/aiotreach.v1.AudienceKind'.
std::string WithEnumValues(const std::string& message, absl::string_view path) {
  const google::protobuf::EnumDescriptor* e = nullptr;
  if (absl::StrContains(message, "Unknown enumeration value")) {
    // The path ends at the field (PlaceOfEnumValue puts the error at the
    // value) or, failing that, at the message holding it.
    const google::protobuf::Descriptor* m = v1::Scenario::descriptor();
    const google::protobuf::FieldDescriptor* f = nullptr;
    for (absl::string_view step :
         absl::StrSplit(path, '.', absl::SkipEmpty())) {
      if (m == nullptr) return message;
      f = m->FindFieldByName(std::string(step.substr(0, step.find('['))));
      if (f == nullptr) return message;
      m = f->message_type();
    }
    if (m != nullptr)
      f = m->FindFieldByName(
          std::string(Between(message, "for field \"", "\"")));
    if (f != nullptr) e = f->enum_type();
  } else if (absl::StrContains(message, "type.googleapis.com/")) {
    const absl::string_view type =
        absl::string_view(message).substr(message.rfind('/') + 1);
    e = google::protobuf::DescriptorPool::generated_pool()->FindEnumTypeByName(
        std::string(type));
  }
  return e == nullptr ? message : WithValues(message, *e);
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
  // Where the parser's error really is: it reports an unknown enum value
  // at the token after it, so the value's own place (its last occurrence
  // before that token) gives the field's path.
  void PlaceOfEnumValue(absl::string_view content, int* line,
                        int* column) const {
    const absl::string_view value =
        Between(error_, "Unknown enumeration value of \"", "\"");
    if (value.empty()) return;
    size_t end = 0;  // offset of (line_, column_)
    for (int l = 0; l < line_ && end != absl::string_view::npos; ++l) {
      end = content.find('\n', end);
      if (end != absl::string_view::npos) ++end;
    }
    if (end == absl::string_view::npos) return;
    const size_t at = content.substr(0, end + column_).rfind(value);
    if (at == absl::string_view::npos) return;
    const absl::string_view before = content.substr(0, at);
    *line = static_cast<int>(std::count(before.begin(), before.end(), '\n'));
    const size_t nl = before.rfind('\n');
    *column =
        static_cast<int>(nl == absl::string_view::npos ? at : at - nl - 1);
  }

  std::string Message(absl::string_view content) const {
    if (error_.empty()) return "cannot parse text format";
    int line = line_, column = column_;
    PlaceOfEnumValue(content, &line, &column);
    const std::string path =
        TextFieldPath(content, line, column, *v1::Scenario::descriptor());
    return absl::StrCat("line ", line + 1, ":", column + 1, ": ",
                        path.empty() ? "" : absl::StrCat(path, ": "),
                        WithEnumValues(error_, path));
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
    return absl::InvalidArgumentError(absl::StrCat(
        "JSON: ", WithEnumValues(std::string(status.message()), "")));
  }
  return scenario;
}

}  // namespace aiotreach
