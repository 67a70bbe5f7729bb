#include "services/io/scenario_io.h"

#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/io/file_util.h"
#include "tests/status_matchers.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

TEST(ScenarioIoTest, FormatFollowsTheExtension) {
  EXPECT_EQ(*FormatForPath("a/b.textproto"), ScenarioFormat::kText);
  EXPECT_EQ(*FormatForPath("b.txtpb"), ScenarioFormat::kText);
  EXPECT_EQ(*FormatForPath("b.pbtxt"), ScenarioFormat::kText);
  EXPECT_EQ(*FormatForPath("b.json"), ScenarioFormat::kJson);
  EXPECT_THAT(FormatForPath("b.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown file type")));
  EXPECT_TRUE(IsScenarioPath("x.json"));
  EXPECT_FALSE(IsScenarioPath("x.json.bak"));
}

class ScenarioFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(WriteFileAtomically(path, content).ok());
    return path;
  }
  const std::string dir_ = ::testing::TempDir() + "/scenario_io_test";
  void SetUp() override { ASSERT_TRUE(MakeDirectories(dir_).ok()); }
};

TEST_F(ScenarioFileTest, NameDefaultsToTheFileStem) {
  const std::string path =
      Write("my_plan.textproto", "seed: 3 flight_days: 2 population: 10");
  absl::StatusOr<v1::Scenario> s = LoadScenarioFile(path);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name(), "my_plan");
  EXPECT_EQ(s->seed(), 3u);
}

TEST_F(ScenarioFileTest, ErrorsNameThePath) {
  const std::string path = Write("bad.json", "{\"seed\": \"x\"}");
  EXPECT_THAT(LoadScenarioFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
  EXPECT_THAT(LoadScenarioFile(dir_ + "/missing.textproto"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
}

}  // namespace
}  // namespace aiotreach
