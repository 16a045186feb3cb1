// arp_test.cpp — ARP on real kernel and iputils-arping packets (arp.pcap, vlan.pcap):
// fields, gratuitous ARP, byte-exact re-emit, every truncation and every fixed field.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/arp.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;

namespace {

// The ARP packet of a captured frame, found by offset (not through wire/ethernet).
std::vector<uint8_t> captured(const char* pcap, size_t index) {
  auto f = test::capture(pcap).frames.at(index).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  EXPECT_EQ(type, 0x0806);
  return std::vector<uint8_t>(f.begin() + static_cast<long>(l3), f.end());
}

arp::Repr parsed(const std::vector<uint8_t>& b) {
  auto p = arp::Packet::check(bytes_of(b));
  EXPECT_TRUE(p);
  auto r = arp::Repr::parse(*p);
  EXPECT_TRUE(r);
  return *r;
}

const MacAddress kMacA{{0x02, 0, 0, 0, 0, 0x0a}};
const MacAddress kMacB{{0x02, 0, 0, 0, 0, 0x0b}};
const Ipv4Address kIpA = Ipv4Address::of(192, 0, 2, 1);
const Ipv4Address kIpB = Ipv4Address::of(192, 0, 2, 2);

}  // namespace

TEST(Arp, parses_kernel_request_field_by_field) {
  auto b = captured("arp", 0);  // A: who has 192.0.2.2? tell 192.0.2.1
  auto p = arp::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->hardware_type(), 1);
  EXPECT_EQ(p->protocol_type(), 0x0800);
  EXPECT_EQ(p->operation(), 1);
  auto r = arp::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->operation, arp::Operation::Request);
  EXPECT_EQ(r->sender_mac, kMacA);
  EXPECT_EQ(r->sender_ip, kIpA);
  EXPECT_TRUE(r->target_mac.is_zero());
  EXPECT_EQ(r->target_ip, kIpB);
  EXPECT_FALSE(r->is_gratuitous());
}

TEST(Arp, parses_kernel_reply_field_by_field) {
  auto r = parsed(captured("arp", 1));  // B: 192.0.2.2 is at 02:00:00:00:00:0b
  EXPECT_EQ(r.operation, arp::Operation::Reply);
  EXPECT_EQ(r.sender_mac, kMacB);
  EXPECT_EQ(r.sender_ip, kIpB);
  EXPECT_EQ(r.target_mac, kMacA);
  EXPECT_EQ(r.target_ip, kIpA);
  EXPECT_FALSE(r.is_gratuitous());
}

TEST(Arp, arping_request_carries_a_broadcast_target_mac) {
  auto r = parsed(captured("arp", 2));
  EXPECT_EQ(r.operation, arp::Operation::Request);
  EXPECT_EQ(r.sender_ip, kIpB);
  EXPECT_TRUE(r.target_mac.is_broadcast());
  EXPECT_EQ(r.target_ip, kIpA);
}

TEST(Arp, gratuitous_request_and_reply_announce_the_sender) {
  auto req = parsed(captured("arp", 4));  // arping -U from B
  EXPECT_EQ(req.operation, arp::Operation::Request);
  EXPECT_EQ(req.sender_ip, kIpB);
  EXPECT_EQ(req.target_ip, kIpB);
  EXPECT_TRUE(req.is_gratuitous());
  auto rep = parsed(captured("arp", 5));  // arping -A from A
  EXPECT_EQ(rep.operation, arp::Operation::Reply);
  EXPECT_EQ(rep.sender_mac, kMacA);
  EXPECT_EQ(rep.target_mac, kMacA);
  EXPECT_TRUE(rep.is_gratuitous());
}

TEST(Arp, tagged_frames_carry_the_same_packets) {
  auto r = parsed(captured("vlan", 1));  // B's reply over the 802.1Q link
  EXPECT_EQ(r.operation, arp::Operation::Reply);
  EXPECT_EQ(r.sender_mac, kMacB);
  EXPECT_EQ(r.target_ip, kIpA);
}

