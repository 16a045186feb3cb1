// numbers.hpp — the protocol numbers shared by several formats: EtherTypes and IP
// protocol / IPv6 next-header values (IANA registries).
#pragma once
#include <stdint.h>

namespace keel::wire {

// EtherType — the 16-bit type field of Ethernet II (and of an 802.1Q tag's payload).
enum class EtherType : uint16_t {
  Ipv4 = 0x0800,
  Arp = 0x0806,
  Vlan = 0x8100,  // 802.1Q tag
  Ipv6 = 0x86dd,
  Lldp = 0x88cc,
  Ptp = 0x88f7,
};

// IpProtocol — IPv4 protocol / IPv6 next header.
enum class IpProtocol : uint8_t {
  HopByHop = 0,
  Icmp = 1,
  Igmp = 2,
  Tcp = 6,
  Udp = 17,
  Ipv6Route = 43,
  Ipv6Frag = 44,
  Icmpv6 = 58,
  Ipv6NoNext = 59,
  Ipv6Opts = 60,
};

}  // namespace keel::wire
