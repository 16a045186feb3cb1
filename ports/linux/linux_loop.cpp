// linux_loop.cpp — clock and epoll waker.
#include "ports/linux/linux_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace keel::linux_port {

namespace {
int64_t read_us(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}
}  // namespace

Instant LinuxClock::now() { return Instant::from_micros(read_us(CLOCK_MONOTONIC)); }
int64_t LinuxClock::wall_us() { return read_us(CLOCK_REALTIME); }

EpollWaker::EpollWaker() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  eventfd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  watch(eventfd_);
}

EpollWaker::~EpollWaker() {
  if (eventfd_ >= 0) close(eventfd_);
  if (epfd_ >= 0) close(epfd_);
}

bool EpollWaker::watch(int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void EpollWaker::wait(Optional<Instant> deadline) {
  int timeout_ms = max_wait_ms_;
  if (deadline) {
    int64_t us = (*deadline - clock_.now()).as_micros();
    if (us <= 0) return;
    timeout_ms = static_cast<int>(std::min<int64_t>((us + 999) / 1000, max_wait_ms_));
  }
  epoll_event events[8];
  int n = epoll_wait(epfd_, events, 8, timeout_ms);
  for (int i = 0; i < n; ++i) {
    if (events[i].data.fd == eventfd_) {
      uint64_t v;
      (void)!read(eventfd_, &v, sizeof v);
    }
  }
}

void EpollWaker::wake() {
  uint64_t one = 1;
  (void)!write(eventfd_, &one, sizeof one);
}

}  // namespace keel::linux_port
