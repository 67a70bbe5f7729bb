// The project's one Status matcher (Debian's Abseil ships none):
//
//   EXPECT_THAT(Build(bad), StatusIs(absl::StatusCode::kInvalidArgument,
//                                    HasSubstr("placements[1].share_of_voice")));
//
// Works on absl::Status and absl::StatusOr<T>.
#ifndef AIOTREACH_TESTS_STATUS_MATCHERS_H_
#define AIOTREACH_TESTS_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace aiotreach::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code) +
               " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(s.message()), result_listener);
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.ok();
}

}  // namespace aiotreach::testing

#endif  // AIOTREACH_TESTS_STATUS_MATCHERS_H_
