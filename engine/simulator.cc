#include "engine/simulator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/fast_math.h"
#include "engine/reach_counter.h"
#include "engine/rng.h"
#include "engine/sharded_run.h"
#include "engine/status_macros.h"

namespace aiotreach {
namespace {

// Simulates the households of one shard at a time into a Tally. One per
// worker thread; not thread-safe.
class ShardWorker {
 public:
  ShardWorker(const Population& population, const Campaign& campaign,
              uint64_t seed, const CancelToken* cancel, Tally* tally,
              PersonBits* reached = nullptr)
      : poll_(cancel),
        population_(population),
        campaign_(campaign),
        seed_(seed),
        tally_(*tally),
        placements_(tally->placements()),
        types_(tally->device_types()),
        daily_placement_impressions_(tally->daily_placement_impressions()),
        daily_exposures_(tally->daily_exposures()),
        impressions_(tally->impressions()),
        sampling_(tally->sampling()),
        perm_(campaign.flight_days()),
        blocks_(campaign.placements().size()),
        counts_(campaign.placements().size()),
        weeks_(tally->shape().weeks, tally->weekly_reach()),
        reach_(campaign, tally),
        audience_(AudienceLayout::Of(population.ecosystem(), campaign), tally),
        reached_(reached) {
    std::iota(perm_.begin(), perm_.end(), 0);
    // Without weeks to count, every day's bit is 0 and the masks stay 0.
    week_bit_.assign(campaign.flight_days(), 0);
    if (tally->shape().weeks > 0) {
      weekly_reach_ = tally->weekly_reach();
      for (int d = 0; d < campaign.flight_days(); ++d)
        week_bit_[d] = uint64_t{1} << campaign.WeekOf(d);
    }
    for (const CompiledPlacement& p : campaign.placements()) {
      type_bit_.push_back(reach_.TypeBit(p.device_type));
      micro_cpm_.push_back(MicroYuanPerImpression(p.cpm));
      type_of_.push_back(p.device_type);
    }
    if (reach_.row_frequency()) {
      num_types_ = tally->shape().device_types;
      pcount_.assign(size_t{kMaxHouseholdSize} * type_of_.size(), 0);
      tcount_.assign(size_t{kMaxHouseholdSize} * num_types_, 0);
    }
    needs_.activity = campaign.uses_activity();
    needs_.age_band = audience_.needs_age_band();
    needs_.city_tier = audience_.needs_city_tier();
    needs_.gender = audience_.needs_gender();
    count_links_ = !population.ecosystem().device_links().empty();
    count_contacts_ = population.ecosystem().mean_social_contacts() > 0.0;
  }

  // Moves what is still held per worker into the tally. Call once, after
  // the last shard.
  void Finish() {
    reach_.Finish();
    weeks_.Finish();
  }

  // Polls the run's cancel token as households and events go by: a stopped
  // worker returns from its shard early.
  CancelPoller poll_;

