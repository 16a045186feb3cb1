// bits.hpp — small integer helpers the core needs: min/max, alignment, bit counts,
// and wrap-aware 32-bit sequence comparison (RFC 1982 style, used by TCP and ARP).
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel {

template <typename T>
constexpr T min_of(T a, T b) { return b < a ? b : a; }
template <typename T>
constexpr T max_of(T a, T b) { return a < b ? b : a; }
template <typename T>
constexpr T clamp_to(T v, T lo, T hi) { return v < lo ? lo : (hi < v ? hi : v); }

constexpr bool is_pow2(size_t v) { return v != 0 && (v & (v - 1)) == 0; }
// align_up(v, a) — v rounded up to a multiple of a (a a power of two).
constexpr size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

constexpr int popcount32(uint32_t v) { return __builtin_popcount(v); }
// count_leading_zeros32(0) is 32 (the builtin is undefined for 0).
constexpr int count_leading_zeros32(uint32_t v) { return v == 0 ? 32 : __builtin_clz(v); }
constexpr int count_trailing_zeros32(uint32_t v) { return v == 0 ? 32 : __builtin_ctz(v); }
constexpr uint32_t rotl32(uint32_t v, int s) {
  s &= 31;
  return s == 0 ? v : (v << s) | (v >> (32 - s));
}

// prefix_mask32(len) — a netmask with the top len bits set (len clamped to 0..32).
constexpr uint32_t prefix_mask32(int len) {
  return len <= 0 ? 0u : len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len);
}
// prefix_len32(mask) — the prefix length of a contiguous mask, or -1 if not contiguous.
constexpr int prefix_len32(uint32_t mask) {
  int len = count_leading_zeros32(~mask);
  return prefix_mask32(len) == mask ? len : -1;
}

// seq_lt(a, b) — a precedes b in 32-bit modular sequence space.
constexpr bool seq_lt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
constexpr bool seq_le(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) <= 0; }

}  // namespace keel
