// frame_pool.cpp — RX slabs with a drop counter.
#include "runtime/frame_pool.hpp"

#include "core/base/assert.hpp"

namespace keel::runtime {

Optional<storage::SlabHandle> FramePool::acquire() {
  Optional<storage::SlabHandle> h = slabs_.alloc();
  if (!h) ++drops_;
  return h;
}

void FramePool::commit(storage::SlabHandle h, size_t length, uint8_t iface) {
  KEEL_ASSERT(length <= slabs_.slab_size());
  // ready_ has one place per slab, so a committed slab always fits.
  bool queued = ready_.push(RxFrame{h, static_cast<uint16_t>(length), iface});
  KEEL_ASSERT(queued);
}

}  // namespace keel::runtime
