// ethernet_test.cpp — Ethernet II and 802.1Q on real kernel frames (arp.pcap, ipv4.pcap,
// vlan.pcap, ...): fields, byte-exact re-emit, truncation and bad type fields.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/wire/ethernet.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;

namespace {

std::vector<uint8_t> frame(const char* pcap, size_t index) {
  return test::capture(pcap).frames.at(index).bytes;
}

const MacAddress kMacA{{0x02, 0, 0, 0, 0, 0x0a}};
const MacAddress kMacB{{0x02, 0, 0, 0, 0, 0x0b}};

}  // namespace

TEST(Ethernet, parses_untagged_kernel_frame_field_by_field) {
  auto f = frame("arp", 1);  // B's ARP reply to A
  auto v = ethernet::Frame::check(bytes_of(f));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->dst(), kMacA);
  EXPECT_EQ(v->src(), kMacB);
  EXPECT_FALSE(v->has_vlan());
  EXPECT_FALSE(v->vlan());
  EXPECT_EQ(v->ethertype(), EtherType::Arp);
  EXPECT_EQ(v->header_len(), 14u);
  EXPECT_EQ(v->payload().size(), 28u);
  EXPECT_EQ(v->payload().data(), f.data() + 14);
  auto r = ethernet::Repr::parse(*v);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dst, kMacA);
  EXPECT_EQ(r->src, kMacB);
  EXPECT_EQ(r->ethertype, EtherType::Arp);
  EXPECT_FALSE(r->vlan);
}

TEST(Ethernet, broadcast_destination_of_an_arp_request) {
  auto f = frame("arp", 0);
  auto v = ethernet::Frame::check(bytes_of(f));
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->dst().is_broadcast());
  EXPECT_EQ(v->src(), kMacA);
}

TEST(Ethernet, parses_tag_pcp_dei_vid_and_inner_ethertype) {
  auto a = frame("vlan", 0);  // A's ARP request, tagged PCP 5 DEI 0 VID 5
  auto va = ethernet::Frame::check(bytes_of(a));
  ASSERT_TRUE(va);
  ASSERT_TRUE(va->has_vlan());
  EXPECT_EQ(*va->vlan(), (ethernet::VlanTag{5, false, 5}));
  EXPECT_EQ(va->ethertype(), EtherType::Arp);
  EXPECT_EQ(va->header_len(), 18u);
  EXPECT_EQ(va->payload().data(), a.data() + 18);
  EXPECT_EQ(va->payload().size(), 28u);

  auto b = frame("vlan", 3);  // B's echo reply, tagged PCP 0 DEI 1 VID 5
  auto vb = ethernet::Frame::check(bytes_of(b));
  ASSERT_TRUE(vb);
  EXPECT_EQ(*vb->vlan(), (ethernet::VlanTag{0, true, 5}));
  EXPECT_EQ(vb->ethertype(), EtherType::Ipv4);
  auto r = ethernet::Repr::parse(*vb);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->vlan);
  EXPECT_EQ(r->vlan->dei, true);
  EXPECT_EQ(r->header_len(), 18u);
}

TEST(Ethernet, frame_shorter_than_the_minimum_is_accepted) {
  auto f = frame("ipv4", 0);  // ping -s 0: 42 bytes on the veth, no padding, no FCS
  ASSERT_EQ(f.size(), 42u);
  auto v = ethernet::Frame::check(bytes_of(f));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->ethertype(), EtherType::Ipv4);
  EXPECT_EQ(v->payload().size(), 28u);
  EXPECT_TRUE(ethernet::Repr::parse(*v));
}

TEST(Ethernet, header_alone_is_a_frame_with_empty_payload) {
  auto f = frame("arp", 0);
  auto v = ethernet::Frame::check(Bytes(f.data(), 14));
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->payload().empty());
}

TEST(Ethernet, every_captured_frame_reemits_byte_exact) {
  size_t total = 0;
  for (const char* name : {"arp", "ipv4", "icmpv4", "igmp", "vlan"}) {
    auto frames = test::capture(name).frames;
    for (size_t i = 0; i < frames.size(); ++i, ++total) {
      const auto& f = frames[i].bytes;
      auto v = ethernet::Frame::check(bytes_of(f));
      ASSERT_TRUE(v) << name << " " << i;
      auto r = ethernet::Repr::parse(*v);
      ASSERT_TRUE(r) << name << " " << i;
      std::vector<uint8_t> out(r->header_len() + v->payload().size());
      ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok());
      copy_bytes(test::mut_bytes_of(out).from(r->header_len()), v->payload());
      EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(f))) << name << " " << i;
    }
  }
  EXPECT_GE(total, 50u);
}

