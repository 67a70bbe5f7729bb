#include "services/cli/cli_options.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "engine/validation.h"

namespace aiotreach {

RunOptions EngineOptions(const CliOptions& options, int threads) {
  RunOptions run;
  run.threads = threads;
  run.shard_households = options.shard_households;
  run.cluster = options.cluster;
  return run;
}

int64_t MemoryBudgetBytes(const CliOptions& options) {
  if (options.memory_budget_mb > 0) return options.memory_budget_mb << 20;
  const int64_t pages = sysconf(_SC_PHYS_PAGES);
  const int64_t page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return int64_t{4} << 30;
  return pages * page / 4 * 3;
}

int Ranks(const CliOptions& options) {
  return options.cluster != nullptr ? options.cluster->size() : 1;
}

absl::Status CheckMemory(const PreparedScenario& prepared,
                         const CliOptions& options) {
  const int64_t bytes = prepared.EstimateRunBytes(Ranks(options));
  const int64_t budget = MemoryBudgetBytes(options);
  if (bytes <= budget) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "the run needs about ", Mib(bytes),
      Ranks(options) > 1
          ? absl::StrCat(" a rank over ", Ranks(options), " ranks")
          : "",
      " and the memory budget is ", Mib(budget),
      options.memory_budget_mb > 0
          ? " (--memory_budget_mb)"
          : " (three quarters of this machine's memory; --memory_budget_mb "
            "sets it)",
      Ranks(options) > 1 ? "; use a smaller population or more ranks"
                         : "; use a smaller population (or MPI ranks: "
                           "docs/CLUSTER.md)"));
}

}  // namespace aiotreach
