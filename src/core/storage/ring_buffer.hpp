// ring_buffer.hpp — a byte FIFO over caller-given memory, with zero-copy windows.
//
// Any capacity works (not only powers of two). Bytes are stored at fixed positions:
// nothing is ever moved while it is buffered, and the free space after the tail is
// addressable too (write_at), so TCP can place out-of-order data there before the
// assembler (assembler.hpp) says it is contiguous and commit_write() makes it readable.
// Every count that could exceed what is possible is clamped, and the count actually
// applied is returned: no call can corrupt the state or touch memory outside storage.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/span.hpp"

namespace keel::storage {

class RingBuffer {
 public:
  // RingBuffer(storage) — uses storage (any size, 0 included) for its lifetime; empty.
  explicit RingBuffer(MutBytes storage) : buf_(storage) {}
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  size_t capacity() const { return buf_.size(); }
  // size() — bytes buffered (written and committed, not yet consumed).
  size_t size() const { return size_; }
  // free_space() — bytes that can still be written.
  size_t free_space() const { return buf_.size() - size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == buf_.size(); }
  // clear() — drops all data and moves the head back to the start of storage.
  void clear() {
    head_ = 0;
    size_ = 0;
  }

  // write_window() — the largest contiguous free region starting at the tail; fill a
  // prefix of it, then commit_write() that many bytes.
  MutBytes write_window() const;
  // commit_write(n) — makes n bytes after the tail readable; n is clamped to
  // free_space(). Returns the count committed.
  size_t commit_write(size_t n);
  // read_window() — the largest contiguous filled region starting at the head.
  Bytes read_window() const;
  // peek_window(offset) — the largest contiguous filled region starting offset bytes
  // after the head (empty if offset >= size()); for sending straight from the buffer.
  Bytes peek_window(size_t offset) const;
  // consume(n) — drops n bytes from the head; n is clamped to size(). Returns the count.
  size_t consume(size_t n);

  // write(src) — copies as much of src as fits (across the wrap) and commits it.
  // Returns the count written.
  size_t write(Bytes src);
  // read(dst) — copies up to dst.size() bytes from the head and consumes them.
  // Returns the count read.
  size_t read(MutBytes dst);
  // peek(offset, dst) — copies up to dst.size() bytes starting offset bytes after the
  // head, consuming nothing (TCP retransmits from here). Returns the count copied.
  size_t peek(size_t offset, MutBytes dst) const;
  // write_at(offset, src) — copies src into the free space starting offset bytes after
  // the tail, without committing (TCP out-of-order data). Clamped to the free space;
  // returns the count written.
  size_t write_at(size_t offset, Bytes src);

 private:
  // wrap(i) — i reduced into [0, capacity) for any i < 2 * capacity.
  size_t wrap(size_t i) const { return i >= buf_.size() ? i - buf_.size() : i; }
  void copy_out(size_t pos, MutBytes dst) const;
  void copy_in(size_t pos, Bytes src);

  MutBytes buf_;
  size_t head_ = 0;  // position of the first buffered byte, < capacity (0 if capacity 0)
  size_t size_ = 0;  // buffered bytes, <= capacity
};

// FixedRingBuffer<N> — a RingBuffer that holds its own N bytes of storage.
template <size_t N>
class FixedRingBuffer : public RingBuffer {
  static_assert(N > 0, "a ring buffer needs room for at least one byte");

 public:
  FixedRingBuffer() : RingBuffer(MutBytes(storage_, N)) {}

 private:
  uint8_t storage_[N];
};

}  // namespace keel::storage
