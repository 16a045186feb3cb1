// tap_device.hpp — a Linux TAP interface as a keel Device (IFF_TAP | IFF_NO_PI).
//
// keel creates the TAP itself, by name; the kernel side (addresses, namespace) is
// configured by whoever runs keel once the interface exists. Non-blocking: fd() goes
// into the loop's epoll set.
//
// Link state: until the kernel side is up (IFF_UP) — and again while it is down, e.g.
// while it moves into another namespace — the kernel refuses every frame written with
// EIO. keel cannot ask for the flags once the interface has left its namespace, so the
// refusal is the link-down signal: a frame refused so is held, in order, with every
// later one (at most kHoldFrames), and written again on each receive()/transmit() and
// every kRetry (poll_at) until the link takes it. A held frame older than kHoldLimit,
// or one a held write fails otherwise, is dropped and counted in held_dropped(); a
// frame that cannot be held (queue full, larger than kHeldFrameMax) or that fails for
// another reason than EIO is refused (transmit() false, counted in tx_errors(), and by
// the stack as tx_failed).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/iface/device.hpp"

namespace keel::linux_port {

class TapDevice final : public iface::Device {
 public:
  // open(name, error) — creates or attaches to TAP `name`; nullptr-like failure is
  // reported as false with a message in error.
  bool open(const std::string& name, std::string* error);
  ~TapDevice();

  // Bounds of the link-down hold (see the file comment).
  static constexpr size_t kHoldFrames = 32;
  static constexpr size_t kHeldFrameMax = 1518;  // an Ethernet frame with a VLAN tag
  static constexpr Duration kHoldLimit = Duration::seconds(5);
  static constexpr Duration kRetry = Duration::millis(10);

  iface::DeviceCaps caps() const override { return caps_; }
  size_t receive(MutBytes buf, Instant now) override;
  bool transmit(Bytes frame, Instant now) override;
  // poll_at — while frames are held: when to try the link again.
  Optional<Instant> poll_at() const override;

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  // set_mtu — the MTU keel assumes (it does not change the kernel side's MTU).
  void set_mtu(size_t mtu) { caps_ = {mtu, mtu + 14}; }
  // Counters of what the device itself dropped.
  uint64_t rx_oversize() const { return rx_oversize_; }
  uint64_t tx_errors() const { return tx_errors_; }
  // Link-down hold: frames held, held frames written once the link was up, and held
  // frames dropped (older than kHoldLimit, or their write failed otherwise).
  uint64_t held() const { return held_; }
  uint64_t held_sent() const { return held_sent_; }
  uint64_t held_dropped() const { return held_dropped_; }
  // holding — frames waiting for the link now.
  size_t holding() const { return count_; }

 private:
  struct HeldFrame {
    Instant at;       // when the stack sent it
    size_t length = 0;
  };
  // write_frame — 0 when the kernel took the whole frame, else the errno (EIO: link down).
  int write_frame(Bytes frame);
  // flush — writes held frames in order until the link refuses one; drops expired ones.
  void flush(Instant now);
  uint8_t* slot(size_t i) { return held_bytes_.data() + i * kHeldFrameMax; }

  int fd_ = -1;
  std::string name_;
  iface::DeviceCaps caps_{};
  uint64_t rx_oversize_ = 0;
  uint64_t tx_errors_ = 0;
  std::vector<uint8_t> held_bytes_;  // kHoldFrames slots of kHeldFrameMax, from open()
  HeldFrame held_frames_[kHoldFrames];
  size_t head_ = 0, count_ = 0;      // a ring over the slots
  Instant retry_at_;
  uint64_t held_ = 0, held_sent_ = 0, held_dropped_ = 0;
};

}  // namespace keel::linux_port
