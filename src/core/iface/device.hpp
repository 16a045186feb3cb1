// device.hpp — the boundary between the stack and a network driver.
//
// A Device moves whole Ethernet frames (no preamble, no FCS). The loop asks it for
// received frames, handing it a buffer to fill (an RX pool slab, so the frame is copied
// once, by the driver), and gives it frames to transmit. Wrappers (pcap capture, fault
// injection) are Devices around a Device. Time is passed in, never read.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/base/time.hpp"

namespace keel::iface {

// DeviceCaps — what a device can carry.
struct DeviceCaps {
  size_t mtu = 1500;              // largest L3 packet (Ethernet payload) in bytes
  size_t max_frame = 1514;        // largest frame the device takes (header + mtu)
};

class Device {
 public:
  virtual DeviceCaps caps() const { return {}; }
  // receive — copies one received frame into buf; returns its length, or 0 when no
  // frame is waiting. A frame longer than buf is dropped by the device (and counted).
  virtual size_t receive(MutBytes buf, Instant now) = 0;
  // transmit — sends one frame; false when the device cannot take it now.
  virtual bool transmit(Bytes frame, Instant now) = 0;
  // poll_at — when the device next has work the loop must wake for without an external
  // event (a delayed frame in a fault injector); none if only external events matter.
  virtual Optional<Instant> poll_at() const { return none; }

 protected:
  // Not virtual: devices are never deleted through this interface, and a virtual
  // destructor would pull operator delete into heap-free builds.
  ~Device() = default;
};

}  // namespace keel::iface