  // Simulates shard s of the population cut in shards of shard_households.
  void RunShard(int64_t s, int64_t shard_households) {
    const int64_t begin = s * shard_households;
    const int64_t end =
        std::min(population_.households(), begin + shard_households);
    population_.Generate(begin, end, needs_, &shard_);
    // Each device's first block for each placement, in vectorised batches.
    const auto& placements = campaign_.placements();
    for (size_t j = 0; j < placements.size(); ++j) {
      const bool shared = placements[j].household_device;
      const int64_t owners = shared ? shard_.households() : shard_.people();
      blocks_[j].resize(owners);
      FirstBlocks(seed_, placements[j].stream, 0,
                  static_cast<uint32_t>(shared ? shard_.first_household
                                               : shard_.first_person),
                  owners, blocks_[j].data());
      // Each device's count from its stream's word 0, for all devices in
      // one loop: Poisson counts by a branch-free inversion that vectorises
      // (the rare count at or past kPoissonHeadTerms is finished per
      // device), Bernoulli candidate-day counts from their table.
      counts_[j].resize(owners);
      const RngBlock* blocks = blocks_[j].data();
      int32_t* counts = counts_[j].data();
      const CompiledPlacement& p = placements[j];
      if (p.process == Process::kBernoulli) {
        for (int64_t o = 0; o < owners; ++o) {
          counts[o] = p.candidate_count.Sample(Rng::ToUniform(blocks[o][0]));
        }
      } else if (p.process == Process::kInventory) {
        for (int64_t o = 0; o < owners; ++o) {
          counts[o] = p.inventory.Sample(Rng::ToUniform(blocks[o][0]));
        }
      } else if (p.scale_by_activity) {
        const float* activity = shard_.activity.data();
        for (int64_t o = 0; o < owners; ++o) {
          const double mean = p.flight_mean * activity[o];
          counts[o] = PoissonInverseHead(Rng::ToUniform(blocks[o][0]), mean,
                                         Exp(-mean));
        }
      } else {
        for (int64_t o = 0; o < owners; ++o) {
          counts[o] = PoissonInverseHead(Rng::ToUniform(blocks[o][0]),
                                         p.flight_mean, p.exp_neg_flight_mean);
        }
      }
    }
    for (int i = 0; i < shard_.households(); ++i) {
      if (poll_.Tick()) return;  // the run is stopping: the tally is moot
      Household(i);
    }
    if (count_contacts_) {
      tally_.social_contacts() += population_.SocialContactTotal(
          shard_.first_person, shard_.people(), &contact_blocks_);
    }
  }

 private:
  // Draws the won events of placement `p` on the device of `owner` and
  // calls on_event(day, rng) for each; on_event reads exactly
  // `audience_words` words of rng. Returns the number of events. For a
  // Poisson placement, `mean` is the device's flight mean and exp_neg_mean
  // exp(-mean).
  template <typename OnEvent>
  int64_t DrawEvents(const CompiledPlacement& p, uint32_t owner,
                     const RngBlock& first_block, double mean,
                     int32_t batch_count, uint32_t audience_words,
                     OnEvent&& on_event) {
    const int days = campaign_.flight_days();
    if (p.process == Process::kPoisson) {
      // Most devices have few events and many none: decide that from the
      // batch before setting up the stream.
      if (mean <= 0.0 || (mean < kPoissonInversionLimit && batch_count == 0)) {
        return 0;
      }
      Rng rng(seed_, p.stream, owner, 0, first_block);
      int64_t k;
      if (mean >= kPoissonInversionLimit) {
        k = SamplePoisson(rng, mean);
      } else if (batch_count < kPoissonHeadTerms) {
        k = batch_count;  // word 0, read in the batch
        rng.Skip(1);
      } else {
        k = PoissonInverse(rng.Uniform(), mean, Exp(-mean));
      }
      // A device can hold millions of events (rate 10,000 a day over two
      // years): poll within them too.
      if (poll_.Tick(k)) return 0;
      for (int64_t i = 0; i < k; ++i) {
        if ((i & (kCancelPollUnits - 1)) == kCancelPollUnits - 1 &&
            poll_.Check()) {
          return i;
        }
        const int day = p.flat_days ? static_cast<int>(rng.UniformInt(days))
                                    : p.day_table.Sample(rng.Uniform());
        on_event(day, rng);
      }
      return k;
    }
    if (p.process == Process::kInventory) {
      // The device's N opportunities (word 0, read in the batch), each on
      // a day drawn by weight and won with that day's probability.
      const int64_t n = batch_count;
      if (n == 0 || poll_.Tick(n)) return 0;
      Rng rng(seed_, p.stream, owner, 0, first_block);
      rng.Skip(1);
      int64_t won = 0;
      for (int64_t i = 0; i < n; ++i) {
        const int day = p.inventory_days.Sample(rng.Uniform());
        if (rng.Uniform() < p.won_on[day]) {
          on_event(day, rng);
          ++won;
        } else {
          rng.Skip(audience_words);
        }
      }
      return won;
    }
    // Bernoulli: the first k days of a keyed Fisher-Yates permutation, k
    // from word 0 (read in the batch).
    const int k = batch_count;
    if (k == 0 || poll_.Tick(k)) return 0;
    Rng rng(seed_, p.stream, owner, 0, first_block);
    rng.Skip(1);
    int64_t won = 0;
    for (int i = 0; i < k; ++i) {
      const int j = i + static_cast<int>(rng.UniformInt(days - i));
      std::swap(perm_[i], perm_[j]);
      swaps_[i] = static_cast<uint16_t>(j);
      const int day = perm_[i];
      if (p.flat_days || rng.Uniform() < p.keep[day]) {
        on_event(day, rng);
        ++won;
      } else {
        rng.Skip(audience_words);
      }
    }
    for (int i = k - 1; i >= 0; --i) std::swap(perm_[i], perm_[swaps_[i]]);
    return won;
  }