TEST(Ethernet, rejects_every_truncation_of_the_header) {
  auto plain = frame("arp", 0);
  for (size_t cut = 0; cut < 14; ++cut) {
    auto v = ethernet::Frame::check(Bytes(plain.data(), cut));
    ASSERT_FALSE(v) << cut;
    EXPECT_EQ(v.error(), Error::Truncated);
  }
  auto tagged = frame("vlan", 0);
  for (size_t cut = 0; cut < 18; ++cut) {
    auto v = ethernet::Frame::check(Bytes(tagged.data(), cut));
    ASSERT_FALSE(v) << cut;
    EXPECT_EQ(v.error(), Error::Truncated);
  }
  EXPECT_TRUE(ethernet::Frame::check(Bytes(tagged.data(), 18)));
}

TEST(Ethernet, rejects_an_8023_length_in_the_type_field) {
  auto f = frame("arp", 0);
  for (uint16_t type : {0x0000, 0x0001, 0x002e, 0x05dc, 0x05ff}) {
    f[12] = static_cast<uint8_t>(type >> 8);
    f[13] = static_cast<uint8_t>(type);
    auto v = ethernet::Frame::check(bytes_of(f));
    ASSERT_TRUE(v) << type;  // the view holds; only the Repr refuses
    auto r = ethernet::Repr::parse(*v);
    ASSERT_FALSE(r) << type;
    EXPECT_EQ(r.error(), Error::Unsupported);
  }
  f[12] = 0x06;
  f[13] = 0x00;
  EXPECT_TRUE(ethernet::Repr::parse(*ethernet::Frame::check(bytes_of(f))));
}

TEST(Ethernet, rejects_an_8023_length_as_the_inner_type_of_a_tag) {
  auto f = frame("vlan", 0);
  f[16] = 0x00;
  f[17] = 0x2e;
  auto r = ethernet::Repr::parse(*ethernet::Frame::check(bytes_of(f)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::Unsupported);
}

TEST(Ethernet, every_tci_value_round_trips) {
  auto f = frame("vlan", 0);
  for (uint32_t tci = 0; tci <= 0xffff; tci += 0x0111) {
    f[14] = static_cast<uint8_t>(tci >> 8);
    f[15] = static_cast<uint8_t>(tci);
    auto r = ethernet::Repr::parse(*ethernet::Frame::check(bytes_of(f)));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->vlan->pcp, tci >> 13);
    EXPECT_EQ(r->vlan->dei, (tci & 0x1000) != 0);
    EXPECT_EQ(r->vlan->vid, tci & 0xfff);
    std::vector<uint8_t> out(18);
    ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok());
    EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(Bytes(f.data(), 18)));
  }
}

TEST(Ethernet, a_stacked_second_tag_shows_as_ethertype_vlan) {
  auto f = frame("vlan", 0);
  f[16] = 0x81;  // inner type 0x8100: only the outer tag is read
  f[17] = 0x00;
  auto v = ethernet::Frame::check(bytes_of(f));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->ethertype(), EtherType::Vlan);
  EXPECT_EQ(v->payload().data(), f.data() + 18);
  auto r = ethernet::Repr::parse(*v);
  ASSERT_TRUE(r);
  std::vector<uint8_t> out(18);
  ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(Bytes(f.data(), 18)));
}

TEST(Ethernet, emit_writes_a_tag_when_the_repr_has_one) {
  ethernet::Repr r;
  r.src = kMacA;
  r.dst = MacAddress::broadcast();
  r.ethertype = EtherType::Ipv6;
  r.vlan = ethernet::VlanTag{7, true, 0xfff};
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_EQ(out.size(), 18u);
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), "ffffffffffff02000000000a8100ffff86dd");
}

TEST(Ethernet, emit_rejects_values_the_fields_cannot_hold) {
  std::vector<uint8_t> out(18, 0xee);
  ethernet::Repr r;
  r.vlan = ethernet::VlanTag{8, false, 1};
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  r.vlan = ethernet::VlanTag{0, false, 0x1000};
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  r.vlan = none;
  r.ethertype = EtherType::Vlan;  // a tag is emitted through vlan, never by type alone
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  r.ethertype = static_cast<EtherType>(0x05dc);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  EXPECT_EQ(out, std::vector<uint8_t>(18, 0xee));
}

TEST(Ethernet, emit_into_a_short_buffer_fails_without_writing) {
  ethernet::Repr r;
  std::vector<uint8_t> out(13, 0xee);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::BufferTooSmall);
  r.vlan = ethernet::VlanTag{};
  std::vector<uint8_t> out17(17, 0xee);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out17)).error(), Error::BufferTooSmall);
  EXPECT_EQ(out, std::vector<uint8_t>(13, 0xee));
  EXPECT_EQ(out17, std::vector<uint8_t>(17, 0xee));
}
