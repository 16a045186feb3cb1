// slab_pool_test.cpp — SlabPool behaviour, its assertions on misuse, and random
// alloc/release sequences checked against a std::set model at several shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/storage/slab_pool.hpp"

using namespace keel;
using keel::storage::FixedSlabPool;
using keel::storage::SlabHandle;
using keel::storage::SlabPool;

TEST(SlabPool, starts_with_every_slab_free) {
  FixedSlabPool<4, 32> p;
  EXPECT_EQ(p.capacity(), 4u);
  EXPECT_EQ(p.slab_size(), 32u);
  EXPECT_EQ(p.in_use(), 0u);
  EXPECT_EQ(p.available(), 4u);
  EXPECT_EQ(p.high_water(), 0u);
  EXPECT_EQ(p.failed_allocs(), 0u);
}

TEST(SlabPool, hands_out_distinct_slabs_of_the_slab_size) {
  FixedSlabPool<3, 10> p;
  std::set<uint8_t*> starts;
  for (int i = 0; i < 3; ++i) {
    auto h = p.alloc();
    ASSERT_TRUE(h.has_value());
    MutBytes b = p.bytes(*h);
    EXPECT_EQ(b.size(), 10u);
    memset(b.data(), i, b.size());  // ASan: the whole slab is writable
    starts.insert(b.data());
  }
  EXPECT_EQ(starts.size(), 3u);
  EXPECT_EQ(*std::max_element(starts.begin(), starts.end()) -
                *std::min_element(starts.begin(), starts.end()),
            20);
}

TEST(SlabPool, alloc_on_an_exhausted_pool_fails_and_is_counted) {
  FixedSlabPool<2, 8> p;
  ASSERT_TRUE(p.alloc().has_value());
  ASSERT_TRUE(p.alloc().has_value());
  EXPECT_FALSE(p.alloc().has_value());
  EXPECT_FALSE(p.alloc().has_value());
  EXPECT_EQ(p.failed_allocs(), 2u);
  EXPECT_EQ(p.in_use(), 2u);
  EXPECT_EQ(p.available(), 0u);
}

TEST(SlabPool, a_released_slab_can_be_allocated_again) {
  FixedSlabPool<1, 8> p;
  auto a = p.alloc();
  ASSERT_TRUE(a.has_value());
  p.release(*a);
  EXPECT_EQ(p.in_use(), 0u);
  auto b = p.alloc();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, *a);
}

TEST(SlabPool, high_water_keeps_the_peak_after_releases) {
  FixedSlabPool<4, 8> p;
  auto a = p.alloc(), b = p.alloc(), c = p.alloc();
  p.release(*b);
  p.release(*a);
  EXPECT_EQ(p.in_use(), 1u);
  EXPECT_EQ(p.high_water(), 3u);
  (void)p.alloc();
  EXPECT_EQ(p.high_water(), 3u);
  p.release(*c);
}

TEST(SlabPool, release_by_pointer_returns_that_slab) {
  FixedSlabPool<3, 16> p;
  auto a = p.alloc();
  auto b = p.alloc();
  uint8_t* pb = p.bytes(*b).data();
  p.release(pb);
  EXPECT_FALSE(p.is_allocated(*b));
  EXPECT_TRUE(p.is_allocated(*a));
  EXPECT_EQ(p.in_use(), 1u);
}

TEST(SlabPool, handle_of_finds_slab_starts_only) {
  FixedSlabPool<3, 16> p;
  auto a = p.alloc();
  uint8_t* start = p.bytes(*a).data();
  ASSERT_TRUE(p.handle_of(start).has_value());
  EXPECT_EQ(*p.handle_of(start), *a);
  EXPECT_FALSE(p.handle_of(start + 1).has_value());
  uint8_t elsewhere[16];
  EXPECT_FALSE(p.handle_of(elsewhere).has_value());
  EXPECT_FALSE(p.handle_of(nullptr).has_value());
}

TEST(SlabPool, caller_memory_sets_the_capacity) {
  uint8_t memory[100];
  uint16_t links[8];
  SlabPool p(MutBytes(memory), 30, Span<uint16_t>(links));  // 3 whole slabs fit
  EXPECT_EQ(p.capacity(), 3u);
  for (int i = 0; i < 3; ++i) {
    auto h = p.alloc();
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(p.bytes(*h).data(), memory + 30 * h->index);
  }
  EXPECT_FALSE(p.alloc().has_value());
}

TEST(SlabPool, fewer_links_than_slabs_limit_the_capacity) {
  uint8_t memory[100];
  uint16_t links[2];
  SlabPool p(MutBytes(memory), 10, Span<uint16_t>(links));
  EXPECT_EQ(p.capacity(), 2u);
}

TEST(SlabPool, memory_smaller_than_one_slab_gives_an_empty_pool) {
  uint8_t memory[5];
  uint16_t links[1];
  SlabPool p(MutBytes(memory), 8, Span<uint16_t>(links));
  SlabPool zero(MutBytes(memory), 0, Span<uint16_t>(links));
  EXPECT_EQ(p.capacity(), 0u);
  EXPECT_EQ(zero.capacity(), 0u);
  EXPECT_FALSE(p.alloc().has_value());
  EXPECT_FALSE(zero.alloc().has_value());
  EXPECT_EQ(p.failed_allocs(), 1u);
  EXPECT_FALSE(p.handle_of(memory).has_value());
}

