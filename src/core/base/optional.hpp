// optional.hpp — Optional<T>: a value or nothing.
//
// Freestanding and heap-free. T must be default-constructible and copyable: the value
// lives in a plain member (no placement new, which would need <new>).
#pragma once

namespace keel {

struct NoneType {};
inline constexpr NoneType none{};

template <typename T>
class Optional {
 public:
  constexpr Optional() = default;
  constexpr Optional(NoneType) {}
  constexpr Optional(const T& value) : value_(value), has_(true) {}

  constexpr bool has_value() const { return has_; }
  constexpr explicit operator bool() const { return has_; }
  // value() asserts presence: check has_value() first.
  constexpr const T& value() const {
    if (!has_) __builtin_trap();
    return value_;
  }
  constexpr T& value() {
    if (!has_) __builtin_trap();
    return value_;
  }
  constexpr const T& operator*() const { return value(); }
  constexpr T& operator*() { return value(); }
  constexpr const T* operator->() const { return &value(); }
  constexpr T* operator->() { return &value(); }
  constexpr T value_or(const T& fallback) const { return has_ ? value_ : fallback; }
  constexpr void reset() {
    value_ = T{};
    has_ = false;
  }
  constexpr bool operator==(const Optional& o) const {
    return has_ == o.has_ && (!has_ || value_ == o.value_);
  }

 private:
  T value_{};
  bool has_ = false;
};

}  // namespace keel
