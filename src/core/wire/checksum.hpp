// checksum.hpp — the Internet checksum (RFC 1071), with IPv4 and IPv6 pseudo-headers.
//
// It is on every packet's path, so bytes are summed 32 bits at a time into a 64-bit
// accumulator in host order, and byte-swapped once at the end (RFC 1071 §2(B): the sum
// is byte-order independent). Pieces of any length may be added in sequence: a piece
// that starts at an odd offset of the whole is swapped before it is added.
#pragma once
#include <stdint.h>

#include "core/base/span.hpp"
#include "core/wire/address.hpp"

namespace keel::wire {

class Checksum {
 public:
  // add(data) — appends data to the summed stream.
  void add(Bytes data);
  // add16(v) — appends a 16-bit value (host order) as two network-order bytes.
  void add16(uint16_t v);
  // add_ipv4_pseudo — src, dst, zero, protocol, length (RFC 768, RFC 9293 §3.1).
  void add_ipv4_pseudo(const Ipv4Address& src, const Ipv4Address& dst, uint8_t protocol,
                       uint16_t length);
  // add_ipv6_pseudo — src, dst, 32-bit length, three zeros, next header (RFC 8200 §8.1).
  void add_ipv6_pseudo(const Ipv6Address& src, const Ipv6Address& dst, uint8_t next_header,
                       uint32_t length);
  // add_pseudo — either family, chosen by the addresses (both must be the same family).
  void add_pseudo(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                  uint32_t length);
  // folded() — the 16-bit ones'-complement sum so far.
  uint16_t folded() const;
  // finish() — the checksum to store: the complement of folded(). A stream that already
  // contains a correct checksum finishes to 0.
  uint16_t finish() const { return static_cast<uint16_t>(~folded()); }

 private:
  uint64_t sum_ = 0;  // network-order 16-bit words, unfolded
  bool odd_ = false;  // the stream so far has an odd length
};

// checksum(data) — the checksum of one buffer (complemented, ready to store).
uint16_t checksum(Bytes data);

}  // namespace keel::wire
