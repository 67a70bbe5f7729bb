// Simulates one live stream's audience on a population, minute by minute
// and arrival by arrival, into a StreamReport (docs/LIVE_STREAMS.md).
//
//   StreamSimulator sim(*population, stream, campaign.target(), seed);
//   absl::StatusOr<StreamOutcome> out = sim.Run(options, &promotions, reached);
//
// Two steps. A sharded pass over the households (threads as any run) marks
// each person in one byte: the device they would watch on, fan or not, a
// casting link, in the campaign's target or not; it also draws the fans'
// notification opens. Then the play (stream_play.h) runs minute by minute
// in cells of households on every thread: each cell serves its arrivals
// (opens, share click-throughs, promoted joins, discovery encounters drawn
// from the heat of the minute before) in time order, each starting a
// session unless the person is already watching. Every draw is keyed by
// (seed, stream, and person, minute or cell), and the cells' sums are
// integers, so the outcome does not depend on threads or shard size.
//
// Thread-safe: Run() is const.
#ifndef AIOTREACH_ENGINE_LIVE_STREAM_SIMULATOR_H_
#define AIOTREACH_ENGINE_LIVE_STREAM_SIMULATOR_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "aiotreach/v1/report.pb.h"
#include "engine/campaign.h"
#include "engine/live/stream_spec.h"
#include "engine/population.h"
#include "engine/run_options.h"
#include "engine/stream_feed.h"

namespace aiotreach {

struct StreamOutcome {
  v1::StreamReport report;
  // Viewers in the campaign's target, and those of them in `reached`.
  int64_t target_viewers = 0;
  int64_t target_viewers_reached = 0;
  // The target's people, and households with a target member: the
  // universe of a scenario without placements (no campaign pass).
  int64_t target_people = 0;
  int64_t target_households = 0;
};

class StreamSimulator {
 public:
  // All references must outlive the simulator.
  StreamSimulator(const Population& population, const CompiledStream& stream,
                  const CompiledTarget& target, uint64_t seed)
      : population_(population),
        stream_(stream),
        target_(target),
        seed_(seed) {}

  // `promotions` (may be null): exposures to the stream's promoting
  // placements on its day, in any order. `reached` (may be null): the
  // campaign's reached people, for target_viewers_reached. CancelledError
  // or DeadlineExceeded when options.cancel fires (polled every
  // kCancelPollUnits people or arrivals).
  absl::StatusOr<StreamOutcome> Run(
      const RunOptions& options,
      const std::vector<PromotionExposure>* promotions,
      const PersonBits* reached) const;

 private:
  const Population& population_;
  const CompiledStream& stream_;
  const CompiledTarget& target_;
  uint64_t seed_;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_LIVE_STREAM_SIMULATOR_H_
