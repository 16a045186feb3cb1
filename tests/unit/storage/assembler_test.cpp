// assembler_test.cpp — Assembler behaviour, reassembly into a RingBuffer, and random
// operation sequences checked against a std::vector<bool> bitmap model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/storage/assembler.hpp"
#include "core/storage/ring_buffer.hpp"

using namespace keel;
using keel::storage::Assembler;
using keel::storage::AssemblerError;
using keel::storage::IAssembler;
using keel::storage::Range;

namespace {

// ranges(a) — the stored ranges as (start, end) pairs, in iteration order.
std::vector<std::pair<size_t, size_t>> ranges(const IAssembler& a) {
  std::vector<std::pair<size_t, size_t>> out;
  for (const Range& r : a) out.emplace_back(r.start, r.end);
  return out;
}
using Ranges = std::vector<std::pair<size_t, size_t>>;

}  // namespace

TEST(Assembler, starts_empty_and_has_nothing_at_the_front) {
  Assembler<4> a;
  EXPECT_TRUE(a.is_empty());
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.capacity(), 4u);
  EXPECT_EQ(a.front_len(), 0u);
  EXPECT_EQ(a.remove_front(), 0u);
}

TEST(Assembler, in_order_data_is_delivered_at_once) {
  Assembler<4> a;
  ASSERT_TRUE(a.add(0, 100).ok());
  EXPECT_EQ(a.front_len(), 100u);
  EXPECT_EQ(a.remove_front(), 100u);
  EXPECT_TRUE(a.is_empty());
}

TEST(Assembler, data_after_a_hole_is_held_back) {
  Assembler<4> a;
  ASSERT_TRUE(a.add(10, 5).ok());
  EXPECT_FALSE(a.is_empty());
  EXPECT_EQ(a.remove_front(), 0u);
  EXPECT_EQ(ranges(a), (Ranges{{10, 15}}));
}

TEST(Assembler, filling_the_hole_delivers_everything_contiguous) {
  Assembler<4> a;
  ASSERT_TRUE(a.add(10, 5).ok());
  ASSERT_TRUE(a.add(0, 10).ok());
  EXPECT_EQ(a.remove_front(), 15u);
  EXPECT_TRUE(a.is_empty());
}

TEST(Assembler, remove_front_makes_later_offsets_relative_to_the_new_front) {
  Assembler<4> a;
  ASSERT_TRUE(a.add(0, 4).ok());
  ASSERT_TRUE(a.add(10, 2).ok());
  ASSERT_TRUE(a.add(20, 3).ok());
  EXPECT_EQ(a.remove_front(), 4u);
  EXPECT_EQ(ranges(a), (Ranges{{6, 8}, {16, 19}}));
}

TEST(Assembler, ranges_are_kept_in_increasing_order) {
  Assembler<4> a;
  ASSERT_TRUE(a.add(30, 1).ok());
  ASSERT_TRUE(a.add(10, 1).ok());
  ASSERT_TRUE(a.add(20, 1).ok());
  EXPECT_EQ(ranges(a), (Ranges{{10, 11}, {20, 21}, {30, 31}}));
  EXPECT_EQ(a[1], (Range{20, 21}));
}

TEST(Assembler, overlapping_ranges_merge) {
  Assembler<4> a;
  ASSERT_TRUE(a.add(10, 10).ok());
  ASSERT_TRUE(a.add(15, 10).ok());
  EXPECT_EQ(ranges(a), (Ranges{{10, 25}}));
  ASSERT_TRUE(a.add(5, 7).ok());
  EXPECT_EQ(ranges(a), (Ranges{{5, 25}}));
}

TEST(Assembler, adjacent_ranges_merge) {
  Assembler<4> a;
  ASSERT_TRUE(a.add(10, 5).ok());
  ASSERT_TRUE(a.add(15, 5).ok());  // touches the end
  ASSERT_TRUE(a.add(5, 5).ok());   // touches the start
  EXPECT_EQ(ranges(a), (Ranges{{5, 20}}));
}

TEST(Assembler, a_range_spanning_several_merges_them_all) {
  Assembler<4> a;
  ASSERT_TRUE(a.add(10, 2).ok());
  ASSERT_TRUE(a.add(20, 2).ok());
  ASSERT_TRUE(a.add(30, 2).ok());
  ASSERT_TRUE(a.add(40, 2).ok());
  ASSERT_TRUE(a.add(11, 25).ok());  // covers 11..36: joins the first three
  EXPECT_EQ(ranges(a), (Ranges{{10, 36}, {40, 42}}));
}

