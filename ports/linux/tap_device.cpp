// tap_device.cpp — TAP open/read/write, and the hold of frames the link refused while
// down.
#include "ports/linux/tap_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keel::linux_port {

bool TapDevice::open(const std::string& name, std::string* error) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    *error = "TAP name must be 1.." + std::to_string(IFNAMSIZ - 1) + " characters";
    return false;
  }
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *error = std::string("open /dev/net/tun: ") + std::strerror(errno);
    return false;
  }
  struct ifreq ifr {};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, name.c_str(), name.size());
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    *error = "TUNSETIFF " + name + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  fd_ = fd;
  name_ = ifr.ifr_name;
  held_bytes_.assign(kHoldFrames * kHeldFrameMax, 0);
  return true;
}

TapDevice::~TapDevice() {
  if (fd_ >= 0) ::close(fd_);
}

size_t TapDevice::receive(MutBytes buf, Instant now) {
  if (count_ != 0) flush(now);
  // Read straight into buf; a second iovec catches the tail of an oversize frame, so it
  // is consumed and counted instead of silently truncated.
  static thread_local uint8_t overflow[65536];
  for (int attempts = 0; attempts < 64; ++attempts) {
    struct iovec iov[2] = {{buf.data(), buf.size()}, {overflow, sizeof overflow}};
    ssize_t n = ::readv(fd_, iov, 2);
    if (n <= 0) return 0;  // EAGAIN (nothing waiting), or the TAP went away
    if (static_cast<size_t>(n) > buf.size()) {
      ++rx_oversize_;
      continue;
    }
    return static_cast<size_t>(n);
  }
  return 0;
}

int TapDevice::write_frame(Bytes frame) {
  ssize_t n = ::write(fd_, frame.data(), frame.size());
  if (n == static_cast<ssize_t>(frame.size())) return 0;
  return n < 0 ? errno : EMSGSIZE;  // a short write: the frame is lost
}

void TapDevice::flush(Instant now) {
  while (count_ != 0) {
    HeldFrame& h = held_frames_[head_];
    bool drop = now - h.at > kHoldLimit;
    if (!drop) {
      int err = write_frame(Bytes(slot(head_), h.length));
      if (err == EIO) {  // still down
        retry_at_ = now + kRetry;
        return;
      }
      drop = err != 0;
      if (!drop) ++held_sent_;
    }
    if (drop) ++held_dropped_;
    head_ = (head_ + 1) % kHoldFrames;
    --count_;
  }
}

bool TapDevice::transmit(Bytes frame, Instant now) {
  if (count_ != 0) flush(now);
  if (count_ == 0) {  // nothing waits: straight to the kernel
    int err = write_frame(frame);
    if (err == 0) return true;
    if (err != EIO) {
      ++tx_errors_;
      return false;
    }
  }
  // The link is down (this write said so, or earlier frames still wait): hold it.
  if (count_ == kHoldFrames || frame.size() > kHeldFrameMax) {
    ++tx_errors_;
    return false;
  }
  size_t i = (head_ + count_) % kHoldFrames;
  std::memcpy(slot(i), frame.data(), frame.size());
  held_frames_[i] = HeldFrame{now, frame.size()};
  if (count_++ == 0) retry_at_ = now + kRetry;
  ++held_;
  return true;
}

Optional<Instant> TapDevice::poll_at() const {
  if (count_ == 0) return none;
  return retry_at_;
}

}  // namespace keel::linux_port
