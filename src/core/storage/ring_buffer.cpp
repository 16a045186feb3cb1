// ring_buffer.cpp — RingBuffer: windows, clamped commits, and copies across the wrap.
#include "core/storage/ring_buffer.hpp"

#include <string.h>

#include "core/base/bits.hpp"

namespace keel::storage {

// copy_out / copy_in — dst.size() (src.size()) bytes at position pos (< capacity), in
// at most two pieces; callers have clamped the length to at most capacity().
void RingBuffer::copy_out(size_t pos, MutBytes dst) const {
  size_t first = min_of(dst.size(), buf_.size() - pos);
  if (first != 0) memmove(dst.data(), buf_.data() + pos, first);
  if (dst.size() > first) memmove(dst.data() + first, buf_.data(), dst.size() - first);
}

void RingBuffer::copy_in(size_t pos, Bytes src) {
  size_t first = min_of(src.size(), buf_.size() - pos);
  if (first != 0) memmove(buf_.data() + pos, src.data(), first);
  if (src.size() > first) memmove(buf_.data(), src.data() + first, src.size() - first);
}

MutBytes RingBuffer::write_window() const {
  size_t tail = wrap(head_ + size_);
  return buf_.subspan(tail, min_of(free_space(), buf_.size() - tail));
}

size_t RingBuffer::commit_write(size_t n) {
  n = min_of(n, free_space());
  size_ += n;
  return n;
}

Bytes RingBuffer::read_window() const { return peek_window(0); }

Bytes RingBuffer::peek_window(size_t offset) const {
  if (offset >= size_) return Bytes();
  size_t pos = wrap(head_ + offset);
  return buf_.subspan(pos, min_of(size_ - offset, buf_.size() - pos));
}

size_t RingBuffer::consume(size_t n) {
  n = min_of(n, size_);
  head_ = wrap(head_ + n);
  size_ -= n;
  return n;
}

size_t RingBuffer::write(Bytes src) {
  size_t n = write_at(0, src);
  size_ += n;
  return n;
}

size_t RingBuffer::read(MutBytes dst) {
  size_t n = peek(0, dst);
  return consume(n);
}

size_t RingBuffer::peek(size_t offset, MutBytes dst) const {
  if (offset >= size_) return 0;
  size_t n = min_of(dst.size(), size_ - offset);
  copy_out(wrap(head_ + offset), dst.first(n));
  return n;
}

size_t RingBuffer::write_at(size_t offset, Bytes src) {
  size_t room = free_space();
  if (offset >= room) return 0;
  size_t n = min_of(src.size(), room - offset);
  // head_ + size_ + offset < head_ + capacity <= 2 * capacity - 1: one wrap suffices.
  copy_in(wrap(head_ + size_ + offset), src.first(n));
  return n;
}

}  // namespace keel::storage
