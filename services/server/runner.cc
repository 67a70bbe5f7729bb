#include "services/server/runner.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/cancel.h"
#include "engine/status_macros.h"

namespace aiotreach {
namespace {

constexpr absl::Duration kPoll = absl::Milliseconds(10);

std::string Mib(int64_t bytes) {
  return absl::StrFormat("%.1f MiB", bytes / (1024.0 * 1024.0));
}

bool PastDeadline(const CallControl& call) {
  return std::chrono::system_clock::now() >= call.deadline;
}

// The status for a call that ended while the engine ran or waited.
absl::Status Stopped(const CallControl& call) {
  if (PastDeadline(call)) {
    return absl::DeadlineExceededError(
        "the call's deadline passed; the run was stopped");
  }
  return absl::CancelledError("the call was cancelled; the run was stopped");
}

// Polls the call while the engine runs and cancels the token when the
// caller stops waiting or the deadline passes.
class Watcher {
 public:
  Watcher(const CallControl& call, CancelToken* token)
      : thread_([this, &call, token] {
          while (!done_.load()) {
            if (call.cancelled() || PastDeadline(call)) {
              token->Cancel();
              return;
            }
            absl::SleepFor(kPoll);
          }
        }) {}
  ~Watcher() {
    done_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace

absl::StatusOr<v1::Report> Runner::Run(const v1::Scenario& scenario,
                                       const std::string& ecosystem_id,
                                       const CallControl& call) {
  std::shared_ptr<const StoredPopulation> stored;
  std::unique_ptr<const PreparedScenario> prepared;
  if (ecosystem_id.empty()) {
    AIOT_ASSIGN_OR_RETURN(prepared, PreparedScenario::Prepare(scenario));
  } else {
    AIOT_ASSIGN_OR_RETURN(EcosystemStore::Entry entry,
                          store_->Get(ecosystem_id));
    stored = std::move(entry.population);
    AIOT_ASSIGN_OR_RETURN(prepared,
                          PreparedScenario::PrepareOn(scenario, *stored));
  }
  const int64_t bytes = prepared->EstimateRunBytes();
  AIOT_RETURN_IF_ERROR(Admit(bytes, call));
  struct Release {
    Runner* runner;
    int64_t bytes;
    ~Release() { runner->Release(bytes); }
  } release{this, bytes};

  CancelToken token;
  RunOptions run;
  run.threads = options_.threads;
  run.cancel = &token;
  absl::StatusOr<v1::Report> report;
  {
    Watcher watcher(call, &token);
    report = stored != nullptr ? RunScenario(scenario, *stored, run)
                               : RunScenario(scenario, run);
  }
  if (!report.ok() && absl::IsCancelled(report.status())) return Stopped(call);
  return report;
}

absl::Status Runner::Admit(int64_t bytes, const CallControl& call) {
  const int64_t for_runs = options_.memory_budget_bytes - store_->used_bytes();
  if (bytes > for_runs) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the run needs about ", Mib(bytes), " and the memory budget leaves ",
        Mib(std::max<int64_t>(0, for_runs)), " for runs (",
        Mib(options_.memory_budget_bytes),
        " in all, --memory_budget_mb); use a smaller population"));
  }
  absl::MutexLock lock(&mu_);
  auto fits = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return running_ < options_.max_concurrent_runs &&
           running_bytes_ + bytes <=
               options_.memory_budget_bytes - store_->used_bytes();
  };
  if (!fits()) {
    if (queued_ >= options_.max_queued_runs) {
      return absl::ResourceExhaustedError(absl::StrCat(
          running_, " runs in flight and ", queued_,
          " waiting, the most the server takes (--max_concurrent_runs); try "
          "again later"));
    }
    ++queued_;
    while (!fits()) {
      freed_.WaitWithTimeout(&mu_, kPoll * 5);
      if (!fits() && (call.cancelled() || PastDeadline(call))) {
        --queued_;
        return Stopped(call);
      }
    }
    --queued_;
  }
  ++running_;
  running_bytes_ += bytes;
  return absl::OkStatus();
}

void Runner::Release(int64_t bytes) {
  absl::MutexLock lock(&mu_);
  --running_;
  running_bytes_ -= bytes;
  freed_.SignalAll();
}

int Runner::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

int Runner::queued() const {
  absl::MutexLock lock(&mu_);
  return queued_;
}

}  // namespace aiotreach
