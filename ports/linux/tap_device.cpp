// tap_device.cpp — TAP open/read/write.
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
  return true;
}

TapDevice::~TapDevice() {
  if (fd_ >= 0) ::close(fd_);
}

size_t TapDevice::receive(MutBytes buf, Instant) {
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

bool TapDevice::transmit(Bytes frame, Instant) {
  ssize_t n = ::write(fd_, frame.data(), frame.size());
  if (n != static_cast<ssize_t>(frame.size())) {
    ++tx_errors_;
    return false;
  }
  return true;
}

}  // namespace keel::linux_port