TEST(SlabPool, double_release_by_handle_asserts) {
  FixedSlabPool<2, 8> p;
  auto a = p.alloc();
  p.release(*a);
  EXPECT_DEATH(p.release(*a), "");
}

TEST(SlabPool, double_release_by_pointer_asserts) {
  FixedSlabPool<2, 8> p;
  auto a = p.alloc();
  uint8_t* ptr = p.bytes(*a).data();
  p.release(ptr);
  EXPECT_DEATH(p.release(ptr), "");
}

TEST(SlabPool, releasing_a_never_allocated_slab_asserts) {
  FixedSlabPool<2, 8> p;
  EXPECT_DEATH(p.release(SlabHandle{1}), "");
}

TEST(SlabPool, foreign_handle_asserts) {
  FixedSlabPool<2, 8> p;
  (void)p.alloc();
  EXPECT_DEATH(p.release(SlabHandle{2}), "");
}

TEST(SlabPool, foreign_pointer_asserts) {
  FixedSlabPool<2, 8> p;
  FixedSlabPool<2, 8> other;
  auto a = other.alloc();
  uint8_t stack_bytes[8];
  EXPECT_DEATH(p.release(stack_bytes), "");
  EXPECT_DEATH(p.release(other.bytes(*a).data()), "");
  EXPECT_DEATH(p.release(static_cast<const uint8_t*>(nullptr)), "");
}

TEST(SlabPool, pointer_inside_a_slab_asserts) {
  FixedSlabPool<2, 8> p;
  auto a = p.alloc();
  EXPECT_DEATH(p.release(p.bytes(*a).data() + 3), "");
}

TEST(SlabPool, bytes_of_a_released_slab_asserts) {
  FixedSlabPool<2, 8> p;
  auto a = p.alloc();
  p.release(*a);
  EXPECT_DEATH((void)p.bytes(*a), "");
}

namespace {

// Fills a slab with a byte derived from its index, so overlapping slabs show up.
uint8_t stamp(uint16_t index, uint32_t round) { return static_cast<uint8_t>(index * 31 + round); }

void run_random_ops(size_t slabs, size_t slab_size, uint32_t seed, int steps) {
  SCOPED_TRACE("slabs " + std::to_string(slabs) + " size " + std::to_string(slab_size) +
               " seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::vector<uint8_t> memory(slabs * slab_size + 3);  // a ragged tail that is never used
  std::vector<uint16_t> links(slabs);
  SlabPool p(MutBytes(memory.data(), memory.size()), slab_size,
             Span<uint16_t>(links.data(), links.size()));
  ASSERT_EQ(p.capacity(), slabs);
  std::set<uint16_t> used;           // the model
  std::vector<uint32_t> round(slabs);  // per-slab stamp generation
  size_t high = 0;
  uint32_t failed = 0;
  for (int step = 0; step < steps; ++step) {
    // Bias towards alloc or release in phases, so the pool runs both full and empty.
    bool alloc = (rng() % 100) < ((step / 500) % 2 ? 70u : 30u);
    if (alloc) {
      auto h = p.alloc();
      if (used.size() == slabs) {
        ASSERT_FALSE(h.has_value()) << step;
        ++failed;
      } else {
        ASSERT_TRUE(h.has_value()) << step;
        ASSERT_LT(h->index, slabs) << step;
        ASSERT_EQ(used.count(h->index), 0u) << step;
        used.insert(h->index);
        MutBytes b = p.bytes(*h);
        ASSERT_EQ(b.data(), memory.data() + h->index * slab_size) << step;
        ASSERT_EQ(b.size(), slab_size) << step;
        memset(b.data(), stamp(h->index, ++round[h->index]), b.size());
      }
    } else if (!used.empty()) {
      auto it = used.begin();
      std::advance(it, static_cast<long>(rng() % used.size()));
      SlabHandle h{*it};
      MutBytes b = p.bytes(h);
      for (uint8_t byte : b) ASSERT_EQ(byte, stamp(h.index, round[h.index])) << step;
      if (rng() % 2)
        p.release(h);
      else
        p.release(b.data());
      used.erase(it);
    }
    high = std::max(high, used.size());
    ASSERT_EQ(p.in_use(), used.size()) << step;
    ASSERT_EQ(p.available(), slabs - used.size()) << step;
    ASSERT_EQ(p.high_water(), high) << step;
    ASSERT_EQ(p.failed_allocs(), failed) << step;
  }
  for (uint16_t i = 0; i < slabs; ++i) ASSERT_EQ(p.is_allocated(SlabHandle{i}), used.count(i) == 1);
}

}  // namespace

TEST(SlabPool, random_alloc_and_release_match_a_set_model) {
  for (size_t slabs : {1u, 2u, 3u, 7u, 16u, 100u})
    for (size_t size : {1u, 3u, 8u, 33u})
      for (uint32_t seed : {1u, 2u}) {
        run_random_ops(slabs, size, seed, 20000);
        if (HasFatalFailure()) return;
      }
}
