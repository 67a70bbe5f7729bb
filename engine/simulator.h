// Simulates a campaign on a population, shard by shard, into a Tally.
//
// A shard is a range of households. Each shard is drawn (Population::
// Generate), simulated and counted on its own; every random number is keyed
// by (seed, stream, entity), so the Tally is the same for any thread count,
// any shard size and any split of shards between processes (ranks, with
// options.cluster: engine/cluster.h):
//
//   Simulator sim(*population, *campaign, seed);
//   absl::StatusOr<Tally> tally = sim.Run(options);
//
// Thread-safe: Run() is const and may run concurrently.
#ifndef AIOTREACH_ENGINE_SIMULATOR_H_
#define AIOTREACH_ENGINE_SIMULATOR_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "engine/campaign.h"
#include "engine/cancel.h"
#include "engine/population.h"
#include "engine/run_options.h"
#include "engine/stream_feed.h"
#include "engine/tally.h"

namespace aiotreach {

// The counters' shape for a campaign on a population.
TallyShape MakeTallyShape(const Population& population,
                          const Campaign& campaign);

class Simulator {
 public:
  // `population` and `campaign` must outlive the Simulator. `seed` keys the
  // campaign's draws (the population has its own).
  Simulator(const Population& population, const Campaign& campaign,
            uint64_t seed)
      : population_(population), campaign_(campaign), seed_(seed) {}

  TallyShape shape() const;

  // Simulates every shard on options.threads threads. InvalidArgument for
  // bad options, CancelledError on cancel.
  absl::StatusOr<Tally> Run(const RunOptions& options) const;

  // Reached people go to feed->reached (feed may be null). Promotions need
  // times of day: the day-by-day path (DaySimulator). Must outlive Run().
  void set_stream_feed(StreamFeed* feed) { feed_ = feed; }

 private:
  const Population& population_;
  const Campaign& campaign_;
  uint64_t seed_;
  StreamFeed* feed_ = nullptr;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_SIMULATOR_H_
