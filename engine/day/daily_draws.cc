#include "engine/day/daily_draws.h"

#include <algorithm>
#include <limits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "engine/distributions.h"
#include "engine/fast_math.h"

namespace aiotreach {
namespace day {
namespace {

// Runs of weight compared at once in a leaf's search for a position's
// owner (a vector of doubles).
constexpr int kSearchLanes = 8;
// Runs of a leaf's positions searched side by side.
constexpr int kSearchChains = 4;
// The largest double below 1.
constexpr double kBelowOne = 1.0 - 0x1p-53;

int ShardLeaves(const ShardState& st) {
  return (st.households() + kLeafHouseholds - 1) / kLeafHouseholds;
}

// The shard's first leaf (shards are cut on leaf boundaries).
uint32_t FirstLeaf(const ShardState& st) {
  return static_cast<uint32_t>(st.pop.first_household / kLeafHouseholds);
}

// The owners of leaf k of the shard: [first, first + count), in order.
struct LeafOwners {
  int first;
  int count;
};
LeafOwners OwnersOfLeaf(const CompiledPlacement& p, const ShardState& st,
                        int k) {
  const int begin = k * kLeafHouseholds;
  const int end = std::min(st.households(), begin + kLeafHouseholds);
  if (p.household_device) return {begin, end - begin};
  const uint32_t first = st.pop.member_begin[begin];
  return {static_cast<int>(first),
          static_cast<int>(st.pop.member_begin[end] - first)};
}

// The rate weights of leaf k's owners into w[0, count): the owner's
// activity (1 if the placement does not scale by it) if it can take the
// placement, else 0.
LeafOwners LeafWeights(const CompiledPlacement& p, const ShardState& st, int k,
                       std::vector<double>* weights) {
  const LeafOwners leaf = OwnersOfLeaf(p, st, k);
  weights->resize(leaf.count + kSearchLanes);
  double* w = weights->data();
  const Owners owners = OwnersOf(p, st);
  const float* activity = st.pop.activity.data();
  const int t = p.device_type;
  owners.devices->Visit([&](const auto* devices) {
    for (int o = 0; o < leaf.count; ++o) {
      const int owner = leaf.first + o;
      const double rate =
          p.scale_by_activity ? static_cast<double>(activity[owner]) : 1.0;
      w[o] = owners.Eligible(devices, owner, t) ? rate : 0.0;
    }
  });
  return leaf;
}

// The index of the first of edges[from, ...) above x; edges must hold one
// above x, and kSearchLanes readable values past every index searched.
inline int FirstAbove(const double* edges, int from, double x) {
  int o = from;
  while (true) {
#if defined(__AVX512F__)
    const __mmask8 above = _mm512_cmp_pd_mask(_mm512_loadu_pd(edges + o),
                                              _mm512_set1_pd(x), _CMP_GT_OQ);
#else
    uint32_t above = 0;
    for (int q = 0; q < kSearchLanes; ++q)
      above |= static_cast<uint32_t>(edges[o + q] > x) << q;
#endif
    if (above != 0) return o + __builtin_ctz(above);
    o += kSearchLanes;
  }
}

}  // namespace

DailyDraws::DailyDraws(const Campaign& campaign, uint64_t seed)
    : campaign_(campaign),
      seed_(seed),
      blocks_(campaign.placements().size()),
      counts_(campaign.placements().size()),
      won_(campaign.placements().size()),
      won_household_(campaign.placements().size()),
      won_count_(campaign.placements().size()),
      won_time_(campaign.placements().size()),
      won_uniforms_(campaign.placements().size()) {}

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
  std::vector<int32_t>& won = won_count_[j];
  won.resize(n);
  for (int k = 0; k < n; ++k) won[k] = counts[list[k]];
  std::vector<uint32_t>& households = won_household_[j];
  households.resize(n);
  for (int k = 0; k < n; ++k) households[k] = HouseholdOfOwner(p, st, list[k]);
}

void DailyDraws::WeighLeaves(int j, ShardState* st) {
  const CompiledPlacement& p = campaign_.placements()[j];
  std::vector<double>& totals = st->leaf_weight[j];
  totals.assign(ShardLeaves(*st), 0.0);
  for (size_t k = 0; k < totals.size(); ++k) {
    const LeafOwners leaf = LeafWeights(p, *st, static_cast<int>(k), &weights_);
    // In owner order, as AllocateLeaves adds them up: the same total.
    double sum = 0.0;
    for (int o = 0; o < leaf.count; ++o) sum += weights_[o];
    totals[k] = sum;
  }
}

int64_t DailyDraws::CountLeaves(int j, int day, ShardState* st) const {
  const CompiledPlacement& p = campaign_.placements()[j];
  const std::vector<double>& weights = st->leaf_weight[j];
  std::vector<int64_t>& out = st->leaf_opportunities[j];
  out.resize(weights.size());
  const uint32_t first_leaf = FirstLeaf(*st);
  int64_t total = 0;
  for (size_t k = 0; k < weights.size(); ++k) {
    out[k] = 0;
    if (weights[k] > 0.0) {
      Rng rng(seed_, p.stream, first_leaf + static_cast<uint32_t>(k),
              DaySub(day) | kLeafCountSub);
      out[k] = SamplePoisson(rng, p.day_mean[day] * weights[k]);
    }
    total += out[k];
  }
  return total;
}

void DailyDraws::AllocateLeaves(int j, int day, double win,
                                const ShardState& st) {
  const CompiledPlacement& p = campaign_.placements()[j];
  const std::vector<int64_t>& opportunities = st.leaf_opportunities[j];
  const uint32_t first_leaf = FirstLeaf(st);
  std::vector<uint32_t>& list = won_[j];
  std::vector<uint32_t>& households = won_household_[j];
  std::vector<int32_t>& counts = won_count_[j];
  std::vector<uint32_t>& starts = won_time_[j];
  std::vector<double>& times = won_uniforms_[j];
  list.clear();
  households.clear();
  counts.clear();
  starts.clear();
  times.clear();
  if (win <= 0.0) return;
  for (size_t k = 0; k < opportunities.size(); ++k) {
    if (opportunities[k] == 0) continue;
    Rng rng(seed_, p.stream, first_leaf + static_cast<uint32_t>(k),
            DaySub(day) | kLeafWonSub);
    const int64_t n = win >= 1.0 ? opportunities[k]
                                 : SampleBinomial(rng, opportunities[k], win);
    if (n == 0) continue;
    // The owners' runs of weight: run o is [e[o - 1], e[o]), e[-1] = 0,
    // summed in owner order (so the last edge is the leaf's weight as
    // WeighLeaves summed it); from the last owner of weight on, infinite,
    // so that a position rounded up to the leaf's end goes to it.
    const LeafOwners leaf = LeafWeights(p, st, static_cast<int>(k), &weights_);
    const double* w = weights_.data();
    edges_.resize(leaf.count + 1 + kSearchLanes);
    double* e = edges_.data() + 1;
    e[-1] = 0.0;
    double sum = 0.0;
    int last = 0;
    for (int o = 0; o < leaf.count; ++o) {
      sum += w[o];
      e[o] = sum;
      last = w[o] > 0.0 ? o : last;
    }
    std::fill(e + last, e + leaf.count + kSearchLanes,
              std::numeric_limits<double>::infinity());
    if (n > kMaxLeafPositions) {
      // Too many to place by positions (their scratch grows with n): owner
      // by owner, Binomial(left, rate / rate left) each, which is the same
      // multinomial; each owner's times come from its own day stream.
      int64_t left = n;
      double rest = sum;
      for (int o = 0; o <= last && left > 0; ++o) {
        if (w[o] <= 0.0) continue;
        // Rounding may leave `rest` at or below w[o] early (rates of very
        // different sizes): the owner then takes what is left.
        const int64_t c = o == last || rest <= w[o]
                              ? left
                              : SampleBinomial(rng, left, w[o] / rest);
        rest -= w[o];
        left -= c;
        if (c == 0) continue;
        const uint32_t owner = static_cast<uint32_t>(leaf.first + o);
        list.push_back(owner);
        households.push_back(HouseholdOfOwner(p, st, owner));
        counts.push_back(static_cast<int32_t>(c));
        starts.push_back(kOwnStream);
      }
      continue;
    }
    // n sorted uniform positions on [0, sum): the first n of n + 1
    // exponential spacings' partial sums, over their total.
    spacings_.resize(n + 1);
    double* x = spacings_.data();
    for (int64_t t = 0; t <= n; ++t) x[t] = Rng::ToUniform(rng.NextU32());
    for (int64_t t = 0; t <= n; ++t) x[t] = -Log(x[t]);
    for (int64_t t = 1; t <= n; ++t) x[t] += x[t - 1];
    const double scale = sum / x[n];
    for (int64_t t = 0; t < n; ++t) x[t] *= scale;
    // Each position's owner: the first whose edge is above it. Each search
    // starts where the last ended, a chain of dependent loads; the
    // positions go in kSearchChains runs searched side by side, each run
    // starting from a binary search.
    owner_of_.resize(n);
    int32_t* owner = owner_of_.data();
    const int64_t run = (n + kSearchChains - 1) / kSearchChains;
    int from[kSearchChains];
    for (int c = 0; c < kSearchChains; ++c) {
      const int64_t t = std::min(n - 1, c * run);
      from[c] = static_cast<int>(std::upper_bound(e, e + last + 1, x[t]) - e);
    }
    for (int64_t step = 0; step < run; ++step) {
      for (int c = 0; c < kSearchChains; ++c) {
        const int64_t t = c * run + step;
        if (t >= n) break;
        from[c] = FirstAbove(e, from[c], x[t]);
        owner[t] = from[c];
      }
    }
    // Where a position falls in its owner's run is a uniform, independent
    // of the rest: the opportunity's time of day.
    const size_t base = times.size();
    times.resize(base + n);
    double* u = times.data() + base;
    for (int64_t t = 0; t < n; ++t) {
      const int a = owner[t];
      u[t] = std::max(0.0, std::min((x[t] - e[a - 1]) / w[a], kBelowOne));
    }
    // The won owners, in order, each with its first time (a branch-free
    // compaction of the runs of one owner); their counts from where the
    // next one starts.
    const size_t size = list.size();
    list.resize(size + n + 1);
    starts.resize(size + n + 1);
    uint32_t* out = list.data() + size;
    uint32_t* out_start = starts.data() + size;
    int64_t fresh = 0;
    for (int64_t t = 0; t < n; ++t) {
      out[fresh] = static_cast<uint32_t>(leaf.first + owner[t]);
      out_start[fresh] = static_cast<uint32_t>(base + t);
      fresh += t == 0 || owner[t] != owner[t - 1];
    }
    out_start[fresh] = static_cast<uint32_t>(base + n);
    counts.resize(size + fresh);
    households.resize(size + fresh);
    for (int64_t q = 0; q < fresh; ++q) {
      counts[size + q] = static_cast<int32_t>(out_start[q + 1] - out_start[q]);
      households[size + q] = HouseholdOfOwner(p, st, out[q]);
    }
    list.resize(size + fresh);
    starts.resize(size + fresh);
  }
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
