#include "engine/validate_all.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "engine/engine.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace aiotreach {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// One step of a field path: "placements[2]" is {placements, 2}.
struct Step {
  std::string name;
  int index = -1;
};

// The field path an error names ("placements[1].share_of_voice" before
// ": "), or nullopt when it names none.
std::optional<std::string> ErrorPath(absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return std::nullopt;
  const absl::string_view path = message.substr(0, colon);
  for (const char c : path) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '[' &&
        c != ']') {
      return std::nullopt;
    }
  }
  return std::string(path);
}

std::optional<std::vector<Step>> ParsePath(absl::string_view path) {
  std::vector<Step> steps;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    Step step;
    const size_t open = part.find('[');
    step.name = std::string(part.substr(0, open));
    if (open != absl::string_view::npos) {
      if (!absl::EndsWith(part, "]") ||
          !absl::SimpleAtoi(part.substr(open + 1, part.size() - open - 2),
                            &step.index) ||
          step.index < 0) {
        return std::nullopt;
      }
    }
    if (step.name.empty()) return std::nullopt;
    steps.push_back(std::move(step));
  }
  return steps;
}

// `b` is `a` or a field inside it: "placements[1]" holds
// "placements[1].cpm"; "placements" holds "placements[1]".
bool Holds(absl::string_view a, absl::string_view b) {
  return b == a || (absl::StartsWith(b, a) && b.size() > a.size() &&
                    (b[a.size()] == '.' || b[a.size()] == '['));
}

// Ways to give a field a plain value: each edits the field in place.
using Edit = std::function<void(Message*)>;

