// linux_loop.hpp — the Linux side of the runtime: a clock (CLOCK_MONOTONIC for the
// loop, CLOCK_REALTIME for SNTP) and a waker (epoll over device fds plus an eventfd
// that wake() signals from any thread).
#pragma once
#include <cstdint>

#include "runtime/port.hpp"

namespace keel::linux_port {

class LinuxClock final : public runtime::Clock {
 public:
  Instant now() override;
  int64_t wall_us() override;
};

class EpollWaker final : public runtime::Waker {
 public:
  EpollWaker();
  ~EpollWaker();
  EpollWaker(const EpollWaker&) = delete;
  EpollWaker& operator=(const EpollWaker&) = delete;
  // watch — wake when fd becomes readable (a TAP, a signalfd...).
  bool watch(int fd);
  void wait(Optional<Instant> deadline) override;
  void wake() override;
  // set_max_wait_ms — cap a wait with no deadline (so signal flags are checked).
  void set_max_wait_ms(int ms) { max_wait_ms_ = ms; }

 private:
  int epfd_ = -1;
  int eventfd_ = -1;
  int max_wait_ms_ = 1000;
  LinuxClock clock_;
};

}  // namespace keel::linux_port
