// Counter-based random numbers keyed by (seed, stream, entity, sub).
//
// Every random quantity of the engine is a pure function of its key: the
// household size of household h, the activity of person p, the won events
// of placement j on the device of owner o. Nothing depends on a shared
// generator's state, so results do not depend on thread count, shard size
// or processing order. The generator is Random123's Philox4x32-10 (Salmon
// et al., SC'11): the 64-bit seed is the Philox key and
// (block, entity, stream, sub) the 128-bit counter; each block yields four
// 32-bit words.
//
//   Rng rng(seed, streams::kHouseholdSize, household_id);
//   double u = rng.Uniform();   // in (0, 1)
#ifndef AIOTREACH_ENGINE_RNG_H_
#define AIOTREACH_ENGINE_RNG_H_

#include <Random123/philox.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace aiotreach {

// Stream ids of the population draws. Placements use streams derived from
// their names (>= kFirstPlacementStream), so adding, removing or reordering
// a placement leaves every other placement's draws as they were.
namespace streams {
inline constexpr uint32_t kHouseholdSize = 1;
inline constexpr uint32_t kHouseholdAttributes = 2;
inline constexpr uint32_t kPersonAttributes = 3;
inline constexpr uint32_t kPersonActivity = 4;
inline constexpr uint32_t kDeviceLinks = 7;
inline constexpr uint32_t kSocialContacts = 8;
inline constexpr uint32_t kConversion = 9;
inline constexpr uint32_t kReplicateSeed = 10;
// Live streams: the sub key holds the stream's index (and more, see
// engine/live/stream_simulator.cc).
inline constexpr uint32_t kStreamAudience = 11;   // entity: person
inline constexpr uint32_t kStreamSession = 12;    // entity: person
inline constexpr uint32_t kStreamDiscovery = 13;  // entity: minute
inline constexpr uint32_t kStreamLikes = 14;      // entity: minute
inline constexpr uint32_t kStreamFollow = 15;     // entity: person
inline constexpr uint32_t kStreamPromotion = 16;  // entity: person
inline constexpr uint32_t kPersonGender = 17;
inline constexpr uint32_t kPrivacyNoise = 18;  // entity: the released count
inline constexpr uint32_t kFirstPlacementStream = 0x80000000u;
}  // namespace streams

// The first Philox block (words 0..3) of a keyed stream.
using RngBlock = r123::Philox4x32::ctr_type;

// An allocator whose resize() leaves new elements uninitialised: buffers of
// blocks are always written whole by FirstBlocks before they are read, and
// zero-filling them first cost as much as a tenth of a small run.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) {}
  template <typename U>
  void construct(U* p) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// A buffer of first blocks (see FirstBlocks).
using RngBlocks = std::vector<RngBlock, DefaultInitAllocator<RngBlock>>;

class Rng {
 public:
  // A stream of 32-bit words keyed by (seed, stream, entity, sub), starting
  // at word `first_word`.
  Rng(uint64_t seed, uint32_t stream, uint32_t entity, uint32_t sub = 0,
      uint32_t first_word = 0)
      : key_{{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}},
        ctr_{{first_word / 4, entity, stream, sub}},
        next_(first_word % 4) {
    Refill();
  }

  // The stream of Rng(seed, stream, entity, sub) with its first block
  // already computed (see FirstBlocks): no Philox call until word 4.
  Rng(uint64_t seed, uint32_t stream, uint32_t entity, uint32_t sub,
      const RngBlock& first_block)
      : key_{{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}},
        ctr_{{0, entity, stream, sub}},
        out_(first_block),
        next_(0) {}

  // An unkeyed stream, for a variable that is assigned before use.
  Rng() : key_{{0, 0}}, ctr_{{0, 0, 0, 0}}, out_{{0, 0, 0, 0}}, next_(4) {}

  uint32_t NextU32() {
    if (next_ == 4) {
      ++ctr_[0];
      next_ = 0;
      Refill();
    }
    return out_[next_++];
  }

  // Uniform on the open interval (0, 1), at 2^-32 resolution.
  double Uniform() { return ToUniform(NextU32()); }

  // The uniform Uniform() makes of a word.
  static double ToUniform(uint32_t word) {
    return (word + 0.5) * (1.0 / 4294967296.0);
  }

  // The threshold of a probability on words: ToUniform(w) < p exactly when
  // w < WordThreshold(p), in [0, 2^32]. ToUniform(w) < p is
  // w + 0.5 < p 2^32 (the scaling by 2^32 is exact), and so is the
  // subtraction of 0.5 below, so loops can compare words as integers.
  static uint64_t WordThreshold(double p) {
    const double x = p * 4294967296.0 - 0.5;
    if (!(x > 0.0)) return 0;
    if (x >= 4294967296.0) return uint64_t{1} << 32;
    return static_cast<uint64_t>(std::ceil(x));
  }

  // Uniform integer in [0, n), n >= 1 (multiply-shift; bias < n / 2^32).
  uint32_t UniformInt(uint32_t n) {
    return static_cast<uint32_t>((uint64_t{NextU32()} * n) >> 32);
  }

  // Skips n words, as if read and discarded.
  void Skip(uint32_t n) {
    const uint32_t pos = next_ + n;  // words past the start of this block
    if (pos < 4) {
      next_ = static_cast<int>(pos);
      return;
    }
    ctr_[0] += pos / 4;
    next_ = static_cast<int>(pos % 4);
    Refill();
  }

 private:
  void Refill() { out_ = r123::Philox4x32()(ctr_, key_); }

  r123::Philox4x32::key_type key_;
  r123::Philox4x32::ctr_type ctr_;
  r123::Philox4x32::ctr_type out_;
  int next_;
};

// out[i] = the first block of Rng(seed, stream, first + i, sub), for
// i < n. One loop of independent Philox calls, which the compiler
// vectorises: several times faster than n separate Rng constructions.
void FirstBlocks(uint64_t seed, uint32_t stream, uint32_t sub, uint32_t first,
                 size_t n, RngBlock* out);

// out[i] = block `block` (words 4 block .. 4 block + 3) of the stream
// Rng(seed, stream, first + i, sub), for i < n; FirstBlocks is block 0.
void EntityBlocks(uint64_t seed, uint32_t stream, uint32_t sub, uint32_t block,
                  uint32_t first, size_t n, RngBlock* out);

// EntityBlocks' kernels, for tests: Random123's loop, and 16 entities at a
// time in AVX-512 lanes (the same words; what EntityBlocks uses when the
// processor has AVX-512F, whatever the build's flags).
namespace rng_internal {
void EntityBlocksScalar(uint64_t seed, uint32_t stream, uint32_t sub,
                        uint32_t block, uint32_t first, size_t n,
                        RngBlock* out);
void EntityBlocksAvx512(uint64_t seed, uint32_t stream, uint32_t sub,
                        uint32_t block, uint32_t first, size_t n,
                        RngBlock* out);
bool HasAvx512();
}  // namespace rng_internal

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_RNG_H_
