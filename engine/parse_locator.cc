#include "engine/parse_locator.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/validation.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "nlohmann/json.hpp"

namespace aiotreach {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::Tokenizer;

// Tokenizer errors are the parser's to report; here they are ignored.
class QuietErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, int, const std::string&) override {}
};

// The message a field's value is, or null for a scalar.
const Descriptor* MessageOf(const FieldDescriptor* f) {
  return f != nullptr && f->type() == FieldDescriptor::TYPE_MESSAGE
             ? f->message_type()
             : nullptr;
}

// The field a JSON key names: its proto name or its JSON (lowerCamel) name.
const FieldDescriptor* FieldByJsonKey(const Descriptor& message,
                                      const std::string& key) {
  if (const FieldDescriptor* f = message.FindFieldByName(key)) return f;
  for (int i = 0; i < message.field_count(); ++i) {
    if (message.field(i)->json_name() == key) return message.field(i);
  }
  return nullptr;
}

// "parent.name" or "parent.name[i]" for the i-th value of a repeated one.
std::string Child(const std::string& parent, const std::string& name,
                  const FieldDescriptor* f, int index) {
  std::string path = FieldPath(parent, name);
  if (f != nullptr && f->is_repeated() && !f->is_map())
    path = IndexPath(path, index);
  return path;
}

}  // namespace

std::string TextFieldPath(absl::string_view content, int line, int column,
                          const Descriptor& root) {
  google::protobuf::io::ArrayInputStream input(
      content.data(), static_cast<int>(content.size()));
  QuietErrors errors;
  Tokenizer tokenizer(&input, &errors);
  struct Token {
    Tokenizer::TokenType type;
    std::string text;
  };
  std::vector<Token> tokens;
  while (tokenizer.Next()) {
    const Tokenizer::Token& t = tokenizer.current();
    if (t.line > line || (t.line == line && t.column > column)) break;
    tokens.push_back({t.type, t.text});
  }
  struct Frame {
    const Descriptor* message;  // null inside a value not known
    std::string path;
    std::map<std::string, int> seen;  // values of each field so far
  };
  std::vector<Frame> stack = {{&root, "", {}}};
  std::string current;
  auto is = [&](size_t i, const char* text) {
    return i < tokens.size() && tokens[i].type == Tokenizer::TYPE_SYMBOL &&
           tokens[i].text == text;
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.type == Tokenizer::TYPE_IDENTIFIER &&
        (is(i + 1, ":") || is(i + 1, "{") || is(i + 1, "<"))) {
      Frame& frame = stack.back();
      const FieldDescriptor* f = frame.message != nullptr
                                     ? frame.message->FindFieldByName(t.text)
                                     : nullptr;
      current = Child(frame.path, t.text, f, frame.seen[t.text]++);
      const size_t open = is(i + 1, ":") ? i + 2 : i + 1;
      if (is(open, "{") || is(open, "<")) {
        stack.push_back({MessageOf(f), current, {}});
        i = open;
      }
    } else if ((is(i, "}") || is(i, ">")) && stack.size() > 1) {
      stack.pop_back();
      current = stack.back().path;
    }
  }
  return current;
}

namespace {

// Follows the JSON's nesting against the message descriptors and stops at
// the first duplicate key, unknown field or syntax error.
class JsonChecker : public nlohmann::json_sax<nlohmann::json> {
 public:
  JsonChecker(absl::string_view content, const Descriptor& root)
      : content_(content), root_(root) {}

  const absl::Status& status() const { return status_; }

  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override {
    return Value();
  }
  bool string(string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }

  bool start_object(std::size_t) override {
    Frame frame;
    frame.object = true;
    if (stack_.empty()) {
      frame.message = &root_;
    } else {
      const FieldDescriptor* f = ValueField();
      frame.map = f != nullptr && f->is_map();
      frame.message = frame.map ? nullptr : MessageOf(f);
    }
    frame.path = stack_.empty() ? "" : ValuePath();
    stack_.push_back(std::move(frame));
    return true;
  }
  bool key(string_t& key) override {
    Frame& frame = stack_.back();
    frame.key = key;
    frame.field = nullptr;
    if (!frame.keys.insert(key).second) {
      return Fail(FieldError(Where(frame.path),
                             absl::StrCat("key ", Quoted(key),
                                          " appears twice (JSON objects "
                                          "take each key once)")));
    }
    if (frame.message != nullptr) {
      frame.field = FieldByJsonKey(*frame.message, key);
      if (frame.field == nullptr) {
        return Fail(FieldError(Where(frame.path),
                               absl::StrCat("no field named ", Quoted(key),
                                            " in ", frame.message->name())));
      }
    }
    return true;
  }
  bool end_object() override { return End(); }
  bool start_array(std::size_t) override {
    if (stack_.empty()) {
      return Fail(absl::InvalidArgumentError(
          "line 1:1: a scenario is a JSON object, not an array"));
    }
    Frame frame;
    frame.field = ValueField();
    frame.path = ValuePath();
    frame.index = -1;
    stack_.push_back(std::move(frame));
    return true;
  }
  bool end_array() override { return End(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // position: 1-based byte offset of the character that failed.
    int line = 1, column = 1;
    const size_t end =
        std::min(position > 0 ? position - 1 : 0, content_.size());
    for (size_t i = 0; i < end; ++i) {
      if (content_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 9:
    // syntax error while parsing value - unexpected '}'": keep the reason.
    const size_t colon = what.find(": ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("line ", line, ":", column, ": ", what)));
  }

 private:
  struct Frame {
    bool object = false;
    bool map = false;  // an object whose keys are map keys
    const Descriptor* message = nullptr;
    std::string path;
    std::set<std::string> keys;
    std::string key;                         // object: the current key
    const FieldDescriptor* field = nullptr;  // its field, or the array's
    int index = -1;                          // array: the current element
  };

  // The field the next value belongs to, or null if not known.
  const FieldDescriptor* ValueField() {
    Frame& frame = stack_.back();
    if (!frame.object) {
      ++frame.index;
      return frame.field;
    }
    if (frame.map) {  // a map's value: its entry's "value" field
      const Frame& parent = stack_[stack_.size() - 2];
      const FieldDescriptor* f = parent.field;
      return f != nullptr ? f->message_type()->FindFieldByName("value")
                          : nullptr;
    }
    return frame.field;
  }
  // The path of the next value (call after ValueField for arrays).
  std::string ValuePath() const {
    const Frame& frame = stack_.back();
    if (!frame.object) return IndexPath(frame.path, frame.index);
    if (frame.map) return absl::StrCat(frame.path, "[", Quoted(frame.key), "]");
    return FieldPath(frame.path,
                     frame.field != nullptr ? frame.field->name() : frame.key);
  }
  bool Value() {
    if (!stack_.empty() && !stack_.back().object) ++stack_.back().index;
    return true;
  }
  bool End() {
    stack_.pop_back();
    return true;
  }
  static std::string Where(const std::string& path) {
    return path.empty() ? "(top level)" : path;
  }
  bool Fail(absl::Status status) {
    status_ = std::move(status);
    return false;
  }

  absl::string_view content_;
  const Descriptor& root_;
  std::vector<Frame> stack_;
  absl::Status status_;
};

}  // namespace

absl::Status CheckJson(absl::string_view content, const Descriptor& root) {
  JsonChecker checker(content, root);
  nlohmann::json::sax_parse(content.begin(), content.end(), &checker,
                            nlohmann::json::input_format_t::json,
                            /*strict=*/true);
  return checker.status();
}

}  // namespace aiotreach
