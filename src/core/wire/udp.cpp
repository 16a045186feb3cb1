// udp.cpp — UDP view and Repr.
#include "core/wire/udp.hpp"

#include "core/base/byte_order.hpp"
#include "core/wire/checksum.hpp"
#include "core/wire/numbers.hpp"

namespace keel::wire::udp {

namespace {
constexpr uint8_t kProtocol = static_cast<uint8_t>(IpProtocol::Udp);
}

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  uint16_t len = load_be16(buf.data() + field::kLength);
  if (len < kHeaderLen) return Err(Error::Malformed);
  if (len > buf.size()) return Err(Error::Truncated);
  return Packet(buf.first(len));
}

uint16_t Packet::src_port() const { return load_be16(buf_.data() + field::kSrcPort); }
uint16_t Packet::dst_port() const { return load_be16(buf_.data() + field::kDstPort); }
uint16_t Packet::length() const { return load_be16(buf_.data() + field::kLength); }
uint16_t Packet::checksum() const { return load_be16(buf_.data() + field::kChecksum); }

bool Packet::verify_checksum(const IpAddress& src, const IpAddress& dst) const {
  if (checksum() == 0) return src.is_v4();  // absent: allowed over IPv4 only
  Checksum c;
  c.add_pseudo(src, dst, kProtocol, length());
  c.add(buf_);
  return c.finish() == 0;
}

Result<Repr> Repr::parse(const Packet& packet, const IpAddress& src, const IpAddress& dst,
                         bool verify_checksum) {
  if (src.is_v6() && packet.checksum() == 0) return Err(Error::Malformed);
  if (verify_checksum && !packet.verify_checksum(src, dst)) return Err(Error::BadChecksum);
  Repr r;
  r.src_port = packet.src_port();
  r.dst_port = packet.dst_port();
  r.payload = packet.payload();
  return r;
}

Status Repr::emit(MutBytes buf, const IpAddress& src, const IpAddress& dst,
                  bool fill_checksum) const {
  size_t len = buffer_len();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  if (len > 0xffff) return Err(Error::Malformed);
  uint8_t* p = buf.data();
  store_be16(p + field::kSrcPort, src_port);
  store_be16(p + field::kDstPort, dst_port);
  store_be16(p + field::kLength, static_cast<uint16_t>(len));
  store_be16(p + field::kChecksum, 0);
  if (payload.data() != p + kHeaderLen) copy_bytes(buf.subspan(kHeaderLen, payload.size()), payload);
  if (fill_checksum) {
    Checksum c;
    c.add_pseudo(src, dst, kProtocol, static_cast<uint32_t>(len));
    c.add(Bytes(p, len));
    uint16_t sum = c.finish();
    store_be16(p + field::kChecksum, sum == 0 ? 0xffff : sum);
  }
  return {};
}

}  // namespace keel::wire::udp
