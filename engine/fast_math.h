// exp and log in plain IEEE arithmetic, without branches or tables, so that
// loops over arrays of them vectorise and their results do not depend on
// which libm a machine dispatches to.
//
// Accuracy: relative error below 4e-16 (a few ulp) over the documented
// domains; checked against std::exp and std::log in fast_math_test.cc.
//
//   for (size_t i = 0; i < n; ++i) out[i] = Exp(-mean[i]);
#ifndef AIOTREACH_ENGINE_FAST_MATH_H_
#define AIOTREACH_ENGINE_FAST_MATH_H_

#include <cstdint>
#include <cstring>

namespace aiotreach {

// e^x for x in [-700, 700]; outside, the result is meaningless.
inline double Exp(double x) {
  // x = k ln2 + r, |r| <= ln2 / 2, with ln2 split in two for an exact r.
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  // Round to nearest with the 1.5 * 2^52 trick: no branch, no libm call.
  constexpr double kShift = 6755399441055744.0;
  const double kd = (x * kLog2e + kShift) - kShift;
  const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
  // e^r by its Taylor series to r^13 / 13!: |r| <= 0.347 makes the
  // remainder below 1e-17 relative.
  double p = 1.0 / 6227020800.0;  // 1 / 13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // Scale by 2^k through the exponent bits.
  const int64_t k = static_cast<int64_t>(kd);
  const uint64_t bits = static_cast<uint64_t>(k + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

// ln x for normal x > 0 (not for 0, subnormals, infinities or NaN).
inline double Log(double x) {
  // x = 2^e m with m in [sqrt(1/2), sqrt(2)).
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  // Subtracting sqrt(1/2)'s bits makes the exponent field of the result e
  // (an arithmetic shift keeps its sign); removing e from x leaves m.
  constexpr uint64_t kOffset = 0x3fe6a09e667f3bcdull;  // sqrt(1/2)
  const uint64_t shifted = bits - kOffset;
  const int64_t e = static_cast<int64_t>(shifted) >> 52;
  const uint64_t m_bits = bits - (shifted & 0xfff0000000000000ull);
  double m;
  std::memcpy(&m, &m_bits, sizeof(m));
  // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716: the odd
  // series to s^27 leaves a remainder below 1e-21.
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double s2 = s * s;
  double q = 1.0 / 27;
  q = q * s2 + 1.0 / 25;
  q = q * s2 + 1.0 / 23;
  q = q * s2 + 1.0 / 21;
  q = q * s2 + 1.0 / 19;
  q = q * s2 + 1.0 / 17;
  q = q * s2 + 1.0 / 15;
  q = q * s2 + 1.0 / 13;
  q = q * s2 + 1.0 / 11;
  q = q * s2 + 1.0 / 9;
  q = q * s2 + 1.0 / 7;
  q = q * s2 + 1.0 / 5;
  q = q * s2 + 1.0 / 3;
  // 2 s (1 + s2 q) = f - (f - 2s) + 2 s s2 q, kept as f - s f + ... for
  // accuracy: 2s = f - s f.
  const double log_m = (f - s * f) + 2.0 * s * s2 * q;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const double ed = static_cast<double>(e);
  return ed * kLn2Hi + (log_m + ed * kLn2Lo);
}

}  // namespace aiotreach

#endif  // AIOTREACH_ENGINE_FAST_MATH_H_
