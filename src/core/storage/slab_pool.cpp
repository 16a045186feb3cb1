// slab_pool.cpp — the free list, the counters, and the checks on release().
#include "core/storage/slab_pool.hpp"

#include "core/base/assert.hpp"
#include "core/base/bits.hpp"

namespace keel::storage {

namespace {
constexpr uint16_t kEnd = 0xffff;    // link of the last free slab
constexpr uint16_t kInUse = 0xfffe;  // link of an allocated slab
static_assert(SlabPool::kMaxSlabs < kInUse, "slab indices must not collide with markers");
}  // namespace

SlabPool::SlabPool(MutBytes memory, size_t slab_size, Span<uint16_t> links)
    : memory_(memory.data()),
      links_(links.data()),
      slab_size_(slab_size),
      capacity_(slab_size == 0 ? 0
                               : min_of(min_of(memory.size() / slab_size, links.size()),
                                        kMaxSlabs)),
      free_head_(capacity_ == 0 ? kEnd : 0) {
  for (size_t i = 0; i < capacity_; ++i)
    links_[i] = i + 1 == capacity_ ? kEnd : static_cast<uint16_t>(i + 1);
}

Optional<SlabHandle> SlabPool::alloc() {
  if (free_head_ == kEnd) {
    ++failed_allocs_;
    return none;
  }
  uint16_t i = free_head_;
  free_head_ = links_[i];
  links_[i] = kInUse;
  high_water_ = max_of(high_water_, ++in_use_);
  return SlabHandle{i};
}

bool SlabPool::is_allocated(SlabHandle h) const {
  return h.index < capacity_ && links_[h.index] == kInUse;
}

MutBytes SlabPool::bytes(SlabHandle h) const {
  KEEL_ASSERT(is_allocated(h));
  return MutBytes(memory_ + h.index * slab_size_, slab_size_);
}

void SlabPool::release(SlabHandle h) {
  KEEL_ASSERT(is_allocated(h));  // a foreign handle, or a slab released twice
  links_[h.index] = free_head_;
  free_head_ = h.index;
  --in_use_;
}

void SlabPool::release(const uint8_t* slab) {
  Optional<SlabHandle> h = handle_of(slab);
  KEEL_ASSERT(h.has_value());  // not the start of one of this pool's slabs
  release(*h);
}

Optional<SlabHandle> SlabPool::handle_of(const uint8_t* p) const {
  // Integer arithmetic: comparing pointers into different objects is unspecified.
  uintptr_t offset = reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(memory_);
  if (capacity_ == 0 || offset >= capacity_ * slab_size_ || offset % slab_size_ != 0)
    return none;
  return SlabHandle{static_cast<uint16_t>(offset / slab_size_)};
}

}  // namespace keel::storage
