// ipv4.cpp — IPv4 header view, option walker and Repr.
#include "core/wire/ipv4.hpp"

#include "core/base/byte_order.hpp"
#include "core/wire/checksum.hpp"

namespace keel::wire::ipv4 {

namespace {
constexpr uint16_t kFlagDf = 0x4000;
constexpr uint16_t kFlagMf = 0x2000;
constexpr uint16_t kOffsetMask = 0x1fff;
constexpr uint32_t kMaxDatagram = 0xffff;
}  // namespace

Result<Optional<Option>> OptionCursor::next() {
  while (pos_ < area_.size()) {
    const uint8_t* p = area_.data() + pos_;
    if (p[0] == option::kEnd) break;
    if (p[0] == option::kNop) {
      ++pos_;
      continue;
    }
    size_t room = area_.size() - pos_;
    if (room < 2 || p[1] < 2 || p[1] > room) return Err(Error::Malformed);
    Option o;
    o.type = p[0];
    o.data = area_.subspan(pos_ + 2, p[1] - 2u);
    pos_ += p[1];
    return Optional<Option>(o);
  }
  pos_ = area_.size();
  return Optional<Option>();
}

Status check_options(Bytes area) {
  OptionCursor c(area);
  for (;;) {
    auto o = c.next();
    if (!o) return Err(o.error());
    if (!o->has_value()) return {};
  }
}

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  const uint8_t* p = buf.data();
  if ((p[field::kVersionIhl] >> 4) != 4) return Err(Error::Malformed);
  size_t hlen = (p[field::kVersionIhl] & 0x0fu) * 4u;
  if (hlen < kHeaderLen) return Err(Error::Malformed);
  if (hlen > buf.size()) return Err(Error::Truncated);
  size_t total = load_be16(p + field::kTotalLen);
  if (total < hlen) return Err(Error::Malformed);
  if (total > buf.size()) return Err(Error::Truncated);
  Status opts = check_options(buf.subspan(kHeaderLen, hlen - kHeaderLen));
  if (!opts) return Err(opts.error());
  return Packet(buf.first(total));
}

uint8_t Packet::version() const { return buf_.data()[field::kVersionIhl] >> 4; }
size_t Packet::header_len() const { return (buf_.data()[field::kVersionIhl] & 0x0fu) * 4u; }
uint8_t Packet::dscp() const { return buf_.data()[field::kDscpEcn] >> 2; }
uint8_t Packet::ecn() const { return buf_.data()[field::kDscpEcn] & 3; }
uint16_t Packet::total_len() const { return load_be16(buf_.data() + field::kTotalLen); }
uint16_t Packet::ident() const { return load_be16(buf_.data() + field::kIdent); }
bool Packet::dont_fragment() const {
  return (load_be16(buf_.data() + field::kFlagsFragment) & kFlagDf) != 0;
}
bool Packet::more_fragments() const {
  return (load_be16(buf_.data() + field::kFlagsFragment) & kFlagMf) != 0;
}
uint16_t Packet::frag_offset() const {
  return static_cast<uint16_t>((load_be16(buf_.data() + field::kFlagsFragment) & kOffsetMask) * 8);
}
uint8_t Packet::ttl() const { return buf_.data()[field::kTtl]; }
IpProtocol Packet::protocol() const { return static_cast<IpProtocol>(buf_.data()[field::kProtocol]); }
uint16_t Packet::checksum() const { return load_be16(buf_.data() + field::kChecksum); }
bool Packet::verify_checksum() const { return wire::checksum(buf_.first(header_len())) == 0; }

Result<Repr> Repr::parse(const Packet& packet, bool verify_checksum) {
  if (verify_checksum && !packet.verify_checksum()) return Err(Error::BadChecksum);
  Repr r;
  r.payload_len = static_cast<uint16_t>(packet.total_len() - packet.header_len());
  r.frag_offset = packet.frag_offset();
  if (uint32_t(r.frag_offset) + r.payload_len > kMaxDatagram) return Err(Error::Malformed);
  r.src = packet.src();
  r.dst = packet.dst();
  r.protocol = packet.protocol();
  r.ttl = packet.ttl();
  r.dscp = packet.dscp();
  r.ecn = packet.ecn();
  r.ident = packet.ident();
  r.dont_fragment = packet.dont_fragment();
  r.more_fragments = packet.more_fragments();
  r.options = packet.options();
  return r;
}

Status Repr::emit(MutBytes buf) const {
  size_t hlen = header_len();
  if (dscp > 63 || ecn > 3 || (frag_offset & 7) != 0 || (options.size() & 3) != 0 ||
      options.size() > kMaxOptionsLen || buffer_len() > kMaxDatagram ||
      uint32_t(frag_offset) + payload_len > kMaxDatagram || !check_options(options))
    return Err(Error::Malformed);
  if (buf.size() < buffer_len()) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  p[field::kVersionIhl] = static_cast<uint8_t>(0x40 | hlen / 4);
  p[field::kDscpEcn] = static_cast<uint8_t>(dscp << 2 | ecn);
  store_be16(p + field::kTotalLen, static_cast<uint16_t>(buffer_len()));
  store_be16(p + field::kIdent, ident);
  store_be16(p + field::kFlagsFragment,
             static_cast<uint16_t>((dont_fragment ? kFlagDf : 0) | (more_fragments ? kFlagMf : 0) |
                                   frag_offset / 8));
  p[field::kTtl] = ttl;
  p[field::kProtocol] = static_cast<uint8_t>(protocol);
  store_be16(p + field::kChecksum, 0);
  memcpy(p + field::kSrc, src.bytes, 4);
  memcpy(p + field::kDst, dst.bytes, 4);
  copy_bytes(buf.subspan(kHeaderLen, options.size()), options);
  store_be16(p + field::kChecksum, wire::checksum(Bytes(p, hlen)));
  return {};
}

}  // namespace keel::wire::ipv4
