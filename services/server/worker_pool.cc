#include "services/server/worker_pool.h"

#include <algorithm>

namespace aiotreach {

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i)
    threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() { Join(); }

bool WorkerPool::Schedule(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (joining_) return false;
  tasks_.push_back(std::move(task));
  return true;
}

void WorkerPool::Work() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !tasks_.empty() || joining_;
      };
      mu_.Await(absl::Condition(&ready));
      if (tasks_.empty()) return;  // joining, nothing left
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void WorkerPool::Join() {
  {
    absl::MutexLock lock(&mu_);
    if (joining_ && threads_.empty()) return;
    joining_ = true;
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace aiotreach
