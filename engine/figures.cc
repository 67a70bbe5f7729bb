#include "engine/figures.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/report_builder.h"
#include "engine/validation.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace aiotreach {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Unknown(absl::string_view name, absl::string_view why) {
  return absl::NotFoundError(
      absl::StrCat("no figure ", Quoted(name), " in the report: ", why));
}

// The key a row of a list answers to.
std::string RowKey(const Message& row) {
  const google::protobuf::Descriptor* d = row.GetDescriptor();
  const Reflection* r = row.GetReflection();
  auto str = [&](const char* field) -> std::string {
    const FieldDescriptor* f = d->FindFieldByName(field);
    return f != nullptr && f->type() == FieldDescriptor::TYPE_STRING
               ? r->GetString(row, f)
               : "";
  };
  auto num = [&](const char* field) -> std::string {
    const FieldDescriptor* f = d->FindFieldByName(field);
    return f != nullptr && f->cpp_type() == FieldDescriptor::CPPTYPE_INT32
               ? absl::StrCat(r->GetInt32(row, f))
               : "";
  };
  if (d->FindFieldByName("reach_both") != nullptr)
    return absl::StrCat(str("a"), ",", str("b"));
  if (d->FindFieldByName("attribute") != nullptr)
    return absl::StrCat(str("attribute"), "=", str("category"));
  for (const char* field : {"name", "channel", "device", "placement"}) {
    if (!str(field).empty()) return str(field);
  }
  for (const char* field : {"day", "week", "minute"}) {
    if (!num(field).empty()) return num(field);
  }
  return "";
}

double Scalar(const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return static_cast<double>(rep ? r->GetRepeatedInt64(m, f, index)
                                     : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
    case FieldDescriptor::CPPTYPE_UINT64:
      return static_cast<double>(rep ? r->GetRepeatedUInt64(m, f, index)
                                     : r->GetUInt64(m, f));
    default:
      return 0.0;
  }
}

bool IsNumber(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_UINT64:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::vector<absl::string_view> SplitFieldPath(absl::string_view path) {
  std::vector<absl::string_view> parts;
  size_t begin = 0;
  int depth = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '.' && depth == 0)) {
      parts.push_back(path.substr(begin, i - begin));
      begin = i + 1;
    } else if (path[i] == '[') {
      ++depth;
    } else if (path[i] == ']') {
      --depth;
    }
  }
  return parts;
}

absl::StatusOr<FieldPathPart> ParseFieldPathPart(absl::string_view part) {
  FieldPathPart out;
  if (const size_t open = part.find('['); open != absl::string_view::npos) {
    if (part.back() != ']') {
      return absl::InvalidArgumentError(
          absl::StrCat(Quoted(part), " has no closing ]"));
    }
    out.key = std::string(part.substr(open + 1, part.size() - open - 2));
    part = part.substr(0, open);
    out.keyed = true;
  }
  out.field = std::string(part);
  return out;
}

absl::StatusOr<const FieldDescriptor*> FieldOf(
    const google::protobuf::Descriptor& type, absl::string_view name) {
  const FieldDescriptor* f = type.FindFieldByName(std::string(name));
  if (f != nullptr) return f;
  std::vector<std::string> known;
  for (int j = 0; j < type.field_count(); ++j)
    known.push_back(type.field(j)->name());
  return absl::NotFoundError(
      absl::StrCat(Quoted(name), " is not a field of ", type.name(),
                   " (fields: ", absl::StrJoin(known, ", "), ")"));
}

absl::StatusOr<double> FigureValue(const v1::Report& report,
                                   absl::string_view name) {
  if (const HeadlineFigure* h = FindHeadlineFigure(name); h != nullptr)
    return h->get(report);
  // reach_K_plus for any K.
  absl::string_view rest = name;
  int k = 0;
  if (absl::ConsumePrefix(&rest, "reach_") &&
      absl::ConsumeSuffix(&rest, "_plus") && absl::SimpleAtoi(rest, &k)) {
    if (k < 1 || k > report.reach_k_plus_size()) {
      return Unknown(name, absl::StrCat("k+ reach is reported for k = 1..",
                                        report.reach_k_plus_size()));
    }
    return static_cast<double>(report.reach_k_plus(k - 1));
  }
  // A path of fields; brackets pick a row (its key) or an entry.
  const Message* m = &report;
  const std::vector<absl::string_view> parts = SplitFieldPath(name);
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::StatusOr<FieldPathPart> parsed = ParseFieldPathPart(parts[i]);
    if (!parsed.ok()) return Unknown(name, parsed.status().message());
    const std::string& part = parsed->field;
    const std::string& key = parsed->key;
    const bool keyed = parsed->keyed;
    absl::StatusOr<const FieldDescriptor*> found =
        FieldOf(*m->GetDescriptor(), part);
    if (!found.ok()) return Unknown(name, found.status().message());
    const FieldDescriptor* f = *found;
    const Reflection* r = m->GetReflection();
    const bool last = i + 1 == parts.size();
    if (f->is_repeated() != keyed) {
      return Unknown(
          name,
          f->is_repeated()
              ? absl::StrCat(Quoted(part), " is a list: pick a row with [...]")
              : absl::StrCat(Quoted(part), " is not a list"));
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (last)
        return Unknown(name, "the path ends at a message, not a number");
      if (!keyed) {
        m = &r->GetMessage(*m, f);
        continue;
      }
      const Message* row = nullptr;
      std::vector<std::string> keys;
      for (int j = 0; j < r->FieldSize(*m, f); ++j) {
        const Message& candidate = r->GetRepeatedMessage(*m, f, j);
        keys.push_back(RowKey(candidate));
        if (keys.back() == key && row == nullptr) row = &candidate;
      }
      if (row == nullptr) {
        return Unknown(
            name, absl::StrCat("no row ", Quoted(key), " in ", part,
                               " (rows: ", absl::StrJoin(keys, ", "), ")"));
      }
      m = row;
      continue;
    }
    if (!last || !IsNumber(f))
      return Unknown(name, absl::StrCat(Quoted(part), " is not a number"));
    if (!keyed) return Scalar(*m, f, -1);
    // Lists of numbers: k+ reach and the histogram by k or f (1-based),
    // hourly impressions by hour (0-based).
    int index = 0;
    const bool hourly = f->name() == "hourly_impressions";
    const int size = r->FieldSize(*m, f);
    if (!absl::SimpleAtoi(key, &index) || (hourly ? index < 0 : index < 1) ||
        (hourly ? index : index - 1) >= size) {
      return Unknown(
          name, absl::StrCat(part, " has entries ", hourly ? 0 : 1, "..",
                             hourly ? size - 1 : size, ", got ", Quoted(key)));
    }
    return Scalar(*m, f, hourly ? index : index - 1);
  }
  return Unknown(name, "an empty path");
}

}  // namespace aiotreach
