#include "services/server/runner.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/calibrate.h"
#include "engine/cancel.h"
#include "engine/optimizer.h"
#include "engine/parallel.h"
#include "engine/status_macros.h"
#include "engine/what_if.h"

namespace aiotreach {
namespace {

constexpr absl::Duration kPoll = absl::Milliseconds(10);

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

}  // namespace

absl::StatusOr<std::shared_ptr<const StoredPopulation>> Runner::Stored(
    const std::string& ecosystem_id) const {
  if (ecosystem_id.empty()) return nullptr;
  AIOT_ASSIGN_OR_RETURN(EcosystemStore::Entry entry, store_->Get(ecosystem_id));
  return std::move(entry.population);
}

absl::StatusOr<std::unique_ptr<const PreparedScenario>> Runner::Prepare(
    const v1::Scenario& scenario, const StoredPopulation* stored) {
  return stored != nullptr ? PreparedScenario::PrepareOn(scenario, *stored)
                           : PreparedScenario::Prepare(scenario);
}

absl::StatusOr<Runner::Plan> Runner::PlanFor(
    const std::vector<const v1::Scenario*>& scenarios,
    const std::string& ecosystem_id) const {
  Plan plan;
  AIOT_ASSIGN_OR_RETURN(plan.stored, Stored(ecosystem_id));
  for (const v1::Scenario* s : scenarios) {
    absl::StatusOr<std::unique_ptr<const PreparedScenario>> prepared =
        Prepare(*s, plan.stored.get());
    // Errors are reported by the run itself, with their context.
    if (prepared.ok())
      plan.bytes = std::max(plan.bytes, (*prepared)->EstimateRunBytes());
  }
  return plan;
}

absl::Status Runner::Execute(
    const Plan& plan, const CallControl& call,
    const std::function<absl::Status(const RunOptions&)>& work) {
  AIOT_RETURN_IF_ERROR(Admit(plan.bytes, call));
  struct Release {
    Runner* runner;
    int64_t bytes;
    ~Release() { runner->Release(bytes); }
  } release{this, plan.bytes};
  if (call.on_admitted) call.on_admitted();
  // The engine polls the token, and through it the deadline and the
  // caller, every kCancelPollUnits units of work: no watcher thread.
  CancelToken token;
  if (call.deadline != std::chrono::system_clock::time_point::max())
    token.set_deadline(absl::FromChrono(call.deadline));
  token.set_probe(call.cancelled);
  RunOptions run;
  run.threads = options_.threads;
  run.cancel = &token;
  run.progress = call.progress;
  // What-ifs that run several scenarios at once report from their threads.
  std::atomic<int64_t> person_days{0};
  run.simulated = [&person_days](int64_t n) { person_days += n; };
  if (metrics_ != nullptr) metrics_->RunStarted();
  const absl::Time start = absl::Now();
  const absl::Status status = work(run);
  if (metrics_ != nullptr) {
    metrics_->RunEnded(status, absl::ToDoubleSeconds(absl::Now() - start),
                       person_days);
  }
  if (absl::IsCancelled(status) || absl::IsDeadlineExceeded(status))
    return Stopped(call);
  return status;
}

absl::Status Runner::Validate(const v1::Scenario& scenario,
                              const std::string& ecosystem_id) const {
  AIOT_ASSIGN_OR_RETURN(std::shared_ptr<const StoredPopulation> stored,
                        Stored(ecosystem_id));
  AIOT_ASSIGN_OR_RETURN(std::unique_ptr<const PreparedScenario> prepared,
                        Prepare(scenario, stored.get()));
  return CheckBudget(prepared->EstimateRunBytes());
}

absl::Status Runner::Guard(const std::vector<v1::Scenario*>& scenarios,
                           const std::string& ecosystem_id, int runs) {
  double cost = 0.0;
  for (v1::Scenario* s : scenarios) {
    if (options_.min_cell_people > s->privacy().min_cell_people())
      s->mutable_privacy()->set_min_cell_people(options_.min_cell_people);
    cost += s->privacy().epsilon() * std::max(1, s->replicates()) * runs;
  }
  if (options_.epsilon_budget <= 0.0 || ecosystem_id.empty())
    return absl::OkStatus();
  for (v1::Scenario* s : scenarios) {
    if (s->privacy().noise() == v1::PRIVACY_NOISE_NONE) {
      return absl::FailedPreconditionError(absl::StrCat(
          "privacy.noise: the server keeps an epsilon budget for stored "
          "ecosystems (--epsilon_budget ",
          FormatValue(options_.epsilon_budget),
          "): a run on one needs privacy noise and an epsilon"));
    }
  }
  if (runs < 0) {
    return absl::FailedPreconditionError(
        "the optimizer and calibration run an unknown number of scenarios: "
        "under the server's epsilon budget they cannot run on a stored "
        "ecosystem");
  }
  absl::MutexLock lock(&mu_);
  double& spent = epsilon_spent_[ecosystem_id];
  if (spent + cost > options_.epsilon_budget * (1 + 1e-12)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "epsilon budget of ", ecosystem_id, ": ", FormatValue(spent), " of ",
        FormatValue(options_.epsilon_budget), " spent, this query needs ",
        FormatValue(cost)));
  }
  spent += cost;
  return absl::OkStatus();
}

