#include "engine/day/daily_draws.h"

#include <algorithm>

#include "engine/distributions.h"
#include "engine/fast_math.h"

namespace aiotreach {
namespace day {

DailyDraws::DailyDraws(const Campaign& campaign, uint64_t seed)
    : campaign_(campaign),
      seed_(seed),
      blocks_(campaign.placements().size()),
      counts_(campaign.placements().size()),
      won_(campaign.placements().size()),
      won_household_(campaign.placements().size()) {}

void DailyDraws::DrawCounts(int j, int day, const ShardState& st) {
  const CompiledPlacement& p = campaign_.placements()[j];
  DrawBlocks(j, day, st);
  const Owners shard_owners = OwnersOf(p, st);
  const int owners = shard_owners.count;
  const uint32_t first = shard_owners.first;
  const RngBlocks& blocks = blocks_[j];
  std::vector<int32_t>& out = counts_[j];
  out.resize(owners);
  int32_t* counts = out.data();
  const RngBlock* b = blocks.data();
  const double mean = p.day_mean[day] * (p.paced() ? 1.0 : p.share_of_voice);
  if (p.process == Process::kInventory) {
    InventoryCounts(j, day, mean, st, counts);
    return;
  }
  if (p.process == Process::kBernoulli) {
    for (int o = 0; o < owners; ++o) counts[o] = Rng::ToUniform(b[o][0]) < mean;
    return;
  }
  if (!p.scale_by_activity) {
    const double e = Exp(-mean);
    for (int o = 0; o < owners; ++o)
      counts[o] = PoissonInverseHead(Rng::ToUniform(b[o][0]), mean, e);
    for (int o = 0; o < owners; ++o) {
      if (counts[o] >= kPoissonHeadTerms || mean >= kPoissonInversionLimit)
        counts[o] = LargeCount(p, day, first + o, b[o][0], mean);
    }
    return;
  }
  const float* activity = st.pop.activity.data();
  for (int o = 0; o < owners; ++o) {
    const double m = mean * activity[o];
    counts[o] = PoissonInverseHead(Rng::ToUniform(b[o][0]), m, Exp(-m));
  }
  for (int o = 0; o < owners; ++o) {
    const double m = mean * activity[o];
    if (counts[o] >= kPoissonHeadTerms || m >= kPoissonInversionLimit)
      counts[o] = LargeCount(p, day, first + o, b[o][0], m);
  }
}

void DailyDraws::InventoryCounts(int j, int day, double q, const ShardState& st,
                                 int32_t* counts) {
  const CompiledPlacement& p = campaign_.placements()[j];
  const Owners owners = OwnersOf(p, st);
  // Each owner's N from word 0 of its flight stream (as on the
  // flight-at-once path), the day's share of them, and its won ones from
  // word 0 of the day's stream.
  flight_blocks_.resize(owners.count);
  FirstBlocks(seed_, p.stream, 0, owners.first, owners.count,
              flight_blocks_.data());
  const RngBlock* day_blocks = blocks_[j].data();
  owners.devices->Visit([&](const auto* devices) {
    const int t = p.device_type;
    for (int o = 0; o < owners.count; ++o) {
      counts[o] = 0;
      if (!owners.Eligible(devices, o, t) || q <= 0.0) continue;
      const int64_t n =
          p.inventory.Sample(Rng::ToUniform(flight_blocks_[o][0]));
      const int64_t on_day = OnDay(p, owners.first + o, n, day);
      if (on_day == 0 || q >= 1.0) {
        counts[o] = static_cast<int32_t>(on_day);
      } else if (on_day * std::min(q, 1.0 - q) <= kBinomialChunkMean) {
        counts[o] = static_cast<int32_t>(
            BinomialInverse(Rng::ToUniform(day_blocks[o][0]), on_day, q));
      } else {
        Rng side(seed_, p.stream, owners.first + o,
                 DaySub(day) | kLargeCountSub);
        counts[o] = static_cast<int32_t>(SampleBinomial(side, on_day, q));
      }
    }
  });
}

int64_t DailyDraws::OnDay(const CompiledPlacement& p, uint32_t owner, int64_t n,
                          int day) const {
  const std::vector<double>& cumulative = p.inventory_cumulative;
  int lo = 0, hi = static_cast<int>(cumulative.size()) - 1;
  uint32_t node = 1;
  while (hi - lo > 1 && n > 0) {
    const int mid = (lo + hi) / 2;
    const double total = cumulative[hi] - cumulative[lo];
    const double left =
        total > 0.0 ? (cumulative[mid] - cumulative[lo]) / total : 0.0;
    Rng rng(seed_, p.stream, owner, kInventoryTreeSub | node);
    const int64_t k = SampleBinomial(rng, n, std::min(left, 1.0));
    if (day < mid) {
      n = k;
      hi = mid;
      node = 2 * node;
    } else {
      n -= k;
      lo = mid;
      node = 2 * node + 1;
    }
  }
  return n;
}

void DailyDraws::DrawBlocks(int j, int day, const ShardState& st) {
  const CompiledPlacement& p = campaign_.placements()[j];
  const Owners owners = OwnersOf(p, st);
  blocks_[j].resize(owners.count);
  FirstBlocks(seed_, p.stream, DaySub(day), owners.first, owners.count,
              blocks_[j].data());
}

int32_t DailyDraws::LargeCount(const CompiledPlacement& p, int day,
                               uint32_t owner, uint32_t word0,
                               double mean) const {
  if (mean < kPoissonInversionLimit)
    return static_cast<int32_t>(
        PoissonInverse(Rng::ToUniform(word0), mean, Exp(-mean)));
  Rng side(seed_, p.stream, owner, DaySub(day) | kLargeCountSub);
  return static_cast<int32_t>(SamplePoisson(side, mean));
}

void DailyDraws::ListWon(int j, const ShardState& st) {
  const CompiledPlacement& p = campaign_.placements()[j];
  const Owners owners = OwnersOf(p, st);
  const int32_t* counts = counts_[j].data();
  std::vector<uint32_t>& list = won_[j];
  list.resize(owners.count + 1);
  uint32_t* out = list.data();
  int n = 0;
  owners.devices->Visit([&](const auto* devices) {
    const int t = p.device_type;
    for (int o = 0; o < owners.count; ++o) {
      out[n] = static_cast<uint32_t>(o);
      n += (counts[o] > 0) & owners.Eligible(devices, o, t);
    }
  });
  list.resize(n);
  std::vector<uint32_t>& households = won_household_[j];
  households.resize(n);
  if (p.household_device) {
    std::copy(list.begin(), list.end(), households.begin());
    return;
  }
  for (int k = 0; k < n; ++k) households[k] = st.HouseholdOf(list[k]);
}

void DailyDraws::Thin(int j, int day, double win, const ShardState& st) {
  const CompiledPlacement& p = campaign_.placements()[j];
  const BinomialHeadTable table(win);
  int32_t* counts = counts_[j].data();
  const RngBlock* b = blocks_[j].data();
  const int owners = static_cast<int>(counts_[j].size());
  for (int o = 0; o < owners; ++o) {
    const int c = counts[o];
    const int n = std::min(c, kBinomialHeadTrials - 1);
    const int k = BinomialInverseHead(Rng::ToUniform(b[o][1]), n, table);
    counts[o] = c < kBinomialHeadTrials ? k : c;
  }
  const uint32_t first = OwnersOf(p, st).first;
  for (int o = 0; o < owners; ++o) {
    const int64_t n = counts[o];
    if (n < kBinomialHeadTrials) continue;
    // Large counts: the rare heavy device, or a very large rate.
    if (n * std::min(win, 1.0 - win) <= kBinomialChunkMean) {
      counts[o] = static_cast<int32_t>(
          BinomialInverse(Rng::ToUniform(b[o][1]), n, win));
    } else {
      Rng side(seed_, p.stream, first + o, DaySub(day) | kLargeThinSub);
      counts[o] = static_cast<int32_t>(SampleBinomial(side, n, win));
    }
  }
}

}  // namespace day
}  // namespace aiotreach
