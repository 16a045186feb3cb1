// address.hpp — link and network addresses: MAC, IPv4, IPv6, and the dual-stack
// IpAddress every interface and socket API uses (no IPv4-only types above wire/).
//
// All are plain byte arrays in network order, so they can be copied to and from packets
// with no byte swapping and compared with ==.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/base/span.hpp"

namespace keel::wire {

struct MacAddress {
  uint8_t bytes[6] = {};

  static MacAddress from(Bytes b);  // the first 6 bytes of b (zeros if b is shorter)
  static constexpr MacAddress broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  bool is_broadcast() const;
  bool is_multicast() const { return (bytes[0] & 0x01) != 0; }
  bool is_unicast() const { return !is_multicast(); }
  bool is_zero() const;
  bool operator==(const MacAddress& o) const { return memcmp(bytes, o.bytes, 6) == 0; }
};

struct Ipv4Address {
  uint8_t bytes[4] = {};

  static Ipv4Address from(Bytes b);  // the first 4 bytes of b (zeros if b is shorter)
  static constexpr Ipv4Address from_u32(uint32_t v) {
    return {{uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)}};
  }
  static constexpr Ipv4Address of(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return {{a, b, c, d}};
  }
  static constexpr Ipv4Address broadcast() { return {{255, 255, 255, 255}}; }
  constexpr uint32_t to_u32() const {
    return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 |
           bytes[3];
  }
  constexpr bool is_unspecified() const { return to_u32() == 0; }
  constexpr bool is_broadcast() const { return to_u32() == 0xffffffffu; }
  constexpr bool is_multicast() const { return (bytes[0] & 0xf0) == 0xe0; }
  constexpr bool is_loopback() const { return bytes[0] == 127; }
  constexpr bool is_link_local() const { return bytes[0] == 169 && bytes[1] == 254; }
  constexpr bool is_unicast() const {
    return !is_unspecified() && !is_broadcast() && !is_multicast();
  }
  bool operator==(const Ipv4Address& o) const { return memcmp(bytes, o.bytes, 4) == 0; }
};

struct Ipv6Address {
  uint8_t bytes[16] = {};

  static Ipv6Address from(Bytes b);  // the first 16 bytes of b (zeros if b is shorter)
  static Ipv6Address loopback();
  static Ipv6Address all_nodes();    // ff02::1
  static Ipv6Address all_routers();  // ff02::2
  // solicited_node(a) — ff02::1:ffXX:XXXX for a's last 24 bits (RFC 4291 §2.7.1).
  static Ipv6Address solicited_node(const Ipv6Address& a);
  // link_local_from_mac(m) — fe80::/64 with a modified EUI-64 interface id (RFC 4291 App. A).
  static Ipv6Address link_local_from_mac(const MacAddress& m);
  bool is_unspecified() const;
  bool is_loopback() const;
  bool is_multicast() const { return bytes[0] == 0xff; }
  bool is_link_local() const { return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80; }
  bool is_ipv4_mapped() const;
  // multicast_mac() — 33:33 plus the last 32 bits (RFC 2464 §7).
  MacAddress multicast_mac() const;
  bool operator==(const Ipv6Address& o) const { return memcmp(bytes, o.bytes, 16) == 0; }
};

// ipv4_multicast_mac(a) — 01:00:5e plus the low 23 bits of a (RFC 1112 §6.4).
MacAddress ipv4_multicast_mac(const Ipv4Address& a);

// IpAddress — either family; the type every API above wire/ carries.
class IpAddress {
 public:
  enum class Family : uint8_t { None, V4, V6 };
  constexpr IpAddress() = default;
  IpAddress(const Ipv4Address& a) : family_(Family::V4) { memcpy(bytes_, a.bytes, 4); }
  IpAddress(const Ipv6Address& a) : family_(Family::V6) { memcpy(bytes_, a.bytes, 16); }
  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::V4; }
  bool is_v6() const { return family_ == Family::V6; }
  Ipv4Address v4() const { return Ipv4Address::from(Bytes(bytes_, 4)); }
  Ipv6Address v6() const { return Ipv6Address::from(Bytes(bytes_, 16)); }
  bool is_unspecified() const;
  bool is_multicast() const;
  bool operator==(const IpAddress& o) const {
    return family_ == o.family_ && memcmp(bytes_, o.bytes_, 16) == 0;
  }

 private:
  Family family_ = Family::None;
  uint8_t bytes_[16] = {};
};

}  // namespace keel::wire
