#include "engine/sharded_run.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "engine/parallel.h"

namespace aiotreach {

ShardedRun::ShardedRun(int64_t households, const TallyShape& shape,
                       const RunOptions& options, int64_t passes)
    : options_(options) {
  if (options.shard_households < 1) {
    status_ = absl::InvalidArgumentError(absl::StrCat(
        "shard_households: must be >= 1, got ", options.shard_households));
    return;
  }
  if (options.cluster != nullptr && options.cluster->size() > households) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("ranks: ", options.cluster->size(), " MPI ranks for ",
                     households, " households; use at most ", households,
                     " (each rank simulates whole households)"));
    return;
  }
  shards_ =
      (households + options.shard_households - 1) / options.shard_households;
  end_ = shards_;
  if (options.cluster != nullptr) {
    std::tie(first_, end_) =
        RankRange(shards_, options.cluster->rank(), options.cluster->size());
  }
  threads_ = static_cast<int>(std::max<int64_t>(
      1, std::min<int64_t>(ResolveThreads(options.threads), end_ - first_)));
  steps_ = std::max<int64_t>(1, (end_ - first_) * passes);
  tallies_.assign(threads_, Tally(shape));
}

absl::Status ShardedRun::ForEachShard(
    const std::function<void(int64_t shard, int worker)>& body) {
  const CancelToken* cancel = options_.cancel;
  auto stopped = [cancel] { return cancel != nullptr && cancel->Poll(); };
  if (stopped()) return StoppedStatus(*cancel, "simulation");
  ParallelFor(end_ - first_, threads_, [&](int64_t s, int w) {
    if (cancel != nullptr && cancel->cancelled()) return;
    body(first_ + s, w);
    if (options_.progress) {
      std::lock_guard<std::mutex> lock(progress_mu_);
      options_.progress(static_cast<double>(++done_) / steps_);
    }
  });
  if (stopped()) return StoppedStatus(*cancel, "simulation");
  return absl::OkStatus();
}

Tally ShardedRun::Total() const {
  Tally total(tallies_.front().shape());
  for (const Tally& t : tallies_) total.Merge(t);
  SumOverRanks(total.mutable_values().data(), total.values().size());
  return total;
}

void ShardedRun::SumOverRanks(int64_t* values, size_t n) const {
  if (options_.cluster != nullptr) options_.cluster->Sum(values, n);
}

}  // namespace aiotreach