double Runner::EpsilonSpent(const std::string& ecosystem_id) const {
  absl::MutexLock lock(&mu_);
  const auto it = epsilon_spent_.find(ecosystem_id);
  return it == epsilon_spent_.end() ? 0.0 : it->second;
}

absl::StatusOr<v1::Report> Runner::Run(const v1::Scenario& given,
                                       const std::string& ecosystem_id,
                                       const CallControl& call) {
  v1::Scenario scenario = given;
  AIOT_RETURN_IF_ERROR(Guard({&scenario}, ecosystem_id, 1));
  Plan plan;
  AIOT_ASSIGN_OR_RETURN(plan.stored, Stored(ecosystem_id));
  // Prepared once: for the memory estimate and for the run.
  AIOT_ASSIGN_OR_RETURN(std::unique_ptr<const PreparedScenario> prepared,
                        Prepare(scenario, plan.stored.get()));
  plan.bytes = prepared->EstimateRunBytes();
  v1::Report report;
  AIOT_RETURN_IF_ERROR(Execute(plan, call, [&](const RunOptions& run) {
    absl::StatusOr<v1::Report> r =
        RunPrepared(*prepared, plan.stored.get(), run);
    if (r.ok()) report = *std::move(r);
    return r.status();
  }));
  return report;
}

absl::StatusOr<v1::Comparison> Runner::Compare(
    const v1::Scenario& given_base,
    const std::vector<v1::Scenario>& given_variants,
    const std::string& ecosystem_id, const CallControl& call) {
  v1::Scenario base = given_base;
  std::vector<v1::Scenario> variants = given_variants;
  std::vector<v1::Scenario*> guarded = {&base};
  for (v1::Scenario& v : variants) guarded.push_back(&v);
  AIOT_RETURN_IF_ERROR(Guard(guarded, ecosystem_id, 1));
  std::vector<const v1::Scenario*> all = {&base};
  for (const v1::Scenario& v : variants) all.push_back(&v);
  AIOT_ASSIGN_OR_RETURN(const Plan plan, PlanFor(all, ecosystem_id));
  v1::Comparison comparison;
  AIOT_RETURN_IF_ERROR(Execute(plan, call, [&](const RunOptions& run) {
    absl::StatusOr<v1::Comparison> c =
        CompareScenarios(base, variants, run, plan.stored.get());
    if (c.ok()) comparison = *std::move(c);
    return c.status();
  }));
  return comparison;
}

absl::StatusOr<v1::SweepCurve> Runner::Sweep(const v1::Scenario& given,
                                             const v1::SweepSpec& spec,
                                             const std::string& ecosystem_id,
                                             const CallControl& call) {
  v1::Scenario scenario = given;
  AIOT_RETURN_IF_ERROR(Guard(
      {&scenario}, ecosystem_id,
      spec.budgets_size() + spec.shares_of_voice_size() + spec.days_size()));
  AIOT_ASSIGN_OR_RETURN(const Plan plan, PlanFor({&scenario}, ecosystem_id));
  v1::SweepCurve curve;
  AIOT_RETURN_IF_ERROR(Execute(plan, call, [&](const RunOptions& run) {
    absl::StatusOr<v1::SweepCurve> c =
        aiotreach::Sweep(scenario, spec, run, plan.stored.get());
    if (c.ok()) curve = *std::move(c);
    return c.status();
  }));
  return curve;
}

