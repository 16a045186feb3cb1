// icmpv4.cpp — ICMPv4 view, quoted-datagram reader and Repr.
#include "core/wire/icmpv4.hpp"

#include "core/base/bits.hpp"
#include "core/base/byte_order.hpp"
#include "core/wire/checksum.hpp"
#include "core/wire/ipv4.hpp"

namespace keel::wire::icmpv4 {

namespace {
// The leading payload bytes an error must quote (RFC 792).
constexpr size_t kQuotedPayload = 8;

bool known(uint8_t type) {
  switch (static_cast<Type>(type)) {
    case Type::EchoReply:
    case Type::DestUnreachable:
    case Type::EchoRequest:
    case Type::TimeExceeded:
    case Type::ParamProblem: return true;
  }
  return false;
}
}  // namespace

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  return Packet(buf);
}

uint8_t Packet::type() const { return buf_.data()[field::kType]; }
uint8_t Packet::code() const { return buf_.data()[field::kCode]; }
uint16_t Packet::checksum() const { return load_be16(buf_.data() + field::kChecksum); }
uint16_t Packet::ident() const { return load_be16(buf_.data() + field::kIdent); }
uint16_t Packet::seq() const { return load_be16(buf_.data() + field::kSeq); }
uint8_t Packet::pointer() const { return buf_.data()[field::kPointer]; }
uint16_t Packet::next_hop_mtu() const { return load_be16(buf_.data() + field::kNextHopMtu); }
bool Packet::verify_checksum() const { return wire::checksum(buf_) == 0; }

Result<Quote> Quote::parse(Bytes original) {
  if (original.size() < ipv4::kHeaderLen) return Err(Error::Truncated);
  const uint8_t* p = original.data();
  if ((p[ipv4::field::kVersionIhl] >> 4) != 4) return Err(Error::Malformed);
  size_t hlen = (p[ipv4::field::kVersionIhl] & 0x0fu) * 4u;
  if (hlen < ipv4::kHeaderLen) return Err(Error::Malformed);
  if (hlen > original.size()) return Err(Error::Truncated);
  size_t total = load_be16(p + ipv4::field::kTotalLen);
  if (total < hlen) return Err(Error::Malformed);
  if (original.size() < hlen + min_of(kQuotedPayload, total - hlen)) return Err(Error::Truncated);
  Quote q;
  q.src = Ipv4Address::from(original.subspan(ipv4::field::kSrc, 4));
  q.dst = Ipv4Address::from(original.subspan(ipv4::field::kDst, 4));
  q.protocol = static_cast<IpProtocol>(p[ipv4::field::kProtocol]);
  q.payload = original.subspan(hlen, total - hlen);
  return q;
}

Result<Repr> Repr::parse(const Packet& packet, bool verify_checksum) {
  if (verify_checksum && !packet.verify_checksum()) return Err(Error::BadChecksum);
  if (!known(packet.type())) return Err(Error::Unsupported);
  Repr r;
  r.type = static_cast<Type>(packet.type());
  r.code = packet.code();
  r.data = packet.data();
  switch (r.type) {
    case Type::EchoRequest:
    case Type::EchoReply:
      r.ident = packet.ident();
      r.seq = packet.seq();
      return r;
    case Type::DestUnreachable:
      if (r.code == uint8_t(Unreachable::FragNeeded)) r.next_hop_mtu = packet.next_hop_mtu();
      break;
    case Type::ParamProblem: r.pointer = packet.pointer(); break;
    case Type::TimeExceeded: break;
  }
  auto q = Quote::parse(r.data);
  if (!q) return Err(q.error());
  return r;
}

Status Repr::emit(MutBytes buf) const {
  if (!known(static_cast<uint8_t>(type))) return Err(Error::Unsupported);
  if (is_error() && !Quote::parse(data)) return Err(Error::Malformed);
  size_t len = buffer_len();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  p[field::kType] = static_cast<uint8_t>(type);
  p[field::kCode] = code;
  store_be16(p + field::kChecksum, 0);
  store_be32(p + field::kIdent, 0);
  switch (type) {
    case Type::EchoRequest:
    case Type::EchoReply:
      store_be16(p + field::kIdent, ident);
      store_be16(p + field::kSeq, seq);
      break;
    case Type::DestUnreachable:
      if (code == uint8_t(Unreachable::FragNeeded)) store_be16(p + field::kNextHopMtu, next_hop_mtu);
      break;
    case Type::ParamProblem: p[field::kPointer] = pointer; break;
    case Type::TimeExceeded: break;
  }
  if (data.data() != p + kHeaderLen) copy_bytes(buf.subspan(kHeaderLen, data.size()), data);
  store_be16(p + field::kChecksum, wire::checksum(Bytes(p, len)));
  return {};
}

}  // namespace keel::wire::icmpv4