TEST(Assembler, duplicate_and_contained_ranges_change_nothing) {
  Assembler<4> a;
  ASSERT_TRUE(a.add(10, 10).ok());
  ASSERT_TRUE(a.add(10, 10).ok());
  ASSERT_TRUE(a.add(12, 3).ok());
  EXPECT_EQ(ranges(a), (Ranges{{10, 20}}));
}

TEST(Assembler, zero_length_add_is_a_no_op) {
  Assembler<1> a;
  ASSERT_TRUE(a.add(5, 1).ok());
  ASSERT_TRUE(a.add(50, 0).ok());  // would need a second range if it counted
  EXPECT_EQ(ranges(a), (Ranges{{5, 6}}));
}

TEST(Assembler, one_range_too_many_is_refused_and_changes_nothing) {
  Assembler<2> a;
  ASSERT_TRUE(a.add(10, 1).ok());
  ASSERT_TRUE(a.add(20, 1).ok());
  auto r = a.add(30, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AssemblerError::TooManyRanges);
  auto front = a.add(0, 1);  // a new range at the front needs a slot too
  ASSERT_FALSE(front.ok());
  EXPECT_EQ(ranges(a), (Ranges{{10, 11}, {20, 21}}));
}

TEST(Assembler, a_range_that_merges_is_accepted_when_full) {
  Assembler<2> a;
  ASSERT_TRUE(a.add(10, 1).ok());
  ASSERT_TRUE(a.add(20, 1).ok());
  EXPECT_TRUE(a.add(11, 2).ok());
  EXPECT_TRUE(a.add(12, 8).ok());  // bridges the two
  EXPECT_EQ(ranges(a), (Ranges{{10, 21}}));
}

TEST(Assembler, range_whose_end_overflows_is_refused) {
  Assembler<2> a;
  auto r = a.add(SIZE_MAX, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), AssemblerError::Overflow);
  EXPECT_TRUE(a.is_empty());
  EXPECT_TRUE(a.add(SIZE_MAX - 1, 1).ok());
  EXPECT_EQ(ranges(a), (Ranges{{SIZE_MAX - 1, SIZE_MAX}}));
}

TEST(Assembler, add_then_remove_front_delivers_front_data_even_when_full) {
  Assembler<2> a;
  ASSERT_TRUE(a.add(10, 1).ok());
  ASSERT_TRUE(a.add(20, 1).ok());
  auto r = a.add_then_remove_front(0, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4u);
  EXPECT_EQ(ranges(a), (Ranges{{6, 7}, {16, 17}}));
}

TEST(Assembler, add_then_remove_front_includes_ranges_it_joins) {
  Assembler<2> a;
  ASSERT_TRUE(a.add(4, 2).ok());
  ASSERT_TRUE(a.add(20, 1).ok());
  auto r = a.add_then_remove_front(0, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 6u);
  EXPECT_EQ(ranges(a), (Ranges{{14, 15}}));
}

TEST(Assembler, add_then_remove_front_past_a_hole_delivers_nothing) {
  Assembler<2> a;
  auto r = a.add_then_remove_front(3, 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0u);
  EXPECT_EQ(ranges(a), (Ranges{{3, 7}}));
  ASSERT_TRUE(a.add(10, 1).ok());
  auto full = a.add_then_remove_front(20, 1);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error(), AssemblerError::TooManyRanges);
}

TEST(Assembler, capacity_one_keeps_a_single_range) {
  Assembler<1> a;
  ASSERT_TRUE(a.add(5, 5).ok());
  EXPECT_FALSE(a.add(20, 5).ok());
  EXPECT_TRUE(a.add(0, 5).ok());  // adjacent: merges
  EXPECT_EQ(a.remove_front(), 10u);
  EXPECT_TRUE(a.is_empty());
}

TEST(Assembler, clear_forgets_every_range) {
  Assembler<3> a;
  ASSERT_TRUE(a.add(5, 5).ok());
  ASSERT_TRUE(a.add(15, 5).ok());
  a.clear();
  EXPECT_TRUE(a.is_empty());
  EXPECT_EQ(a.begin(), a.end());
}

TEST(Assembler, out_of_range_index_traps) {
  Assembler<2> a;
  ASSERT_TRUE(a.add(5, 5).ok());
  EXPECT_DEATH((void)a[1], "");
}

