// Hands a kept run to an MPI launcher (`aiotreach serve --launcher`): the
// scenario goes to a file, the job `<launcher> <aiotreach> run FILE ...`
// runs in its own process group, its progress lines move the run's
// fraction, cancelling stops the whole group, and the job's JSON report
// comes back as the run's report. The job is the same `aiotreach run` as
// any batch, so its report is the one a single process would give.
//
//   Launcher launcher(options);            // Validate(options) first
//   absl::StatusOr<v1::Report> report =
//       launcher.Run(scenario, /*ranks=*/4, "run-12", cancelled, progress);
//
// Thread-safe: each Run is its own job.
#ifndef AIOTREACH_SERVICES_SERVER_LAUNCHER_H_
#define AIOTREACH_SERVICES_SERVER_LAUNCHER_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aiotreach/v1/report.pb.h"
#include "aiotreach/v1/scenario.pb.h"

namespace aiotreach {

struct LauncherOptions {
  // The launcher's command up to the program it starts, with "{ranks}"
  // where the number of ranks goes: "mpirun -np {ranks}", "srun -n
  // {ranks}". Run through /bin/sh.
  std::string command;
  // The aiotreach binary the launcher starts; empty: this process's own.
  std::string binary;
  // Where jobs keep their files while they run (a folder per run);
  // removed when the run ends.
  std::string work_dir;
  int threads = 1;  // engine threads a rank
};

// InvalidArgument naming --launcher if `command` has no "{ranks}" or the
// binary cannot be found.
absl::Status ValidateLauncher(const LauncherOptions& options);

class Launcher {
 public:
  explicit Launcher(LauncherOptions options);
  // Removes the work folder if it made it (no work_dir given).
  ~Launcher();
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  // Runs `scenario` over `ranks` ranks as the run `id` (a name for its
  // folder). Polls `cancelled` as the job runs: once true, the job's
  // process group gets SIGTERM (SIGKILL 5 s later) and Run returns
  // Cancelled. `progress` gets the job's fraction done. Unavailable if the
  // launcher cannot be started (not found: the shell's message); Unknown
  // with the job's error and its last output lines if the job fails.
  absl::StatusOr<v1::Report> Run(const v1::Scenario& scenario, int ranks,
                                 const std::string& id,
                                 const std::function<bool()>& cancelled,
                                 const std::function<void(double)>& progress);

  const LauncherOptions& options() const { return options_; }

 private:
  LauncherOptions options_;
  bool owns_work_dir_ = false;
};

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_LAUNCHER_H_
