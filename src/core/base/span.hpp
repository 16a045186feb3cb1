// span.hpp — Span<T>: a pointer and a length, with bounds-checked slicing.
//
// Invariant: [data_, data_ + size_) is valid for the span's lifetime (the owner's job).
// Slicing never produces a span outside the original: out-of-range requests clamp or
// fail explicitly, so a span can be handed untrusted offsets safely.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel {

template <typename T>
class Span {
 public:
  constexpr Span() = default;
  constexpr Span(T* data, size_t size) : data_(data), size_(size) {}
  template <size_t N>
  constexpr Span(T (&array)[N]) : data_(array), size_(N) {}
  // A mutable span converts to a span of const.
  template <typename U>
    requires(!__is_same(U, T) && __is_same(const U, T))
  constexpr Span(Span<U> other) : data_(other.data()), size_(other.size()) {}

  constexpr T* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr T* begin() const { return data_; }
  constexpr T* end() const { return data_ + size_; }

  // operator[] asserts in range: callers index only after checking size().
  constexpr T& operator[](size_t i) const {
    if (i >= size_) __builtin_trap();
    return data_[i];
  }

  // in_bounds(offset, len) — whether [offset, offset+len) lies inside the span,
  // computed without overflow for any untrusted offset and len.
  constexpr bool in_bounds(size_t offset, size_t len) const {
    return offset <= size_ && len <= size_ - offset;
  }
  // subspan(offset, len) — the slice, clamped to the span (empty past the end).
  constexpr Span subspan(size_t offset, size_t len) const {
    if (offset > size_) return Span(data_ + size_, 0);
    size_t room = size_ - offset;
    return Span(data_ + offset, len < room ? len : room);
  }
  // from(offset) — everything from offset on (empty past the end).
  constexpr Span from(size_t offset) const { return subspan(offset, size_); }
  // first(len) — the first len elements, clamped.
  constexpr Span first(size_t len) const { return subspan(0, len); }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

// Bytes / MutBytes — the two spans every wire view and buffer API speaks.
using Bytes = Span<const uint8_t>;
using MutBytes = Span<uint8_t>;

// copy_bytes(dst, src) — copies min(sizes) bytes; returns the count copied.
size_t copy_bytes(MutBytes dst, Bytes src);
// equal_bytes(a, b) — same length and same contents.
bool equal_bytes(Bytes a, Bytes b);

}  // namespace keel