// How TCP uses the pair: segments land beyond the ring's tail with write_at, the
// assembler tracks them, and commit_write makes the contiguous front readable.
TEST(Assembler, reassembles_shuffled_segments_into_a_ring_buffer) {
  const std::string text = "The quick brown fox jumps over the lazy dog, twice over.";
  std::mt19937 rng(7);
  std::vector<std::pair<size_t, size_t>> segs;  // (offset, len) in stream order
  for (size_t off = 0; off < text.size();) {
    size_t len = std::min<size_t>(1 + rng() % 7, text.size() - off);
    segs.emplace_back(off, len);
    off += len;
  }
  std::shuffle(segs.begin(), segs.end(), rng);
  segs.push_back(segs[0]);  // a duplicate, as retransmission brings
  storage::FixedRingBuffer<61> ring;
  Assembler<32> a;
  std::string out;
  size_t front = 0;  // stream offset of the assembler's front (rcv_nxt)
  for (auto [off, len] : segs) {
    if (off + len <= front) continue;  // wholly old: TCP would trim and drop it
    size_t skip = off < front ? front - off : 0;
    size_t rel = off + skip - front;
    Bytes data(reinterpret_cast<const uint8_t*>(text.data()) + off + skip, len - skip);
    ASSERT_EQ(ring.write_at(rel, data), data.size());
    auto delivered = a.add_then_remove_front(rel, data.size());
    ASSERT_TRUE(delivered.ok());
    ASSERT_EQ(ring.commit_write(*delivered), *delivered);
    front += *delivered;
    uint8_t buf[64];
    size_t n = ring.read(MutBytes(buf));
    out.append(reinterpret_cast<char*>(buf), n);
  }
  EXPECT_EQ(out, text);
  EXPECT_TRUE(a.is_empty());
}

namespace {

// The model: one bool per byte offset from the front, true once arrived.
constexpr size_t kModelBits = 320;  // > largest spread + length

std::vector<std::pair<size_t, size_t>> runs_of(const std::vector<bool>& bits) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < bits.size();) {
    if (!bits[i]) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < bits.size() && bits[j]) ++j;
    out.emplace_back(i, j);
    i = j;
  }
  return out;
}

size_t model_remove_front(std::vector<bool>& bits) {
  size_t n = 0;
  while (n < bits.size() && bits[n]) ++n;
  bits.erase(bits.begin(), bits.begin() + static_cast<long>(n));
  bits.resize(kModelBits, false);
  return n;
}

void run_random_ops(IAssembler& a, uint32_t seed, int steps, size_t spread) {
  SCOPED_TRACE("capacity " + std::to_string(a.capacity()) + " seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::vector<bool> bits(kModelBits, false);
  for (int step = 0; step < steps; ++step) {
    int op = static_cast<int>(rng() % 8);
    size_t off = rng() % spread;
    size_t len = rng() % 12;
    if (op <= 4) {  // add, or add_then_remove_front
      std::vector<bool> next = bits;
      for (size_t i = off; i < off + len; ++i) next[i] = true;
      size_t runs = runs_of(next).size();
      if (op == 4) {
        bool fits = runs <= a.capacity() || (off == 0 && len != 0);
        auto r = a.add_then_remove_front(off, len);
        ASSERT_EQ(r.ok(), fits) << step;
        if (fits) {
          bits = next;
          ASSERT_EQ(*r, model_remove_front(bits)) << step;
        } else {
          ASSERT_EQ(r.error(), AssemblerError::TooManyRanges) << step;
        }
      } else {
        bool fits = runs <= a.capacity();
        auto r = a.add(off, len);
        ASSERT_EQ(r.ok(), fits) << step;
        if (fits)
          bits = next;
        else
          ASSERT_EQ(r.error(), AssemblerError::TooManyRanges) << step;
      }
    } else if (op == 5) {
      size_t front = 0;
      while (front < bits.size() && bits[front]) ++front;
      ASSERT_EQ(a.front_len(), front) << step;
      ASSERT_EQ(a.remove_front(), model_remove_front(bits)) << step;
    } else if (op == 6 && rng() % 200 == 0) {
      a.clear();
      bits.assign(kModelBits, false);
    }
    auto want = runs_of(bits);
    ASSERT_EQ(ranges(a), want) << step;
    ASSERT_EQ(a.is_empty(), want.empty()) << step;
  }
}

}  // namespace

TEST(Assembler, random_operations_match_a_bitmap_model_at_many_capacities) {
  Assembler<1> a1;
  Assembler<2> a2;
  Assembler<3> a3;
  Assembler<5> a5;
  Assembler<8> a8;
  Assembler<31> a31;
  IAssembler* all[] = {&a1, &a2, &a3, &a5, &a8, &a31};
  for (IAssembler* a : all)
    for (uint32_t seed : {1u, 2u, 3u})
      for (size_t spread : {16u, 64u, 300u}) {
        a->clear();
        run_random_ops(*a, seed, 20000, spread);
        if (HasFatalFailure()) return;
      }
}
