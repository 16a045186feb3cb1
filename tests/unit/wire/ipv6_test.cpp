// ipv6_test.cpp — the IPv6 fixed header on real kernel packets (ipv6.pcap, ndisc.pcap,
// mld.pcap) and on every malformed version, length and truncation.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/ipv6.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;

namespace {

// ip(capture, n) — the IPv6 packet of frame n (tshark's numbering, from 1), found by
// offset so the test does not rely on wire/ethernet.
std::vector<uint8_t> ip(const char* capture, size_t n) {
  auto f = test::capture(capture).frames.at(n - 1).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  EXPECT_EQ(type, 0x86dd);
  return std::vector<uint8_t>(f.begin() + static_cast<long>(l3), f.end());
}

Ipv6Address addr(const char* hex) { return Ipv6Address::from(bytes_of(test::hex(hex))); }

void set_payload_len(std::vector<uint8_t>& b, uint32_t len) {
  b[4] = static_cast<uint8_t>(len >> 8);
  b[5] = static_cast<uint8_t>(len);
}

}  // namespace

TEST(Ipv6, parses_kernel_echo_request_with_traffic_class_field_by_field) {
  auto b = ip("ipv6", 14);  // ping -Q 0xb9 from 2001:db8::1 to 2001:db8::2
  auto p = ipv6::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version(), 6);
  EXPECT_EQ(p->traffic_class(), 0xb9);
  EXPECT_EQ(p->flow_label(), 0x0a5df4u);
  EXPECT_EQ(p->payload_len(), 24);
  EXPECT_EQ(p->next_header(), 58);
  EXPECT_EQ(p->hop_limit(), 64);
  EXPECT_EQ(p->src(), addr("20010db8000000000000000000000001"));
  EXPECT_EQ(p->dst(), addr("20010db8000000000000000000000002"));
  EXPECT_EQ(p->payload().size(), 24u);
  EXPECT_EQ(p->payload()[0], 128);  // ICMPv6 echo request
  auto r = ipv6::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->traffic_class, 0xb9);
  EXPECT_EQ(r->flow_label, 0x0a5df4u);
  EXPECT_EQ(r->payload_len, 24);
  EXPECT_EQ(r->next_header, 58);
  EXPECT_EQ(r->hop_limit, 64);
  EXPECT_EQ(r->src, p->src());
  EXPECT_EQ(r->dst, p->dst());
}

TEST(Ipv6, parses_unspecified_source_and_multicast_destination_of_dad) {
  auto b = ip("ipv6", 1);  // DAD: :: -> ff02::1:ff00:a, hop limit 255
  auto p = ipv6::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->src().is_unspecified());
  EXPECT_EQ(p->dst(), addr("ff0200000000000000000001ff00000a"));
  EXPECT_EQ(p->hop_limit(), 255);
  EXPECT_EQ(p->flow_label(), 0u);
  EXPECT_TRUE(ipv6::Repr::parse(*p));
}

TEST(Ipv6, every_captured_header_reemits_byte_exact) {
  size_t total = 0;
  for (const char* cap : {"ipv6", "ndisc", "mld"}) {
    size_t n = test::capture(cap).frames.size();
    for (size_t i = 1; i <= n; ++i) {
      auto b = ip(cap, i);
      auto p = ipv6::Packet::check(bytes_of(b));
      ASSERT_TRUE(p) << cap << i;
      auto r = ipv6::Repr::parse(*p);
      ASSERT_TRUE(r) << cap << i;
      std::vector<uint8_t> out(r->buffer_len());
      ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok());
      EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(b).first(40))) << cap << i;
      EXPECT_EQ(40u + r->payload_len, b.size()) << cap << i;
      ++total;
    }
  }
  EXPECT_GE(total, 100u);
}

