#include "services/cli/cli.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "aiotreach/v1/report.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/cli/tables.h"
#include "services/io/file_util.h"
#include "tests/scenario_testing.h"

namespace aiotreach {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

namespace fs = std::filesystem;

constexpr const char* kGood = testing::kSmallCityTvBoot;

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

// Outputs are named after the input files, not the scenarios: two
// scenarios of one name write apart and keep their names inside; two files
// of a folder sharing a stem keep their whole names; only files of
// different arguments can meet, and that fails the second with both paths.
TEST_F(CliTest, OutputsAreNamedAfterTheirFilesAndNeverCollide) {
  fs::create_directories(dir_ / "in" / "sub");
  const std::string same = std::string("name: \"same\"\n") + kGood;
  Write("in/a.textproto", same);
  Write("in/b.textproto", same);
  Write("in/sub/x.textproto", kGood);
  Write("in/sub/x.txtpb", absl::StrReplaceAll(kGood, {{"seed: 3", "seed: 4"}}));
  EXPECT_EQ(RunFiles({(dir_ / "in").string()}, options_, out_, err_), 0)
      << err_.str();
  for (const char* f : {"a.json", "b.json", "sub/x.textproto.json",
                        "sub/x.txtpb.json", "sub/x.txtpb.daily.csv"}) {
    EXPECT_TRUE(fs::exists(Out(f))) << f;
  }
  EXPECT_FALSE(fs::exists(Out("same.json")));
  EXPECT_THAT(*ReadFile(Out("b.json")), HasSubstr("\"scenario\": \"same\""));
  EXPECT_NE(*ReadFile(Out("sub/x.textproto.json")),
            *ReadFile(Out("sub/x.txtpb.json")));
  const std::string summary = *ReadFile(Out("summary.csv"));
  EXPECT_THAT(summary, HasSubstr("\nsame,a,"));
  EXPECT_THAT(summary, HasSubstr("\nsame,b,"));
  EXPECT_THAT(summary, HasSubstr(",sub/x.txtpb,"));

  // The same file name from two folders, given side by side.
  fs::create_directories(dir_ / "other");
  const std::string first = (dir_ / "in" / "a.textproto").string();
  const std::string second = Write("other/a.textproto", kGood);
  std::ostringstream o, e;
  EXPECT_EQ(RunFiles({first, second}, options_, o, e), 1);
  EXPECT_THAT(e.str(),
              HasSubstr(absl::StrCat(second, ": its outputs would be ",
                                     Out("a"), ".*, as those of ", first)));
  EXPECT_THAT(*ReadFile(Out("a.json")), HasSubstr("\"scenario\": \"same\""));
}

// A rerun writes what its formats ask and removes what it no longer
// writes: dropping csv and html leaves the JSON only, nothing stale.
TEST_F(CliTest, DroppingAFormatRemovesItsStaleFiles) {
  const std::string good = Write("good.textproto", kGood);
  options_.formats = {"json", "csv", "html"};
  ASSERT_EQ(RunFiles({good}, options_, out_, err_), 0) << err_.str();
  for (const char* f : {"good.json", "good.daily.csv", "good.html"})
    ASSERT_TRUE(fs::exists(Out(f))) << f;
  options_.formats = {"json"};
  std::ostringstream o, e;
  ASSERT_EQ(RunFiles({good}, options_, o, e), 0) << e.str();
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir_ / "out")) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, "good.")) left.push_back(name);
  }
  EXPECT_THAT(left, ::testing::UnorderedElementsAre("good.json", "good.hash"));
}

