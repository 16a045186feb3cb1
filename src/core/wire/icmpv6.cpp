// icmpv6.cpp — ICMPv6 view, checksum helpers and Repr.
#include "core/wire/icmpv6.hpp"

#include "core/base/byte_order.hpp"
#include "core/wire/checksum.hpp"
#include "core/wire/numbers.hpp"

namespace keel::wire::icmpv6 {

namespace {

constexpr uint8_t kProtocol = static_cast<uint8_t>(IpProtocol::Icmpv6);

uint16_t sum(Bytes message, const Ipv6Address& src, const Ipv6Address& dst) {
  Checksum c;
  c.add_ipv6_pseudo(src, dst, kProtocol, static_cast<uint32_t>(message.size()));
  c.add(message);
  return c.finish();
}

bool is_echo(Type t) { return t == Type::EchoRequest || t == Type::EchoReply; }

}  // namespace

bool verify_checksum(Bytes message, const Ipv6Address& src, const Ipv6Address& dst) {
  return sum(message, src, dst) == 0;
}

void fill_checksum(MutBytes message, const Ipv6Address& src, const Ipv6Address& dst) {
  if (message.size() < field::kChecksum + 2) return;
  store_be16(message.data() + field::kChecksum, 0);
  store_be16(message.data() + field::kChecksum, sum(message, src, dst));
}

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  return Packet(buf);
}

Type Packet::type() const { return static_cast<Type>(buf_.data()[field::kType]); }
uint8_t Packet::code() const { return buf_.data()[field::kCode]; }
uint16_t Packet::checksum() const { return load_be16(buf_.data() + field::kChecksum); }
uint16_t Packet::ident() const { return load_be16(buf_.data() + field::kIdent); }
uint16_t Packet::seq_no() const { return load_be16(buf_.data() + field::kSeqNo); }
uint32_t Packet::mtu() const { return load_be32(buf_.data() + field::kMtu); }
uint32_t Packet::pointer() const { return load_be32(buf_.data() + field::kPointer); }

Result<Repr> Repr::parse(const Packet& packet, const Ipv6Address& src, const Ipv6Address& dst,
                         bool verify_checksum) {
  Repr r;
  r.type = packet.type();
  r.code = packet.code();
  if (!r.is_error() && !is_echo(r.type)) return Err(Error::Unsupported);
  if (verify_checksum && !packet.verify_checksum(src, dst)) return Err(Error::BadChecksum);
  if (is_echo(r.type)) {
    if (r.code != 0) return Err(Error::Malformed);
    r.ident = packet.ident();
    r.seq_no = packet.seq_no();
  } else if (r.type == Type::PacketTooBig) {
    r.mtu = packet.mtu();
  } else if (r.type == Type::ParamProblem) {
    r.pointer = packet.pointer();
  }
  r.data = packet.data();
  return r;
}

Status Repr::emit(MutBytes buf, const Ipv6Address& src, const Ipv6Address& dst) const {
  if (!is_error() && !is_echo(type)) return Err(Error::Unsupported);
  size_t len = buffer_len();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  p[field::kType] = static_cast<uint8_t>(type);
  p[field::kCode] = code;
  uint32_t word = 0;
  if (is_echo(type)) word = uint32_t{ident} << 16 | seq_no;
  else if (type == Type::PacketTooBig) word = mtu;
  else if (type == Type::ParamProblem) word = pointer;
  store_be32(p + field::kIdent, word);
  if (data.data() != p + kHeaderLen) copy_bytes(buf.subspan(kHeaderLen, data.size()), data);
  fill_checksum(buf.first(len), src, dst);
  return {};
}

}  // namespace keel::wire::icmpv6
