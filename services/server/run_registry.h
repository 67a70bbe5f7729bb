// Runs the server keeps: started by StartRun, watched, listed, cancelled,
// and persisted under a data directory so that finished runs survive a
// restart and runs that were in flight when the server stopped or died are
// reported as RUN_STATE_INTERRUPTED.
//
//   RunRegistry runs(&runner, "/var/lib/aiotreach");
//   AIOT_RETURN_IF_ERROR(runs.Load());
//   absl::StatusOr<v1::RunInfo> run = runs.Start(scenario, "");
//   runs.Watch(run->id(), [](const v1::RunInfo&, const v1::Report*) {...});
//
// On disk, per run, written atomically (temporary file, then rename):
// `runs/<id>.info` (RunInfo), `runs/<id>.scenario` (the request) and, once
// it succeeded, `runs/<id>.report` (Report), all binary protobuf. Files are
// written outside the registry's lock, by the one thread that owns the run
// at that moment (the caller of Start, then its worker).
//
// Runs execute on a pool of Runner::options().max_concurrent_runs threads;
// Start reserves the run's place with the Runner first, so a run told OK is
// never refused for room later.
//
// Thread-safe.
#ifndef AIOTREACH_SERVICES_SERVER_RUN_REGISTRY_H_
#define AIOTREACH_SERVICES_SERVER_RUN_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aiotreach/v1/service.pb.h"
#include "engine/cancel.h"
#include "services/server/launcher.h"
#include "services/server/runner.h"
#include "services/server/worker_pool.h"

namespace aiotreach {

class RunRegistry {
 public:
  // `runner` must outlive the registry. An empty `data_dir` keeps runs in
  // memory only.
  RunRegistry(Runner* runner, std::string data_dir)
      : runner_(runner),
        data_dir_(std::move(data_dir)),
        pool_(runner->options().max_concurrent_runs) {}
  // Cancels what still runs and waits for it (see Shutdown).
  ~RunRegistry();

  RunRegistry(const RunRegistry&) = delete;
  RunRegistry& operator=(const RunRegistry&) = delete;

  // Reads the runs persisted under the data directory; those left queued or
  // running are marked INTERRUPTED. Internal for an unreadable directory.
  // A run whose files cannot be read whole (a damaged disk, a report cut
  // short, a file edited by hand) is logged and listed as DAMAGED with the
  // reason; a stray file with no run id is logged and ignored.
  absl::Status Load();

  // Validates the scenario (InvalidArgument naming the field, NotFound for
  // an unknown ecosystem), reserves its place, records the run as QUEUED
  // and starts it in the background. ResourceExhausted if the server has
  // no room for it (queue full, or a memory estimate beyond the budget).
  //
  // With ranks >= 2 the run is a job handed to the launcher
  // (set_launcher): InvalidArgument for a stored ecosystem or ranks
  // outside [0, 65536], FailedPrecondition without a launcher. Its memory
  // is the job's, not the server's budget.
  absl::StatusOr<v1::RunInfo> Start(const v1::Scenario& scenario,
                                    const std::string& ecosystem_id,
                                    int ranks = 0);

  // Runs over ranks go to `launcher` (must outlive the registry); null:
  // none.
  void set_launcher(Launcher* launcher) { launcher_ = launcher; }

  // The run and, if it succeeded, its report. NotFound for an unknown id.
  absl::StatusOr<v1::GetRunResponse> Get(const std::string& id) const;

  // Newest first, `page_size` at most (0 means 50; at most 1000), from
  // `page_token` (as returned in next_page_token), only `state` unless
  // UNSPECIFIED. InvalidArgument for a bad page size or token.
  absl::StatusOr<v1::ListRunsResponse> List(
      const v1::ListRunsRequest& request) const;

  // Asks a queued or running run to stop; it ends CANCELLED. The run as it
  // is now. NotFound; FailedPrecondition if it has already ended.
  absl::StatusOr<v1::RunInfo> Cancel(const std::string& id);

  // Calls `update` with the run now and after each change (progress moves
  // at least 1%, or the state changes) until it ends, then once more with
  // the final state and the report if it succeeded. Returns early, OK, if
  // `stop()` becomes true (the watcher went away). NotFound.
  absl::Status Watch(
      const std::string& id,
      const std::function<bool(const v1::RunInfo&, const v1::Report*)>& update,
      const std::function<bool()>& stop) const;

  // Kept runs by state name ("RUN_STATE_RUNNING", ...), for metrics.
  std::map<std::string, int64_t> CountByState() const;

  // Lets runs in flight finish for up to `grace`, then cancels the rest
  // through their cancel tokens (they end CANCELLED) and waits for them.
  // Starts no run afterwards (Start: Unavailable).
  void Shutdown(absl::Duration grace);

 private:
  struct Run {
    v1::RunInfo info;
    v1::Scenario scenario;
    std::string ecosystem_id;
    int ranks = 0;
    std::shared_ptr<const v1::Report> report;
    CancelToken cancel;
  };

  void Execute(Run* run);
  // Records the run's end (state, report or error), writes it, wakes
  // watchers.
  void Finish(Run* run, absl::StatusOr<v1::Report> report);
  void Update(Run* run, const std::function<void(v1::RunInfo*)>& change);
  // Writes a run's files (the scenario and report if given); errors are
  // logged, never fatal to the run. Call without mu_ held.
  void Persist(const v1::RunInfo& info, const v1::Scenario* scenario,
               const v1::Report* report) const;
  std::string PathOf(const std::string& id, const char* kind) const;

  Runner* runner_;
  Launcher* launcher_ = nullptr;
  const std::string data_dir_;
  mutable absl::Mutex mu_;
  mutable absl::CondVar changed_;  // any run's info changed
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_number_ ABSL_GUARDED_BY(mu_) = 1;
  // By run number; unique_ptr keeps each Run's address stable.
  std::map<int64_t, std::unique_ptr<Run>> runs_ ABSL_GUARDED_BY(mu_);
  WorkerPool pool_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_RUN_REGISTRY_H_
