// The day loop's serve step: one household's won opportunities of a day,
// each at its time, served in time order against the caps. Each served one
// is an impression; the person checked and the others present are exposed;
// interactions and voice follow-ups are drawn. Internal to the day-by-day
// path.
//
//   HouseholdDay serve(campaign, plan, seed, options.cancel, tally);
//   serve.caps().StartShard(&st);
//   serve.draws().DrawCounts(j, day, st); ...
//   serve.Serve(day, &st, i, next);  // household i; next[j] moves past it
//
// Every opportunity reads a fixed run of words of its (placement, owner,
// day) stream (audience, interaction, follow-up), whether it is refused or
// not, so what happens to one never shifts another's draws.
//
// One per worker thread; not thread-safe.
#ifndef AIOTREACH_ENGINE_DAY_HOUSEHOLD_DAY_H_
#define AIOTREACH_ENGINE_DAY_HOUSEHOLD_DAY_H_

#include <cstdint>
#include <vector>

#include "absl/base/attributes.h"
#include "engine/campaign.h"
#include "engine/cancel.h"
#include "engine/day/cap_ledger.h"
#include "engine/day/daily_draws.h"
#include "engine/day/shard_state.h"
#include "engine/population.h"
#include "engine/rng.h"
#include "engine/stream_feed.h"
#include "engine/tally.h"

namespace aiotreach {
namespace day {

class HouseholdDay {
 public:
  // `campaign`, `plan` and `tally` must outlive this; `tally` takes the
  // counts; `cancel` (may be null) is polled as households and events go
  // by.
  HouseholdDay(const Population& population, const Campaign& campaign,
               const CapPlan& plan, uint64_t seed, const CancelToken* cancel,
               Tally* tally);

  // The caps' ledger and the day's draws: kept here, beside the serve loop
  // that reads them on every event, for the day loop to fill and finish.
  CapLedger& caps() { return caps_; }
  DailyDraws& draws() { return draws_; }

  // Serves household i's won opportunities of `day` (from the draws' won
  // lists); next[j] is the position of its first owner in draws().won(j),
  // moved past it. Polls the cancel token once for the household-day and
  // every kCancelPollUnits events; once stopped, skips the rest of the
  // shard.
  void Serve(int day, ShardState* st, int i, int* next);

  // Exposures to placements that promote a live stream go to `feed` (may
  // be null): kept here, handed over by HandPromotions().
  void set_stream_feed(StreamFeed* feed);
  void HandPromotions();

 private:
  struct DeviceDay {
    int placement;
    int type;
    int member;  // -1: a household device
    int slot;    // device index in the household (DeviceSlots)
    uint32_t owner_id;
    uint32_t next_word;     // the next event's first word in the stream
    const RngBlock* block;  // the stream's first block; null if not drawn
  };
  struct Event {
    double time;  // hours in [0, 24)
    int device;   // index into devices_
  };

  // The stream of (placement p, owner, day) at word `word`: from its first
  // block when the draws computed it (no Philox call before word 4), else
  // computed.
  Rng DayStream(const CompiledPlacement& p, uint32_t owner_id, int day,
                const RngBlock* block, uint32_t word) const;
  // Time order, stable, for a household-day of many events; kept out of
  // line, away from the usual few.
  __attribute__((noinline)) static void SortManyEvents(
      std::vector<Event>* events);
  // Appends an event field by field: building it whole and copying it
  // stalls on store forwarding (two narrow stores, one wide load).
  // The per-event functions are forced inline into Serve, as they were
  // when the day loop was one class (a call each costs W2 a fifth).
  ABSL_ATTRIBUTE_ALWAYS_INLINE void AddEvent(double time, int device);
  ABSL_ATTRIBUTE_ALWAYS_INLINE void ServeEvent(int day, const Event& e,
                                               ShardState* st, int i,
                                               uint32_t m0, int size);
  // One exposure of household member m (of a household whose people start
  // at m0) to placement j on a device of type t.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Expose(int day, int j, int t,
                                           ShardState* st, uint32_t m0, int m);
  // Records, for each retargeting route whose source this exposure of
  // shard person pm (to placement j on type t) is, the day, if the route's
  // screen is tied to the device.
  __attribute__((noinline)) void RecordSource(int day, int j, int t,
                                              ShardState* st, uint32_t pm);
  // True if shard person pm may see retargeting placement p on `day`.
  bool Retargeted(const CompiledPlacement& p, int day, const ShardState& st,
                  uint32_t pm) const;
  // Keeps an exposure of person `person` to promoting placement j.
  __attribute__((noinline)) void Promote(int day, int j, uint32_t person);
  // The household's first voice device type, or -1.
  int VoiceType(uint32_t household_devices) const;
  // True if household i's voice device can take `asker`'s follow-up of an
  // ad on its device of type `ad_type`: a drawn link joins the two devices,
  // or the asker's own device is signed in to the voice device's account
  // (LINK_KIND_SAME_ACCOUNT). No link, no follow-up.
  __attribute__((noinline)) bool FollowUpLinked(const ShardState& st, int i,
                                                int ad_type, int voice,
                                                int asker) const;

  const Population& population_;
  const Campaign& campaign_;
  const uint64_t seed_;
  // The ecosystem's device links by the types they join, any kind:
  // [a * types + b] (both orders); and by household type, the
  // LINK_KIND_SAME_ACCOUNT links joining it to a personal type.
  std::vector<std::vector<int>> links_between_;
  std::vector<std::vector<int>> account_links_;
  const std::vector<int>& LinksBetween(int a, int b) const {
    return links_between_[a * num_types_ + b];
  }
  int num_types_ = 0;
  // True if one of `links` (indices into the ecosystem's device links) is
  // drawn for member `member` of the household (a link between two
  // household devices is every member's).
  bool MemberLinked(const HouseholdDevices& household, int member,
                    const std::vector<int>& links) const;
  // Retargeting: bit j set if placement j is a route's source; bit t if
  // device type t is.
  uint64_t source_placements_ = 0;
  uint32_t source_types_ = 0;
  const DeviceSlots slots_;
  CapLedger caps_;
  DailyDraws draws_;
  CancelPoller poll_;
  Tally& tally_;
  const BreakdownCounters placements_;
  const BreakdownCounters types_;
  const DeliveryCounters delivery_;
  std::vector<DeviceDay> devices_;
  std::vector<Event> events_;
  std::vector<int> viewers_;
  double now_ = 0.0;  // the time of the event being served, in hours
  StreamFeed* feed_ = nullptr;
  uint64_t promoting_ = 0;  // feed_->promoting, or 0
  std::vector<std::vector<PromotionExposure>> promotions_;  // by stream
  // Sampling blocks (platform units), or null; the row of the household
  // being served; each placement's price an impression (millionths of a
  // yuan).
  int64_t* const sampling_;
  int64_t* sampling_row_ = nullptr;
  std::vector<int64_t> micro_cpm_;
  // People reached in each calendar week, or null (a one-week flight);
  // the week of each flight day.
  int64_t* const weekly_reach_;
  std::vector<uint16_t> week_of_day_;
};

}  // namespace day
}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_DAY_HOUSEHOLD_DAY_H_
