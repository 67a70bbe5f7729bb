#include "engine/live/stream_simulator.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "engine/live/stream_internal.h"
#include "engine/live/stream_play.h"
#include "engine/parallel.h"
#include "engine/rng.h"

namespace aiotreach {
namespace {

using live::Audience;
using live::AudienceCounts;
using live::kCastLink;
using live::kFan;
using live::kIndexBits;
using live::kNoSlot;
using live::kSlotMask;
using live::kTarget;
using live::PlannedArrival;

// A thread's scratch space, reused from cell to cell.
struct PassScratch {
  PopulationShard shard;
  RngBlocks fan_blocks;
  RngBlocks link_blocks;
  std::vector<PlannedArrival> opens;  // the cell's, before the play
  std::vector<uint32_t> fans;         // a shard's fans who can watch
};

// What the pass draws of each shard: the attributes fans and the target
// depend on, and only the device types it reads (watch types, the casting
// link and the links drawn before it, the target's).
PopulationNeeds PassNeeds(const Ecosystem& eco, const CompiledStream& s,
                          const CompiledTarget& target) {
  PopulationNeeds needs;
  needs.activity = target.needs_activity();
  needs.age_band =
      target.needs_age_band() || s.fans_by == v1::ATTRIBUTE_AGE_BAND;
  needs.city_tier =
      target.needs_city_tier() || s.fans_by == v1::ATTRIBUTE_CITY_TIER;
  uint32_t types = s.person_watch_types | s.household_watch_types |
                   target.person_types | target.household_types;
  if (target.min_connected_devices > 0) {
    types |= target.connected_person_types | target.connected_household_types;
  }
  if (s.casting) {
    types |= 1u << s.tv_type;
    for (int l = 0; l <= s.cast_link; ++l) {
      types |= 1u << eco.device_links()[l].from_type;
      types |= 1u << eco.device_links()[l].to_type;
    }
  }
  needs.device_types = types;
  return needs;
}

// What the pass compares each person against, fixed for a stream: which
// watch slot a device type gives, and the fan thresholds on words.
struct PassTables {
  // Bit w of SlotBits(devices): the person has watch slot w's device type.
  int slot_type[kMaxWatchDeviceTypes] = {};
  bool slot_household[kMaxWatchDeviceTypes] = {};
  int slots = 0;
  // fan_threshold[age * tiers + tier]: a fan when word 0 of their audience
  // stream is below it (Rng::WordThreshold of FanShare(age, tier)).
  std::vector<uint64_t> fan_threshold;
  int tiers = 1;

  PassTables(const Ecosystem& eco, const CompiledStream& s) {
    slots = static_cast<int>(s.watch_types.size());
    for (int w = 0; w < slots; ++w) {
      slot_type[w] = s.watch_types[w];
      slot_household[w] = eco.device_types()[s.watch_types[w]].household_owned;
    }
    const int ages = std::max<int>(1, eco.age_band_names().size());
    tiers = std::max<int>(1, eco.city_tier_names().size());
    fan_threshold.resize(static_cast<size_t>(ages) * tiers);
    for (int a = 0; a < ages; ++a) {
      for (int t = 0; t < tiers; ++t)
        fan_threshold[a * tiers + t] = Rng::WordThreshold(s.FanShare(a, t));
    }
  }