// The edits that set aside the field at `steps` in `root`: clearing it,
// then a few plain values of its type. Empty when the path is not a field
// of the scenario (or names a whole message in a list).
std::vector<Edit> EditsAt(Message* root, const std::vector<Step>& steps) {
  Message* m = root;
  for (size_t i = 0; i + 1 < steps.size(); ++i) {
    const FieldDescriptor* f =
        m->GetDescriptor()->FindFieldByName(steps[i].name);
    if (f == nullptr || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)
      return {};
    const Reflection* r = m->GetReflection();
    if (f->is_repeated()) {
      if (steps[i].index < 0 || steps[i].index >= r->FieldSize(*m, f))
        return {};
      m = r->MutableRepeatedMessage(m, f, steps[i].index);
    } else {
      if (steps[i].index >= 0) return {};
      m = r->MutableMessage(m, f);
    }
  }
  const Step& last = steps.back();
  const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(last.name);
  if (f == nullptr) return {};
  // Edits find the field again from the root: they run on copies.
  const std::vector<Step> owner(steps.begin(), steps.end() - 1);
  auto at = [owner](Message* root) {
    Message* m = root;
    for (const Step& s : owner) {
      const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(s.name);
      m = f->is_repeated()
              ? m->GetReflection()->MutableRepeatedMessage(m, f, s.index)
              : m->GetReflection()->MutableMessage(m, f);
    }
    return m;
  };
  std::vector<Edit> edits;
  const int index = last.index;
  const Edit clear = [at, f](Message* root) {
    Message* m = at(root);
    m->GetReflection()->ClearField(m, f);
  };
  // A member of a oneof cleared leaves the oneof unset, which is an error
  // of its own ("placements[0].buying: is required"): plain values first.
  const bool in_oneof = f->containing_oneof() != nullptr;
  if (index < 0) {
    if (!in_oneof) edits.push_back(clear);
    if (f->is_repeated()) return edits;
  } else if (!f->is_repeated() ||
             f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ||
             index >= m->GetReflection()->FieldSize(*m, f)) {
    return {};  // a whole message of a list: nothing plain to put there
  }
  // Plain values of the field's type, in place (an element with an index).
  auto set = [at, f, index](std::function<void(Message*, const Reflection*,
                                               const FieldDescriptor*, int)>
                                put) {
    return [at, f, index, put](Message* root) {
      Message* m = at(root);
      put(m, m->GetReflection(), f, index);
    };
  };
  for (const double v : {1.0, 0.5, 0.1, 7.0, 100.0}) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_DOUBLE:
        edits.push_back(set([v](Message* m, const Reflection* r,
                                const FieldDescriptor* f, int i) {
          i < 0 ? r->SetDouble(m, f, v) : r->SetRepeatedDouble(m, f, i, v);
        }));
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        edits.push_back(set([v](Message* m, const Reflection* r,
                                const FieldDescriptor* f, int i) {
          const float x = static_cast<float>(v);
          i < 0 ? r->SetFloat(m, f, x) : r->SetRepeatedFloat(m, f, i, x);
        }));
        break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
        if (v < 1) break;
        edits.push_back(set([v](Message* m, const Reflection* r,
                                const FieldDescriptor* f, int i) {
          const auto n = static_cast<int32_t>(v);
          switch (f->cpp_type()) {
            case FieldDescriptor::CPPTYPE_INT32:
              i < 0 ? r->SetInt32(m, f, n) : r->SetRepeatedInt32(m, f, i, n);
              break;
            case FieldDescriptor::CPPTYPE_INT64:
              i < 0 ? r->SetInt64(m, f, n) : r->SetRepeatedInt64(m, f, i, n);
              break;
            case FieldDescriptor::CPPTYPE_UINT32:
              i < 0 ? r->SetUInt32(m, f, n) : r->SetRepeatedUInt32(m, f, i, n);
              break;
            default:
              i < 0 ? r->SetUInt64(m, f, n) : r->SetRepeatedUInt64(m, f, i, n);
          }
        }));
        break;
      default:
        break;
    }
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    for (int k = 0; k < f->enum_type()->value_count(); ++k) {
      const int number = f->enum_type()->value(k)->number();
      edits.push_back(set([number](Message* m, const Reflection* r,
                                   const FieldDescriptor* f, int i) {
        i < 0 ? r->SetEnumValue(m, f, number)
              : r->SetRepeatedEnumValue(m, f, i, number);
      }));
    }
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    edits.push_back(set(
        [](Message* m, const Reflection* r, const FieldDescriptor* f, int i) {
          i < 0 ? r->SetString(m, f, "x") : r->SetRepeatedString(m, f, i, "x");
        }));
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
    edits.push_back(set(
        [](Message* m, const Reflection* r, const FieldDescriptor* f, int i) {
          i < 0 ? r->SetBool(m, f, true) : r->SetRepeatedBool(m, f, i, true);
        }));
  }
  if (index < 0 && in_oneof) edits.push_back(clear);
  return edits;
}

}  // namespace

std::vector<absl::Status> ValidateScenarioAll(const v1::Scenario& scenario,
                                              int max_errors) {
  std::vector<absl::Status> errors;
  std::vector<std::string> reported;
  v1::Scenario current = scenario;
  absl::Status status = ValidateScenario(current);
  while (!status.ok() && static_cast<int>(errors.size()) < max_errors) {
    const std::optional<std::string> path = ErrorPath(status.message());
    bool follows = !path.has_value();
    for (const std::string& earlier : reported)
      follows = follows || (path.has_value() && Holds(*path, earlier));
    if (follows) break;  // it follows from an earlier error
    errors.push_back(status);
    reported.push_back(*path);
    const std::optional<std::vector<Step>> steps = ParsePath(*path);
    if (!steps.has_value()) break;
    // The first edit after which the scenario passes, or fails elsewhere.
    bool moved = false;
    for (const Edit& edit : EditsAt(&current, *steps)) {
      v1::Scenario next = current;
      edit(&next);
      const absl::Status again = ValidateScenario(next);
      const std::optional<std::string> where = ErrorPath(again.message());
      if (again.ok() || !where.has_value() || !Holds(*where, *path)) {
        current = std::move(next);
        status = again;
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  if (!status.ok() && errors.empty()) errors.push_back(status);
  return errors;
}

}  // namespace aiotreach
