// The CSV writers on reports the engine would not write: they come from
// files and the API too (the report fuzzer's finds), and on a live stream.
#include "services/io/report_format.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

// A histogram longer than its k+ list (found by the report fuzzer: it read
// past the list's end).
// CSV numbers: the shortest decimal that reads back as the same double,
// never an exponent, integers without a point.
TEST(ReportFormatTest, CsvNumbersAreShortExactAndPlain) {
  EXPECT_EQ(CsvNumber(1e6), "1000000");
  EXPECT_EQ(CsvNumber(-250.0), "-250");
  EXPECT_EQ(CsvNumber(0.0), "0");
  // The double nearest 1499.14, which %.17g writes with noise.
  ASSERT_NE(absl::StrFormat("%.17g", 1499.14), "1499.14");
  EXPECT_EQ(CsvNumber(1499.14), "1499.14");
  EXPECT_EQ(CsvNumber(72.56), "72.56");
  EXPECT_EQ(CsvNumber(5.244e-06), "0.000005244");
  EXPECT_EQ(CsvNumber(0.1 + 0.2), "0.30000000000000004");  // not 0.3
  EXPECT_EQ(CsvNumber(1.5e20), "150000000000000000000");
  for (double v : {1.0 / 3, 2.0 / 3e7, 123456.789, 9.999999e-8, 4e15 + 0.5}) {
    const std::string s = CsvNumber(v);
    EXPECT_EQ(s.find_first_of("eE"), std::string::npos) << s;
    double back = 0;
    ASSERT_TRUE(absl::SimpleAtod(s, &back)) << s;
    EXPECT_EQ(back, v) << s;
  }
}

TEST(ReportFormatTest, FrequencyCsvToleratesShortLists) {
  v1::Report r;
  for (int64_t n : {5, 3, 1}) r.add_frequency_histogram(n);
  r.add_reach_k_plus(9);
  EXPECT_EQ(FrequencyCsv(r),
            "frequency,people,reach_k_plus\n1,5,9\n2,3,0\n3+,1,0\n");
}

TEST(ReportFormatTest, StreamCsvsHaveARowPerStreamAndPerMinute) {
  v1::Report r;
  v1::StreamReport* s = r.add_live_streams();
  s->set_name("launch, day 2");
  s->set_unique_viewers(7);
  s->mutable_with_campaign()->set_union_reach(11);
  for (int m = 0; m < 2; ++m) {
    v1::StreamMinute* row = s->add_minutes();
    row->set_minute(m);
    row->set_concurrent(3 + m);
    row->set_cumulative_viewers(5 + m);
  }
  const std::string streams = StreamsCsv(r);
  EXPECT_EQ(streams.substr(0, streams.find(',')), "stream");
  EXPECT_NE(streams.find("\n\"launch, day 2\",0,0,0,0,0,7,"), std::string::npos)
      << streams;
  EXPECT_EQ(StreamMinutesCsv(r),
            "stream,minute,concurrent,mean_concurrent,arrivals,"
            "cumulative_viewers,likes\n"
            "\"launch, day 2\",0,3,0,0,5,0\n"
            "\"launch, day 2\",1,4,0,0,6,0\n");
}

// Audience rows shorter than the histogram (a report from a file) fill the
// missing k+ columns with 0; names with commas are quoted.
TEST(ReportFormatTest, AudiencesCsvHasAColumnPerK) {
  v1::Report r;
  for (int64_t n : {5, 3}) r.add_frequency_histogram(n);
  v1::AudienceRow* a = r.add_audiences();
  a->set_attribute("age_band");
  a->set_category("18,34");
  a->set_people(20);
  a->set_reach_people(8);
  a->set_reach_pct(40);
  a->add_reach_k_plus(8);
  EXPECT_EQ(AudiencesCsv(r),
            "attribute,category,people,reach_people,reach_pct,exposures,"
            "average_frequency,grp,reach_1_plus,reach_2_plus\n"
            "age_band,\"18,34\",20,8,40,0,0,0,8,0\n");
}

TEST(ReportFormatTest, WeeklyCsvHasARowPerWeek) {
  v1::Report r;
  v1::WeeklyRow* w = r.add_weekly();
  w->set_week(2);
  w->set_first_day(5);
  w->set_days(7);
  w->set_reach_people(1000000);
  EXPECT_EQ(WeeklyCsv(r),
            "week,first_day,days,impressions,exposures,reach_people,"
            "reach_pct,average_frequency,new_reach_people,"
            "cumulative_reach_people,cumulative_reach_pct\n"
            "2,5,7,0,0,1000000,0,0,0,0,0\n");
}

TEST(ReportFormatTest, ObservedCsvReadsQuotedFiguresAndOptionalErrors) {
  const absl::StatusOr<std::vector<v1::ObservedFigure>> rows = ParseObservedCsv(
      "value,figure,standard_error\r\n"
      "12.5,\"placement_overlap[a,b].reach_both\",0.5\r\n"
      "\n"
      "30,reach_pct,\n");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].figure(), "placement_overlap[a,b].reach_both");
  EXPECT_EQ((*rows)[0].value(), 12.5);
  EXPECT_EQ((*rows)[0].standard_error(), 0.5);
  EXPECT_EQ((*rows)[1].standard_error(), 0.0);
}

TEST(ReportFormatTest, ObservedCsvErrorsNameTheLine) {
  EXPECT_THAT(
      std::string(
          ParseObservedCsv("figure,se\nreach_pct,1\n").status().message()),
      ::testing::HasSubstr("line 1: the header needs columns figure "
                           "and value"));
  EXPECT_THAT(std::string(ParseObservedCsv("figure,value\nreach_pct,lots\n")
                              .status()
                              .message()),
              ::testing::HasSubstr("line 2: value 'lots' is not a number"));
  EXPECT_THAT(
      std::string(
          ParseObservedCsv("figure,value\nreach_pct\n").status().message()),
      ::testing::HasSubstr("line 2: 1 fields, the header has 2"));
  EXPECT_THAT(
      std::string(ParseObservedCsv("figure,value\n").status().message()),
      ::testing::HasSubstr("no observed figures"));
}

}  // namespace
}  // namespace aiotreach
