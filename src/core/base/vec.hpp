// vec.hpp — Vec<T, N>: a vector with capacity fixed at compile time.
//
// Functions take the capacity-erased base IVec<T>, so code is generated once per T,
// not once per (T, N) — this keeps flash small. push_back on a full vector returns
// false: running out of capacity is always reported, never silent.
// T must be default-constructible and copy-assignable (storage is a plain array).
#pragma once
#include <stddef.h>

namespace keel {

template <typename T>
class IVec {
 public:
  IVec(const IVec&) = delete;
  IVec& operator=(const IVec&) = delete;

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity_; }
  T* data() { return items_; }
  const T* data() const { return items_; }
  T* begin() { return items_; }
  T* end() { return items_ + size_; }
  const T* begin() const { return items_; }
  const T* end() const { return items_ + size_; }

  // operator[] traps out of range: index only below size().
  T& operator[](size_t i) {
    if (i >= size_) __builtin_trap();
    return items_[i];
  }
  const T& operator[](size_t i) const {
    if (i >= size_) __builtin_trap();
    return items_[i];
  }
  T& back() { return (*this)[size_ - 1]; }

  // push_back — false when full (nothing changes).
  [[nodiscard]] bool push_back(const T& v) {
    if (size_ == capacity_) return false;
    items_[size_++] = v;
    return true;
  }
  // insert(i, v) — shifts the tail right; false when full or i > size().
  [[nodiscard]] bool insert(size_t i, const T& v) {
    if (size_ == capacity_ || i > size_) return false;
    for (size_t j = size_; j > i; --j) items_[j] = items_[j - 1];
    items_[i] = v;
    ++size_;
    return true;
  }
  // erase(i) — removes element i, keeping order; false when i is out of range.
  bool erase(size_t i) {
    if (i >= size_) return false;
    for (size_t j = i; j + 1 < size_; ++j) items_[j] = items_[j + 1];
    items_[--size_] = T{};
    return true;
  }
  // swap_remove(i) — removes element i in O(1) by moving the last one into its place.
  bool swap_remove(size_t i) {
    if (i >= size_) return false;
    items_[i] = items_[size_ - 1];
    items_[--size_] = T{};
    return true;
  }
  void pop_back() {
    if (size_ != 0) items_[--size_] = T{};
  }
  void clear() {
    while (size_ != 0) items_[--size_] = T{};
  }

 protected:
  IVec(T* items, size_t capacity) : items_(items), capacity_(capacity) {}
  void copy_from(const IVec& other) {
    clear();
    for (size_t i = 0; i < other.size_ && i < capacity_; ++i) items_[i] = other.items_[i];
    size_ = other.size_ < capacity_ ? other.size_ : capacity_;
  }

 private:
  T* items_;
  size_t capacity_;
  size_t size_ = 0;
};

template <typename T, size_t N>
class Vec : public IVec<T> {
  static_assert(N > 0, "a Vec needs room for at least one element");

 public:
  Vec() : IVec<T>(storage_, N) {}
  Vec(const Vec& other) : IVec<T>(storage_, N) { this->copy_from(other); }
  Vec& operator=(const Vec& other) {
    if (this != &other) this->copy_from(other);
    return *this;
  }

 private:
  T storage_[N]{};
};

}  // namespace keel