  // Plays every placement of device type t on one device: draw(j) draws
  // placement j's events there and returns their number. Counts the device
  // and whether it was reached; returns true if it had any impression.
  // Totals per device are added once, not per event.
  template <typename Draw>
  bool PlayDevice(int t, Draw&& draw) {
    ++types_.devices[t];
    bool reached = false;
    for (int j : campaign_.placements_by_type()[t]) {
      ++placements_.devices[j];
      device_exposures_ = 0;
      const int64_t n = draw(j);
      impressions_ += n;
      household_spend_ += n * micro_cpm_[j];
      placements_.impressions[j] += n;
      types_.impressions[t] += n;
      placements_.exposures[j] += device_exposures_;
      types_.exposures[t] += device_exposures_;
      if (n > 0) {
        ++placements_.devices_reached[j];
        reached = true;
      }
    }
    return reached;
  }

  void Expose(int m, int day, int placement) {
    ++count_[m];
    first_[m] = std::min(first_[m], day);
    pmask_[m] |= uint64_t{1} << placement;
    tmask_[m] |= type_bit_[placement];
    wmask_[m] |= week_bit_[day];
    if (!pcount_.empty()) {
      ++pcount_[m * type_of_.size() + placement];
      ++tcount_[m * num_types_ + type_of_[placement]];
    }
    ++daily_exposures_[day];
    ++device_exposures_;
  }

  void Impression(int day, int placement) {
    ++daily_placement_impressions_[day * placements_.rows + placement];
  }

