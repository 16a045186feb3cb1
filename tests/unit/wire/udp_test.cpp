// udp_test.cpp — UDP on real kernel datagrams (udp.pcap) and on every malformed length.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/udp.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;

namespace {

// A captured datagram with the addresses of its IP header (read by offset: the test
// must not depend on wire/ipv4 to find its input).
struct Captured {
  std::vector<uint8_t> udp;
  IpAddress src, dst;
};

Captured captured(size_t index) {
  auto f = test::capture("udp").frames.at(index).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  Captured c;
  if (type == 0x0800) {
    size_t ihl = (f[l3] & 15) * 4u;
    c.src = Ipv4Address::from(Bytes(&f[l3 + 12], 4));
    c.dst = Ipv4Address::from(Bytes(&f[l3 + 16], 4));
    c.udp.assign(f.begin() + static_cast<long>(l3 + ihl), f.end());
  } else {
    c.src = Ipv6Address::from(Bytes(&f[l3 + 8], 16));
    c.dst = Ipv6Address::from(Bytes(&f[l3 + 24], 16));
    c.udp.assign(f.begin() + static_cast<long>(l3 + 40), f.end());
  }
  return c;
}

}  // namespace

TEST(Udp, parses_kernel_ipv4_datagram_field_by_field) {
  auto c = captured(0);  // 192.0.2.2:4444 -> 192.0.2.1:5555, payload "x"
  auto p = udp::Packet::check(bytes_of(c.udp));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->src_port(), 4444);
  EXPECT_EQ(p->dst_port(), 5555);
  EXPECT_EQ(p->length(), 9);
  auto r = udp::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->payload.size(), 1u);
  EXPECT_EQ(r->payload[0], 'x');
}

TEST(Udp, every_captured_datagram_reemits_byte_exact) {
  size_t n = test::capture("udp").frames.size();
  ASSERT_GE(n, 4u);
  for (size_t i = 0; i < n; ++i) {
    auto c = captured(i);
    auto p = udp::Packet::check(bytes_of(c.udp));
    ASSERT_TRUE(p) << i;
    auto r = udp::Repr::parse(*p, c.src, c.dst);
    ASSERT_TRUE(r) << i;
    std::vector<uint8_t> out(r->buffer_len());
    ASSERT_TRUE(r->emit(test::mut_bytes_of(out), c.src, c.dst).ok());
    EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(c.udp).first(p->length()))) << i;
  }
}

TEST(Udp, ipv6_datagram_verifies_with_ipv6_pseudo_header) {
  auto c = captured(2);
  ASSERT_TRUE(c.src.is_v6());
  auto p = udp::Packet::check(bytes_of(c.udp));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->verify_checksum(c.src, c.dst));
  EXPECT_FALSE(p->verify_checksum(c.dst, c.dst));
}

TEST(Udp, rejects_every_bad_length_field) {
  auto c = captured(1);  // 100-byte payload, length 108
  for (uint32_t len : {0u, 1u, 7u, 109u, 0xffffu}) {
    auto b = c.udp;
    b[4] = static_cast<uint8_t>(len >> 8);
    b[5] = static_cast<uint8_t>(len);
    auto p = udp::Packet::check(bytes_of(b));
    EXPECT_FALSE(p) << len;
  }
  // Every truncation of the buffer is rejected; shorter lengths in the field are views.
  for (size_t cut = 0; cut < c.udp.size(); ++cut)
    EXPECT_FALSE(udp::Packet::check(Bytes(c.udp.data(), cut))) << cut;
}

TEST(Udp, length_shorter_than_buffer_ignores_link_padding) {
  auto c = captured(0);
  c.udp.push_back(0);  // Ethernet padding after the datagram
  c.udp.push_back(0);
  auto p = udp::Packet::check(bytes_of(c.udp));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload().size(), 1u);
  EXPECT_TRUE(udp::Repr::parse(*p, c.src, c.dst));
}

TEST(Udp, bad_checksum_rejected_unless_not_verified) {
  auto c = captured(1);
  c.udp[20] ^= 0x01;
  auto p = udp::Packet::check(bytes_of(c.udp));
  ASSERT_TRUE(p);
  auto r = udp::Repr::parse(*p, c.src, c.dst);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::BadChecksum);
  EXPECT_TRUE(udp::Repr::parse(*p, c.src, c.dst, false));
}

TEST(Udp, zero_checksum_means_none_on_ipv4_and_is_invalid_on_ipv6) {
  auto v4 = captured(0);
  v4.udp[6] = v4.udp[7] = 0;
  auto p4 = udp::Packet::check(bytes_of(v4.udp));
  EXPECT_TRUE(udp::Repr::parse(*p4, v4.src, v4.dst));
  auto v6 = captured(2);
  v6.udp[6] = v6.udp[7] = 0;
  auto p6 = udp::Packet::check(bytes_of(v6.udp));
  auto r6 = udp::Repr::parse(*p6, v6.src, v6.dst);
  ASSERT_FALSE(r6);
  EXPECT_EQ(r6.error(), Error::Malformed);
}

TEST(Udp, emit_into_a_short_buffer_fails_without_writing) {
  udp::Repr r;
  r.src_port = 1;
  r.dst_port = 2;
  std::vector<uint8_t> buf(7, 0xee);
  IpAddress a = Ipv4Address::of(192, 0, 2, 1);
  auto st = r.emit(test::mut_bytes_of(buf), a, a);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::BufferTooSmall);
  EXPECT_EQ(buf, std::vector<uint8_t>(7, 0xee));
}
