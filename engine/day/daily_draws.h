// The day loop's draws for one shard-day, in loops the compiler vectorises:
// each owner's first Philox block of the day's stream, its count (word 0:
// opportunities of a paced placement, else won opportunities), the paced
// placements' binomial thinning (word 1), and the compact list of owners
// with won opportunities. Internal to the day-by-day path.
//
//   DailyDraws draws(campaign, seed);
//   draws.DrawCounts(j, day, st);      // or DrawBlocks + pass 1's counts
//   draws.Thin(j, day, win, st);       // paced placements
//   draws.ListWon(j, st);
//   for (uint32_t o : draws.won(j)) ... draws.counts(j)[o] ...
//
// One per worker thread; not thread-safe.
#ifndef AIOTREACH_ENGINE_DAY_DAILY_DRAWS_H_
#define AIOTREACH_ENGINE_DAY_DAILY_DRAWS_H_

#include <cstdint>
#include <vector>

#include "engine/campaign.h"
#include "engine/day/shard_state.h"
#include "engine/rng.h"

namespace aiotreach {
namespace day {

class DailyDraws {
 public:
  // `campaign` must outlive the draws; `seed` keys the campaign's streams.
  DailyDraws(const Campaign& campaign, uint64_t seed);

  // counts(j)[o]: word 0's count for every owner o of the shard (owned
  // device and target or not); fills blocks(j) with the owners' first
  // blocks.
  void DrawCounts(int j, int day, const ShardState& st);
  // blocks(j): the first block of the day's stream of every owner.
  void DrawBlocks(int j, int day, const ShardState& st);
  // Paced placement j: thins counts(j) (the day's opportunities) to the won
  // ones, Binomial(n, win) from word 1. Call after the counts are in.
  void Thin(int j, int day, double win, const ShardState& st);
  // won(j): the owners with won opportunities of placement j on a device
  // they own, in the target, in owner order (a branch-free compaction);
  // won_household(j) their households, won_count(j) how many each.
  void ListWon(int j, const ShardState& st);

  // Placements drawn by leaves (DrawnByLeaves): each leaf's summed rate
  // weight into st->leaf_weight[j], once a shard (cut on leaf boundaries).
  void WeighLeaves(int j, ShardState* st);
  // Pass 1: the day's opportunities of every leaf of the shard into
  // st->leaf_opportunities[j]; returns their sum.
  int64_t CountLeaves(int j, int day, ShardState* st) const;
  // Pass 2: each leaf's won opportunities, Binomial(opportunities, win),
  // placed on its owners; fills won(j), won_household(j), won_count(j),
  // and the won opportunities' times of day as uniforms, each owner's
  // from won_uniforms(j)[won_time(j)[k]].
  void AllocateLeaves(int j, int day, double win, const ShardState& st);

  const RngBlocks& blocks(int j) const { return blocks_[j]; }
  std::vector<int32_t>& counts(int j) { return counts_[j]; }
  const std::vector<int32_t>& counts(int j) const { return counts_[j]; }
  const std::vector<uint32_t>& won(int j) const { return won_[j]; }
  const std::vector<uint32_t>& won_household(int j) const {
    return won_household_[j];
  }
  const std::vector<int32_t>& won_count(int j) const { return won_count_[j]; }
  // Placements drawn by leaves: the k-th won owner's times start at
  // won_uniforms(j)[won_time(j)[k]], or, if that is kOwnStream, are the
  // first words of the owner's own day stream. A leaf-day with more than
  // kMaxLeafPositions won opportunities places them owner by owner (a
  // binomial each), so the scratch and the times kept stay bounded.
  static constexpr uint32_t kOwnStream = ~0u;
  static constexpr int64_t kMaxLeafPositions = 4096;
  const std::vector<uint32_t>& won_time(int j) const { return won_time_[j]; }
  const std::vector<double>& won_uniforms(int j) const {
    return won_uniforms_[j];
  }

 private:
  // Flight inventories: the opportunities on `day` of every eligible owner
  // (the others 0), thinned to `q`.
  void InventoryCounts(int j, int day, double q, const ShardState& st,
                       int32_t* counts);
  // Of owner's n opportunities over the flight, those on `day`: binomial
  // splits of the flight down a binary tree of days by their weights.
  int64_t OnDay(const CompiledPlacement& p, uint32_t owner, int64_t n,
                int day) const;

  // A Poisson count past the batch's reach: inversion of word 0 for a mean
  // below kPoissonInversionLimit, else PTRS on the side stream.
  int32_t LargeCount(const CompiledPlacement& p, int day, uint32_t owner,
                     uint32_t word0, double mean) const;

  const Campaign& campaign_;
  const uint64_t seed_;
  // [placement][owner]
  std::vector<RngBlocks> blocks_;
  std::vector<std::vector<int32_t>> counts_;
  std::vector<std::vector<uint32_t>> won_;
  std::vector<std::vector<uint32_t>> won_household_;
  std::vector<std::vector<int32_t>> won_count_;
  std::vector<std::vector<uint32_t>> won_time_;
  std::vector<std::vector<double>> won_uniforms_;
  // The leaves' scratch: a leaf's owners' rate weights, their runs of
  // weight, its sorted positions and their owners.
  std::vector<double> weights_;
  std::vector<double> edges_;
  std::vector<double> spacings_;
  std::vector<int32_t> owner_of_;
  RngBlocks flight_blocks_;  // inventories: the owners' flight streams
};

}  // namespace day
}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_DAY_DAILY_DRAWS_H_
