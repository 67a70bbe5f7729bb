// Runs scenarios for the service: admission (concurrent runs, a bounded
// queue, the memory budget), stored ecosystems, and the caller's
// cancellation and deadline wired to the engine's cancel token. No gRPC
// here: the RPC handlers convert, call Run(), and map the status.
//
//   Runner runner(options, &store);
//   CallControl call{[&] { return context->IsCancelled(); }, deadline};
//   absl::StatusOr<v1::Report> report = runner.Run(request, call);
//
// Thread-safe.
#ifndef AIOTREACH_SERVICES_SERVER_RUNNER_H_
#define AIOTREACH_SERVICES_SERVER_RUNNER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "aiotreach/v1/report.pb.h"
#include "aiotreach/v1/scenario.pb.h"
#include "aiotreach/v1/whatif.pb.h"
#include "services/server/ecosystem_store.h"
#include "services/server/metrics.h"

namespace aiotreach {

struct RunnerOptions {
  int threads = 0;              // engine threads a run; 0: all cores
  int max_concurrent_runs = 2;  // runs at once; more wait in a queue
  int max_queued_runs = 64;     // beyond it: ResourceExhausted
  // Memory for runs and stored ecosystems together, in bytes.
  int64_t memory_budget_bytes = int64_t{4} << 30;
  // Privacy floors (docs/PRIVACY.md): every run's privacy.min_cell_people
  // is raised to min_cell_people; with epsilon_budget > 0, every run on a
  // stored ecosystem needs privacy noise, and each ecosystem's epsilon
  // spent (epsilon x replicates x runs) may not pass the budget.
  int64_t min_cell_people = 0;
  double epsilon_budget = 0.0;
};

// What the engine needs to know of the call it runs for.
struct CallControl {
  // True once the caller has gone or cancelled. Polled by the engine's
  // workers as they run (thread-safe, cheap) and while queued.
  std::function<bool()> cancelled = [] { return false; };
  // The call's deadline; max() for none.
  std::chrono::system_clock::time_point deadline =
      std::chrono::system_clock::time_point::max();
  // Optional: called once the run is admitted (it leaves the queue), and
  // with the fraction of the work done as it runs.
  std::function<void()> on_admitted;
  std::function<void(double fraction)> progress;
  // True if the call holds a place reserved by Runner::Reserve(): it is
  // never refused for a full queue, and the place is given back when the
  // run is admitted or gives up.
  bool reserved = false;
};

class Runner {
 public:
  // `store` (and `metrics`, if given) must outlive the runner.
  Runner(const RunnerOptions& options, const EcosystemStore* store,
         Metrics* metrics = nullptr)
      : options_(options), store_(store), metrics_(metrics) {}

  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs `scenario`, on the stored ecosystem `ecosystem_id` if not empty.
  // InvalidArgument naming the field; NotFound for an unknown ecosystem;
  // ResourceExhausted when the run cannot fit the memory budget (with the
  // estimate and the budget) or the queue is full; Cancelled or
  // DeadlineExceeded when the caller stops waiting (the engine stops
  // within a shard's time).
  absl::StatusOr<v1::Report> Run(const v1::Scenario& scenario,
                                 const std::string& ecosystem_id,
                                 const CallControl& call);

  // Checks the scenario (and the stored ecosystem) without running it:
  // InvalidArgument naming the field, NotFound for an unknown ecosystem,
  // ResourceExhausted if its memory estimate exceeds what the budget leaves
  // for runs (it could never be admitted).
  absl::Status Validate(const v1::Scenario& scenario,
                        const std::string& ecosystem_id) const;

  // Reserves a place among the runs the server takes (running or queued),
  // for a run that will be started later with CallControl::reserved; so a
  // caller told OK is never refused for room afterwards. ResourceExhausted
  // when running and queued runs are at --max_concurrent_runs +
  // --max_queued_runs. Unreserve() gives back a place never used.
  absl::Status Reserve();
  void Unreserve();

