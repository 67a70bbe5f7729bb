#include "engine/validate_all.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Scenario Parse(const std::string& text) {
  v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s)) << text;
  return s;
}

std::vector<std::string> Messages(const std::vector<absl::Status>& errors) {
  std::vector<std::string> out;
  for (const absl::Status& e : errors) out.push_back(std::string(e.message()));
  return out;
}

// small-city's TV boot ad and a phone splash bought by budget.
const std::string kGood = absl::StrCat(testing::kSmallCityTvBoot, R"pb(
  placements {
    name: "phone_splash"
    device_type: "phone"
    opportunity { poisson { rate: 2 } }
    budget: 100
    cpm: 30
  }
)pb");

TEST(ValidateAllTest, AValidScenarioHasNoErrors) {
  EXPECT_TRUE(ValidateScenarioAll(Parse(kGood)).empty());
}

// Three independent mistakes: each is reported, in the order validation
// meets them, with its field and value.
TEST(ValidateAllTest, ReportsEveryIndependentError) {
  std::string text = kGood;
  text.replace(text.find("flight_days: 7"), 14, "flight_days: 900");
  text.replace(text.find("probability: 0.35"), 17, "probability: 1.35");
  text.replace(text.find("cpm: 30"), 7, "cpm: -4");
  const std::vector<std::string> got =
      Messages(ValidateScenarioAll(Parse(text)));
  ASSERT_EQ(got.size(), 3u) << ::testing::PrintToString(got);
  EXPECT_THAT(got[0], HasSubstr("flight_days: must be in [1, 731], got 900"));
  EXPECT_THAT(got, ::testing::Contains(HasSubstr(
                       "placements[0].opportunity.bernoulli.probability: ")));
  EXPECT_THAT(got, ::testing::Contains(HasSubstr("placements[1].cpm: ")));
  EXPECT_THAT(got, ::testing::Contains(HasSubstr("got -4")));
}

// One error is what ValidateScenario says; max_errors bounds the list.
TEST(ValidateAllTest, OneErrorAndTheLimit) {
  std::string text = kGood;
  text.replace(text.find("share_of_voice: 0.5"), 19, "share_of_voice: 1.5");
  EXPECT_THAT(Messages(ValidateScenarioAll(Parse(text))),
              ElementsAre(HasSubstr(
                  "placements[0].share_of_voice: must be in [0, 1], got 1.5")));
  text.replace(text.find("flight_days: 7"), 14, "flight_days: 0");
  EXPECT_EQ(ValidateScenarioAll(Parse(text), 1).size(), 1u);
  EXPECT_EQ(ValidateScenarioAll(Parse(text)).size(), 2u);
}

// An error that names no field ends the list after it; nothing loops.
TEST(ValidateAllTest, AnErrorWithoutAFieldEndsTheList) {
  v1::Scenario s = Parse(kGood);
  s.clear_placements();
  s.clear_live_streams();
  const std::vector<absl::Status> errors = ValidateScenarioAll(s);
  ASSERT_FALSE(errors.empty());
  EXPECT_LE(errors.size(), 2u);
}

}  // namespace
}  // namespace aiotreach
