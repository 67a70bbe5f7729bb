// The command-line face's options, and the one place they become the
// engine's run options and a memory budget.
//
//   CliOptions options;
//   options.threads = 2;
//   RunOptions run = EngineOptions(options, options.threads);
#ifndef AIOTREACH_SERVICES_CLI_CLI_OPTIONS_H_
#define AIOTREACH_SERVICES_CLI_CLI_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/engine.h"
#include "engine/run_options.h"

namespace aiotreach {

struct CliOptions {
  // Directory for reports; created if missing. Default "reports".
  std::string out_dir = "reports";
  // Output formats among "json", "csv" and "html". Default json and csv.
  std::vector<std::string> formats = {"json", "csv"};
  // Engine threads; 0 = one per hardware thread.
  int threads = 0;
  // Households per shard; changes speed, never results.
  int64_t shard_households = 8192;
  // Stop at the first failing scenario (the rest are reported not run).
  bool fail_fast = false;
  // Print only errors and the final line.
  bool quiet = false;
  // Draw a progress bar (scenarios done, the current one's fraction,
  // elapsed and remaining time) between the rows: for a terminal. Without
  // it, one plain line per scenario.
  bool progress_bar = false;
  // Writes "progress <fraction>" lines to stderr as the batch goes (rank 0
  // only): for programs that run batches (the service's --launcher).
  bool progress_lines = false;
  // Skip scenarios whose input, engine version and formats are unchanged
  // since their outputs were written (a content hash beside them).
  bool skip_up_to_date = false;
  // Files and folders of these names are left out when searching folders.
  std::vector<std::string> exclude;
  // Memory the scenarios running at once may take together, MiB (each
  // one's estimate: a few MiB on the flight-at-once path, 10 to 20 bytes
  // a person day by day, by the scenario). A scenario that could never fit
  // fails with the estimate and the budget before anything is allocated; others
  // wait for room. 0: three quarters of this machine's memory.
  int64_t memory_budget_mb = 0;
  // The ranks of `mpirun -np N aiotreach run` (engine/cluster.h), or null.
  // Every rank runs every scenario's share; rank 0 alone prints and writes.
  const Cluster* cluster = nullptr;
};

// The engine's options for a run of the CLI on `threads` threads.
RunOptions EngineOptions(const CliOptions& options, int threads);

// The MPI ranks a run spreads over (1 without a cluster).
int Ranks(const CliOptions& options);

// Rank 0 of a run over ranks, or the only process: the one that prints and
// writes.
inline bool Leads(const CliOptions& options) {
  return options.cluster == nullptr || options.cluster->rank() == 0;
}

// options.memory_budget_mb in bytes, or three quarters of the machine's
// physical memory when it is 0.
int64_t MemoryBudgetBytes(const CliOptions& options);

// ResourceExhausted, with the estimate and the budget, if the prepared
// scenario's memory estimate exceeds MemoryBudgetBytes(options).
absl::Status CheckMemory(const PreparedScenario& prepared,
                         const CliOptions& options);

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_CLI_CLI_OPTIONS_H_
