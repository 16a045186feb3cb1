// ipv6.hpp — the IPv6 fixed header (RFC 8200 §3).
//
// Packet is a checked view: after check() the version is 6 and the payload length is
// within the buffer; payload() never reaches past it. Bytes beyond the payload length
// (link padding) are ignored. A zero payload length before a hop-by-hop header is a
// jumbogram (RFC 2675), which keel does not support. Extension headers are ipv6ext's.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::ipv6 {

namespace field {
inline constexpr size_t kVersionClassFlow = 0;  // version:4 traffic class:8 flow label:20
inline constexpr size_t kPayloadLen = 4;
inline constexpr size_t kNextHeader = 6;
inline constexpr size_t kHopLimit = 7;
inline constexpr size_t kSrc = 8;
inline constexpr size_t kDst = 24;
}  // namespace field
inline constexpr size_t kHeaderLen = field::kDst + 16;
// kMinMtu — every link carries at least this many bytes of IPv6 (RFC 8200 §5).
inline constexpr size_t kMinMtu = 1280;

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds version 6 and the whole payload its length says.
  static Result<Packet> check(Bytes buf);
  // check_quoted(buf) — like check(), but the payload may be cut short: the invoking
  // packet an ICMPv6 error carries (RFC 4443 §2.4(c)). payload() is what is present.
  static Result<Packet> check_quoted(Bytes buf);

  uint8_t version() const;
  uint8_t traffic_class() const;
  uint32_t flow_label() const;
  uint16_t payload_len() const;
  uint8_t next_header() const;
  uint8_t hop_limit() const;
  Ipv6Address src() const;
  Ipv6Address dst() const;
  // payload() — the bytes after the fixed header, up to the payload length.
  Bytes payload() const { return buf_.from(kHeaderLen); }

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  static Result<Packet> check_impl(Bytes buf, bool quoted);
  Bytes buf_;
};

struct Repr {
  Ipv6Address src;
  Ipv6Address dst;
  uint8_t next_header = 0;
  uint8_t hop_limit = 64;
  uint8_t traffic_class = 0;
  uint32_t flow_label = 0;   // 20 bits
  uint16_t payload_len = 0;  // what follows the fixed header (extension headers included)

  // parse — also rejects a multicast source (RFC 4291 §2.7).
  static Result<Repr> parse(const Packet& packet);
  size_t buffer_len() const { return kHeaderLen; }
  // emit — the fixed header only; the caller writes payload_len bytes after it.
  // A flow label wider than 20 bits is Malformed.
  Status emit(MutBytes buf) const;
};

}  // namespace keel::wire::ipv6
