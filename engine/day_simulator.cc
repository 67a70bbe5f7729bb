#include "engine/day_simulator.h"

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "engine/day/cap_ledger.h"
#include "engine/day/daily_draws.h"
#include "engine/day/household_day.h"
#include "engine/day/shard_state.h"
#include "engine/reach_counter.h"
#include "engine/rng.h"
#include "engine/sharded_run.h"
#include "engine/simulator.h"
#include "engine/status_macros.h"

namespace aiotreach {
namespace {

using day::CapPlan;
using day::HouseholdDay;
using day::Owners;
using day::OwnersOf;
using day::ShardState;

// Simulates shards day by day into its own Tally: prepares each shard's
// state, runs the two passes of each day (DailyDraws, then HouseholdDay
// for each household with won opportunities, against the CapLedger), and
// counts reach after the flight. One per worker thread.
class DayWorker {
 public:
  DayWorker(const Population& population, const Campaign& campaign,
            const CapPlan& plan, uint64_t seed, const CancelToken* cancel,
            Tally* tally, StreamFeed* feed)
      : population_(population),
        campaign_(campaign),
        seed_(seed),
        tally_(*tally),
        placements_(tally->placements()),
        types_(tally->device_types()),
        delivery_(tally->delivery()),
        reach_(campaign, tally),
        audience_(AudienceLayout::Of(population.ecosystem(), campaign), tally),
        serve_(population, campaign, plan, seed, cancel, tally),
        feed_(feed) {
    serve_.set_stream_feed(feed);
    count_links_ = !population.ecosystem().device_links().empty();
    count_contacts_ = population.ecosystem().mean_social_contacts() > 0.0;
    num_types_ = static_cast<int>(population.ecosystem().device_types().size());
  }

  // Draws shard s's households and sets up its state.
  void Prepare(int64_t s, int64_t shard_households, ShardState* st) {
    const int64_t begin = s * shard_households;
    const int64_t end =
        std::min(population_.households(), begin + shard_households);
    const CompiledTarget& target = campaign_.target();
    PopulationNeeds needs;
    needs.activity = campaign_.uses_activity() || target.needs_activity();
    needs.age_band = target.needs_age_band();
    needs.city_tier = target.needs_city_tier();
    needs.gender = target.needs_gender();
    // The households are drawn into the worker's scratch, reused shard
    // after shard (its pages stay faulted in, its arrays are not freed and
    // reallocated), and only what the days read is kept.
    population_.Generate(begin, end, needs, &scratch_);
    const PopulationShard& pop = scratch_;
    const day::TargetCount in = day::MarkTarget(target, needs, pop, st);
    tally_.all_people() += pop.people();
    tally_.all_households() += pop.households();
    tally_.people() += in.people;
    tally_.households() += in.households;
    day::StartShardState(campaign_, num_types_, pop, st);
    serve_.caps().StartShard(st);
    const auto& placements = campaign_.placements();
    for (size_t j = 0; j < placements.size(); ++j) {
      if (day::DrawnByLeaves(placements[j]))
        serve_.draws().WeighLeaves(static_cast<int>(j), st);
    }
  }

  // Pass 1 of day `day` on one shard: draws the eligible opportunities of
  // each paced placement on every device; adds their totals to `totals`.
  void CountOpportunities(int day, ShardState* st, int64_t* totals) {
    const auto& placements = campaign_.placements();
    for (size_t j = 0; j < placements.size(); ++j) {
      const CompiledPlacement& p = placements[j];
      if (!p.paced()) continue;
      if (day::DrawnByLeaves(p)) {
        totals[j] += serve_.draws().CountLeaves(static_cast<int>(j), day, st);
        continue;
      }
      serve_.draws().DrawCounts(static_cast<int>(j), day, *st);
      // Keep the counts for pass 2, which would draw the same again.
      const std::vector<int32_t>& counts =
          serve_.draws().counts(static_cast<int>(j));
      const Owners owners = OwnersOf(p, *st);
      int64_t total = 0;
      owners.devices->Visit([&](const auto* devices) {
        const int t = p.device_type;
        for (int o = 0; o < owners.count; ++o)
          total += owners.Eligible(devices, o, t) ? counts[o] : 0;
      });
      st->opportunities[j].AssignFrom(counts.data(), counts.size());
      totals[j] += total;
    }
  }

