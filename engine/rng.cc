#include "engine/rng.h"

namespace aiotreach {

void EntityBlocks(uint64_t seed, uint32_t stream, uint32_t sub, uint32_t block,
                  uint32_t first, size_t n, RngBlock* out) {
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

void FirstBlocks(uint64_t seed, uint32_t stream, uint32_t sub, uint32_t first,
                 size_t n, RngBlock* out) {
  EntityBlocks(seed, stream, sub, 0, first, n, out);
}

}  // namespace aiotreach
