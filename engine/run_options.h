// Options of a simulation run, shared by the engine's front door and the
// simulator. None of them changes results (except day_by_day, a testing
// knob); they change speed, memory, and how a run reports progress or
// stops.
#ifndef AIOTREACH_ENGINE_RUN_OPTIONS_H_
#define AIOTREACH_ENGINE_RUN_OPTIONS_H_

#include <cstdint>
#include <functional>

#include "engine/cancel.h"
#include "engine/cluster.h"

namespace aiotreach {

struct RunOptions {
  // Worker threads; 0 means one per hardware thread.
  int threads = 0;
  // Households per shard, the unit of work handed to a thread. Must be
  // >= 1.
  int64_t shard_households = 8192;
  // Polled before each shard; on cancel the run returns CancelledError.
  const CancelToken* cancel = nullptr;
  // Called with the fraction of shards done, in (0, 1], after each shard,
  // from worker threads one at a time; fractions never decrease.
  std::function<void(double fraction)> progress;
  // Simulate day by day even when the scenario does not need it. The
  // day-by-day path draws from other streams: the same distribution,
  // other numbers. For cross-checks of the two paths.
  bool day_by_day = false;
  // The ranks this run is spread over (engine/cluster.h), or null for one
  // process. Reports do not depend on it.
  const Cluster* cluster = nullptr;
  // Optional: called after each replicate that finished, with the
  // person-days it simulated (people x flight days), from the calling
  // thread. For the service's metrics.
  std::function<void(int64_t person_days)> simulated;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_RUN_OPTIONS_H_