  // Pass 2 of day `day` on one shard; win[j] is paced placement j's win
  // probability for the day.
  void RunDay(int day, const std::vector<double>& win, ShardState* st) {
    const auto& placements = campaign_.placements();
    const int n = static_cast<int>(placements.size());
    serve_.caps().StartDay(day, st);
    for (int j = 0; j < n; ++j) {
      if (day::DrawnByLeaves(placements[j])) {
        serve_.draws().AllocateLeaves(j, day, win[j], *st);
        continue;
      }
      if (placements[j].paced()) {
        serve_.draws().DrawBlocks(j, day, *st);
        // Pass 1's draws.
        const NarrowArray& kept = st->opportunities[j];
        std::vector<int32_t>& counts = serve_.draws().counts(j);
        counts.resize(kept.size());
        kept.CopyTo(counts.data());
        serve_.draws().Thin(j, day, win[j], *st);
      } else {
        serve_.draws().DrawCounts(j, day, *st);
      }
      serve_.draws().ListWon(j, *st);
    }
    // Visit the households with won opportunities, in order: the smallest
    // household at the heads of the placements' lists next.
    std::array<int, kMaxPlacements> next{};
    constexpr uint32_t kNone = ~0u;
    while (true) {
      uint32_t i = kNone;
      for (int j = 0; j < n; ++j) {
        if (next[j] < static_cast<int>(serve_.draws().won(j).size()))
          i = std::min(i, serve_.draws().won_household(j)[next[j]]);
      }
      if (i == kNone) break;
      serve_.Serve(day, st, static_cast<int>(i), next.data());
    }
  }

  // Counts shard s's people, households, devices and conversions after
  // the last day.
  void Finish(ShardState* st) {
    const int never = campaign_.flight_days();
    const auto& by_type = campaign_.placements_by_type();
    const CompiledConversion& conversion = campaign_.conversion();
    const bool follow_ups = st->household_follow_ups.size() > 0;
    if (audience_.enabled()) {
      // The attributes the audiences read, drawn again rather than kept
      // through the flight (each has its own keyed words: the same values).
      PopulationNeeds needs;
      needs.activity = false;
      needs.age_band = audience_.needs_age_band();
      needs.city_tier = audience_.needs_city_tier();
      needs.gender = audience_.needs_gender();
      needs.device_types = 0;
      population_.Generate(st->pop.first_household,
                           st->pop.first_household + st->households(), needs,
                           &scratch_);
    }
    for (int i = 0; i < st->households(); ++i) {
      const uint32_t m0 = st->pop.member_begin[i];
      const int size = static_cast<int>(st->pop.member_begin[i + 1] - m0);
      // Devices, and those with an impression (or a follow-up).
      const uint64_t hh_imp = st->household_impressions[i];
      const uint64_t hh_follow = follow_ups ? st->household_follow_ups[i] : 0;
      for (uint64_t rest = st->household_devices[i]; rest != 0;
           rest &= rest - 1) {
        const int t = __builtin_ctzll(rest);
        CountDevice(t, hh_imp, (hh_follow >> t) & 1, by_type[t]);
      }
      int household_first = never;
      int64_t target_people = 0, reached = 0, converted = 0;
      for (int m = 0; m < size; ++m) {
        const uint32_t pm = m0 + m;
        for (uint64_t rest = st->person_devices[pm]; rest != 0;
             rest &= rest - 1) {
          const int t = __builtin_ctzll(rest);
          CountDevice(t, st->person_impressions[pm], false, by_type[t]);
        }
        if (!st->in_target[pm]) continue;
        ++target_people;
        serve_.caps().EndFlight(*st, pm);
        CountFunnel(*st, pm);
        const uint64_t count = st->count[pm];
        if (audience_.enabled()) {
          audience_.Person(scratch_.age_band[pm], scratch_.gender[pm],
                           scratch_.city_tier[i], size,
                           static_cast<int64_t>(count));
        }
        if (count == 0) continue;
        ++reached;
        const uint64_t types = st->types[pm];
        const int first = static_cast<int>(st->first[pm]);
        const uint64_t reached_by = st->reached_by[pm];
        uint64_t type_bits = 0;
        for (uint64_t rest = types; rest != 0; rest &= rest - 1)
          type_bits |= reach_.TypeBit(__builtin_ctzll(rest));
        reach_.Person(count, first, reached_by, type_bits);
        if (reach_.row_frequency()) CountRows(*st, pm, reached_by, types);
        if (feed_ != nullptr) feed_->reached.Set(st->pop.first_person + pm);
        household_first = std::min(household_first, first);
        if (conversion.enabled) {
          const int screens =
              __builtin_popcountll(types & campaign_.screen_types());
          Rng rng(seed_, streams::kConversion,
                  static_cast<uint32_t>(st->pop.first_person + pm));
          if (rng.Uniform() < conversion.Probability(count, screens)) {
            Convert(reached_by, static_cast<int>(st->last[pm]) - 1);
            ++converted;
          }
        }
      }
      if (household_first < never) reach_.Household(household_first);
      if (int64_t* sampling = tally_.sampling(); sampling != nullptr) {
        int64_t* row = Tally::SampleHousehold(
            sampling, st->pop.first_household + i, size, target_people, reached,
            household_first < never);
        row[kSampleConversions] += converted;
      }
      if (count_links_)
        population_.CountLinks(st->DevicesOf(i), tally_.links());
    }
    if (count_contacts_) {
      tally_.social_contacts() += population_.SocialContactTotal(
          st->pop.first_person, st->pop.people(), &contact_blocks_);
    }
  }

