// hooks.hpp — what a TCP socket and listener take from outside: the ISN source
// (RFC 6528, isn.*) and the SYN-cookie codec (RFC 4987 §3.6, syn_cookie.*).
// Interfaces only: the stack passes implementations in.
#pragma once
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/time.hpp"
#include "core/socket/endpoint.hpp"
#include "core/wire/tcp.hpp"

namespace keel::tcp {

using socket::Endpoint;

// FourTuple — one connection as seen from this host.
struct FourTuple {
  Endpoint local;
  Endpoint remote;
};

// IsnSource — chooses initial sequence numbers (RFC 9293 §3.4.1, RFC 6528).
class IsnSource {
 public:
  // isn — the ISN for a connection from local to remote started at now.
  virtual uint32_t isn(const Endpoint& local, const Endpoint& remote, Instant now) = 0;

 protected:
  ~IsnSource() = default;  // not virtual: never deleted through the interface (no heap)
};

// SynCookieCodec — stateless SYN-ACKs when the SYN queue is full (RFC 4987 §3.6).
class SynCookieCodec {
 public:
  // encode — the ISN carrying the peer's MSS for this 4-tuple and the peer's ISN
  // (client_isn, the SYN's sequence number) at now.
  virtual uint32_t encode(const FourTuple& t, uint32_t client_isn, uint16_t mss, Instant now) = 0;
  // decode — the MSS if cookie (the ACK's ack number minus one) is valid for t and
  // client_isn (the ACK's sequence number minus one) at now.
  virtual Optional<uint16_t> decode(const FourTuple& t, uint32_t client_isn, uint32_t cookie,
                                    Instant now) = 0;

 protected:
  ~SynCookieCodec() = default;
};

}  // namespace keel::tcp
