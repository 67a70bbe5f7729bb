// The service's operational metrics, rendered in Prometheus's text format
// for GET /metrics (docs/SERVICE.md lists each one and what it means).
//
//   Metrics metrics;
//   metrics.RunStarted();
//   metrics.RunEnded(status, seconds, person_days);
//   metrics.Rpc("RunScenario", 0, 0.12);
//   std::string text = metrics.Render(gauges);
//
// Counters and histograms only ever grow; gauges are read when scraped.
// Thread-safe.
#ifndef AIOTREACH_SERVICES_SERVER_METRICS_H_
#define AIOTREACH_SERVICES_SERVER_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace aiotreach {

// A cumulative histogram: counts of observations at or below each bound,
// their sum and count (Prometheus's histogram type).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Appends the _bucket, _sum and _count lines of `name` with `labels`
  // ("" or `key="value",...` without braces).
  void Render(absl::string_view name, absl::string_view labels,
              std::string* out) const;

 private:
  std::vector<double> bounds_;
  std::vector<int64_t> counts_;  // per bound, not cumulative; then +Inf
  double sum_ = 0.0;
  int64_t count_ = 0;
};

// What the scrape reads off the server at the time (not counters).
struct MetricGauges {
  int64_t queued_runs = 0;
  int64_t running_runs = 0;
  int64_t memory_budget_bytes = 0;
  // Memory the admitted runs were estimated to need, and what stored
  // ecosystems hold.
  int64_t memory_estimated_bytes = 0;
  int64_t stored_ecosystem_bytes = 0;
  int64_t stored_ecosystems = 0;
  // Kept runs (StartRun) by state name.
  std::map<std::string, int64_t> kept_runs;
};

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // A run admitted by the Runner (it left the queue).
  void RunStarted();
  // An admitted run's end: finished (OK), cancelled (CANCELLED or
  // DEADLINE_EXCEEDED) or failed (any other code); its wall seconds, and
  // the person-days it simulated (people x days x replicates, summed over
  // the runs of a what-if).
  void RunEnded(const absl::Status& status, double seconds,
                int64_t person_days);
  // Person-days simulated by work that finished.
  void PersonDays(int64_t person_days);
  // A gRPC call's end (over gRPC or through the HTTP gateway): the method's
  // short name, its status code and latency.
  void Rpc(absl::string_view method, int code, double seconds);
  // An HTTP request's end: the route pattern (not the raw path, which
  // anyone could make unbounded) and the response status.
  void Http(absl::string_view route, int status);

  // Every metric in Prometheus's text exposition format 0.0.4, with the
  // process's resident memory read from /proc.
  std::string Render(const MetricGauges& gauges) const;

 private:
  mutable absl::Mutex mu_;
  int64_t runs_started_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t runs_finished_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t runs_cancelled_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int64_t> runs_failed_ ABSL_GUARDED_BY(mu_);  // code
  int64_t person_days_ ABSL_GUARDED_BY(mu_) = 0;
  Histogram run_seconds_ ABSL_GUARDED_BY(mu_);
  // By method: calls by code, and latency.
  std::map<std::pair<std::string, std::string>, int64_t> rpcs_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram, std::less<>> rpc_seconds_
      ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, int>, int64_t> http_ ABSL_GUARDED_BY(mu_);
};

// The resident set size of this process in bytes (/proc/self/statm), or 0
// where it cannot be read.
int64_t ResidentBytes();

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_METRICS_H_
