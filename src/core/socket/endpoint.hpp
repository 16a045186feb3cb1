// endpoint.hpp — an IP address and port, and the socket handle type.
#pragma once
#include <stdint.h>

#include "core/wire/address.hpp"

namespace keel::socket {

// Endpoint — address and port; an unspecified address or port 0 means "any".
struct Endpoint {
  wire::IpAddress addr;
  uint16_t port = 0;
  bool operator==(const Endpoint& o) const { return addr == o.addr && port == o.port; }
};

// Handle — names one socket of a Stack. The generation makes a handle kept after close
// refer to nothing, instead of to the next socket that reuses the slot.
struct Handle {
  enum class Kind : uint8_t { None, Udp, Icmp, Raw, Tcp, TcpListener };
  Kind kind = Kind::None;
  uint8_t index = 0;
  uint16_t generation = 0;
  bool valid() const { return kind != Kind::None; }
  bool operator==(const Handle& o) const {
    return kind == o.kind && index == o.index && generation == o.generation;
  }
};

}  // namespace keel::socket
