// Stopping a running simulation: a cancellation flag shared between a caller
// and the engine, an optional deadline, and an optional probe of the caller
// (an RPC's "has the client gone?").
//
//   CancelToken token;
//   token.set_deadline(absl::Now() + absl::Seconds(30));
//   token.set_probe([context] { return context->IsCancelled(); });
//   options.cancel = &token;           // RunOptions
//   ... from any thread: token.Cancel();
//
// The engine polls the token through a CancelPoller every kCancelPollUnits
// units of work (one unit: a household visited or an event drawn or
// served), so a run notices a cancel, a passed deadline or a gone caller
// within that much work, whatever the scenario; it then returns
// StoppedStatus(): CancelledError, or DeadlineExceededError once the
// deadline has passed. No thread watches the token.
//
// Thread-safe: Cancel() and Poll() from any thread. set_deadline() and
// set_probe() before the run starts.
#ifndef AIOTREACH_ENGINE_CANCEL_H_
#define AIOTREACH_ENGINE_CANCEL_H_

#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace aiotreach {

class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }

  // The run stops once absl::Now() reaches `deadline` (default: never).
  void set_deadline(absl::Time deadline) { deadline_ = deadline; }
  absl::Time deadline() const { return deadline_; }
  // Called at each poll; the run stops once it returns true. Must be
  // thread-safe and cheap (it runs every kCancelPollUnits units of work).
  void set_probe(std::function<bool()> probe) { probe_ = std::move(probe); }

  // The flag only: cheap, no clock.
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

  // The flag, the deadline and the probe; latches the flag when either of
  // the last two fires, so that later cancelled() calls see it.
  bool Poll() const {
    if (cancelled()) return true;
    if ((deadline_ != absl::InfiniteFuture() && absl::Now() >= deadline_) ||
        (probe_ && probe_())) {
      cancelled_.store(true, std::memory_order_relaxed);
      return true;
    }
    return false;
  }

  // True if the deadline has passed.
  bool deadline_passed() const {
    return deadline_ != absl::InfiniteFuture() && absl::Now() >= deadline_;
  }

 private:
  mutable std::atomic<bool> cancelled_{false};
  absl::Time deadline_ = absl::InfiniteFuture();
  std::function<bool()> probe_;
};

// Units of work (households visited, events drawn or served) between two
// polls of the token: well under a millisecond of work.
inline constexpr int64_t kCancelPollUnits = 1 << 16;

// The status of a run the token stopped: DeadlineExceeded if the deadline
// has passed, else Cancelled. `what` says what stopped ("simulation").
inline absl::Status StoppedStatus(const CancelToken& token, const char* what) {
  if (token.deadline_passed()) {
    return absl::DeadlineExceededError(
        absl::StrCat(what, " stopped: its deadline passed"));
  }
  return absl::CancelledError(absl::StrCat(what, " cancelled"));
}

// Counts a worker's units of work and polls the token every
// kCancelPollUnits of them. One per worker thread; not thread-safe.
//
//   CancelPoller poll(options.cancel);
//   for (...) { if (poll.Tick()) return; ... }
class CancelPoller {
 public:
  explicit CancelPoller(const CancelToken* token) : token_(token) {}

  // Adds `units` of work; true if the run must stop (sticky).
  bool Tick(int64_t units = 1) {
    pending_ += units;
    if (pending_ < kCancelPollUnits) return stopped_;
    pending_ = 0;
    return Check();
  }
  // Polls now, whatever the work since the last poll.
  bool Check() {
    if (!stopped_ && token_ != nullptr) stopped_ = token_->Poll();
    return stopped_;
  }
  bool stopped() const { return stopped_; }

 private:
  const CancelToken* token_;
  int64_t pending_ = 0;
  bool stopped_ = false;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_CANCEL_H_