  // The retargeting funnel of target person pm.
  void CountFunnel(const ShardState& st, uint32_t pm) {
    const auto& routes = campaign_.retarget_routes();
    const size_t people = st.people();
    for (size_t r = 0; r < routes.size(); ++r) {
      if (st.last_source[r * people + pm] == day::kNeverExposed) continue;
      ++tally_.retargeting()[2 * r];
      tally_.retargeting()[2 * r + 1] +=
          (st.reached_by[pm] >> routes[r].placement) & 1;
    }
  }

  // Shard person pm's exposures by placement and by device type into the
  // rows' histograms.
  void CountRows(const ShardState& st, uint32_t pm, uint64_t reached_by,
                 uint64_t types) {
    const size_t placements = campaign_.placements().size();
    for (uint64_t rest = reached_by; rest != 0; rest &= rest - 1) {
      const int j = __builtin_ctzll(rest);
      reach_.PlacementFrequency(
          j, static_cast<int64_t>(st.placement_count[pm * placements + j]));
    }
    for (uint64_t rest = types; rest != 0; rest &= rest - 1) {
      const int t = __builtin_ctzll(rest);
      reach_.TypeFrequency(
          t,
          static_cast<int64_t>(st.type_count[size_t{pm} * st.row_types + t]));
    }
  }

  void FoldReach() {
    reach_.Finish();
    serve_.HandPromotions();
  }

 private:
  void CountDevice(int t, uint64_t impressions, bool follow_up,
                   const std::vector<int>& placements) {
    ++types_.devices[t];
    bool reached = follow_up;
    for (int j : placements) {
      ++placements_.devices[j];
      if ((impressions >> j) & 1) {
        ++placements_.devices_reached[j];
        reached = true;
      }
    }
    if (reached) ++types_.devices_reached[t];
  }

  void Convert(uint64_t reached_by, int last) {
    ++tally_.conversions();
    ++delivery_.conversions_last_touch[last];
    const int n = __builtin_popcountll(reached_by);
    const int64_t share = (kEvenSplitUnit + n / 2) / n;
    for (uint64_t rest = reached_by; rest != 0; rest &= rest - 1)
      delivery_.conversions_even_split[__builtin_ctzll(rest)] += share;
  }

