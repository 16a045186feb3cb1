// queue.hpp — Queue<T, N>: a FIFO with capacity fixed at compile time.
//
// Like Vec, the logic lives in the capacity-erased IQueue<T>. push on a full queue
// returns false; pop on an empty one returns none.
#pragma once
#include <stddef.h>

#include "core/base/optional.hpp"

namespace keel {

template <typename T>
class IQueue {
 public:
  IQueue(const IQueue&) = delete;
  IQueue& operator=(const IQueue&) = delete;

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity_; }

  [[nodiscard]] bool push(const T& v) {
    if (size_ == capacity_) return false;
    items_[wrap(head_ + size_)] = v;
    ++size_;
    return true;
  }
  Optional<T> pop() {
    if (size_ == 0) return none;
    T v = items_[head_];
    items_[head_] = T{};
    head_ = wrap(head_ + 1);
    --size_;
    return v;
  }
  // front() / at(i) — peek without removing; i counts from the front. Trap if absent.
  T& front() { return at(0); }
  T& at(size_t i) {
    if (i >= size_) __builtin_trap();
    return items_[wrap(head_ + i)];
  }
  const T& front() const { return at(0); }
  const T& at(size_t i) const {
    if (i >= size_) __builtin_trap();
    return items_[wrap(head_ + i)];
  }
  void clear() {
    while (size_ != 0) (void)pop();
    head_ = 0;
  }

 protected:
  IQueue(T* items, size_t capacity) : items_(items), capacity_(capacity) {}

 private:
  size_t wrap(size_t i) const { return i >= capacity_ ? i - capacity_ : i; }
  T* items_;
  size_t capacity_;
  size_t head_ = 0;
  size_t size_ = 0;
};

template <typename T, size_t N>
class Queue : public IQueue<T> {
  static_assert(N > 0, "a Queue needs room for at least one element");

 public:
  Queue() : IQueue<T>(storage_, N) {}
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

 private:
  T storage_[N]{};
};

}  // namespace keel
