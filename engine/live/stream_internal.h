// Internal to engine/live: what the stream's pass hands its play.
#ifndef AIOTREACH_ENGINE_LIVE_STREAM_INTERNAL_H_
#define AIOTREACH_ENGINE_LIVE_STREAM_INTERNAL_H_

#include <cstdint>

#include "engine/huge_array.h"
#include "engine/live/stream_spec.h"

namespace aiotreach {
namespace live {

// A person's byte: the watch slot (an index into stream.watch_types;
// kNoSlot when they cannot watch), then flags.
inline constexpr uint8_t kSlotMask = 7;
inline constexpr uint8_t kNoSlot = 7;
inline constexpr uint8_t kFan = 8;
inline constexpr uint8_t kCastLink = 16;
inline constexpr uint8_t kTarget = 32;
static_assert(kMaxWatchDeviceTypes <= kNoSlot, "a slot fits in 3 bits");

// Sub keys: the stream's index in the low 5 bits (at most 16 streams).
inline constexpr uint32_t kIndexBits = 5;

inline constexpr uint64_t kNoRoot = ~uint64_t{0};

// 32 bytes: tens of millions of them are planned at platform scale.
struct Arrival {
  double t = 0.0;
  uint64_t root = kNoRoot;  // kShare: the cascade (cell << 32 | index)
  uint32_t seq = 0;         // ties in t: first queued first (within a cell)
  uint32_t person = 0;
  uint16_t generation = 0;  // kShare: 1 for a click on a first sharer's link
  Channel channel = Channel::kDiscovery;
  uint8_t promotion = 0;
  // The person's byte when the arrival was made knowing it (an open), so
  // that the play need not read it from the population-sized array.
  bool has_byte = false;
  uint8_t byte = 0;
};
static_assert(sizeof(Arrival) == 32, "Arrival stays small");

// 16 bytes: an arrival known before the play (a notification open, a
// promoted join), tens of millions of them at platform scale. A cell plays
// its planned arrivals in time order, in the order they were planned on a
// tie, and before any arrival queued during the play at the same time.
struct PlannedArrival {
  double t = 0.0;
  uint32_t person = 0;
  Channel channel = Channel::kNotification;
  uint8_t promotion = 0;
  bool has_byte = false;  // as in Arrival
  uint8_t byte = 0;

  Arrival ToArrival() const {
    Arrival a;
    a.t = t;
    a.person = person;
    a.channel = channel;
    a.promotion = promotion;
    a.has_byte = has_byte;
    a.byte = byte;
    return a;
  }
};
static_assert(sizeof(PlannedArrival) == 16, "PlannedArrival stays small");

// What the pass counts, over a shard, a cell or the whole population.
struct AudienceCounts {
  int64_t target_people = 0;
  int64_t target_households = 0;
  int64_t fans = 0;
  int64_t can_watch = 0;

  void Add(const AudienceCounts& o) {
    target_people += o.target_people;
    target_households += o.target_households;
    fans += o.fans;
    can_watch += o.can_watch;
  }
};

// What the pass over the households finds.
struct Audience {
  // The byte of each person; allocated uninitialised, written by the pass.
  HugeArray<uint8_t> person;
  AudienceCounts counts;
};

}  // namespace live
}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_LIVE_STREAM_INTERNAL_H_
