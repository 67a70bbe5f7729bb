// The seam between one run and the processes (ranks) it is spread over
// (docs/CLUSTER.md). A run with a Cluster simulates only its rank's range
// of shards and meets the other ranks in collectives: every rank calls the
// same collectives in the same order, with the same sizes. Everything that
// crosses ranks is an exact integer (tallies, pacing counts, reach bits) or
// a list whose order the receiver fixes, so a report is byte-identical
// whatever the number of ranks.
//
//   RunOptions options;
//   options.cluster = &cluster;  // null: one process
//   RunScenario(scenario, options);  // on every rank
//
// services/mpi implements it over MPI; engine/thread_cluster.h over
// threads of one process, for tests.
#ifndef AIOTREACH_ENGINE_CLUSTER_H_
#define AIOTREACH_ENGINE_CLUSTER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace aiotreach {

class Cluster {
 public:
  virtual ~Cluster() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Element-wise sum over the ranks, in place on every rank.
  virtual void Sum(int64_t* values, size_t n) const = 0;
  // Element-wise bitwise or over the ranks, in place on every rank.
  virtual void Or(uint64_t* words, size_t n) const = 0;
  // Every rank's `mine`, in rank order, on every rank.
  virtual std::vector<std::string> AllGather(const std::string& mine) const = 0;
  // Rank 0's *value on every rank.
  virtual void Broadcast(std::string* value) const = 0;
};

// The part [first, last) of `count` items that rank `rank` of `ranks`
// takes: contiguous, in rank order, sizes differing by at most one.
std::pair<int64_t, int64_t> RankRange(int64_t count, int rank, int ranks);

// Every rank's status agreed: OK if OK on every rank, else the error of the
// lowest failing rank (its code and message, after "rank R: " unless R is
// 0) on every rank. With a null cluster, `mine`. A collective: call it on
// every rank.
absl::Status AgreeStatus(const Cluster* cluster, const absl::Status& mine);

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_CLUSTER_H_
