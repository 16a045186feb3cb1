// assembler.cpp — range insertion with merging, and delivery of the front.
#include "core/storage/assembler.hpp"

#include "core/base/bits.hpp"

namespace keel::storage {

Result<void, AssemblerError> IAssembler::add(size_t offset, size_t len) {
  if (len == 0) return {};
  if (len > SIZE_MAX - offset) return Err(AssemblerError::Overflow);
  size_t end = offset + len;
  // Ranges [i, j) overlap or touch the new one; those before i end before it starts.
  size_t i = 0;
  while (i < count_ && ranges_[i].end < offset) ++i;
  size_t j = i;
  while (j < count_ && ranges_[j].start <= end) ++j;
  if (i == j) {
    if (count_ == capacity_) return Err(AssemblerError::TooManyRanges);
    for (size_t k = count_; k > i; --k) ranges_[k] = ranges_[k - 1];
    ranges_[i] = Range{offset, end};
    ++count_;
    return {};
  }
  ranges_[i] = Range{min_of(ranges_[i].start, offset), max_of(ranges_[j - 1].end, end)};
  size_t gone = j - i - 1;
  for (size_t k = j; k < count_; ++k) ranges_[k - gone] = ranges_[k];
  count_ -= gone;
  return {};
}

Result<size_t, AssemblerError> IAssembler::add_then_remove_front(size_t offset, size_t len) {
  if (offset == 0 && len != 0 && count_ == capacity_ && ranges_[0].start > len) {
    // At the front and touching nothing stored: deliver it without storing it.
    shift(len);
    return len;
  }
  auto added = add(offset, len);
  if (!added) return Err(added.error());
  return remove_front();
}

size_t IAssembler::remove_front() {
  size_t n = front_len();
  if (n == 0) return 0;
  for (size_t k = 1; k < count_; ++k) ranges_[k - 1] = ranges_[k];
  --count_;
  shift(n);
  return n;
}

// shift(n) — moves the front n bytes on; every stored range starts at or after n.
void IAssembler::shift(size_t n) {
  for (size_t k = 0; k < count_; ++k) {
    ranges_[k].start -= n;
    ranges_[k].end -= n;
  }
}

}  // namespace keel::storage
