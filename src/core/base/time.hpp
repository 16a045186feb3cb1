// time.hpp — Instant and Duration, both in microseconds.
//
// Time is always passed into the core (rule 2 of DESIGN.md): nothing here reads a clock.
#pragma once
#include <stdint.h>

namespace keel {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration micros(int64_t us) { return Duration(us); }
  static constexpr Duration millis(int64_t ms) { return Duration(ms * 1000); }
  static constexpr Duration seconds(int64_t s) { return Duration(s * 1000000); }
  constexpr int64_t as_micros() const { return us_; }
  constexpr int64_t as_millis() const { return us_ / 1000; }
  constexpr int64_t as_seconds() const { return us_ / 1000000; }
  constexpr Duration operator+(Duration o) const { return Duration(us_ + o.us_); }
  constexpr Duration operator-(Duration o) const { return Duration(us_ - o.us_); }
  constexpr Duration operator*(int64_t k) const { return Duration(us_ * k); }
  constexpr Duration operator/(int64_t k) const { return Duration(us_ / k); }
  // Comparisons spelled out: defaulted <=> would need <compare>, a library header.
  constexpr bool operator==(const Duration& o) const { return us_ == o.us_; }
  constexpr bool operator<(const Duration& o) const { return us_ < o.us_; }
  constexpr bool operator<=(const Duration& o) const { return us_ <= o.us_; }
  constexpr bool operator>(const Duration& o) const { return us_ > o.us_; }
  constexpr bool operator>=(const Duration& o) const { return us_ >= o.us_; }

 private:
  constexpr explicit Duration(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant from_micros(int64_t us) { return Instant(us); }
  static constexpr Instant from_millis(int64_t ms) { return Instant(ms * 1000); }
  constexpr int64_t micros() const { return us_; }
  constexpr int64_t millis() const { return us_ / 1000; }
  constexpr Instant operator+(Duration d) const { return Instant(us_ + d.as_micros()); }
  constexpr Instant operator-(Duration d) const { return Instant(us_ - d.as_micros()); }
  constexpr Duration operator-(Instant o) const { return Duration::micros(us_ - o.us_); }
  constexpr bool operator==(const Instant& o) const { return us_ == o.us_; }
  constexpr bool operator<(const Instant& o) const { return us_ < o.us_; }
  constexpr bool operator<=(const Instant& o) const { return us_ <= o.us_; }
  constexpr bool operator>(const Instant& o) const { return us_ > o.us_; }
  constexpr bool operator>=(const Instant& o) const { return us_ >= o.us_; }

 private:
  constexpr explicit Instant(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

}  // namespace keel