  // The watch slots open to an owner of `devices` (household-owned types
  // read from `household`), as bits in slot order: the lowest is theirs.
  uint32_t SlotBits(uint32_t devices, uint32_t household) const {
    uint32_t bits = 0;
    for (int w = 0; w < slots; ++w) {
      const uint32_t have = slot_household[w] ? household : devices;
      bits |= ((have >> slot_type[w]) & 1u) << w;
    }
    return bits;
  }
};

// The pass over households [begin, end) (a shard of a cell): writes each
// person's byte, appends fans' notification opens to `opens` and adds to
// `counts`.
void MarkShard(const Population& population, const CompiledStream& s,
               const CompiledTarget& target, const PopulationNeeds& needs,
               const PassTables& tables, uint64_t seed, int64_t begin,
               int64_t end, PassScratch* scratch, uint8_t* person_bytes,
               AudienceCounts* counts, std::vector<PlannedArrival>* opens) {
  PopulationShard& shard = scratch->shard;
  population.Generate(begin, end, needs, &shard);
  const uint32_t index = static_cast<uint32_t>(s.index);
  // Each person's stream of this stream's audience draws: word 0 decides a
  // fan, the next ones a fan's notification opens.
  RngBlocks& fan_blocks = scratch->fan_blocks;
  fan_blocks.resize(shard.people());
  FirstBlocks(seed, streams::kStreamAudience, index,
              static_cast<uint32_t>(shard.first_person), shard.people(),
              fan_blocks.data());
  if (s.casting) population.LinkBlocks(shard, &scratch->link_blocks);
  std::vector<uint32_t>& fans = scratch->fans;
  fans.resize(shard.people());
  size_t fan_count = 0;
  AudienceCounts local;
  uint8_t* bytes = person_bytes + shard.first_person;
  // Without branches on a person's draws: the slot is the lowest set bit
  // of the slot bits (kNoSlot for none), flags are shifted in.
  for (int i = 0; i < shard.households(); ++i) {
    const uint32_t hh_devices = shard.household_devices[i];
    // Only a household with the TV can have a casting link to it: others
    // skip drawing their links (most households, on xiaomi-2020).
    const uint32_t linked =
        s.casting && ((hh_devices >> s.tv_type) & 1u)
            ? population.LinkedMembers(shard, i, s.cast_link,
                                       &scratch->link_blocks[i])
            : 0;
    const uint32_t m0 = shard.member_begin[i];
    const uint32_t m1 = shard.member_begin[i + 1];
    const int tier = shard.city_tier[i];
    const uint64_t* thresholds = tables.fan_threshold.data() + tier;
    int64_t targets = 0;
    for (uint32_t m = m0; m < m1; ++m) {
      const uint32_t own = shard.person_devices[m];
      const uint32_t slots = tables.SlotBits(own, hh_devices);
      const uint32_t slot =
          slots != 0 ? static_cast<uint32_t>(__builtin_ctz(slots)) : kNoSlot;
      const int age = shard.age_band[m];
      const uint32_t fan = fan_blocks[m][0] <
                           thresholds[static_cast<size_t>(age) * tables.tiers];
      const uint32_t cast = (linked >> (m - m0)) & 1u;
      const uint32_t in_target =
          target.everyone ||
          target.Contains(age, tier, static_cast<int>(m1 - m0), own, hh_devices,
                          shard.activity[m], shard.gender[m]);
      bytes[m] = static_cast<uint8_t>(slot | fan * kFan | cast * kCastLink |
                                      in_target * kTarget);
      targets += in_target;
      local.fans += fan;
      local.can_watch += slots != 0;
      fans[fan_count] = m;
      fan_count += fan & (slots != 0);
    }
    local.target_people += targets;
    local.target_households += targets > 0;
  }
  counts->Add(local);
  if (!s.notification) return;
  for (size_t f = 0; f < fan_count; ++f) {
    const uint32_t m = fans[f];
    const uint32_t person = static_cast<uint32_t>(shard.first_person + m);
    Rng rng(seed, streams::kStreamAudience, person, index, fan_blocks[m]);
    rng.Skip(1);
    for (double push : s.push_minutes) {
      if (!(rng.Uniform() < s.open_probability)) continue;
      const double at = push + s.open_delay.Sample(rng);
      if (at >= s.duration) continue;
      PlannedArrival a;
      a.t = at;
      a.person = person;
      a.channel = Channel::kNotification;
      a.has_byte = true;
      a.byte = bytes[m];
      opens->push_back(a);
    }
  }
}

// Why a stream stopped: this process's token, or another rank's.
absl::Status Stopped(const CancelToken* cancel) {
  if (cancel != nullptr && cancel->Poll())
    return StoppedStatus(*cancel, "live stream");
  return absl::CancelledError("live stream: cancelled on another rank");
}

}  // namespace

absl::StatusOr<StreamOutcome> StreamSimulator::Run(
    const RunOptions& options, const std::vector<PromotionExposure>* promotions,
    const PersonBits* reached) const {
  const CompiledStream& s = stream_;
  const int64_t people = population_.people();
  Audience audience;
  audience.person = AllocateHuge<uint8_t>(people);
  live::StreamPlay play(population_, s, seed_, audience, options.threads,
                        options.cancel, options.cluster);
  // The pass, cell by cell (this rank's cells): each cell's opens go
  // straight to the play; its households are drawn a shard at a time.
  const int64_t shard_households = std::max<int64_t>(
      1, std::min(options.shard_households, live::kCellHouseholds));
  const CancelToken* cancel = options.cancel;
  const PopulationNeeds needs = PassNeeds(population_.ecosystem(), s, target_);
  const PassTables tables(population_.ecosystem(), s);
  std::vector<AudienceCounts> cell_counts(play.cells());
  const int64_t first_cell = play.first_cell();
  ParallelFor(
      play.end_cell() - first_cell, options.threads, [&](int64_t i, int) {
        const int64_t c = first_cell + i;
        thread_local PassScratch scratch;
        std::vector<PlannedArrival>& opens = scratch.opens;
        opens.clear();
        const int64_t cell_end = play.CellBegin(c + 1);
        for (int64_t begin = play.CellBegin(c); begin < cell_end;
             begin += shard_households) {
          if (cancel != nullptr && cancel->Poll()) return;
          MarkShard(population_, s, target_, needs, tables, seed_, begin,
                    std::min(cell_end, begin + shard_households), &scratch,
                    audience.person.get(), &cell_counts[c], &opens);
        }
        // A copy of the exact size: the buffer grows once per thread.
        play.SetCell(c,
                     std::vector<PlannedArrival>(opens.begin(), opens.end()));
      });
  for (const AudienceCounts& n : cell_counts) audience.counts.Add(n);
  {
    // Over the ranks: the counts, and whether any rank was stopped (all
    // stop alike, none waits for another in the play).
    AudienceCounts& n = audience.counts;
    int64_t sums[5] = {n.target_people, n.target_households, n.fans,
                       n.can_watch, cancel != nullptr && cancel->Poll()};
    if (options.cluster != nullptr) options.cluster->Sum(sums, 5);
    n = {sums[0], sums[1], sums[2], sums[3]};
    if (sums[4] > 0) return Stopped(cancel);
  }

  if (promotions != nullptr && !promotions->empty()) {
    // Sorted by person and time, so that each person's k-th exposure has
    // its own key whatever order the campaign produced them in.
    std::vector<PromotionExposure> sorted = *promotions;
    std::sort(sorted.begin(), sorted.end(),
              [](const PromotionExposure& a, const PromotionExposure& b) {
                if (a.person != b.person) return a.person < b.person;
                if (a.minute_of_day != b.minute_of_day)
                  return a.minute_of_day < b.minute_of_day;
                return a.promotion < b.promotion;
              });
    uint32_t k = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      const PromotionExposure& e = sorted[i];
      k = i > 0 && sorted[i - 1].person == e.person ? k + 1 : 0;
      const double at = std::max(0.0, e.minute_of_day - s.start_minute);
      if (at >= s.duration) continue;
      Rng rng(seed_, streams::kStreamPromotion, e.person,
              static_cast<uint32_t>(s.index) | (k << kIndexBits));
      if (!(rng.Uniform() < s.promotions[e.promotion].join_probability))
        continue;
      PlannedArrival a;
      a.t = at;
      a.person = e.person;
      a.channel = Channel::kPromotion;
      a.promotion = e.promotion;
      play.Plan(a);
    }
  }
  if (!play.Run()) return Stopped(cancel);

