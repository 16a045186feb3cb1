// base_test.cpp — span, optional, result, byte order, bits, time.
#include <gtest/gtest.h>

#include "core/base/bits.hpp"
#include "core/base/byte_order.hpp"
#include "core/base/optional.hpp"
#include "core/base/result.hpp"
#include "core/base/span.hpp"
#include "core/base/time.hpp"

using namespace keel;

TEST(Span, subspan_clamps_to_the_span_for_any_offset) {
  uint8_t buf[10] = {};
  MutBytes s(buf);
  EXPECT_EQ(s.subspan(2, 3).size(), 3u);
  EXPECT_EQ(s.subspan(8, 5).size(), 2u);
  EXPECT_EQ(s.subspan(10, 1).size(), 0u);
  EXPECT_EQ(s.subspan(11, 1).size(), 0u);
  EXPECT_EQ(s.subspan(SIZE_MAX, SIZE_MAX).size(), 0u);
  EXPECT_EQ(s.from(4).size(), 6u);
  EXPECT_EQ(s.first(20).size(), 10u);
}

TEST(Span, in_bounds_never_overflows) {
  uint8_t buf[10] = {};
  Bytes s(buf);
  EXPECT_TRUE(s.in_bounds(0, 10));
  EXPECT_TRUE(s.in_bounds(10, 0));
  EXPECT_FALSE(s.in_bounds(1, 10));
  EXPECT_FALSE(s.in_bounds(SIZE_MAX, 2));
  EXPECT_FALSE(s.in_bounds(2, SIZE_MAX));
}

TEST(Span, copy_and_compare) {
  uint8_t a[4] = {1, 2, 3, 4};
  uint8_t b[3] = {};
  EXPECT_EQ(copy_bytes(MutBytes(b), Bytes(a)), 3u);
  EXPECT_TRUE(equal_bytes(Bytes(b), Bytes(a, 3)));
  EXPECT_FALSE(equal_bytes(Bytes(b), Bytes(a)));
  EXPECT_TRUE(equal_bytes(Bytes(), Bytes()));
}

TEST(Optional, holds_a_value_or_none) {
  Optional<int> o;
  EXPECT_FALSE(o.has_value());
  EXPECT_EQ(o.value_or(7), 7);
  o = 3;
  EXPECT_TRUE(o);
  EXPECT_EQ(*o, 3);
  o.reset();
  EXPECT_FALSE(o);
  EXPECT_EQ(Optional<int>(none), Optional<int>());
}

enum class E { A, B };

Result<int, E> half(int v) {
  if (v % 2) return Err(E::B);
  return v / 2;
}

TEST(Result, carries_value_or_error) {
  auto r = half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 4);
  auto e = half(3);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), E::B);
  Result<void, E> ok;
  EXPECT_TRUE(ok.ok());
  Result<void, E> bad = Err(E::A);
  EXPECT_EQ(bad.error(), E::A);
}

TEST(Result, value_of_an_error_traps) {
  EXPECT_DEATH({ auto r = half(3); (void)r.value(); }, "");
}

TEST(ByteOrder, loads_and_stores_are_big_endian_at_any_alignment) {
  uint8_t buf[16] = {};
  for (size_t off = 0; off < 8; ++off) {
    store_be16(buf + off, 0x1234);
    EXPECT_EQ(buf[off], 0x12);
    EXPECT_EQ(load_be16(buf + off), 0x1234);
    store_be32(buf + off, 0xdeadbeef);
    EXPECT_EQ(buf[off], 0xde);
    EXPECT_EQ(buf[off + 3], 0xef);
    EXPECT_EQ(load_be32(buf + off), 0xdeadbeefu);
    store_be64(buf + off, 0x0102030405060708ull);
    EXPECT_EQ(buf[off], 1);
    EXPECT_EQ(buf[off + 7], 8);
    EXPECT_EQ(load_be64(buf + off), 0x0102030405060708ull);
  }
}

TEST(Bits, masks_and_prefixes) {
  EXPECT_EQ(prefix_mask32(0), 0u);
  EXPECT_EQ(prefix_mask32(24), 0xffffff00u);
  EXPECT_EQ(prefix_mask32(32), 0xffffffffu);
  EXPECT_EQ(prefix_mask32(40), 0xffffffffu);
  EXPECT_EQ(prefix_len32(0xffffff00u), 24);
  EXPECT_EQ(prefix_len32(0), 0);
  EXPECT_EQ(prefix_len32(0xffffffffu), 32);
  EXPECT_EQ(prefix_len32(0xff00ff00u), -1);
  EXPECT_EQ(count_leading_zeros32(0), 32);
  EXPECT_EQ(count_trailing_zeros32(8), 3);
  EXPECT_EQ(popcount32(0xf0f0), 8);
  EXPECT_EQ(rotl32(0x80000001u, 1), 3u);
  EXPECT_EQ(rotl32(5, 0), 5u);
  EXPECT_TRUE(is_pow2(64));
  EXPECT_FALSE(is_pow2(0));
  EXPECT_FALSE(is_pow2(12));
  EXPECT_EQ(align_up(13, 8), 16u);
  EXPECT_EQ(clamp_to(5, 0, 3), 3);
  EXPECT_EQ(min_of(2, 3), 2);
  EXPECT_EQ(max_of(2, 3), 3);
}

TEST(Bits, sequence_comparison_wraps) {
  EXPECT_TRUE(seq_lt(1, 2));
  EXPECT_TRUE(seq_lt(0xfffffff0u, 5));
  EXPECT_FALSE(seq_lt(5, 0xfffffff0u));
  EXPECT_TRUE(seq_le(7, 7));
}

TEST(Time, instants_and_durations) {
  Instant t = Instant::from_millis(1500);
  EXPECT_EQ(t.micros(), 1500000);
  EXPECT_EQ((t + Duration::seconds(2)).millis(), 3500);
  EXPECT_EQ((t - Instant::from_millis(500)).as_millis(), 1000);
  EXPECT_LT(Duration::millis(1), Duration::seconds(1));
  EXPECT_TRUE(t > Instant());
}

#include <set>

#include "core/base/random.hpp"

TEST(Random, same_seed_same_sequence_and_any_seed_works) {
  Random a(5), b(5), c(6), z(0);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    uint32_t x = a.next_u32();
    EXPECT_EQ(x, b.next_u32());
    differs |= x != c.next_u32();
  }
  EXPECT_TRUE(differs);
  std::set<uint32_t> seen;
  for (int i = 0; i < 100; ++i) seen.insert(z.next_u32());
  EXPECT_GT(seen.size(), 95u);  // seed 0 is not stuck at zero
}

TEST(Random, below_and_range_stay_in_bounds_and_cover_them) {
  Random r(3);
  std::set<uint32_t> seen;
  for (int i = 0; i < 10000; ++i) {
    uint32_t v = r.below(7);
    ASSERT_LT(v, 7u);
    seen.insert(v);
    uint32_t w = r.range(49152, 65535);
    ASSERT_GE(w, 49152u);
    ASSERT_LE(w, 65535u);
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(r.below(0), 0u);
  EXPECT_EQ(r.range(9, 3), 9u);
  EXPECT_LE(r.range(0, 0xffffffffu), 0xffffffffu);
}
