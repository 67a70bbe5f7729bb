// A Cluster whose ranks are threads of one process, for tests: the same
// collectives as MPI's, so a test can run a scenario on 1..N ranks without
// mpirun and compare the reports.
//
//   ThreadCluster::Run(3, [&](const Cluster& cluster) {
//     RunOptions options;
//     options.cluster = &cluster;
//     reports[cluster.rank()] = RunScenario(scenario, options);
//   });
#ifndef AIOTREACH_ENGINE_THREAD_CLUSTER_H_
#define AIOTREACH_ENGINE_THREAD_CLUSTER_H_

#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/cluster.h"

namespace aiotreach {

class ThreadCluster : public Cluster {
 public:
  // Runs fn on `ranks` threads, each with its own rank, and waits for all.
  static void Run(int ranks, const std::function<void(const Cluster&)>& fn) {
    Shared shared(ranks);
    std::vector<std::thread> threads;
    for (int r = 0; r < ranks; ++r) {
      threads.emplace_back(
          [&shared, &fn, r] { fn(ThreadCluster(&shared, r)); });
    }
    for (std::thread& t : threads) t.join();
  }

  int rank() const override { return rank_; }
  int size() const override { return shared_->ranks; }

  void Sum(int64_t* values, size_t n) const override {
    Reduce(values, n, [](int64_t a, int64_t b) { return a + b; });
  }
  void Or(uint64_t* words, size_t n) const override {
    Reduce(words, n, [](uint64_t a, uint64_t b) { return a | b; });
  }
  std::vector<std::string> AllGather(const std::string& mine) const override {
    shared_->slots[rank_] = mine;
    shared_->Wait();
    std::vector<std::string> all = shared_->slots;
    shared_->Wait();
    return all;
  }
  void Broadcast(std::string* value) const override {
    *value = AllGather(*value)[0];
  }

 private:
  struct Shared {
    explicit Shared(int n) : ranks(n), slots(n) {}
    // A barrier: returns when every rank has called it.
    void Wait() {
      std::unique_lock<std::mutex> lock(mu);
      const int64_t generation = passed;
      if (++arrived == ranks) {
        arrived = 0;
        ++passed;
        cv.notify_all();
      } else {
        cv.wait(lock, [&] { return passed != generation; });
      }
    }
    const int ranks;
    std::vector<std::string> slots;
    std::mutex mu;
    std::condition_variable cv;
    int arrived = 0;
    int64_t passed = 0;
  };

  ThreadCluster(Shared* shared, int rank) : shared_(shared), rank_(rank) {}

  template <typename T, typename Op>
  void Reduce(T* values, size_t n, Op op) const {
    const std::string mine(reinterpret_cast<const char*>(values),
                           n * sizeof(T));
    const std::vector<std::string> all = AllGather(mine);
    for (size_t i = 0; i < n; ++i) {
      T acc{};
      for (const std::string& part : all) {
        T v;
        std::memcpy(&v, part.data() + i * sizeof(T), sizeof(T));
        acc = op(acc, v);
      }
      values[i] = acc;
    }
  }

  Shared* shared_;
  int rank_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_THREAD_CLUSTER_H_