  // CompareScenarios and SweepBudget (engine/what_if.h) under the same
  // admission, memory budget and cancellation; the runs of one call are
  // sequential and admitted once, for the largest of them.
  absl::StatusOr<v1::Comparison> Compare(
      const v1::Scenario& base, const std::vector<v1::Scenario>& variants,
      const std::string& ecosystem_id, const CallControl& call);
  absl::StatusOr<v1::SweepCurve> Sweep(const v1::Scenario& scenario,
                                       const v1::SweepSpec& spec,
                                       const std::string& ecosystem_id,
                                       const CallControl& call);

  // OptimizeBudget (engine/optimizer.h) likewise, admitted for as many of
  // its runs as it runs at once (one a thread).
  absl::StatusOr<v1::Optimization> Optimize(const v1::Scenario& scenario,
                                            const v1::OptimizeOptions& request,
                                            const std::string& ecosystem_id,
                                            const CallControl& call);
  // Calibrate (engine/calibrate.h) likewise.
  absl::StatusOr<v1::Calibration> Calibrate(const v1::Scenario& scenario,
                                            const v1::CalibrateOptions& request,
                                            const std::string& ecosystem_id,
                                            const CallControl& call);

  // Runs in flight, for tests and monitoring.
  int running() const;
  // Runs waiting, runs in flight and the memory their estimates reserve.
  struct Load {
    int queued = 0;
    int running = 0;
    int64_t reserved_bytes = 0;
  };
  Load load() const;
  // Epsilon spent on stored ecosystem `ecosystem_id` so far.
  double EpsilonSpent(const std::string& ecosystem_id) const;
  const RunnerOptions& options() const { return options_; }

 private:
  // A what-if over `scenario` that runs several of its runs at once, a
  // thread each: `what_if(guarded scenario, run, stored)` under one
  // admission for them all.
  template <typename Result, typename WhatIf>
  absl::StatusOr<Result> RunConcurrent(const v1::Scenario& scenario,
                                       const std::string& ecosystem_id,
                                       const CallControl& call,
                                       WhatIf&& what_if);
  // Applies the server's privacy floors to `scenarios` (copies the caller
  // runs) and charges the epsilon ledger of `ecosystem_id` for `runs` runs
  // of each (-1: unknown, refused under a ledger). FailedPrecondition
  // without noise under a ledger; ResourceExhausted past the budget.
  absl::Status Guard(const std::vector<v1::Scenario*>& scenarios,
                     const std::string& ecosystem_id, int runs);
  // The stored population of `ecosystem_id`: null if empty, NotFound if
  // unknown.
  absl::StatusOr<std::shared_ptr<const StoredPopulation>> Stored(
      const std::string& ecosystem_id) const;
  // `scenario` prepared on `stored`, or on its own ecosystem if null.
  static absl::StatusOr<std::unique_ptr<const PreparedScenario>> Prepare(
      const v1::Scenario& scenario, const StoredPopulation* stored);
  // The stored population of `ecosystem_id` (null if empty) and the
  // memory the largest of `scenarios` needs on it.
  struct Plan {
    std::shared_ptr<const StoredPopulation> stored;
    int64_t bytes = 0;
  };
  absl::StatusOr<Plan> PlanFor(
      const std::vector<const v1::Scenario*>& scenarios,
      const std::string& ecosystem_id) const;
  // Admits the plan, runs `work` with the call wired to its cancel token,
  // and maps a cancelled engine to Cancelled or DeadlineExceeded.
  absl::Status Execute(
      const Plan& plan, const CallControl& call,
      const std::function<absl::Status(const RunOptions&)>& work);
  // ResourceExhausted: every run slot and queue place is taken.
  absl::Status QueueFullError() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // ResourceExhausted if `bytes` exceeds what the budget leaves for runs.
  absl::Status CheckBudget(int64_t bytes) const;
  // Waits for a run slot and `bytes` of memory. Cancelled or
  // DeadlineExceeded if the call ends while waiting.
  absl::Status Admit(int64_t bytes, const CallControl& call);
  void Release(int64_t bytes);

  const RunnerOptions options_;
  const EcosystemStore* store_;
  Metrics* metrics_;
  mutable absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int queued_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t running_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, double> epsilon_spent_ ABSL_GUARDED_BY(mu_);
  absl::CondVar freed_;  // signalled when a run ends
};

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_RUNNER_H_
