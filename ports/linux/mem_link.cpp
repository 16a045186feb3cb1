// mem_link.cpp — the two queues of an in-memory link.
#include "ports/linux/mem_link.hpp"

#include <cstring>

namespace keel::linux_port {

MemLink::MemLink(size_t capacity, iface::DeviceCaps caps) : capacity_(capacity), caps_(caps) {
  a_.link_ = b_.link_ = this;
  a_.peer_ = &b_;
  b_.peer_ = &a_;
}

size_t MemLink::Endpoint::receive(MutBytes buf, Instant) {
  while (!rx_.empty()) {
    std::vector<uint8_t> f = std::move(rx_.front());
    rx_.pop_front();
    if (f.size() > buf.size()) {
      ++dropped_;
      continue;
    }
    std::memcpy(buf.data(), f.data(), f.size());
    return f.size();
  }
  return 0;
}

bool MemLink::Endpoint::transmit(Bytes frame, Instant) {
  if (frame.size() > link_->caps_.max_frame || peer_->rx_.size() >= link_->capacity_) {
    ++peer_->dropped_;
    return true;  // the sender's NIC took it; the wire or the receiver lost it
  }
  peer_->rx_.emplace_back(frame.begin(), frame.end());
  return true;
}

}  // namespace keel::linux_port
