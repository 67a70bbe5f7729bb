// Where in a scenario's text an error lies, as a field path: what turns
// the protobuf parsers' "line 14:21: Expected double" into "line 14:21:
// placements[0].cpm: Expected double", and checks JSON for what the
// protobuf JSON parser lets through or reports without a place.
//
//   std::string path = TextFieldPathAt(content, 13, 20, descriptor);
//   absl::Status s = CheckJson(content, *v1::Scenario::descriptor());
//
// Internal to the scenario parser.
#ifndef AIOTREACH_ENGINE_PARSE_LOCATOR_H_
#define AIOTREACH_ENGINE_PARSE_LOCATOR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace aiotreach {

// The path of the field whose name last precedes (line, column), 0-based,
// or stands there,
// in protobuf text format `content` of message `root`:
// "placements[1].opportunity.poisson.rate". Empty if no field name comes
// before it. Unknown names still appear ("placements[0].cmp"), so the
// path says where a misspelt field stands.
std::string TextFieldPath(absl::string_view content, int line, int column,
                          const google::protobuf::Descriptor& root);

// Checks JSON `content` against message `root` before the protobuf JSON
// parser sees it: InvalidArgument for a syntax error ("line 3:7: syntax
// error: ..."), a key given twice in one object ("placements[0]: key
// \"name\" appears twice") or a key that is no field of its message
// ("placements[0]: no field named \"namee\""). Keys may be the proto field
// names or their lowerCamel JSON names, as proto3 JSON allows.
absl::Status CheckJson(absl::string_view content,
                       const google::protobuf::Descriptor& root);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_PARSE_LOCATOR_H_
