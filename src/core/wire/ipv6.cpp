// ipv6.cpp — IPv6 fixed header view and Repr.
#include "core/wire/ipv6.hpp"

#include "core/base/byte_order.hpp"
#include "core/wire/numbers.hpp"

namespace keel::wire::ipv6 {

Result<Packet> Packet::check_impl(Bytes buf, bool quoted) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  const uint8_t* p = buf.data();
  if ((p[field::kVersionClassFlow] >> 4) != 6) return Err(Error::Malformed);
  size_t len = load_be16(p + field::kPayloadLen);
  // RFC 2675 §3: a jumbogram has payload length 0 and a hop-by-hop header (which could
  // not fit in a zero-length payload otherwise).
  if (len == 0 && p[field::kNextHeader] == static_cast<uint8_t>(IpProtocol::HopByHop))
    return Err(Error::Unsupported);
  if (!quoted && len > buf.size() - kHeaderLen) return Err(Error::Truncated);
  return Packet(buf.first(kHeaderLen + len));
}

Result<Packet> Packet::check(Bytes buf) { return check_impl(buf, false); }
Result<Packet> Packet::check_quoted(Bytes buf) { return check_impl(buf, true); }

uint8_t Packet::version() const { return buf_.data()[field::kVersionClassFlow] >> 4; }
uint8_t Packet::traffic_class() const {
  return static_cast<uint8_t>(load_be16(buf_.data() + field::kVersionClassFlow) >> 4);
}
uint32_t Packet::flow_label() const {
  return load_be32(buf_.data() + field::kVersionClassFlow) & 0xfffff;
}
uint16_t Packet::payload_len() const { return load_be16(buf_.data() + field::kPayloadLen); }
uint8_t Packet::next_header() const { return buf_.data()[field::kNextHeader]; }
uint8_t Packet::hop_limit() const { return buf_.data()[field::kHopLimit]; }
Ipv6Address Packet::src() const { return Ipv6Address::from(buf_.subspan(field::kSrc, 16)); }
Ipv6Address Packet::dst() const { return Ipv6Address::from(buf_.subspan(field::kDst, 16)); }

Result<Repr> Repr::parse(const Packet& packet) {
  Repr r;
  r.src = packet.src();
  if (r.src.is_multicast()) return Err(Error::Malformed);
  r.dst = packet.dst();
  r.next_header = packet.next_header();
  r.hop_limit = packet.hop_limit();
  r.traffic_class = packet.traffic_class();
  r.flow_label = packet.flow_label();
  r.payload_len = packet.payload_len();
  return r;
}

Status Repr::emit(MutBytes buf) const {
  if (buf.size() < kHeaderLen) return Err(Error::BufferTooSmall);
  if (flow_label > 0xfffff) return Err(Error::Malformed);
  uint8_t* p = buf.data();
  store_be32(p + field::kVersionClassFlow,
             uint32_t{6} << 28 | uint32_t{traffic_class} << 20 | flow_label);
  store_be16(p + field::kPayloadLen, payload_len);
  p[field::kNextHeader] = next_header;
  p[field::kHopLimit] = hop_limit;
  memcpy(p + field::kSrc, src.bytes, 16);
  memcpy(p + field::kDst, dst.bytes, 16);
  return {};
}

}  // namespace keel::wire::ipv6
