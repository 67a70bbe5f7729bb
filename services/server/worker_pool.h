// A fixed set of threads taking tasks from a queue: the server's kept runs
// execute here, so a server that has started a million runs holds as many
// threads as it has workers, not one per run.
//
//   WorkerPool pool(2);
//   pool.Schedule([] { ... });
//   pool.Join();  // runs what is queued, then stops the threads
//
// Thread-safe. The queue itself is unbounded: callers bound it (the
// RunRegistry through Runner::Reserve).
#ifndef AIOTREACH_SERVICES_SERVER_WORKER_POOL_H_
#define AIOTREACH_SERVICES_SERVER_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace aiotreach {

class WorkerPool {
 public:
  // Starts `threads` (>= 1) threads.
  explicit WorkerPool(int threads);
  // Join().
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (and `task` dropped) after Join() has begun.
  bool Schedule(std::function<void()> task);

  // Runs every task already queued, then stops and joins the threads.
  // Idempotent.
  void Join();

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool joining_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_SERVER_WORKER_POOL_H_
