// A minimal parallel-for over numbered tasks.
//
//   ParallelFor(shards, threads, [&](int64_t shard, int worker) { ... });
//
// Tasks are handed out in increasing order from a shared counter; `worker`
// in [0, threads) identifies the calling thread so callers can keep one
// accumulator per worker. Results must not depend on which worker ran which
// task: the engine's accumulators are integer counters, whose sums do not
// depend on order.
#ifndef AIOTREACH_ENGINE_PARALLEL_H_
#define AIOTREACH_ENGINE_PARALLEL_H_

#include <cstdint>
#include <functional>

namespace aiotreach {

// Runs fn(task, worker) for every task in [0, tasks) on min(threads, tasks)
// threads (the caller's thread is one of them) and returns when all are
// done. threads <= 0 means the machine's hardware concurrency.
void ParallelFor(int64_t tasks, int threads,
                 const std::function<void(int64_t task, int worker)>& fn);

// The thread count ParallelFor will use for `threads`.
int ResolveThreads(int threads);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_PARALLEL_H_
