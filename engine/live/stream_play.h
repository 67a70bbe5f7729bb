// The play of one live stream, in cells of households played in parallel
// minute by minute (internal to engine/live; docs/LIVE_STREAMS.md).
//
// The population is cut into cells of kCellHouseholds households. Each
// cell owns its people's viewer state, its arrivals (planned ones sorted
// once, ones made during the play in a heap) and its discovery encounters
// (a Poisson count per cell and minute, keyed by both, thinned to the
// people who can watch and are not fans). Within a minute the
// cells are independent: co-viewers share a household, hence a cell; a
// share click to a contact of the same cell is queued at its time, one to
// another cell waits for the end of the minute if it would land before it
// (it is delivered at the minute boundary, at max(its time, the boundary)).
// Between minutes the cells' counters are added up (integers, viewer-time
// in fixed point) to give the room's heat for discovery. So the report is a
// function of the cells, never of the threads that played them.
//
// Over ranks (engine/cluster.h), each rank plays its contiguous range of
// the cells (RankRange): at each minute's end the ranks add up the
// minute's counters (so every rank sees the same heat) and exchange the
// share clicks bound for each other's cells, which every cell receives in
// the same order as in one process; the report's counts are added up over
// the ranks at the end. The report does not depend on the ranks either.
//
//   StreamPlay play(population, stream, seed, audience, threads, cancel);
//   // The pass, cell by cell (any threads): people's bytes, then
//   play.SetCell(c, std::move(opens));
//   play.Plan(promoted_join);  ...
//   if (!play.Run()) { /* cancelled */ }
//   play.Fill(&report);
#ifndef AIOTREACH_ENGINE_LIVE_STREAM_PLAY_H_
#define AIOTREACH_ENGINE_LIVE_STREAM_PLAY_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "aiotreach/v1/report.pb.h"
#include "engine/cancel.h"
#include "engine/cluster.h"
#include "engine/live/stream_internal.h"
#include "engine/live/stream_spec.h"
#include "engine/population.h"

namespace aiotreach {
namespace live {

// Households a cell holds.
inline constexpr int64_t kCellHouseholds = 16384;

class StreamPlay {
 public:
  // All references must outlive the play; `audience` is read only (only
  // the bytes of this rank's people are read). `cluster`: the ranks the
  // play is spread over, or null for one process.
  StreamPlay(const Population& population, const CompiledStream& stream,
             uint64_t seed, const Audience& audience, int threads,
             const CancelToken* cancel, const Cluster* cluster);
  ~StreamPlay();

  // Cells and the households each holds: [CellBegin(c), CellBegin(c + 1)).
  int64_t cells() const;
  int64_t CellBegin(int64_t c) const {
    return std::min(c * kCellHouseholds, population_.households());
  }
  // This rank's cells: [first_cell(), end_cell()).
  int64_t first_cell() const { return first_cell_; }
  int64_t end_cell() const { return end_cell_; }

  // What the pass found of cell c: its opens (arrivals known before the
  // play, in the order they were made: by person, then time). Once per
  // cell, before Plan; cells may be set concurrently.
  void SetCell(int64_t c, std::vector<PlannedArrival> opens);

  // Another arrival known before the play (a promoted join), after every
  // SetCell. Arrivals of one person are planned in the order they were
  // made. An arrival for another rank's cell is left to that rank.
  void Plan(const PlannedArrival& a);

  // Plays the stream; false if cancelled (on any rank: every rank stops at
  // the same minute).
  bool Run();

  // The stream's report, but new_followers and fan_viewers (ForEachViewer).
  // A collective over the ranks.
  void Fill(v1::StreamReport* report) const;

  // Calls fn(person, minutes watched, worker) for every viewer of this
  // rank's cells, cells spread over the threads (worker in [0, threads)),
  // in no fixed order.
  void ForEachViewer(const std::function<void(uint32_t person, float minutes,
                                              int worker)>& fn) const;
  int threads() const { return threads_; }

 private:
  struct Cell;
  struct Worker;
  class CellPlay;

  const Population& population_;
  const CompiledStream& s_;
  const uint64_t seed_;
  const Audience& audience_;
  const int threads_;
  const CancelToken* cancel_;
  const Cluster* cluster_;
  const int minutes_;
  int64_t first_cell_ = 0;
  int64_t end_cell_ = 0;
  std::vector<Cell> cells_;
  std::vector<uint32_t> cell_first_person_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Sums values[0, n) over the ranks in place; nothing without a cluster.
  void SumOverRanks(int64_t* values, size_t n) const;
  // Ends minute m: adds up its viewer-time over the workers and ranks and
  // draws its likes; true if any rank was cancelled.
  bool FinishMinute(int m);
  // Queues the share clicks made during a minute for other cells, from
  // every rank, in an order that depends on the cells only.
  void DeliverMail();

  // Per minute, totals over the cells once the minute is over.
  std::vector<int64_t> viewer_ticks_;
  std::vector<int64_t> likes_;
  int64_t full_running_ = 0;
};

}  // namespace live
}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_LIVE_STREAM_PLAY_H_