TEST_F(CliTest, ValidateReportsEachFile) {
  const std::string good = Write("good.textproto", kGood);
  const std::string empty = Write("empty.textproto", "");
  EXPECT_EQ(ValidateFiles({good, empty}, out_, err_), 1);
  EXPECT_THAT(out_.str(), HasSubstr("good.textproto: ok"));
  EXPECT_THAT(err_.str(), HasSubstr("empty.textproto: file is empty"));
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  // Every error of a file, one line each, not only the first.
  const std::string two =
      Write("two.textproto",
            absl::StrReplaceAll(
                kGood, {{"flight_days: 7", "flight_days: 900"},
                        {"share_of_voice: 0.5", "share_of_voice: 2"}}));
  std::ostringstream o, e;
  EXPECT_EQ(ValidateFiles({two}, o, e), 1);
  EXPECT_THAT(e.str(), HasSubstr("two.textproto: flight_days: must be in "
                                 "[1, 731], got 900\nerror: "));
  EXPECT_THAT(e.str(), HasSubstr("two.textproto: placements[0].share_of_voice: "
                                 "must be in [0, 1], got 2\n"));
}

TEST_F(CliTest, UnknownFormatIsRefused) {
  options_.formats = {"json", "xml"};
  EXPECT_EQ(RunFiles({Write("g.textproto", kGood)}, options_, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("--format: unknown format 'xml'"));
}

// A folder of good and bad scenarios, nested: the good reports are there
// at their relative places and whole, each bad one has its error file
// naming field and value, the summary lists all, the status is non-zero.
TEST_F(CliTest, BatchOfGoodAndBadFiles) {
  fs::create_directories(dir_ / "in" / "tv");
  Write("in/a.textproto", kGood);
  Write("in/tv/b.textproto", std::string(kGood) + "name: \"b\"");
  Write("in/tv/bad.textproto",
        absl::StrReplaceAll(kGood, {{"flight_days: 7", "flight_days: 900"}}));
  Write("in/tv/README.md", "not a scenario");
  EXPECT_EQ(RunFiles({(dir_ / "in").string()}, options_, out_, err_), 1);
  EXPECT_THAT(out_.str(), HasSubstr("3 scenario(s): 2 ok, 1 failed"));
  for (const char* f : {"a.json", "a.daily.csv", "a.hash", "tv/b.json",
                        "tv/b.delivery.csv", "summary.csv"}) {
    EXPECT_TRUE(fs::exists(Out(f))) << f;
  }
  absl::StatusOr<std::string> error = ReadFile(Out("tv/bad.error.txt"));
  ASSERT_TRUE(error.ok());
  EXPECT_THAT(*error, HasSubstr("flight_days: must be in [1, 731], got 900"));
  EXPECT_FALSE(fs::exists(Out("tv/bad.json")));
  absl::StatusOr<std::string> summary = ReadFile(Out("summary.csv"));
  ASSERT_TRUE(summary.ok());
  EXPECT_THAT(*summary, HasSubstr("a.textproto,ok,2000,"));
  EXPECT_THAT(*summary, HasSubstr("bad.textproto,failed,"));
  EXPECT_EQ(std::count(summary->begin(), summary->end(), '\n'), 4);
  // A report in a batch is the report of the file run alone.
  std::ostringstream o, e;
  CliOptions alone = options_;
  alone.out_dir = (dir_ / "alone").string();
  ASSERT_EQ(
      RunFiles({(dir_ / "in" / "tv" / "b.textproto").string()}, alone, o, e),
      0);
  EXPECT_EQ(*ReadFile(Out("tv/b.json")), *ReadFile(alone.out_dir + "/b.json"));
}

// Table figures never show an exponent.
TEST(TablesTest, FiguresArePlainNumbersForPeople) {
  EXPECT_EQ(Figure(27250), "27,250");
  EXPECT_EQ(Figure(-1234), "-1,234");
  EXPECT_EQ(Figure(27250.44), "27,250.4");
  EXPECT_EQ(Figure(72.5612), "72.56");
  EXPECT_EQ(Figure(3.48512), "3.485");
  EXPECT_EQ(Figure(0.5244), "0.5244");
  EXPECT_EQ(Figure(5.244e-06), "0.000005244");
  EXPECT_EQ(Figure(-5.244e-06), "-0.000005244");
  EXPECT_EQ(Figure(0), "0");
}

// The whole platform in platform units fits the columns: a row of its
// largest figures (the 2020 platform's people, a national budget, tens of
// millions of interactions) lines up with the header.
TEST(TablesTest, PlatformFiguresFitTheColumns) {
  const std::string header = absl::StrFormat(
      kRowFormat, "scenario", "target", "reached", "reach %", "freq", "spend",
      "yuan/rch", "interact", "convert", "seconds");
  const std::string row = absl::StrFormat(
      kRowFormat, "national_campaign", Thousands(396'500'000),
      Thousands(395'999'999), "99.87", "12.34", Money(9'876'543'210.0),
      "123.45", Count(98'765'432), Count(12'345'678), "271.50");
  EXPECT_EQ(row.size(), header.size()) << header << row;
}

// With platform units the notes' counts are the platform's too: the
// sample's over its fraction (1/100 here); percentages stay; a cap with no
// price shows no yuan.
TEST(TablesTest, NotesProjectCountsToThePlatform) {
  v1::Report r;
  r.mutable_universe()->set_all_people(1000);
  r.mutable_platform()->set_sample_fraction(0.01);
  r.mutable_platform()->set_platform_people(100000);
  for (int week : {1, 2}) {
    v1::WeeklyRow* w = r.add_weekly();
    w->set_week(week);
    w->set_reach_people(100 * week);
    w->set_reach_pct(10.0 * week);
  }
  r.add_audiences()->set_attribute("gender");
  v1::CapRow* cap = r.add_caps();
  cap->set_name("one a day");
  cap->set_limit(1);
  cap->set_period("day");
  cap->set_scope("person");
  cap->set_refused(5);
  cap->set_exposures_over_limit(2);
  v1::StreamReport* stream = r.add_live_streams();
  stream->set_name("launch");
  stream->set_unique_viewers(300);
  stream->mutable_with_campaign()->set_union_reach(400);
  stream->mutable_with_campaign()->set_union_reach_pct(40);
  std::ostringstream out;
  Notes(r, out);
  EXPECT_THAT(out.str(), HasSubstr("the counts below are projected too"));
  EXPECT_THAT(out.str(), HasSubstr("week 1 10,000 (10.0%), week 2 20,000 "
                                   "(20.0%)"));
  EXPECT_THAT(out.str(), HasSubstr("refused 500 won opportunities; 200 "
                                   "exposures past the limit a person "
                                   "(co-viewers)\n"));
  EXPECT_THAT(out.str(), HasSubstr("stream 'launch': 30,000 viewers"));
  EXPECT_THAT(out.str(), HasSubstr("with the placements 40,000 reached "
                                   "(40.00%)"));
  // Without a projection the counts are the report's own.
  r.clear_platform();
  std::ostringstream sample;
  Notes(r, sample);
  EXPECT_THAT(sample.str(), HasSubstr("week 1 100 (10.0%)"));
}

// Saturation: a reach of 95% of the target or more is flagged, less is not.
TEST(SummaryWarningsTest, SaturatedReach) {
  v1::Report r;
  r.set_reach_pct(94.9);
  EXPECT_EQ(SummaryWarnings(r), "");
  r.set_reach_pct(99.32);
  EXPECT_EQ(SummaryWarnings(r), "saturation:reach:99.3%");
  r.add_caps()->set_name("daily");
  r.mutable_caps(0)->set_refused(7);
  EXPECT_EQ(SummaryWarnings(r), "cap_binding:daily:7;saturation:reach:99.3%");
}

// summary.csv is complete after each scenario, a row reused by
// --skip-up-to-date keeps its run's seconds, and warnings name caps that
// bound and goals that were missed.
TEST_F(CliTest, SummaryKeepsSecondsAndWarns) {
  Write("a.textproto", kGood);
  Write("capped.textproto",
        absl::StrReplaceAll(
            kGood, {{"share_of_voice: 0.5", "impression_goal: 100000 cpm: 10"},
                    {"bernoulli { probability: 0.35 }", "poisson { rate: 5 }"},
                    {"flight_days: 7",
                     "flight_days: 7 frequency_caps { name: \"one a day\" "
                     "scope: CAP_SCOPE_PERSON period: CAP_PERIOD_DAY limit: 1 "
                     "}"}}));
  options_.skip_up_to_date = true;
  ASSERT_EQ(RunFiles({dir_.string()}, options_, out_, err_), 0);
  auto seconds_of = [](const std::string& summary, const std::string& file) {
    for (absl::string_view line : absl::StrSplit(summary, '\n')) {
      if (line.find(file) == absl::string_view::npos) continue;
      const std::vector<std::string> f = absl::StrSplit(line, ',');
      return f.size() > 15 ? f[15] : std::string();  // "seconds"
    }
    return std::string();
  };
  const std::string first = *ReadFile(Out("summary.csv"));
  EXPECT_THAT(first, HasSubstr(",seconds,warnings,error\n"));
  EXPECT_THAT(first, HasSubstr("cap_binding:one a day:"));
  EXPECT_THAT(first, HasSubstr("under_delivery:tv_boot:"));
  EXPECT_THAT(first, Not(HasSubstr("e+")));
  const std::string seconds = seconds_of(first, "a.textproto");
  ASSERT_FALSE(seconds.empty());

  std::ostringstream out, err;
  ASSERT_EQ(RunFiles({dir_.string()}, options_, out, err), 0);
  const std::string second = *ReadFile(Out("summary.csv"));
  EXPECT_THAT(second, HasSubstr("a.textproto,up_to_date"));
  EXPECT_EQ(seconds_of(second, "a.textproto"), seconds);
}

TEST_F(CliTest, FailFastStopsAtTheFirstFailure) {
  Write("1_bad.textproto",
        absl::StrReplaceAll(kGood, {{"flight_days: 7", "flight_days: 0"}}));
  Write("2_good.textproto", kGood);
  options_.threads = 1;  // one scenario at a time, in order
  options_.fail_fast = true;
  EXPECT_EQ(RunFiles({dir_.string()}, options_, out_, err_), 1);
  EXPECT_THAT(out_.str(), HasSubstr("1 not run (--fail-fast)"));
  EXPECT_FALSE(fs::exists(Out("2_good.json")));
  EXPECT_THAT(*ReadFile(Out("summary.csv")),
              HasSubstr("2_good.textproto,not_run"));
}

// --skip-up-to-date redoes only what changed or never finished, and the
// result equals an uninterrupted run.
TEST_F(CliTest, SkipUpToDateRedoesOnlyWhatChanged) {
  Write("a.textproto", kGood);
  Write("b.textproto", kGood);
  Write("c.textproto", kGood);
  options_.skip_up_to_date = true;
  ASSERT_EQ(RunFiles({dir_.string()}, options_, out_, err_), 0);
  const std::string a_before = *ReadFile(Out("a.json"));
  // b changes; c's run was "interrupted" before its hash was written.
  Write("b.textproto", absl::StrReplaceAll(kGood, {{"seed: 3", "seed: 4"}}));
  fs::remove(Out("c.hash"));
  fs::remove(Out("c.json"));
  std::ostringstream out, err;
  ASSERT_EQ(RunFiles({dir_.string()}, options_, out, err), 0);
  EXPECT_THAT(out.str(), HasSubstr("(1 up to date)"));
  const std::string summary = *ReadFile(Out("summary.csv"));
  EXPECT_THAT(summary, HasSubstr("a.textproto,up_to_date"));
  EXPECT_THAT(summary, HasSubstr("b.textproto,ok"));
  EXPECT_THAT(summary, HasSubstr("c.textproto,ok"));
  EXPECT_EQ(*ReadFile(Out("a.json")), a_before);
  // c, redone, equals an uninterrupted run (its content is a's, its name
  // its own).
  EXPECT_EQ(
      absl::StrReplaceAll(*ReadFile(Out("c.json")),
                          {{"\"scenario\": \"c\"", "\"scenario\": \"a\""}}),
      a_before);
  // Without the flag everything runs again.
  std::ostringstream out2, err2;
  options_.skip_up_to_date = false;
  ASSERT_EQ(RunFiles({dir_.string()}, options_, out2, err2), 0);
  EXPECT_THAT(out2.str(), Not(HasSubstr("up to date")));
}

// compare: the deltas written equal the difference of separate runs with
// the same seed.
TEST_F(CliTest, CompareDeltasEqualSeparateRuns) {
  const std::string base = Write("base.textproto", kGood);
  const std::string more =
      Write("more.textproto",
            absl::StrReplaceAll(
                kGood, {{"share_of_voice: 0.5", "share_of_voice: 0.9"}}));
  ASSERT_EQ(CompareFiles(base, {more}, options_, out_, err_), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("reach_people"));
  const std::string csv = *ReadFile(Out("compare_base.csv"));
  std::ostringstream o, e;
  ASSERT_EQ(RunFiles({base, more}, options_, o, e), 0);
  v1::Report a, b;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  *ReadFile(Out("base.json")), &a)
                  .ok());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  *ReadFile(Out("more.json")), &b)
                  .ok());
  EXPECT_THAT(
      csv, HasSubstr(absl::StrCat("more,reach_people,", a.reach_people(), ",",
                                  b.reach_people(), ",",
                                  b.reach_people() - a.reach_people(), ",")));
  EXPECT_GT(b.reach_people(), a.reach_people());
}