  const Population& population_;
  const Campaign& campaign_;
  const uint64_t seed_;
  Tally& tally_;
  const BreakdownCounters placements_;
  const BreakdownCounters types_;
  const DeliveryCounters delivery_;
  ReachCounter reach_;
  AudienceCounter audience_;
  HouseholdDay serve_;
  StreamFeed* const feed_;
  bool count_links_ = false;
  bool count_contacts_ = false;
  int num_types_ = 0;
  RngBlocks contact_blocks_;
  // Population::Generate's output and batch scratch, reused shard after
  // shard.
  PopulationShard scratch_;
};

}  // namespace

absl::StatusOr<Tally> DaySimulator::Run(const RunOptions& options) const {
  const auto& placements = campaign_.placements();
  const int days = campaign_.flight_days();
  const int n_placements = static_cast<int>(placements.size());
  const bool any_paced =
      std::any_of(placements.begin(), placements.end(),
                  [](const CompiledPlacement& p) { return p.paced(); });
  // Placements drawn by leaves need shards cut on leaf boundaries: the
  // shard size rounds up to whole leaves (reports do not depend on it).
  RunOptions cut = options;
  if (cut.shard_households > 0 && cut.shard_households < (int64_t{1} << 40) &&
      std::any_of(placements.begin(), placements.end(), day::DrawnByLeaves)) {
    cut.shard_households = (cut.shard_households + day::kLeafHouseholds - 1) /
                           day::kLeafHouseholds * day::kLeafHouseholds;
  }
  // Passes: shards prepared, day 0's opportunities if paced, a sweep a
  // day, the final count.
  ShardedRun run(population_.households(),
                 MakeTallyShape(population_, campaign_), cut,
                 2 + (any_paced ? 1 : 0) + int64_t{days});
  AIOT_RETURN_IF_ERROR(run.status());
  // This rank's shards, [first, first + shards).
  const int64_t first = run.first_shard();
  const int64_t shards = run.end_shard() - first;
  const CapPlan plan(campaign_);
  std::vector<std::unique_ptr<DayWorker>> workers;
  for (int w = 0; w < run.threads(); ++w) {
    workers.push_back(std::make_unique<DayWorker>(population_, campaign_, plan,
                                                  seed_, options.cancel,
                                                  run.tally(w), feed_));
  }

  std::vector<ShardState> states(shards);
  AIOT_RETURN_IF_ERROR(run.ForEachShard([&](int64_t s, int w) {
    workers[w]->Prepare(s, run.shard_households(), &states[s - first]);
  }));
  std::vector<int64_t> delivered(n_placements, 0);
  std::vector<double> win(n_placements, 0.0);
  std::vector<std::vector<int64_t>> shard_totals(
      shards, std::vector<int64_t>(n_placements, 0));
  // Pacing's inputs over every rank: exact integers, one sum each.
  std::vector<int64_t> available(n_placements), day_impressions(n_placements);
  // Pass 1 of day d + 1 runs in the same sweep as pass 2 of day d, shard
  // by shard while its state is in cache: a day's opportunities do not
  // depend on the day before's delivery (only the win probability does,
  // and it is fixed between the sweeps).
  auto count = [&](int day, int64_t s, int w) {
    workers[w]->CountOpportunities(day, &states[s - first],
                                   shard_totals[s - first].data());
  };
  if (any_paced) {
    AIOT_RETURN_IF_ERROR(
        run.ForEachShard([&](int64_t s, int w) { count(0, s, w); }));
  }
  for (int day = 0; day < days; ++day) {
    if (any_paced) {
      std::fill(available.begin(), available.end(), 0);
      for (auto& t : shard_totals) {
        for (int j = 0; j < n_placements; ++j) available[j] += t[j];
        std::fill(t.begin(), t.end(), 0);
      }
      run.SumOverRanks(available.data(), available.size());
      for (int j = 0; j < n_placements; ++j) {
        if (!placements[j].paced()) continue;
        const int64_t target =
            placements[j].DayTarget(day, placements[j].goal - delivered[j]);
        win[j] = available[j] > 0 && target > 0
                     ? std::min(1.0, static_cast<double>(target) /
                                         static_cast<double>(available[j]))
                     : 0.0;
      }
    }
    const bool count_next = any_paced && day + 1 < days;
    AIOT_RETURN_IF_ERROR(run.ForEachShard([&](int64_t s, int w) {
      workers[w]->RunDay(day, win, &states[s - first]);
      if (count_next) count(day + 1, s, w);
    }));
    std::fill(day_impressions.begin(), day_impressions.end(), 0);
    for (const Tally& t : run.tallies()) {
      const int64_t* row =
          t.daily_placement_impressions() + int64_t{day} * n_placements;
      for (int j = 0; j < n_placements; ++j) day_impressions[j] += row[j];
    }
    run.SumOverRanks(day_impressions.data(), day_impressions.size());
    for (int j = 0; j < n_placements; ++j) delivered[j] += day_impressions[j];
  }
  AIOT_RETURN_IF_ERROR(run.ForEachShard([&](int64_t s, int w) {
    workers[w]->Finish(&states[s - first]);
    states[s - first] = ShardState();
  }));
  for (auto& worker : workers) worker->FoldReach();
  return run.Total();
}

}  // namespace aiotreach
