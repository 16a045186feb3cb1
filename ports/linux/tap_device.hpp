// tap_device.hpp — a Linux TAP interface as a keel Device (IFF_TAP | IFF_NO_PI).
//
// keel creates the TAP itself, by name; the kernel side (addresses, namespace) is
// configured by whoever runs keel once the interface exists. Non-blocking: fd() goes
// into the loop's epoll set.
#pragma once
#include <cstdint>
#include <string>

#include "core/iface/device.hpp"

namespace keel::linux_port {

class TapDevice final : public iface::Device {
 public:
  // open(name, error) — creates or attaches to TAP `name`; nullptr-like failure is
  // reported as false with a message in error.
  bool open(const std::string& name, std::string* error);
  ~TapDevice();

  iface::DeviceCaps caps() const override { return caps_; }
  size_t receive(MutBytes buf, Instant now) override;
  bool transmit(Bytes frame, Instant now) override;

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  // set_mtu — the MTU keel assumes (it does not change the kernel side's MTU).
  void set_mtu(size_t mtu) { caps_ = {mtu, mtu + 14}; }
  // Counters of what the device itself dropped.
  uint64_t rx_oversize() const { return rx_oversize_; }
  uint64_t tx_errors() const { return tx_errors_; }

 private:
  int fd_ = -1;
  std::string name_;
  iface::DeviceCaps caps_{};
  uint64_t rx_oversize_ = 0;
  uint64_t tx_errors_ = 0;
};

}  // namespace keel::linux_port
