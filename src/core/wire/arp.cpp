// arp.cpp — ARP view and Repr.
#include "core/wire/arp.hpp"

#include "core/base/byte_order.hpp"
#include "core/wire/numbers.hpp"

namespace keel::wire::arp {

namespace {
constexpr uint16_t kProtocolIpv4 = static_cast<uint16_t>(EtherType::Ipv4);
// The fixed first six bytes of every Ethernet/IPv4 packet: htype, ptype, hlen, plen.
constexpr uint8_t kPrefix[6] = {0, kHardwareEthernet, kProtocolIpv4 >> 8, kProtocolIpv4 & 0xff,
                                6, 4};
}  // namespace

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < field::kSenderMac) return Err(Error::Truncated);
  if (memcmp(buf.data(), kPrefix, sizeof kPrefix) != 0) return Err(Error::Unsupported);
  if (buf.size() < kPacketLen) return Err(Error::Truncated);
  return Packet(buf.first(kPacketLen));
}

uint16_t Packet::hardware_type() const { return load_be16(buf_.data() + field::kHardwareType); }
uint16_t Packet::protocol_type() const { return load_be16(buf_.data() + field::kProtocolType); }
uint16_t Packet::operation() const { return load_be16(buf_.data() + field::kOperation); }

Result<Repr> Repr::parse(const Packet& packet) {
  uint16_t op = packet.operation();
  if (op != uint16_t(Operation::Request) && op != uint16_t(Operation::Reply))
    return Err(Error::Unsupported);
  Repr r;
  r.operation = static_cast<Operation>(op);
  r.sender_mac = packet.sender_mac();
  r.sender_ip = packet.sender_ip();
  r.target_mac = packet.target_mac();
  r.target_ip = packet.target_ip();
  return r;
}

Status Repr::emit(MutBytes buf) const {
  if (operation != Operation::Request && operation != Operation::Reply)
    return Err(Error::Malformed);
  if (buf.size() < kPacketLen) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  memcpy(p, kPrefix, sizeof kPrefix);
  store_be16(p + field::kOperation, static_cast<uint16_t>(operation));
  memcpy(p + field::kSenderMac, sender_mac.bytes, 6);
  memcpy(p + field::kSenderIp, sender_ip.bytes, 4);
  memcpy(p + field::kTargetMac, target_mac.bytes, 6);
  memcpy(p + field::kTargetIp, target_ip.bytes, 4);
  return {};
}

}  // namespace keel::wire::arp
