#include "services/server/metrics.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace aiotreach {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(HistogramTest, BucketsAreCumulativeWithInfAndSum) {
  Histogram h({1, 5});
  for (double v : {0.5, 1.0, 3.0, 7.0}) h.Observe(v);
  std::string out;
  h.Render("x_seconds", "method=\"M\"", &out);
  EXPECT_EQ(out,
            "x_seconds_bucket{method=\"M\",le=\"1\"} 2\n"
            "x_seconds_bucket{method=\"M\",le=\"5\"} 3\n"
            "x_seconds_bucket{method=\"M\",le=\"+Inf\"} 4\n"
            "x_seconds_sum{method=\"M\"} 11.5\n"
            "x_seconds_count{method=\"M\"} 4\n");
}

TEST(MetricsTest, RunsAreCountedByHowTheyEnded) {
  Metrics m;
  for (int i = 0; i < 4; ++i) m.RunStarted();
  m.RunEnded(absl::OkStatus(), 0.2, 700);
  m.RunEnded(absl::CancelledError("stop"), 1.0, 50);
  m.RunEnded(absl::DeadlineExceededError("late"), 1.0, 50);
  m.RunEnded(absl::ResourceExhaustedError("full"), 0.0, 0);
  m.Rpc("RunScenario", 0, 0.2);
  m.Rpc("RunScenario", 3, 0.001);
  m.Http("/healthz", 200);
  MetricGauges g;
  g.queued_runs = 2;
  g.kept_runs["RUN_STATE_RUNNING"] = 1;
  const std::string text = m.Render(g);
  EXPECT_TRUE(Has(text, "# TYPE aiotreach_runs_started_total counter"));
  EXPECT_TRUE(Has(text, "aiotreach_runs_started_total 4"));
  EXPECT_TRUE(Has(text, "aiotreach_runs_finished_total 1"));
  EXPECT_TRUE(Has(text, "aiotreach_runs_cancelled_total 2"));
  EXPECT_TRUE(
      Has(text, "aiotreach_runs_failed_total{code=\"RESOURCE_EXHAUSTED\"} 1"));
  // Only finished runs add their person-days.
  EXPECT_TRUE(Has(text, "aiotreach_person_days_simulated_total 700"));
  EXPECT_TRUE(Has(text, "aiotreach_run_seconds_count 4"));
  EXPECT_TRUE(Has(text, "aiotreach_queued_runs 2"));
  EXPECT_TRUE(Has(text, "aiotreach_kept_runs{state=\"RUN_STATE_RUNNING\"} 1"));
  EXPECT_TRUE(
      Has(text, "aiotreach_rpcs_total{method=\"RunScenario\",code=\"OK\"} 1"));
  EXPECT_TRUE(Has(text,
                  "aiotreach_rpcs_total{method=\"RunScenario\",code=\"INVALID_"
                  "ARGUMENT\"} 1"));
  EXPECT_TRUE(
      Has(text, "aiotreach_rpc_seconds_count{method=\"RunScenario\"} 2"));
  EXPECT_TRUE(Has(
      text,
      "aiotreach_http_requests_total{route=\"/healthz\",status=\"200\"} 1"));
}

}  // namespace
}  // namespace aiotreach
