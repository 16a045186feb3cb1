// port.hpp — what a platform gives the loop: a clock and a waker.
//
// Linux: CLOCK_MONOTONIC/CLOCK_REALTIME and epoll + eventfd (ports/linux); ESP-IDF:
// esp_timer and a FreeRTOS task notification; bare metal: a timer and wfi. Simulation
// tests use a manual clock and a waker that only advances it.
#pragma once
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/time.hpp"

namespace keel::runtime {

class Clock {
 public:
  // now — monotonic time, the loop's only notion of time.
  virtual Instant now() = 0;
  // wall_us — the wall clock (Unix microseconds), for SNTP's offset.
  virtual int64_t wall_us() = 0;

 protected:
  ~Clock() = default;
};

class Waker {
 public:
  // wait — block until deadline (none: until woken or input arrives), a device has
  // input, or wake() is called. May return early.
  virtual void wait(Optional<Instant> deadline) = 0;
  // wake — make a wait() in progress (or the next one) return. Safe from any thread.
  virtual void wake() = 0;

 protected:
  ~Waker() = default;
};

}  // namespace keel::runtime
