// Simulates a campaign day by day, with opportunities placed in time: the
// path for scenarios with frequency caps, paced buys, dayparts, a target,
// interactions, voice follow-ups or conversions (Campaign::
// needs_day_loop()).
//
// Each day runs in up to two passes over all shards:
//  1. Paced placements only: every eligible device draws its opportunities
//     of the day; their total A_d over the population fixes the day's win
//     probability min(1, T_d / A_d), T_d from the goal left (docs/ENGINE.md).
//  2. Each household draws the won opportunities of its devices, each at a
//     time of day from the device's hour pattern within the dayparts, and
//     serves them in time order against the caps; every exposure updates
//     the person's reach and cap counters.
// What must outlive a day (reach, first day, placement masks, flight-cap
// counters) is kept per person for the whole population; the population is
// drawn once and kept too. After the last day a final pass counts reach,
// frequency, devices and conversions.
//
// Draws are keyed by (seed, placement stream, device owner, 1 + day), so the
// Tally is the same for any thread count or shard size. Integer sums over
// shards are order-free, so A_d and the delivered totals are too.
//
//   DaySimulator sim(*population, *campaign, seed);
//   absl::StatusOr<Tally> tally = sim.Run(options);
//
// Thread-safe: Run() is const and may run concurrently.
#ifndef AIOTREACH_ENGINE_DAY_SIMULATOR_H_
#define AIOTREACH_ENGINE_DAY_SIMULATOR_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "engine/campaign.h"
#include "engine/population.h"
#include "engine/run_options.h"
#include "engine/stream_feed.h"
#include "engine/tally.h"

namespace aiotreach {

class DaySimulator {
 public:
  // `population` and `campaign` must outlive the simulator.
  DaySimulator(const Population& population, const Campaign& campaign,
               uint64_t seed)
      : population_(population), campaign_(campaign), seed_(seed) {}

  // Simulates the flight on options.threads threads. InvalidArgument for
  // bad options, CancelledError on cancel (polled before each shard of
  // each day).
  absl::StatusOr<Tally> Run(const RunOptions& options) const;

  // The live streams' feed (reached people, promoting exposures), or null.
  // Must outlive Run().
  void set_stream_feed(StreamFeed* feed) { feed_ = feed; }

 private:
  const Population& population_;
  const Campaign& campaign_;
  uint64_t seed_;
  StreamFeed* feed_ = nullptr;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_DAY_SIMULATOR_H_
