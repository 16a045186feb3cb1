// result.hpp — Result<T, E>: a value, or an error enum. Errors are values in keel.
//
//   Result<Packet, wire::Error> r = Packet::check(bytes);
//   if (!r) return Err(r.error());
//
// T must be default-constructible and copyable (see optional.hpp for why).
#pragma once

namespace keel {

// Err(e) — marks a value as the error alternative, so Result<E2, E> is never ambiguous.
template <typename E>
struct Err {
  E error;
  constexpr explicit Err(E e) : error(e) {}
};

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  constexpr Result(const T& value) : value_(value), ok_(true) {}
  constexpr Result(Err<E> err) : error_(err.error), ok_(false) {}

  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }
  // value() asserts success; error() asserts failure.
  constexpr const T& value() const {
    if (!ok_) __builtin_trap();
    return value_;
  }
  constexpr T& value() {
    if (!ok_) __builtin_trap();
    return value_;
  }
  constexpr E error() const {
    if (ok_) __builtin_trap();
    return error_;
  }
  constexpr const T* operator->() const { return &value(); }
  constexpr T* operator->() { return &value(); }
  constexpr const T& operator*() const { return value(); }

 private:
  T value_{};
  E error_{};
  bool ok_;
};

// Result<void, E> — success or an error, nothing else.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  constexpr Result() : ok_(true) {}
  constexpr Result(Err<E> err) : error_(err.error), ok_(false) {}
  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }
  constexpr E error() const {
    if (ok_) __builtin_trap();
    return error_;
  }

 private:
  E error_{};
  bool ok_;
};

}  // namespace keel
