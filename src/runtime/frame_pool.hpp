// frame_pool.hpp — the RX frame pool: fixed slabs, allocated once, that received
// frames wait in until the loop processes them.
//
// A driver (or the loop reading a TAP) takes a slab, fills it, and commits it with its
// length and interface; the loop takes committed frames in arrival order and releases
// each slab after the stack has processed it. When every slab is in use a frame is
// dropped and counted in drops() — the `frame_pool_drops` of the statistics.
// Single-threaded form: the threaded form (driver ISR/callback producer, loop consumer)
// comes with the socket layer; this interface is what it will keep.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/queue.hpp"
#include "core/storage/slab_pool.hpp"
#include "keel/config.hpp"

namespace keel::runtime {

// RxFrame — a committed frame: its slab, length and interface.
struct RxFrame {
  storage::SlabHandle slab;
  uint16_t length = 0;
  uint8_t iface = 0;
};

class FramePool {
 public:
  FramePool() = default;
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  // acquire — a slab to receive one frame into; none (and drops() counts the frame
  // the caller now has to discard) when the pool is empty.
  Optional<storage::SlabHandle> acquire();
  // acquire_quiet — the same without counting a drop: for a reader that leaves the
  // frame in its device when the pool is empty (nothing is lost).
  Optional<storage::SlabHandle> acquire_quiet() { return slabs_.alloc(); }
  MutBytes bytes(storage::SlabHandle h) const { return slabs_.bytes(h); }
  // commit — the slab holds a frame of length bytes from iface; queue it.
  void commit(storage::SlabHandle h, size_t length, uint8_t iface);
  // cancel — give back an acquired slab that received nothing.
  void cancel(storage::SlabHandle h) { slabs_.release(h); }
  // next — the oldest committed frame; release() its slab when done with it.
  Optional<RxFrame> next() { return ready_.pop(); }
  Bytes frame_bytes(const RxFrame& f) const { return slabs_.bytes(f.slab).first(f.length); }
  void release(const RxFrame& f) { slabs_.release(f.slab); }

  size_t capacity() const { return slabs_.capacity(); }
  size_t in_use() const { return slabs_.in_use(); }
  size_t high_water() const { return slabs_.high_water(); }
  uint64_t drops() const { return drops_; }
  // count_drop — a frame lost before it reached the pool (e.g. the driver's queue).
  void count_drop() { ++drops_; }

 private:
  storage::FixedSlabPool<config::kRxPoolFrames, config::kFrameBytes> slabs_;
  Queue<RxFrame, config::kRxPoolFrames> ready_;
  uint64_t drops_ = 0;
};

}  // namespace keel::runtime
