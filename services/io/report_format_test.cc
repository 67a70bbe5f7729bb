// The CSV writers on reports the engine would not write: they come from
// files and the API too (the report fuzzer's finds), and on a live stream.
#include "services/io/report_format.h"

#include <string>

#include "gtest/gtest.h"

namespace aiotreach {
namespace {

// A histogram longer than its k+ list (found by the report fuzzer: it read
// past the list's end).
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

}  // namespace
}  // namespace aiotreach