TEST_F(CliTest, CompareRefusesAnotherSeed) {
  const std::string base = Write("base.textproto", kGood);
  const std::string other = Write(
      "other.textproto", absl::StrReplaceAll(kGood, {{"seed: 3", "seed: 8"}}));
  EXPECT_EQ(CompareFiles(base, {other}, options_, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("variants[0].seed: must be unset or the "
                                    "base's seed 3"));
}

v1::SweepSpec Spec(const std::string& placement,
                   const std::vector<double>& budgets) {
  v1::SweepSpec spec;
  spec.set_placement(placement);
  for (double b : budgets) spec.add_budgets(b);
  return spec;
}

// sweep: without caps the curve never falls; the CSV has one row a budget.
TEST_F(CliTest, SweepCurveIsMonotone) {
  const std::string file =
      Write("s.textproto",
            absl::StrReplaceAll(
                kGood, {{"share_of_voice: 0.5", "budget: 10 cpm: 30"}}));
  absl::StatusOr<std::vector<double>> budgets = ParseBudgets("5,10,20,40,80");
  ASSERT_TRUE(budgets.ok());
  ASSERT_EQ(SweepFile(file, Spec("tv_boot", *budgets), options_, out_, err_), 0)
      << err_.str();
  const std::vector<std::string> lines =
      absl::StrSplit(*ReadFile(Out("s.sweep.csv")), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 6u);
  int64_t previous = -1;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> cells = absl::StrSplit(lines[i], ',');
    int64_t reach = 0;
    ASSERT_TRUE(absl::SimpleAtoi(cells[1], &reach));
    EXPECT_GE(reach, previous) << lines[i];
    previous = reach;
  }
  EXPECT_EQ(SweepFile(file, Spec("radio", *budgets), options_, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("placement: no placement 'radio'"));
}

// A scenario's name is not a path: whatever it holds, run, compare and
// sweep write inside OUT and nowhere else (a probe once overwrote
// ../../victim/package this way).
TEST_F(CliTest, HostileNamesStayInsideOut) {
  // OUT two levels down: "../../victim" from it is dir_/victim.
  options_.out_dir = (dir_ / "a" / "out").string();
  fs::create_directories(dir_ / "victim");
  const std::string victim = (dir_ / "victim" / "package.json").string();
  std::ofstream(victim) << "precious";
  const std::string hostile = absl::StrReplaceAll(
      kGood, {{"seed: 3", "seed: 3 name: \"../../victim/package\""},
              {"share_of_voice: 0.5", "budget: 10 cpm: 30"}});
  const std::string file = Write("hostile.textproto", hostile);
  const std::string control = Write(
      "control.textproto",
      absl::StrReplaceAll(kGood, {{"seed: 3", "seed: 3 name: \"a\\nb\""}}));
  EXPECT_EQ(RunFiles({file, control}, options_, out_, err_), 0) << err_.str();
  EXPECT_EQ(CompareFiles(file, {file}, options_, out_, err_), 0) << err_.str();
  EXPECT_EQ(SweepFile(file, Spec("tv_boot", {5, 10}), options_, out_, err_), 0)
      << err_.str();
  EXPECT_EQ(*ReadFile(victim), "precious");
  // Everything written is a plain file directly inside OUT: the batch's
  // named after the files, compare's and sweep's after the sanitised name.
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    const fs::path rel = entry.path().lexically_relative(dir_);
    if (rel.string() == "victim" || rel.string() == "victim/package.json" ||
        rel.string() == "a" || rel.string() == "a/out" ||
        rel.parent_path().empty()) {
      continue;
    }
    EXPECT_EQ(rel.parent_path(), "a/out") << rel;
    names.push_back(rel.filename().string());
  }
  EXPECT_THAT(names, ::testing::Contains("hostile.json"));
  EXPECT_THAT(names, ::testing::Contains("control.json"));
  EXPECT_THAT(names, ::testing::Contains("compare__._.._victim_package.csv"));
  EXPECT_THAT(names, ::testing::Contains("_._.._victim_package.sweep.csv"));
}

