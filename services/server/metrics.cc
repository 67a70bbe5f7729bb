#include "services/server/metrics.h"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "absl/strings/str_cat.h"

namespace aiotreach {
namespace {

// Seconds: a small run takes tens of milliseconds, the platform minutes.
std::vector<double> RunBounds() {
  return {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800};
}
std::vector<double> RpcBounds() {
  return {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300};
}

// A value as Prometheus reads it: integers without a decimal point.
std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return absl::StrCat(static_cast<int64_t>(v));
  return absl::StrCat(v);
}

void Header(std::string* out, absl::string_view name, absl::string_view type,
            absl::string_view help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type,
                  "\n");
}

void Sample(std::string* out, absl::string_view name, absl::string_view labels,
            double value) {
  absl::StrAppend(out, name, labels.empty() ? "" : "{", labels,
                  labels.empty() ? "" : "}", " ", Number(value), "\n");
}

std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::Render(absl::string_view name, absl::string_view labels,
                       std::string* out) const {
  const std::string prefix = labels.empty() ? "" : absl::StrCat(labels, ",");
  int64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const double le = i < bounds_.size()
                          ? bounds_[i]
                          : std::numeric_limits<double>::infinity();
    Sample(out, absl::StrCat(name, "_bucket"),
           absl::StrCat(prefix, "le=\"", Number(le), "\""), cumulative);
  }
  Sample(out, absl::StrCat(name, "_sum"), labels, sum_);
  Sample(out, absl::StrCat(name, "_count"), labels, count_);
}

Metrics::Metrics() : run_seconds_(RunBounds()) {}

void Metrics::RunStarted() {
  absl::MutexLock lock(&mu_);
  ++runs_started_;
}

void Metrics::RunEnded(const absl::Status& status, double seconds,
                       int64_t person_days) {
  absl::MutexLock lock(&mu_);
  if (status.ok()) {
    ++runs_finished_;
    person_days_ += person_days;
  } else if (absl::IsCancelled(status) || absl::IsDeadlineExceeded(status)) {
    ++runs_cancelled_;
  } else {
    ++runs_failed_[CodeName(static_cast<int>(status.code()))];
  }
  run_seconds_.Observe(seconds);
}

void Metrics::PersonDays(int64_t person_days) {
  absl::MutexLock lock(&mu_);
  person_days_ += person_days;
}

void Metrics::Rpc(absl::string_view method, int code, double seconds) {
  absl::MutexLock lock(&mu_);
  ++rpcs_[{std::string(method), CodeName(code)}];
  auto it = rpc_seconds_.find(method);
  if (it == rpc_seconds_.end())
    it = rpc_seconds_.emplace(std::string(method), RpcBounds()).first;
  it->second.Observe(seconds);
}

void Metrics::Http(absl::string_view route, int status) {
  absl::MutexLock lock(&mu_);
  ++http_[{std::string(route), status}];
}

std::string Metrics::Render(const MetricGauges& g) const {
  std::string out;
  // A metric of one unlabelled sample.
  auto single = [&out](absl::string_view name, absl::string_view type,
                       absl::string_view help, double value) {
    Header(&out, name, type, help);
    Sample(&out, name, "", value);
  };
  absl::MutexLock lock(&mu_);
  single("aiotreach_runs_started_total", "counter",
         "Runs admitted (they left the queue and started).", runs_started_);
  single("aiotreach_runs_finished_total", "counter",
         "Admitted runs that finished with a report.", runs_finished_);
  Header(&out, "aiotreach_runs_failed_total", "counter",
         "Admitted runs that failed, by status code.");
  for (const auto& [code, n] : runs_failed_)
    Sample(&out, "aiotreach_runs_failed_total",
           absl::StrCat("code=\"", code, "\""), n);
  single("aiotreach_runs_cancelled_total", "counter",
         "Admitted runs stopped by their caller, CancelRun or a deadline.",
         runs_cancelled_);
  Header(&out, "aiotreach_run_seconds", "histogram",
         "Wall seconds of admitted runs, from admission to their end.");
  run_seconds_.Render("aiotreach_run_seconds", "", &out);
  single("aiotreach_person_days_simulated_total", "counter",
         "People x flight days x replicates of runs that finished.",
         person_days_);
  single("aiotreach_queued_runs", "gauge",
         "Runs waiting for a slot or for memory.", g.queued_runs);
  single("aiotreach_running_runs", "gauge", "Runs in flight.", g.running_runs);
  Header(&out, "aiotreach_kept_runs", "gauge",
         "Runs started with StartRun that the server keeps, by state.");
  for (const auto& [state, n] : g.kept_runs)
    Sample(&out, "aiotreach_kept_runs", absl::StrCat("state=\"", state, "\""),
           n);
  single("aiotreach_memory_budget_bytes", "gauge",
         "--memory_budget_mb, in bytes.", g.memory_budget_bytes);
  single("aiotreach_memory_estimated_bytes", "gauge",
         "Memory the runs in flight were estimated to need when admitted.",
         g.memory_estimated_bytes);
  single("aiotreach_stored_ecosystems", "gauge",
         "Ecosystems stored with CreateEcosystem.", g.stored_ecosystems);
  single("aiotreach_stored_ecosystem_bytes", "gauge",
         "Memory the stored ecosystems hold.", g.stored_ecosystem_bytes);
  single("aiotreach_resident_memory_bytes", "gauge",
         "The server process's resident memory.", ResidentBytes());
  Header(&out, "aiotreach_rpcs_total", "counter",
         "ReachService calls ended, by method and status code (HTTP "
         "gateway calls included).");
  for (const auto& [key, n] : rpcs_)
    Sample(&out, "aiotreach_rpcs_total",
           absl::StrCat("method=\"", key.first, "\",code=\"", key.second, "\""),
           n);
  Header(&out, "aiotreach_rpc_seconds", "histogram",
         "ReachService call latency in seconds, by method.");
  for (const auto& [method, h] : rpc_seconds_)
    h.Render("aiotreach_rpc_seconds", absl::StrCat("method=\"", method, "\""),
             &out);
  Header(&out, "aiotreach_http_requests_total", "counter",
         "HTTP requests answered, by route and status.");
  for (const auto& [key, n] : http_)
    Sample(
        &out, "aiotreach_http_requests_total",
        absl::StrCat("route=\"", key.first, "\",status=\"", key.second, "\""),
        n);
  return out;
}

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace aiotreach
