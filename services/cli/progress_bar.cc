#include "services/cli/progress_bar.h"

#include "absl/strings/str_format.h"

namespace aiotreach {

double ProgressBar::OverallLocked() const {
  double sum = 0.0;
  for (double f : fractions_) sum += f;
  return total_ > 0 ? sum / total_ : 1.0;
}

void ProgressBar::LineLocked() {
  const double p = OverallLocked();
  if (p < lined_ + 0.01) return;
  lined_ = p;
  *lines_ << absl::StrFormat("progress %.4f\n", p) << std::flush;
}

void ProgressBar::DrawLocked() {
  const double p = OverallLocked();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(p * kWidth + 0.5);
  std::string bar =
      std::string(filled, '#') + std::string(kWidth - filled, '.');
  std::string remaining = "?";
  if (p > 0.02) remaining = Clock(elapsed * (1.0 - p) / p);
  out_ << "\r\033[K[" << bar << "] " << done_ << "/" << total_ << " scenarios  "
       << current_ << " " << static_cast<int>(100 * current_fraction_)
       << "%  elapsed " << Clock(elapsed) << "  left ~" << remaining
       << std::flush;
}

std::string ProgressBar::Clock(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace aiotreach
