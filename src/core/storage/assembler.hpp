// assembler.hpp — which bytes beyond a contiguous front have arrived (TCP reassembly).
//
// Offsets are relative to the front: the first byte not yet delivered (for TCP,
// rcv_nxt). The assembler stores the arrived data as sorted, disjoint, non-adjacent
// [start, end) ranges — overlapping and adjacent arrivals merge — in a capacity fixed
// at compile time. When a new range would need one range more than that, add() fails
// and changes nothing (the caller drops the segment; RFC 9293 §3.10.7.4 lets a
// receiver discard out-of-order data). The data itself lives elsewhere, e.g. beyond
// the tail of a RingBuffer (write_at), until remove_front() says it is contiguous.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/result.hpp"

namespace keel::storage {

// AssemblerError — why add() refused a range (the assembler is unchanged).
enum class AssemblerError : uint8_t {
  TooManyRanges,  // keeping the range would need more ranges than the capacity
  Overflow,       // offset + len does not fit in size_t
};

// Range — arrived bytes [start, end), relative to the front; never empty when stored.
struct Range {
  size_t start = 0;
  size_t end = 0;
  size_t len() const { return end - start; }
  bool operator==(const Range& o) const { return start == o.start && end == o.end; }
};

// IAssembler — the capacity-erased assembler; declare an Assembler<N>.
class IAssembler {
 public:
  IAssembler(const IAssembler&) = delete;
  IAssembler& operator=(const IAssembler&) = delete;

  // capacity() — how many separate ranges fit.
  size_t capacity() const { return capacity_; }
  // size() — how many ranges are stored now.
  size_t size() const { return count_; }
  // is_empty() — nothing has arrived beyond the front.
  bool is_empty() const { return count_ == 0; }
  // The stored ranges in increasing order (for SACK blocks, RFC 2018).
  const Range* begin() const { return ranges_; }
  const Range* end() const { return ranges_ + count_; }
  // operator[] traps out of range: index only below size().
  const Range& operator[](size_t i) const {
    if (i >= count_) __builtin_trap();
    return ranges_[i];
  }

  // add(offset, len) — records that [offset, offset + len) arrived; len 0 is a no-op.
  Result<void, AssemblerError> add(size_t offset, size_t len);
  // add_then_remove_front(offset, len) — add() then remove_front(), except that data
  // landing at the front is accepted even when every range is in use, since it needs
  // no range of its own — so it never fails for offset 0. Returns the contiguous
  // bytes now delivered.
  Result<size_t, AssemblerError> add_then_remove_front(size_t offset, size_t len);
  // front_len() — contiguous bytes available at the front (0 if a hole is first).
  size_t front_len() const { return count_ != 0 && ranges_[0].start == 0 ? ranges_[0].end : 0; }
  // remove_front() — delivers the contiguous bytes at the front: returns their count
  // and moves the front past them, so all stored offsets drop by that much.
  size_t remove_front();
  // clear() — forgets every range.
  void clear() { count_ = 0; }

 protected:
  IAssembler(Range* ranges, size_t capacity) : ranges_(ranges), capacity_(capacity) {}

 private:
  void shift(size_t n);

  Range* ranges_;
  size_t capacity_;
  size_t count_ = 0;
};

// Assembler<N> — an assembler holding up to N separate ranges.
template <size_t N>
class Assembler : public IAssembler {
  static_assert(N > 0, "an assembler needs room for at least one range");

 public:
  Assembler() : IAssembler(storage_, N) {}

 private:
  Range storage_[N];
};

}  // namespace keel::storage
