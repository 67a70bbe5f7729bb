// The batch's progress bar: one line, redrawn in place with '\r', above
// which the rows of finished scenarios are printed.
//
//   ProgressBar bar(isatty(1), jobs, std::cout);
//   bar.Update(i, "w1_1m", 0.4);   // job i is 40% done
//   bar.Finish(i, row);            // prints the row above the bar
//   bar.Clear();
#ifndef AIOTREACH_SERVICES_CLI_PROGRESS_BAR_H_
#define AIOTREACH_SERVICES_CLI_PROGRESS_BAR_H_

#include <chrono>
#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace aiotreach {

// Thread-safe; a no-op when disabled (rows are still printed).
class ProgressBar {
 public:
  ProgressBar(bool enabled, size_t total, std::ostream& out)
      : enabled_(enabled),
        total_(total),
        out_(out),
        start_(std::chrono::steady_clock::now()),
        fractions_(total, 0.0) {}

  // Also writes "progress <fraction of all jobs>" lines to `lines` each
  // time the fraction moves by 1% (for a program reading the batch's
  // output: the service's launcher).
  void set_lines(std::ostream* lines) { lines_ = lines; }

  // Job `i` (named `name`) reports `fraction` of its work done.
  void Update(size_t i, const std::string& name, double fraction) {
    if (!enabled_ && lines_ == nullptr) return;
    std::lock_guard<std::mutex> lock(mu_);
    fractions_[i] = fraction;
    if (lines_ != nullptr) LineLocked();
    if (!enabled_) return;
    current_ = name;
    current_fraction_ = fraction;
    const auto now = std::chrono::steady_clock::now();
    if (now - drawn_ < std::chrono::milliseconds(100)) return;
    drawn_ = now;
    DrawLocked();
  }

  // Prints `row` (whole lines) above the bar; job `i` is done.
  void Finish(size_t i, const std::string& row) {
    std::lock_guard<std::mutex> lock(mu_);
    if (i < fractions_.size()) fractions_[i] = 1.0;
    ++done_;
    if (enabled_) out_ << "\r\033[K";
    out_ << row;
    if (enabled_ && done_ < total_) DrawLocked();
    out_.flush();
  }

  void Clear() {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mu_);
    out_ << "\r\033[K" << std::flush;
  }

 private:
  void DrawLocked();
  void LineLocked();
  double OverallLocked() const;

  // "1:05".
  static std::string Clock(double seconds);

  const bool enabled_;
  const size_t total_;
  std::ostream& out_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::vector<double> fractions_;
  size_t done_ = 0;
  std::string current_;
  double current_fraction_ = 0.0;
  std::chrono::steady_clock::time_point drawn_{};
  std::ostream* lines_ = nullptr;
  double lined_ = -1.0;  // the fraction last written to lines_
};

}  // namespace aiotreach

#endif  // AIOTREACH_SERVICES_CLI_PROGRESS_BAR_H_