  void Household(int i) {
    const auto& placements = campaign_.placements();
    const uint32_t m0 = shard_.member_begin[i];
    const int size = static_cast<int>(shard_.member_begin[i + 1] - m0);
    const int64_t household = shard_.first_household + i;
    const int64_t first_person = shard_.first_person + m0;
    const int never = campaign_.flight_days();
    // Whole fixed-size arrays: a few vector stores, where resetting `size`
    // entries compiles to memset calls, one per array per household.
    count_.fill(0);
    first_.fill(never);
    pmask_.fill(0);
    tmask_.fill(0);
    dmask_.fill(0);
    wmask_.fill(0);
    ++tally_.households();
    ++tally_.all_households();
    tally_.people() += size;
    tally_.all_people() += size;
    const int64_t impressions_before = impressions_;
    household_spend_ = 0;

    // Shared devices.
    const uint32_t hh_devices = shard_.household_devices[i];
    uint32_t hh_reached = 0;
    for (uint32_t rest = hh_devices; rest != 0; rest &= rest - 1) {
      const int t = __builtin_ctz(rest);
      const bool reached = PlayDevice(t, [&](int j) {
        const CompiledPlacement& p = placements[j];
        return DrawEvents(
            p, static_cast<uint32_t>(household), blocks_[j][i], p.flight_mean,
            counts_[j][i], p.AudienceWords(size), [&](int day, Rng& rng) {
              Impression(day, j);
              const int chosen = static_cast<int>(rng.UniformInt(size));
              Expose(chosen, day, j);
              if (p.audience == v1::AUDIENCE_KIND_TURNER_AND_PRESENT) {
                p.ForEachOtherPresent(size, chosen, rng,
                                      [&](int m) { Expose(m, day, j); });
              }
            });
      });
      if (reached) hh_reached |= 1u << t;
    }

    // Personal devices.
    for (int m = 0; m < size; ++m) {
      const uint32_t owned = shard_.person_devices[m0 + m];
      const uint32_t person = static_cast<uint32_t>(first_person + m);
      for (uint32_t rest = owned; rest != 0; rest &= rest - 1) {
        const int t = __builtin_ctz(rest);
        const bool reached = PlayDevice(t, [&](int j) {
          const CompiledPlacement& p = placements[j];
          return DrawEvents(p, person, blocks_[j][m0 + m],
                            p.scale_by_activity
                                ? p.flight_mean * shard_.activity[m0 + m]
                                : p.flight_mean,
                            counts_[j][m0 + m], 0, [&](int day, Rng&) {
                              Impression(day, j);
                              Expose(m, day, j);
                            });
        });
        if (reached) dmask_[m] |= 1u << t;
      }
    }

    // Count people, the household and devices reached.
    int household_first = never;
    int64_t exposed = 0, reached = 0;
    for (int m = 0; m < size; ++m) {
      for (uint32_t rest = dmask_[m]; rest != 0; rest &= rest - 1) {
        ++types_.devices_reached[__builtin_ctz(rest)];
      }
      if (audience_.enabled()) {
        audience_.Person(shard_.age_band[m0 + m], shard_.gender[m0 + m],
                         shard_.city_tier[i], size, count_[m]);
      }
      if (count_[m] == 0) continue;
      if (weekly_reach_ != nullptr) weeks_.Add(wmask_[m]);
      if (!pcount_.empty()) CountRows(m);
      exposed += count_[m];
      ++reached;
      reach_.Person(count_[m], first_[m], pmask_[m], tmask_[m]);
      if (reached_ != nullptr) reached_->Set(first_person + m);
      household_first = std::min(household_first, first_[m]);
    }
    for (uint32_t rest = hh_reached; rest != 0; rest &= rest - 1) {
      ++types_.devices_reached[__builtin_ctz(rest)];
    }
    if (household_first < never) reach_.Household(household_first);
    if (count_links_) population_.CountLinks(shard_, i, tally_.links());
    if (sampling_ != nullptr) {
      // Without a target, everyone is in it.
      int64_t* row = Tally::SampleHousehold(sampling_, household, size, size,
                                            reached, household_first < never);
      row[kSampleImpressions] += impressions_ - impressions_before;
      row[kSampleExposures] += exposed;
      row[kSampleSpend] += household_spend_;
    }
  }

  // Member m's exposures by placement and by device type into the rows'
  // histograms; the counters are zeroed for the next household.
  void CountRows(int m) {
    const size_t placements = type_of_.size();
    for (uint64_t rest = pmask_[m]; rest != 0; rest &= rest - 1) {
      const int j = __builtin_ctzll(rest);
      int32_t& n = pcount_[m * placements + j];
      reach_.PlacementFrequency(j, n);
      n = 0;
      int32_t& t = tcount_[m * num_types_ + type_of_[j]];
      if (t > 0) reach_.TypeFrequency(type_of_[j], t);
      t = 0;
    }
  }

