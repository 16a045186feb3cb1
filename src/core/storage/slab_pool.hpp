// slab_pool.hpp — a pool of equal-size slabs over caller-given memory (RX frames, ...).
//
// alloc() and release() are O(1): the free slabs form a singly linked list kept in an
// index array, one uint16_t per slab, apart from the slabs themselves. An allocated
// slab's link holds a marker instead, so releasing a slab twice, releasing a pointer
// that is not the start of one of the pool's slabs, or using a released slab's bytes is
// caught by KEEL_ASSERT — a broken invariant of the caller, never a network input.
// Running out is not an error of the pool: alloc() returns none and failed_allocs()
// counts it.
// Slab i starts at memory + i * slab_size; alignment is the caller's (the memory's and
// slab_size's).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"

namespace keel::storage {

// SlabHandle — names one slab of a pool by its index.
struct SlabHandle {
  uint16_t index = 0;
  bool operator==(const SlabHandle& o) const { return index == o.index; }
};

class SlabPool {
 public:
  // kMaxSlabs — the most slabs one pool manages (two link values are markers).
  static constexpr size_t kMaxSlabs = 0xfffd;

  // SlabPool(memory, slab_size, links) — carves memory into slabs of slab_size bytes;
  // capacity() is min(memory.size() / slab_size, links.size(), kMaxSlabs), 0 when
  // slab_size is 0. links holds the free list; both spans must outlive the pool.
  SlabPool(MutBytes memory, size_t slab_size, Span<uint16_t> links);
  SlabPool(const SlabPool&) = delete;
  SlabPool& operator=(const SlabPool&) = delete;

  size_t capacity() const { return capacity_; }
  size_t slab_size() const { return slab_size_; }
  // in_use() — slabs allocated now.
  size_t in_use() const { return in_use_; }
  // available() — slabs alloc() can still hand out.
  size_t available() const { return capacity_ - in_use_; }
  // high_water() — the most slabs ever allocated at once.
  size_t high_water() const { return high_water_; }
  // failed_allocs() — alloc() calls that found the pool empty (wraps at 2^32).
  uint32_t failed_allocs() const { return failed_allocs_; }

  // alloc() — a free slab, or none (counted) when every slab is in use.
  Optional<SlabHandle> alloc();
  // bytes(h) — the slab's slab_size() bytes; asserts h is allocated.
  MutBytes bytes(SlabHandle h) const;
  // release(h) — returns the slab; asserts it is allocated (no double release).
  void release(SlabHandle h);
  // release(slab) — the same by the slab's first byte; asserts it is one of this pool's.
  void release(const uint8_t* slab);
  // handle_of(p) — the slab that starts at p, or none if p is not a slab start here.
  Optional<SlabHandle> handle_of(const uint8_t* p) const;
  // is_allocated(h) — h names a slab of this pool that is in use.
  bool is_allocated(SlabHandle h) const;

 private:
  uint8_t* memory_;
  uint16_t* links_;  // free: index of the next free slab (or kEnd); in use: kInUse
  size_t slab_size_;
  size_t capacity_;
  size_t in_use_ = 0;
  size_t high_water_ = 0;
  uint32_t failed_allocs_ = 0;
  uint16_t free_head_;
};

namespace detail {
// SlabStorage — the arrays of a FixedSlabPool, a base so they exist before the pool.
template <size_t N, size_t SlabSize>
struct SlabStorage {
  alignas(8) uint8_t memory_[N * SlabSize];
  uint16_t links_[N];
};
}  // namespace detail

// FixedSlabPool<N, SlabSize> — a SlabPool holding its own N slabs (8-byte aligned).
template <size_t N, size_t SlabSize>
class FixedSlabPool : private detail::SlabStorage<N, SlabSize>, public SlabPool {
  static_assert(N > 0 && N <= kMaxSlabs, "a slab pool holds 1 to kMaxSlabs slabs");
  static_assert(SlabSize > 0, "slabs need at least one byte");
  using Storage = detail::SlabStorage<N, SlabSize>;

 public:
  FixedSlabPool()
      : SlabPool(MutBytes(Storage::memory_, N * SlabSize), SlabSize,
                 Span<uint16_t>(Storage::links_, N)) {}
};

}  // namespace keel::storage