template <typename Result, typename WhatIf>
absl::StatusOr<Result> Runner::RunConcurrent(const v1::Scenario& given,
                                             const std::string& ecosystem_id,
                                             const CallControl& call,
                                             WhatIf&& what_if) {
  v1::Scenario scenario = given;
  AIOT_RETURN_IF_ERROR(Guard({&scenario}, ecosystem_id, -1));
  AIOT_ASSIGN_OR_RETURN(Plan plan, PlanFor({&scenario}, ecosystem_id));
  plan.bytes *= ResolveThreads(options_.threads);
  Result result;
  AIOT_RETURN_IF_ERROR(Execute(plan, call, [&](const RunOptions& run) {
    absl::StatusOr<Result> r = what_if(scenario, run, plan.stored.get());
    if (r.ok()) result = *std::move(r);
    return r.status();
  }));
  return result;
}

absl::StatusOr<v1::Optimization> Runner::Optimize(
    const v1::Scenario& scenario, const v1::OptimizeOptions& request,
    const std::string& ecosystem_id, const CallControl& call) {
  return RunConcurrent<v1::Optimization>(
      scenario, ecosystem_id, call,
      [&](const v1::Scenario& s, const RunOptions& run,
          const StoredPopulation* stored) {
        return OptimizeBudget(s, request, run, stored);
      });
}

absl::StatusOr<v1::Calibration> Runner::Calibrate(
    const v1::Scenario& scenario, const v1::CalibrateOptions& request,
    const std::string& ecosystem_id, const CallControl& call) {
  return RunConcurrent<v1::Calibration>(
      scenario, ecosystem_id, call,
      [&](const v1::Scenario& s, const RunOptions& run,
          const StoredPopulation* stored) {
        return aiotreach::Calibrate(s, request, run, stored);
      });
}

absl::Status Runner::CheckBudget(int64_t bytes) const {
  const int64_t for_runs = options_.memory_budget_bytes - store_->used_bytes();
  if (bytes <= for_runs) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "the run needs about ", Mib(bytes), " and the memory budget leaves ",
      Mib(std::max<int64_t>(0, for_runs)), " for runs (",
      Mib(options_.memory_budget_bytes),
      " in all, --memory_budget_mb); use a smaller population"));
}

absl::Status Runner::QueueFullError() const {
  return absl::ResourceExhaustedError(absl::StrCat(
      running_, " runs in flight and ", queued_,
      " waiting, the most the server takes (--max_concurrent_runs, "
      "--max_queued_runs); try again later"));
}

absl::Status Runner::Reserve() {
  absl::MutexLock lock(&mu_);
  if (running_ + queued_ >=
      options_.max_concurrent_runs + options_.max_queued_runs) {
    return QueueFullError();
  }
  ++queued_;
  return absl::OkStatus();
}

void Runner::Unreserve() {
  absl::MutexLock lock(&mu_);
  --queued_;
  freed_.SignalAll();
}

absl::Status Runner::Admit(int64_t bytes, const CallControl& call) {
  absl::MutexLock lock(&mu_);
  // A reserved call holds its place in the queue from the start.
  bool queued = call.reserved;
  auto leave_queue = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (queued) --queued_;
    queued = false;
  };
  if (absl::Status s = CheckBudget(bytes); !s.ok()) {
    leave_queue();
    return s;
  }
  auto fits = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return running_ < options_.max_concurrent_runs &&
           running_bytes_ + bytes <=
               options_.memory_budget_bytes - store_->used_bytes();
  };
  if (!fits()) {
    if (!queued) {
      if (queued_ >= options_.max_queued_runs) return QueueFullError();
      ++queued_;
      queued = true;
    }
    while (!fits()) {
      freed_.WaitWithTimeout(&mu_, kPoll * 5);
      if (!fits() && (call.cancelled() || PastDeadline(call))) {
        leave_queue();
        return Stopped(call);
      }
    }
  }
  leave_queue();
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

Runner::Load Runner::load() const {
  absl::MutexLock lock(&mu_);
  return {queued_, running_, running_bytes_};
}

}  // namespace aiotreach