// The CLI estimates memory as the server does: a day-by-day run of a
// billion people (~64 GB) fails alone with the estimate and the budget,
// before anything is allocated (one once climbed past 9 GiB); compare and
// sweep refuse it too.
TEST_F(CliTest, MemoryBudgetRefusesWhatCouldNeverFit) {
  options_.memory_budget_mb = 512;
  const std::string huge = Write(
      "huge.textproto",
      absl::StrReplaceAll(kGood,
                          {{"population: 2000", "population: 1000000000"}}) +
          "frequency_caps { scope: CAP_SCOPE_PERSON period: CAP_PERIOD_DAY "
          "limit: 1 }");
  const std::string good = Write("good.textproto", kGood);
  EXPECT_EQ(RunFiles({huge, good}, options_, out_, err_), 1);
  EXPECT_THAT(err_.str(), HasSubstr("huge.textproto: the run needs about"));
  EXPECT_THAT(err_.str(), HasSubstr("the memory budget is 512.0 MiB "
                                    "(--memory_budget_mb)"));
  EXPECT_TRUE(fs::exists(Out("good.json")));
  EXPECT_THAT(*ReadFile(Out("huge.error.txt")),
              HasSubstr("--memory_budget_mb"));
  EXPECT_EQ(CompareFiles(huge, {good}, options_, out_, err_), 1);
  EXPECT_EQ(SweepFile(huge, Spec("tv_boot", {1, 2}), options_, out_, err_), 1);
  // The default is three quarters of the machine's memory.
  EXPECT_GT(MemoryBudgetBytes(CliOptions()), int64_t{64} << 20);
}

