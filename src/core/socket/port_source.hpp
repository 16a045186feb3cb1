// port_source.hpp — PortSource: where a sans-IO client (DNS resolver, SNTP client) takes
// the local UDP port of its next request from.
//
// The clients need a random source port per query (RFC 5452 §9.2, RFC 6056) that no
// other socket of the stack uses, or the reply cannot reach them. Drawing one themselves
// they cannot know which ports are taken; a PortSource can. In the runtime it is the
// service that owns the client: it binds a UDP socket with the stack's ephemeral port
// allocator (RFC 6056 §3.3.1, random and never a port in use) and hands out that port,
// keeping the socket for as long as the client owns the port.
#pragma once
#include <stdint.h>

#include "core/base/optional.hpp"

namespace keel {

class PortSource {
 public:
  // acquire — a local port reserved for the caller until it no longer owns it (its
  // owns_port() turns false); none when no port or socket is free now.
  virtual Optional<uint16_t> acquire() = 0;

 protected:
  ~PortSource() = default;
};

}  // namespace keel
