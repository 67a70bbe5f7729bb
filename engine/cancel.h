// A cancellation flag shared between a caller and a running simulation.
//
// The caller (a CLI's signal handler, an RPC's cancellation or deadline)
// calls Cancel(); the engine polls cancelled() between shards and stops
// with absl::CancelledError. Thread-safe.
#ifndef AIOTREACH_ENGINE_CANCEL_H_
#define AIOTREACH_ENGINE_CANCEL_H_

#include <atomic>

namespace aiotreach {

class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_CANCEL_H_