TEST(BudgetsTest, ParseAmounts) {
  EXPECT_THAT(*ParseBudgets("0.5m,250k,100"),
              ::testing::ElementsAre(500000, 250000, 100));
  EXPECT_THAT(ParseBudgets("1m,lots").status().message(),
              HasSubstr("--budgets: want a positive amount like 500000, 500k "
                        "or 0.5m, got 'lots'"));
  EXPECT_THAT(ParseBudgets("-5").status().message(), HasSubstr("got '-5'"));
  EXPECT_THAT(*BudgetRange("1m", "4m", 4),
              ::testing::ElementsAre(1e6, 2e6, 3e6, 4e6));
  EXPECT_THAT(BudgetRange("4m", "1m", 4).status().message(),
              HasSubstr("--to: must be above --from"));
  EXPECT_THAT(BudgetRange("1m", "4m", 1).status().message(),
              HasSubstr("--steps: must be >= 2, got 1"));
}

// With platform units the row and summary.csv give the platform's figures
// (projected from the sample) and say so, with the reach's error.
TEST_F(CliTest, PlatformUnitsShowThePlatformsFigures) {
  const std::string path = Write(
      "platform.textproto",
      absl::StrCat(kGood, "platform_units: true report { audiences: true }\n"));
  options_.formats = {"json", "html"};
  ASSERT_EQ(RunFiles({path}, options_, out_, err_), 0) << err_.str();
  // The HTML report has the platform's table.
  absl::StatusOr<std::string> html = ReadFile(Out("platform.html"));
  ASSERT_TRUE(html.ok());
  EXPECT_THAT(*html, HasSubstr("The whole platform (projected from a 1/25 "
                               "sample of 50,000 people)"));
  // The audience table adds the platform's people: 25 times the sample's.
  EXPECT_THAT(*html, HasSubstr("<th>people (platform)</th>"));
  absl::StatusOr<std::string> json = ReadFile(Out("platform.json"));
  ASSERT_TRUE(json.ok());
  const size_t at = json->find("\"people\": \"", json->find("\"audiences\""));
  ASSERT_NE(at, std::string::npos);
  int64_t people = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      json->substr(at + 11, json->find('"', at + 11) - at - 11), &people));
  EXPECT_THAT(*html,
              HasSubstr(absl::StrCat("<td>", Thousands(people * 25), "</td>")));
  // 2,000 of small-city's 50,000 people: the target is the platform's.
  EXPECT_THAT(out_.str(), HasSubstr("50,000"));
  EXPECT_THAT(out_.str(), HasSubstr("platform units: projected from a sample "
                                    "of 2,000 of 50,000 people (1/25)"));
  absl::StatusOr<std::string> summary = ReadFile(Out("summary.csv"));
  ASSERT_TRUE(summary.ok());
  EXPECT_THAT(*summary, HasSubstr(",units,reach_people_se,"));
  EXPECT_THAT(*summary, HasSubstr("platform.textproto,ok,50000,"));
  EXPECT_THAT(*summary, HasSubstr(",platform,"));
}

