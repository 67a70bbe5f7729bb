// The orchestration every simulation path shares: households cut into
// shards, passes over the shards on a pool of worker threads, one Tally per
// worker added up at the end, progress and cancellation.
//
//   ShardedRun run(population.households(), shape, options, /*passes=*/1);
//   AIOT_RETURN_IF_ERROR(run.status());
//   AIOT_RETURN_IF_ERROR(run.ForEachShard([&](int64_t shard, int worker) {
//     workers[worker]->RunShard(shard, run.shard_households());
//   }));
//   Tally total = run.Total();
//
// Threads within a process; with options.cluster, ranks across processes:
// each rank runs its own contiguous range of the shards (RankRange) and
// Total() adds up every rank's tallies. Integer tallies add up the same
// whatever ran where.
//
// Not thread-safe itself: call ForEachShard from one thread at a time (the
// body runs on the workers).
#ifndef AIOTREACH_ENGINE_SHARDED_RUN_H_
#define AIOTREACH_ENGINE_SHARDED_RUN_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "engine/cancel.h"
#include "engine/run_options.h"
#include "engine/tally.h"

namespace aiotreach {

class ShardedRun {
 public:
  // `households` cut in shards of options.shard_households; `passes` is
  // how many times the run will go over every shard (for progress: each
  // shard of each pass is one step).
  ShardedRun(int64_t households, const TallyShape& shape,
             const RunOptions& options, int64_t passes);

  ShardedRun(const ShardedRun&) = delete;
  ShardedRun& operator=(const ShardedRun&) = delete;

  // InvalidArgument for bad options (shard_households < 1).
  const absl::Status& status() const { return status_; }

  // All shards, and this rank's [first_shard(), end_shard()) of them.
  int64_t shards() const { return shards_; }
  int64_t first_shard() const { return first_; }
  int64_t end_shard() const { return end_; }
  int64_t shard_households() const { return options_.shard_households; }
  // Worker threads: at most one per shard of this rank (at least one).
  int threads() const { return threads_; }
  // Worker w's tally.
  Tally* tally(int worker) { return &tallies_[worker]; }
  const std::vector<Tally>& tallies() const { return tallies_; }

  // Runs body(shard, worker) for every shard of this rank on threads()
  // threads, one
  // progress step each. Returns StoppedStatus (Cancelled or
  // DeadlineExceeded) if the token fires before or during the pass: shards
  // not started are skipped, and bodies that poll it stop within
  // kCancelPollUnits units of work.
  absl::Status ForEachShard(
      const std::function<void(int64_t shard, int worker)>& body);

  // The workers' tallies added up, over every rank (a collective).
  Tally Total() const;

  // Sums values[0, n) over the ranks in place (a collective); nothing
  // without a cluster.
  void SumOverRanks(int64_t* values, size_t n) const;

 private:
  const RunOptions& options_;
  absl::Status status_;
  int64_t shards_ = 0;
  int64_t first_ = 0;
  int64_t end_ = 0;
  int threads_ = 1;
  int64_t steps_ = 1;
  int64_t done_ = 0;
  std::mutex progress_mu_;
  std::vector<Tally> tallies_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_SHARDED_RUN_H_
