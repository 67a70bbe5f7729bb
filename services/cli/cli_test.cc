#include "services/cli/cli.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/cli/file_util.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

namespace fs = std::filesystem;

constexpr char kGood[] = R"pb(
  seed: 3
  ecosystem { preset { name: "small-city" } }
  population: 2000
  flight_days: 7
  placements {
    name: "tv_boot"
    device_type: "tv"
    opportunity { bernoulli { probability: 0.35 } }
    share_of_voice: 0.5
    audience {
      kind: AUDIENCE_KIND_TURNER_AND_PRESENT
      co_presence_probability: 0.2
    }
  }
)pb";

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    options_.out_dir = (dir_ / "out").string();
    options_.threads = 2;
  }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << content;
    return path;
  }

  std::string Out(const std::string& name) {
    return (dir_ / "out" / name).string();
  }

  fs::path dir_;
  CliOptions options_;
  std::ostringstream out_, err_;
};

TEST_F(CliTest, RunWritesEveryOutputAndASummary) {
  const std::string good = Write("good.textproto", kGood);
  EXPECT_EQ(RunFiles({good}, options_, out_, err_), 0) << err_.str();
  for (const char* f : {"good.json", "good.frequency.csv", "good.daily.csv",
                        "good.placements.csv"}) {
    EXPECT_TRUE(fs::exists(Out(f))) << f;
  }
  EXPECT_THAT(out_.str(), HasSubstr("good"));
  EXPECT_THAT(out_.str(), HasSubstr("2,000"));
  EXPECT_THAT(out_.str(), HasSubstr("1 scenario(s): 1 ok, 0 failed"));
  const std::string daily = *ReadFile(Out("good.daily.csv"));
  EXPECT_EQ(std::count(daily.begin(), daily.end(), '\n'),
            1 + 7);  // header + 7 days
  EXPECT_THAT(*ReadFile(Out("good.json")), HasSubstr("\"reach_people\""));
}

TEST_F(CliTest, ABadFileFailsAloneWithItsFieldAndValue) {
  std::string text = kGood;
  text.replace(text.find("share_of_voice: 0.5"), 19, "share_of_voice: 1.5");
  const std::string bad = Write("bad.textproto", text);
  const std::string good = Write("good.textproto", kGood);
  const std::string json = Write("j.json", R"({"flightDays": "x"})");
  EXPECT_EQ(RunFiles({bad, good, json}, options_, out_, err_), 1);
  EXPECT_THAT(err_.str(),
              HasSubstr("bad.textproto: placements[0].share_of_voice: must be "
                        "in [0, 1], got 1.5"));
  EXPECT_THAT(err_.str(), HasSubstr("j.json: JSON:"));
  EXPECT_TRUE(fs::exists(Out("good.json")));
  EXPECT_FALSE(fs::exists(Out("bad.json")));
  EXPECT_THAT(out_.str(), HasSubstr("FAILED"));
  EXPECT_THAT(out_.str(), HasSubstr("3 scenario(s): 1 ok, 2 failed"));
  // Nothing half-written is left behind.
  for (const auto& entry : fs::directory_iterator(dir_ / "out")) {
    EXPECT_THAT(entry.path().string(), Not(HasSubstr(".tmp.")));
  }
}

TEST_F(CliTest, TwoScenariosWithOneNameDoNotOverwriteEachOther) {
  const std::string a =
      Write("a.textproto", std::string("name: \"same\"\n") + kGood);
  const std::string b =
      Write("b.textproto", std::string("name: \"same\"\n") + kGood);
  EXPECT_EQ(RunFiles({a, b}, options_, out_, err_), 1);
  EXPECT_THAT(err_.str(),
              HasSubstr("b.textproto: name: 'same' is also the name of"));
}

TEST_F(CliTest, ValidateReportsEachFile) {
  const std::string good = Write("good.textproto", kGood);
  const std::string empty = Write("empty.textproto", "");
  EXPECT_EQ(ValidateFiles({good, empty}, out_, err_), 1);
  EXPECT_THAT(out_.str(), HasSubstr("good.textproto: ok"));
  EXPECT_THAT(err_.str(), HasSubstr("empty.textproto: file is empty"));
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(CliTest, UnknownFormatIsRefused) {
  options_.formats = {"json", "xml"};
  EXPECT_EQ(RunFiles({Write("g.textproto", kGood)}, options_, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("--format: unknown format 'xml'"));
}

TEST(FileUtilTest, AtomicWriteReplacesWholeFile) {
  const std::string path = ::testing::TempDir() + "/atomic.txt";
  ASSERT_TRUE(WriteFileAtomically(path, "first version, longer").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(*ReadFile(path), "second");
  EXPECT_EQ(FileStem("dir/w1_1m.textproto"), "w1_1m");
  EXPECT_FALSE(ReadFile(::testing::TempDir() + "/missing").ok());
}

}  // namespace
}  // namespace aiotreach
