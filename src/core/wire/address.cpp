// address.cpp — address constructors and classification.
#include "core/wire/address.hpp"

namespace keel::wire {

namespace {
template <size_t N>
void take(uint8_t (&out)[N], Bytes b) {
  if (b.size() >= N) memcpy(out, b.data(), N);
}
bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}
}  // namespace

MacAddress MacAddress::from(Bytes b) {
  MacAddress m;
  take(m.bytes, b);
  return m;
}
bool MacAddress::is_broadcast() const { return *this == broadcast(); }
bool MacAddress::is_zero() const { return all_zero(bytes, 6); }

Ipv4Address Ipv4Address::from(Bytes b) {
  Ipv4Address a;
  take(a.bytes, b);
  return a;
}

Ipv6Address Ipv6Address::from(Bytes b) {
  Ipv6Address a;
  take(a.bytes, b);
  return a;
}
Ipv6Address Ipv6Address::loopback() {
  Ipv6Address a;
  a.bytes[15] = 1;
  return a;
}
Ipv6Address Ipv6Address::all_nodes() {
  Ipv6Address a;
  a.bytes[0] = 0xff;
  a.bytes[1] = 0x02;
  a.bytes[15] = 1;
  return a;
}
Ipv6Address Ipv6Address::all_routers() {
  Ipv6Address a = all_nodes();
  a.bytes[15] = 2;
  return a;
}
Ipv6Address Ipv6Address::solicited_node(const Ipv6Address& x) {
  Ipv6Address a;
  a.bytes[0] = 0xff;
  a.bytes[1] = 0x02;
  a.bytes[11] = 0x01;
  a.bytes[12] = 0xff;
  memcpy(a.bytes + 13, x.bytes + 13, 3);
  return a;
}
Ipv6Address Ipv6Address::link_local_from_mac(const MacAddress& m) {
  Ipv6Address a;
  a.bytes[0] = 0xfe;
  a.bytes[1] = 0x80;
  a.bytes[8] = m.bytes[0] ^ 0x02;  // flip the universal/local bit
  a.bytes[9] = m.bytes[1];
  a.bytes[10] = m.bytes[2];
  a.bytes[11] = 0xff;
  a.bytes[12] = 0xfe;
  a.bytes[13] = m.bytes[3];
  a.bytes[14] = m.bytes[4];
  a.bytes[15] = m.bytes[5];
  return a;
}
bool Ipv6Address::is_unspecified() const { return all_zero(bytes, 16); }
bool Ipv6Address::is_loopback() const { return all_zero(bytes, 15) && bytes[15] == 1; }
bool Ipv6Address::is_ipv4_mapped() const {
  return all_zero(bytes, 10) && bytes[10] == 0xff && bytes[11] == 0xff;
}
MacAddress Ipv6Address::multicast_mac() const {
  return {{0x33, 0x33, bytes[12], bytes[13], bytes[14], bytes[15]}};
}

MacAddress ipv4_multicast_mac(const Ipv4Address& a) {
  return {{0x01, 0x00, 0x5e, uint8_t(a.bytes[1] & 0x7f), a.bytes[2], a.bytes[3]}};
}

bool IpAddress::is_unspecified() const {
  switch (family_) {
    case Family::V4: return v4().is_unspecified();
    case Family::V6: return v6().is_unspecified();
    case Family::None: break;
  }
  return true;
}
bool IpAddress::is_multicast() const {
  switch (family_) {
    case Family::V4: return v4().is_multicast();
    case Family::V6: return v6().is_multicast();
    case Family::None: break;
  }
  return false;
}

}  // namespace keel::wire
