#include "engine/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace aiotreach {

int ResolveThreads(int threads) {
  if (threads > 0) return threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

void ParallelFor(int64_t tasks, int threads,
                 const std::function<void(int64_t task, int worker)>& fn) {
  if (tasks <= 0) return;
  const int n =
      static_cast<int>(std::min<int64_t>(ResolveThreads(threads), tasks));
  std::atomic<int64_t> next{0};
  auto work = [&](int worker) {
    for (int64_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) {
      fn(t, worker);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(n - 1);
  for (int w = 1; w < n; ++w) pool.emplace_back(work, w);
  work(0);
  for (std::thread& t : pool) t.join();
}

}  // namespace aiotreach
