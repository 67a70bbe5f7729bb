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

// The pass over households [begin, end) (a shard of a cell): writes each
// person's byte, appends fans' notification opens to `opens` and adds to
// `counts`.
void MarkShard(const Population& population, const CompiledStream& s,
               const CompiledTarget& target, const PopulationNeeds& needs,
               uint64_t seed, int64_t begin, int64_t end, PassScratch* scratch,
               uint8_t* person_bytes, AudienceCounts* counts,
               std::vector<PlannedArrival>* opens) {
  const Ecosystem& eco = population.ecosystem();
  PopulationShard& shard = scratch->shard;
  population.Generate(begin, end, needs, &shard);
  const auto& types = eco.device_types();
  const uint32_t index = static_cast<uint32_t>(s.index);
  // Each person's stream of this stream's audience draws: word 0 decides a
  // fan, the next ones a fan's notification opens.
  RngBlocks& fan_blocks = scratch->fan_blocks;
  fan_blocks.resize(shard.people());
  FirstBlocks(seed, streams::kStreamAudience, index,
              static_cast<uint32_t>(shard.first_person), shard.people(),
              fan_blocks.data());
  if (s.casting) population.LinkBlocks(shard, &scratch->link_blocks);
  AudienceCounts local;
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
    bool target_household = false;
    for (uint32_t m = m0; m < m1; ++m) {
      const int64_t person = shard.first_person + m;
      const uint32_t own = shard.person_devices[m];
      uint8_t byte = kNoSlot;
      for (size_t w = 0; w < s.watch_types.size(); ++w) {
        const int t = s.watch_types[w];
        const uint32_t have = types[t].household_owned ? hh_devices : own;
        if ((have >> t) & 1u) {
          byte = static_cast<uint8_t>(w);
          break;
        }
      }
      const int age = shard.age_band[m];
      const bool fan = Rng::ToUniform(fan_blocks[m][0]) < s.FanShare(age, tier);
      if (fan) byte |= kFan;
      if ((linked >> (m - m0)) & 1u) byte |= kCastLink;
      if (target.everyone ||
          target.Contains(age, tier, static_cast<int>(m1 - m0), own, hh_devices,
                          shard.activity[m])) {
        byte |= kTarget;
        ++local.target_people;
        target_household = true;
      }
      person_bytes[person] = byte;
      local.fans += fan;
      const bool can_watch = (byte & kSlotMask) != kNoSlot;
      local.can_watch += can_watch;
      if (!fan || !can_watch || !s.notification) continue;
      Rng rng(seed, streams::kStreamAudience, static_cast<uint32_t>(person),
              index, fan_blocks[m]);
      rng.Skip(1);
      for (double push : s.push_minutes) {
        if (!(rng.Uniform() < s.open_probability)) continue;
        const double at = push + s.open_delay.Sample(rng);
        if (at >= s.duration) continue;
        PlannedArrival a;
        a.t = at;
        a.person = static_cast<uint32_t>(person);
        a.channel = Channel::kNotification;
        a.has_byte = true;
        a.byte = byte;
        opens->push_back(a);
      }
    }
    local.target_households += target_household;
  }
  counts->Add(local);
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
                        options.cancel);
  // The pass, cell by cell: each cell's opens go straight to the play; its
  // households are drawn a shard at a time.
  const int64_t shard_households = std::max<int64_t>(
      1, std::min(options.shard_households, live::kCellHouseholds));
  const CancelToken* cancel = options.cancel;
  const PopulationNeeds needs = PassNeeds(population_.ecosystem(), s, target_);
  std::vector<AudienceCounts> cell_counts(play.cells());
  ParallelFor(play.cells(), options.threads, [&](int64_t c, int) {
    thread_local PassScratch scratch;
    std::vector<PlannedArrival>& opens = scratch.opens;
    opens.clear();
    const int64_t cell_end = play.CellBegin(c + 1);
    for (int64_t begin = play.CellBegin(c); begin < cell_end;
         begin += shard_households) {
      if (cancel != nullptr && cancel->Poll()) return;
      MarkShard(population_, s, target_, needs, seed_, begin,
                std::min(cell_end, begin + shard_households), &scratch,
                audience.person.get(), &cell_counts[c], &opens);
    }
    // A copy of the exact size: the buffer grows once per thread.
    play.SetCell(c, std::vector<PlannedArrival>(opens.begin(), opens.end()));
  });
  if (cancel != nullptr && cancel->Poll())
    return StoppedStatus(*cancel, "live stream");
  for (const AudienceCounts& n : cell_counts) audience.counts.Add(n);

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
  if (!play.Run()) {
    return cancel != nullptr ? StoppedStatus(*cancel, "live stream")
                             : absl::CancelledError("live stream cancelled");
  }

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
  int64_t followers = 0, fan_viewers = 0;
  for (const std::array<int64_t, 4>& n : counts) {
    followers += n[0];
    fan_viewers += n[1];
    out.target_viewers += n[2];
    out.target_viewers_reached += n[3];
  }
  out.report.set_new_followers(followers);
  out.report.set_fan_viewers(fan_viewers);
  return out;
}

}  // namespace aiotreach
