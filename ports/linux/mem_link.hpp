// mem_link.hpp — an in-memory Ethernet link joining two stacks in one process.
//
// MemLink owns two endpoints, a() and b(); a frame transmitted on one is received on
// the other, in order. Each direction holds at most `capacity` frames; a frame sent
// to a full direction is dropped and counted (like a real NIC ring).
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "core/iface/device.hpp"

namespace keel::linux_port {

class MemLink {
 public:
  class Endpoint final : public iface::Device {
   public:
    iface::DeviceCaps caps() const override { return link_->caps_; }
    size_t receive(MutBytes buf, Instant now) override;
    bool transmit(Bytes frame, Instant now) override;
    uint64_t dropped() const { return dropped_; }
    size_t pending() const { return rx_.size(); }

   private:
    friend class MemLink;
    MemLink* link_ = nullptr;
    Endpoint* peer_ = nullptr;
    std::deque<std::vector<uint8_t>> rx_;
    uint64_t dropped_ = 0;  // frames this endpoint could not take (full or oversize)
  };

  explicit MemLink(size_t capacity = 1024, iface::DeviceCaps caps = {});
  MemLink(const MemLink&) = delete;
  MemLink& operator=(const MemLink&) = delete;
  Endpoint& a() { return a_; }
  Endpoint& b() { return b_; }

 private:
  size_t capacity_;
  iface::DeviceCaps caps_;
  Endpoint a_, b_;
};

}  // namespace keel::linux_port
