// arp.hpp — ARP for IPv4 over Ethernet (RFC 826): hardware type 1, protocol 0x0800,
// address lengths 6 and 4. Other hardware or protocol types are Unsupported.
//
// Packet is a checked view: after check() the packet is Ethernet/IPv4 and all 28 bytes
// are in the buffer. Bytes after them (link padding) are ignored.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::arp {

namespace field {
inline constexpr size_t kHardwareType = 0;
inline constexpr size_t kProtocolType = 2;
inline constexpr size_t kHardwareLen = 4;
inline constexpr size_t kProtocolLen = 5;
inline constexpr size_t kOperation = 6;
inline constexpr size_t kSenderMac = 8;
inline constexpr size_t kSenderIp = 14;
inline constexpr size_t kTargetMac = 18;
inline constexpr size_t kTargetIp = 24;
}  // namespace field
inline constexpr size_t kPacketLen = field::kTargetIp + 4;
inline constexpr uint16_t kHardwareEthernet = 1;

// Operation — ar$op (RFC 826); RARP and InARP codes are Unsupported.
enum class Operation : uint16_t { Request = 1, Reply = 2 };

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds a whole Ethernet/IPv4 ARP packet: Truncated before
  // 8 bytes or before 28, Unsupported for other hardware/protocol types or lengths.
  static Result<Packet> check(Bytes buf);

  uint16_t hardware_type() const;
  uint16_t protocol_type() const;
  uint16_t operation() const;
  MacAddress sender_mac() const { return MacAddress::from(buf_.subspan(field::kSenderMac, 6)); }
  Ipv4Address sender_ip() const { return Ipv4Address::from(buf_.subspan(field::kSenderIp, 4)); }
  MacAddress target_mac() const { return MacAddress::from(buf_.subspan(field::kTargetMac, 6)); }
  Ipv4Address target_ip() const { return Ipv4Address::from(buf_.subspan(field::kTargetIp, 4)); }

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

struct Repr {
  Operation operation = Operation::Request;
  MacAddress sender_mac;
  Ipv4Address sender_ip;
  MacAddress target_mac;  // zero in a request (RFC 5227 §2.1.1); ignored by receivers
  Ipv4Address target_ip;

  // parse — rejects an operation other than request or reply (Unsupported).
  static Result<Repr> parse(const Packet& packet);
  size_t buffer_len() const { return kPacketLen; }
  // emit — all 28 bytes; an operation other than request or reply is Malformed.
  Status emit(MutBytes buf) const;
  // is_gratuitous() — an announcement of the sender's own address: sender and target
  // protocol addresses are equal (RFC 5227 §3), as a request or a reply.
  bool is_gratuitous() const { return sender_ip == target_ip; }
};

}  // namespace keel::wire::arp