TEST(Ipv6, rejects_every_version_but_6) {
  auto b = ip("ipv6", 10);
  for (uint8_t v : {0, 1, 4, 5, 7, 15}) {
    b[0] = static_cast<uint8_t>(v << 4 | (b[0] & 15));
    auto p = ipv6::Packet::check(bytes_of(b));
    ASSERT_FALSE(p) << int(v);
    EXPECT_EQ(p.error(), Error::Malformed);
  }
}

TEST(Ipv6, rejects_payload_length_past_the_buffer) {
  auto b = ip("ipv6", 10);  // payload length 24
  for (uint32_t len : {25u, 100u, 0xffffu}) {
    set_payload_len(b, len);
    auto p = ipv6::Packet::check(bytes_of(b));
    ASSERT_FALSE(p) << len;
    EXPECT_EQ(p.error(), Error::Truncated);
  }
}

TEST(Ipv6, shorter_payload_length_is_a_shorter_view) {
  auto b = ip("ipv6", 10);
  for (uint32_t len : {0u, 1u, 23u}) {
    set_payload_len(b, len);
    auto p = ipv6::Packet::check(bytes_of(b));
    ASSERT_TRUE(p) << len;
    EXPECT_EQ(p->payload().size(), len);
  }
}

TEST(Ipv6, bytes_after_the_payload_are_link_padding_and_ignored) {
  auto b = ip("ipv6", 10);
  b.insert(b.end(), {0, 0, 0, 0, 0, 0});
  auto p = ipv6::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload().size(), 24u);
  EXPECT_EQ(ipv6::Repr::parse(*p)->payload_len, 24);
}

TEST(Ipv6, rejects_every_truncation) {
  auto b = ip("ipv6", 10);
  for (size_t cut = 0; cut < b.size(); ++cut) {
    auto p = ipv6::Packet::check(Bytes(b.data(), cut));
    ASSERT_FALSE(p) << cut;
    EXPECT_EQ(p.error(), Error::Truncated) << cut;
  }
}

TEST(Ipv6, quoted_packet_may_be_cut_short) {
  // The invoking packet quoted by the packet-too-big message: 1232 of its 1448 bytes.
  auto b = ip("ipv6", 50);
  auto quoted = bytes_of(b).from(48);
  EXPECT_FALSE(ipv6::Packet::check(quoted));
  auto p = ipv6::Packet::check_quoted(quoted);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload_len(), 1408);
  EXPECT_EQ(p->payload().size(), 1232u - 40u);
  EXPECT_EQ(p->dst(), addr("20010db8000200000000000000000009"));
  EXPECT_FALSE(ipv6::Packet::check_quoted(quoted.first(39)));
}

TEST(Ipv6, jumbogram_is_unsupported) {
  // RFC 2675 §2-3: payload length 0, a hop-by-hop header with the jumbo payload option
  // (type 0xc2, length 4, here 70000), then the payload.
  auto b = test::hex(
      "60000000 0000 00 40 20010db8000000000000000000000001 20010db8000000000000000000000002"
      "3a00 c204 00011170");
  b.resize(b.size() + 64);
  auto p = ipv6::Packet::check(bytes_of(b));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), Error::Unsupported);
}

TEST(Ipv6, rejects_multicast_source) {
  auto b = ip("ipv6", 10);
  b[8] = 0xff;
  auto p = ipv6::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  auto r = ipv6::Repr::parse(*p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::Malformed);
}

TEST(Ipv6, emit_into_a_short_buffer_fails_without_writing) {
  ipv6::Repr r;
  std::vector<uint8_t> buf(39, 0xee);
  auto st = r.emit(test::mut_bytes_of(buf));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::BufferTooSmall);
  EXPECT_EQ(buf, std::vector<uint8_t>(39, 0xee));
}

TEST(Ipv6, emit_rejects_flow_label_wider_than_20_bits) {
  ipv6::Repr r;
  r.flow_label = 0x100000;
  std::vector<uint8_t> buf(40, 0xee);
  auto st = r.emit(test::mut_bytes_of(buf));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::Malformed);
  EXPECT_EQ(buf, std::vector<uint8_t>(40, 0xee));
}
