#include "engine/rng.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace aiotreach {
namespace rng_internal {

void EntityBlocksScalar(uint64_t seed, uint32_t stream, uint32_t sub,
                        uint32_t block, uint32_t first, size_t n,
                        RngBlock* out) {
  const r123::Philox4x32::key_type key = {
      {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
  r123::Philox4x32 philox;
  for (size_t i = 0; i < n; ++i) {
    out[i] = philox(
        r123::Philox4x32::ctr_type{
            {block, first + static_cast<uint32_t>(i), stream, sub}},
        key);
  }
}

#if defined(__x86_64__)
namespace {

// Philox4x32-10's constants (Salmon et al.; Random123's PHILOX_M4x32_*,
// PHILOX_W32_*).
constexpr uint32_t kM0 = 0xD2511F53u;
constexpr uint32_t kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u;
constexpr uint32_t kW1 = 0xBB67AE85u;

// A group of 8 entities in 64-bit lanes, each word in a lane's low half
// (the high halves hold garbage that no step reads: the multiply reads
// only low halves, and the output keeps only low halves).
struct Group8 {
  __m512i c0, c1, c2, c3;
};

// One Philox round of a group: (hi, lo) = m * x in each lane.
__attribute__((target("avx512f"))) inline void Round8(Group8* g, __m512i k0,
                                                      __m512i k1) {
  const __m512i p0 = _mm512_mul_epu32(g->c0, _mm512_set1_epi64(kM0));
  const __m512i p1 = _mm512_mul_epu32(g->c2, _mm512_set1_epi64(kM1));
  constexpr int kXor3 = 0x96;  // a ^ b ^ c
  g->c0 =
      _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), g->c1, k0, kXor3);
  g->c1 = p1;
  g->c2 =
      _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), g->c3, k1, kXor3);
  g->c3 = p0;
}

// Writes a group's 8 blocks: lane j's low words as block j.
__attribute__((target("avx512f"))) inline void Store8(const Group8& g,
                                                      RngBlock* out) {
  const __m512i w01 =
      _mm512_mask_blend_epi32(0xAAAA, g.c0, _mm512_slli_epi64(g.c1, 32));
  const __m512i w23 =
      _mm512_mask_blend_epi32(0xAAAA, g.c2, _mm512_slli_epi64(g.c3, 32));
  const __m512i first = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i second = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  __m512i* dst = reinterpret_cast<__m512i*>(out);
  _mm512_storeu_si512(dst, _mm512_permutex2var_epi64(w01, first, w23));
  _mm512_storeu_si512(dst + 1, _mm512_permutex2var_epi64(w01, second, w23));
}

}  // namespace

// 32 entities at a time, in four groups of 8 lanes (independent chains
// that the processor overlaps): the same ten rounds as Random123's
// philox4x32_R. Rounds on loop-invariant words (block, stream, sub) are
// hoisted out of the loop by the compiler.
__attribute__((target("avx512f"))) void EntityBlocksAvx512(
    uint64_t seed, uint32_t stream, uint32_t sub, uint32_t block,
    uint32_t first, size_t n, RngBlock* out) {
  static_assert(sizeof(RngBlock) == 16, "a block is four words");
  constexpr int kGroups = 4;
  const __m512i lanes = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
  __m512i k0[10], k1[10];
  uint32_t key0 = static_cast<uint32_t>(seed);
  uint32_t key1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    k0[r] = _mm512_set1_epi64(key0);
    k1[r] = _mm512_set1_epi64(key1);
    key0 += kW0;
    key1 += kW1;
  }
  size_t i = 0;
  for (; i + 8 * kGroups <= n; i += 8 * kGroups) {
    Group8 g[kGroups];
    for (int q = 0; q < kGroups; ++q) {
      g[q].c0 = _mm512_set1_epi64(block);
      g[q].c1 = _mm512_add_epi64(
          _mm512_set1_epi64(first + static_cast<uint32_t>(i) + 8 * q), lanes);
      g[q].c2 = _mm512_set1_epi64(stream);
      g[q].c3 = _mm512_set1_epi64(sub);
    }
    for (int r = 0; r < 10; ++r) {
      for (int q = 0; q < kGroups; ++q) Round8(&g[q], k0[r], k1[r]);
    }
    for (int q = 0; q < kGroups; ++q) Store8(g[q], out + i + 8 * q);
  }
  EntityBlocksScalar(seed, stream, sub, block, first + static_cast<uint32_t>(i),
                     n - i, out + i);
}

bool HasAvx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}
#else
bool HasAvx512() { return false; }
void EntityBlocksAvx512(uint64_t seed, uint32_t stream, uint32_t sub,
                        uint32_t block, uint32_t first, size_t n,
                        RngBlock* out) {
  EntityBlocksScalar(seed, stream, sub, block, first, n, out);
}
#endif

}  // namespace rng_internal

void EntityBlocks(uint64_t seed, uint32_t stream, uint32_t sub, uint32_t block,
                  uint32_t first, size_t n, RngBlock* out) {
  if (rng_internal::HasAvx512()) {
    rng_internal::EntityBlocksAvx512(seed, stream, sub, block, first, n, out);
  } else {
    rng_internal::EntityBlocksScalar(seed, stream, sub, block, first, n, out);
  }
}

void FirstBlocks(uint64_t seed, uint32_t stream, uint32_t sub, uint32_t first,
                 size_t n, RngBlock* out) {
  EntityBlocks(seed, stream, sub, 0, first, n, out);
}

}  // namespace aiotreach