// --exclude leaves out folders and files of those names, at any depth,
// and nothing else.
TEST_F(CliTest, ExcludeLeavesOutNamedFoldersAndFiles) {
  fs::create_directories(dir_ / "in" / "platform");
  fs::create_directories(dir_ / "in" / "tv" / "platform");
  Write("in/a.textproto", kGood);
  Write("in/skip.textproto", kGood);
  Write("in/platform/big.textproto", kGood);
  Write("in/tv/platform/big2.textproto", kGood);
  Write("in/tv/b.textproto", kGood);
  absl::StatusOr<std::vector<BatchInput>> inputs = ExpandInputs(
      {(dir_ / "in").string()}, "", {"platform", "skip.textproto"});
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  std::vector<std::string> names;
  for (const BatchInput& in : *inputs)
    names.push_back(fs::path(in.path).filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"a.textproto", "b.textproto"}));
  inputs = ExpandInputs({(dir_ / "in").string()});
  ASSERT_TRUE(inputs.ok());
  EXPECT_EQ(inputs->size(), 5u);
}

// A folder without scenarios is an error naming it, not an empty success.
TEST_F(CliTest, EmptyFolderIsAnError) {
  fs::create_directories(dir_ / "nothing");
  Write("nothing/notes.txt", "hello");
  EXPECT_EQ(RunFiles({(dir_ / "nothing").string()}, options_, out_, err_), 1);
  EXPECT_THAT(err_.str(),
              HasSubstr("nothing: no scenario files in this folder"));
}

}  // namespace
}  // namespace aiotreach