TEST(Arp, every_captured_packet_reemits_byte_exact) {
  std::vector<std::vector<uint8_t>> all;
  for (size_t i = 0; i < test::capture("arp").frames.size(); ++i) all.push_back(captured("arp", i));
  all.push_back(captured("vlan", 0));
  all.push_back(captured("vlan", 1));
  ASSERT_EQ(all.size(), 8u);
  for (size_t i = 0; i < all.size(); ++i) {
    auto r = parsed(all[i]);
    std::vector<uint8_t> out(r.buffer_len());
    ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok()) << i;
    EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(all[i]))) << i;
  }
}

TEST(Arp, rejects_every_truncation) {
  auto b = captured("arp", 0);
  ASSERT_EQ(b.size(), 28u);
  for (size_t cut = 0; cut < b.size(); ++cut) {
    auto p = arp::Packet::check(Bytes(b.data(), cut));
    ASSERT_FALSE(p) << cut;
    EXPECT_EQ(p.error(), Error::Truncated) << cut;
  }
}

TEST(Arp, link_padding_after_the_packet_is_ignored) {
  auto b = captured("arp", 1);
  b.resize(46, 0);  // padded to the Ethernet minimum
  auto r = parsed(b);
  EXPECT_EQ(r.target_ip, kIpA);
}

TEST(Arp, rejects_other_hardware_types) {
  for (uint16_t v : {0, 6, 0x0100, 0xffff}) {
    auto b = captured("arp", 0);
    b[0] = static_cast<uint8_t>(v >> 8);
    b[1] = static_cast<uint8_t>(v);
    auto p = arp::Packet::check(bytes_of(b));
    ASSERT_FALSE(p) << v;
    EXPECT_EQ(p.error(), Error::Unsupported) << v;
  }
}

TEST(Arp, rejects_other_protocol_types) {
  for (uint16_t v : {0, 0x0806, 0x86dd, 0x0008}) {
    auto b = captured("arp", 0);
    b[2] = static_cast<uint8_t>(v >> 8);
    b[3] = static_cast<uint8_t>(v);
    auto p = arp::Packet::check(bytes_of(b));
    ASSERT_FALSE(p) << v;
    EXPECT_EQ(p.error(), Error::Unsupported) << v;
  }
}

TEST(Arp, rejects_every_other_address_length) {
  for (size_t field : {arp::field::kHardwareLen, arp::field::kProtocolLen}) {
    for (int v : {0, 1, 3, 4, 5, 6, 7, 16, 255}) {
      auto b = captured("arp", 0);
      if (b[field] == v) continue;
      b[field] = static_cast<uint8_t>(v);
      auto p = arp::Packet::check(bytes_of(b));
      ASSERT_FALSE(p) << field << " " << v;
      EXPECT_EQ(p.error(), Error::Unsupported);
    }
  }
}

TEST(Arp, rejects_operations_other_than_request_and_reply) {
  for (uint16_t op : {0, 3, 4, 8, 9, 0x0100, 0xffff}) {  // RARP 3/4, InARP 8/9
    auto b = captured("arp", 0);
    b[6] = static_cast<uint8_t>(op >> 8);
    b[7] = static_cast<uint8_t>(op);
    auto p = arp::Packet::check(bytes_of(b));
    ASSERT_TRUE(p) << op;
    auto r = arp::Repr::parse(*p);
    ASSERT_FALSE(r) << op;
    EXPECT_EQ(r.error(), Error::Unsupported);
  }
}

TEST(Arp, emit_refuses_an_operation_it_would_not_parse) {
  arp::Repr r;
  r.operation = static_cast<arp::Operation>(3);
  std::vector<uint8_t> out(28, 0xee);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  EXPECT_EQ(out, std::vector<uint8_t>(28, 0xee));
}

TEST(Arp, emit_into_a_short_buffer_fails_without_writing) {
  arp::Repr r;
  std::vector<uint8_t> out(27, 0xee);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::BufferTooSmall);
  EXPECT_EQ(out, std::vector<uint8_t>(27, 0xee));
}
