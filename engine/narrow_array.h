// Unsigned integers stored in 1, 2, 4 or 8 bytes each, the width chosen at
// run time from the largest value the caller will store: the day loop keeps
// per-person state sized to the scenario (a mask of three placements in a
// byte, not in eight). A counter that outgrows its width widens the whole
// array (Increment), so counts stay exact however large they get.
//
//   NarrowArray reached;
//   reached.Assign(people, /*max_value=*/(1u << placements) - 1, 0);
//   reached.Or(p, 1u << j);
//   uint64_t mask = reached[p];
//
// Reads and writes are one unaligned 8-byte load (and store) masked to the
// width, without branches on the width; the buffer has 8 bytes of slack so
// the last element can be read that way. Writes touch the neighbours' bytes
// (and put them back), so one array must not be written from two threads.
#ifndef AIOTREACH_ENGINE_NARROW_ARRAY_H_
#define AIOTREACH_ENGINE_NARROW_ARRAY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "absl/base/config.h"
#include "absl/base/optimization.h"

namespace aiotreach {

#ifndef ABSL_IS_LITTLE_ENDIAN
#error "NarrowArray reads a value as the low bytes of a wider load"
#endif

// The element types a NarrowArray's bytes are read as (Visit): marked as
// aliasing anything, as char is, since the bytes are also written through
// memcpy.
typedef uint8_t __attribute__((may_alias)) NarrowU8;
typedef uint16_t __attribute__((may_alias)) NarrowU16;
typedef uint32_t __attribute__((may_alias)) NarrowU32;
typedef uint64_t __attribute__((may_alias)) NarrowU64;

class NarrowArray {
 public:
  NarrowArray() { Reset(0, 1); }
  NarrowArray(const NarrowArray&) = delete;
  NarrowArray& operator=(const NarrowArray&) = delete;
  NarrowArray(NarrowArray&& other) noexcept { *this = std::move(other); }
  NarrowArray& operator=(NarrowArray&& other) noexcept {
    bytes_.swap(other.bytes_);
    std::swap(size_, other.size_);
    std::swap(shift_, other.shift_);
    std::swap(mask_, other.mask_);
    return *this;
  }

  // The bytes a value takes to hold values up to max_value: 1, 2, 4 or 8.
  static int WidthFor(uint64_t max_value) {
    if (max_value <= 0xFF) return 1;
    if (max_value <= 0xFFFF) return 2;
    if (max_value <= 0xFFFFFFFF) return 4;
    return 8;
  }

  // n values, each `value`, of the width for max_value (and value).
  void Assign(size_t n, uint64_t max_value, uint64_t value) {
    Reset(n, WidthFor(value > max_value ? value : max_value));
    Fill(value);
  }

  // Frees the storage; size() becomes 0.
  void Clear() {
    Reset(0, 1);
    std::vector<uint8_t>().swap(bytes_);
  }

  size_t size() const { return size_; }
  int width() const { return 1 << shift_; }
  // The largest value the current width holds.
  uint64_t max() const { return mask_; }
  // Bytes held (capacity included).
  size_t memory_bytes() const { return bytes_.capacity(); }

  uint64_t operator[](size_t i) const { return Load(i) & mask_; }

  // Requires value <= max().
  void Set(size_t i, uint64_t value) { Store(i, (Load(i) & ~mask_) | value); }
  // Sets the bits of `bits` (which must fit the width).
  void Or(size_t i, uint64_t bits) { Store(i, Load(i) | bits); }
  // Adds one, widening the array first if value i is at max().
  void Increment(size_t i) {
    const uint64_t v = (*this)[i];
    if (ABSL_PREDICT_FALSE(v == mask_)) Widen();
    Set(i, v + 1);
  }
  // Adds `n`, widening as needed.
  void Add(size_t i, uint64_t n) {
    const uint64_t v = (*this)[i];
    while (ABSL_PREDICT_FALSE(mask_ - v < n)) Widen();
    Set(i, v + n);
  }

  // Calls f(values) with `values` the array as its width's unsigned type
  // (NarrowU8, NarrowU16, NarrowU32 or NarrowU64): a loop over it is a
  // plain loop, which the compiler can vectorise, with the width's switch
  // outside it.
  template <typename F>
  void Visit(F&& f) const {
    const uint8_t* p = bytes_.data();
    switch (shift_) {
      case 0:
        f(reinterpret_cast<const NarrowU8*>(p));
        break;
      case 1:
        f(reinterpret_cast<const NarrowU16*>(p));
        break;
      case 2:
        f(reinterpret_cast<const NarrowU32*>(p));
        break;
      default:
        f(reinterpret_cast<const NarrowU64*>(p));
    }
  }
  template <typename F>
  void VisitMutable(F&& f) {
    uint8_t* p = bytes_.data();
    switch (shift_) {
      case 0:
        f(reinterpret_cast<NarrowU8*>(p));
        break;
      case 1:
        f(reinterpret_cast<NarrowU16*>(p));
        break;
      case 2:
        f(reinterpret_cast<NarrowU32*>(p));
        break;
      default:
        f(reinterpret_cast<NarrowU64*>(p));
    }
  }

  // n non-negative values from `values`, at the narrowest width for them.
  template <typename T>
  void AssignFrom(const T* values, size_t n) {
    T most = 0;
    for (size_t i = 0; i < n; ++i) most = values[i] > most ? values[i] : most;
    Reset(n, WidthFor(static_cast<uint64_t>(most)));
    VisitMutable([&](auto* out) {
      using Out = std::remove_pointer_t<decltype(out)>;
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<Out>(values[i]);
    });
  }
  // Writes the values to out[0, size()).
  template <typename T>
  void CopyTo(T* out) const {
    Visit([&](const auto* in) {
      for (size_t i = 0; i < size_; ++i) out[i] = static_cast<T>(in[i]);
    });
  }

  // Doubles the width (up to 8 bytes), keeping every value.
  void Widen() {
    if (shift_ == 3) return;
    NarrowArray wider;
    wider.Reset(size_, width() * 2);
    for (size_t i = 0; i < size_; ++i) wider.Set(i, (*this)[i]);
    *this = std::move(wider);
  }

 private:
  // n zeros of `width` bytes.
  void Reset(size_t n, int width) {
    shift_ = width == 1 ? 0 : width == 2 ? 1 : width == 4 ? 2 : 3;
    mask_ = shift_ == 3 ? ~uint64_t{0} : (uint64_t{1} << (8 << shift_)) - 1;
    size_ = n;
    bytes_.assign((n << shift_) + 8, 0);
  }
  void Fill(uint64_t value) {
    if (value == 0) return;  // Reset zeroed the bytes
    for (size_t i = 0; i < size_; ++i) Set(i, value);
  }
  uint64_t Load(size_t i) const {
    uint64_t v;
    std::memcpy(&v, bytes_.data() + (i << shift_), 8);
    return v;
  }
  void Store(size_t i, uint64_t v) {
    std::memcpy(bytes_.data() + (i << shift_), &v, 8);
  }

  std::vector<uint8_t> bytes_;
  size_t size_ = 0;
  int shift_ = 0;
  uint64_t mask_ = 0xFF;
};

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_NARROW_ARRAY_H_