  const Population& population_;
  const Campaign& campaign_;
  const uint64_t seed_;
  Tally& tally_;
  BreakdownCounters placements_;
  BreakdownCounters types_;
  int64_t* const daily_placement_impressions_;  // [day * placements + j]
  int64_t* const daily_exposures_;
  int64_t& impressions_;
  // Sampling blocks (platform units), or null; the household's spend in
  // millionths of a yuan, and each placement's price an impression.
  int64_t* const sampling_;
  int64_t household_spend_ = 0;
  std::vector<int64_t> micro_cpm_;
  PopulationNeeds needs_;
  bool count_links_ = false;
  bool count_contacts_ = false;
  PopulationShard shard_;
  std::vector<uint16_t> perm_;
  // blocks_[j][o]: first block of placement j's stream for the shard's
  // o-th owner (household or person, by the placement's device).
  std::vector<RngBlocks> blocks_;
  RngBlocks contact_blocks_;
  // counts_[j][o]: owner o's count from word 0 of its stream: Poisson,
  // PoissonInverseHead; Bernoulli, the number of candidate days.
  std::vector<std::vector<int32_t>> counts_;
  uint16_t swaps_[kMaxFlightDays];
  // Per member of the current household.
  std::array<int64_t, kMaxHouseholdSize> count_;
  std::array<int, kMaxHouseholdSize> first_;
  std::array<uint64_t, kMaxHouseholdSize> pmask_;
  std::array<uint64_t, kMaxHouseholdSize> tmask_;
  std::array<uint32_t, kMaxHouseholdSize> dmask_;
  // Bit w: exposed in calendar week w (when weeks are counted).
  std::array<uint64_t, kMaxHouseholdSize> wmask_;
  int64_t* weekly_reach_ = nullptr;  // null: the flight is one week
  std::vector<uint64_t> week_bit_;   // per flight day: its week's bit
  WeekCounter weeks_;
  // Exposures on the current device, for the current placement.
  int64_t device_exposures_ = 0;
  // type_bit_[j]: placement j's bit in a person's type mask.
  std::vector<uint64_t> type_bit_;
  // With breakdown frequencies: each placement's device type, and per
  // member of the household its exposures by placement and by type.
  std::vector<int> type_of_;
  int num_types_ = 0;
  std::vector<int32_t> pcount_, tcount_;
  ReachCounter reach_;
  AudienceCounter audience_;
  PersonBits* const reached_;  // or null
};

}  // namespace

TallyShape MakeTallyShape(const Population& population,
                          const Campaign& campaign) {
  TallyShape s;
  s.placements = static_cast<int>(campaign.placements().size());
  s.device_types =
      static_cast<int>(population.ecosystem().device_types().size());
  s.flight_days = campaign.flight_days();
  s.max_frequency = campaign.max_frequency();
  s.caps = static_cast<int>(campaign.caps().size());
  s.retargets = static_cast<int>(campaign.retarget_routes().size());
  s.weeks = campaign.weeks() > 1 ? campaign.weeks() : 0;
  s.audience_rows = AudienceLayout::Of(population.ecosystem(), campaign).rows();
  s.row_frequency = campaign.breakdown_frequency();
  if (campaign.platform_units()) {
    s.sampling_blocks =
        (population.households() + kSamplingBlockHouseholds - 1) >>
        kSamplingBlockShift;
  }
  return s;
}

TallyShape Simulator::shape() const {
  return MakeTallyShape(population_, campaign_);
}

absl::StatusOr<Tally> Simulator::Run(const RunOptions& options) const {
  ShardedRun run(population_.households(), shape(), options, /*passes=*/1);
  AIOT_RETURN_IF_ERROR(run.status());
  std::vector<std::unique_ptr<ShardWorker>> workers;
  for (int w = 0; w < run.threads(); ++w) {
    workers.push_back(std::make_unique<ShardWorker>(
        population_, campaign_, seed_, options.cancel, run.tally(w),
        feed_ != nullptr ? &feed_->reached : nullptr));
  }
  AIOT_RETURN_IF_ERROR(run.ForEachShard([&](int64_t s, int w) {
    workers[w]->RunShard(s, run.shard_households());
  }));
  for (auto& worker : workers) worker->Finish();
  return run.Total();
}

}  // namespace aiotreach