  StreamOutcome out;
  out.target_people = audience.counts.target_people;
  out.target_households = audience.counts.target_households;
  play.Fill(&out.report);
  // Per worker: followers, fan viewers, target viewers, target viewers the
  // campaign reached (integers: the sums do not depend on the split).
  std::vector<std::array<int64_t, 4>> counts(play.threads());
  play.ForEachViewer([&](uint32_t person, float minutes, int worker) {
    std::array<int64_t, 4>& n = counts[worker];
    const uint8_t byte = audience.person[person];
    n[1] += (byte & kFan) != 0;
    if ((byte & kTarget) != 0) {
      ++n[2];
      if (reached != nullptr && reached->Has(person)) ++n[3];
    }
    if ((byte & kFan) != 0 || s.follow_probability <= 0.0) return;
    const double p =
        s.follow_probability * (1.0 - std::exp(-minutes / s.follow_minutes));
    Rng rng(seed_, streams::kStreamFollow, person,
            static_cast<uint32_t>(s.index));
    n[0] += rng.Uniform() < p;
  });
  std::array<int64_t, 4> sums = {};
  for (const std::array<int64_t, 4>& n : counts) {
    for (int k = 0; k < 4; ++k) sums[k] += n[k];
  }
  if (options.cluster != nullptr) options.cluster->Sum(sums.data(), 4);
  const int64_t followers = sums[0], fan_viewers = sums[1];
  out.target_viewers = sums[2];
  out.target_viewers_reached = sums[3];
  out.report.set_new_followers(followers);
  out.report.set_fan_viewers(fan_viewers);
  return out;
}

}  // namespace aiotreach
