// ipv4_test.cpp — the IPv4 header on real kernel datagrams (ipv4.pcap: pings of 0, 1,
// 56, 1472 and 3000 bytes both ways, ping -R; icmpv4.pcap; igmp.pcap with Router Alert):
// fields, fragments, options, byte-exact re-emit, and every malformed length rejected.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/wire/ipv4.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;

namespace {

// The IPv4 datagram of a captured frame, found by offset (not through wire/ethernet).
std::vector<uint8_t> captured(const char* pcap, size_t index) {
  auto f = test::capture(pcap).frames.at(index).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  EXPECT_EQ(type, 0x0800);
  return std::vector<uint8_t>(f.begin() + static_cast<long>(l3), f.end());
}

ipv4::Repr parsed(const std::vector<uint8_t>& b) {
  auto p = ipv4::Packet::check(bytes_of(b));
  EXPECT_TRUE(p);
  auto r = ipv4::Repr::parse(*p);
  EXPECT_TRUE(r);
  return *r;
}

void put16(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}

// Error of check() on b, or "ok".
std::string check_result(const std::vector<uint8_t>& b) {
  auto p = ipv4::Packet::check(bytes_of(b));
  return p ? "ok" : error_name(p.error());
}

const Ipv4Address kA = Ipv4Address::of(192, 0, 2, 1);
const Ipv4Address kB = Ipv4Address::of(192, 0, 2, 2);

// Frames of ipv4.pcap (see make_ipv4.sh).
constexpr size_t kPingZero = 0;      // A -> B, ping -s 0: 28 bytes
constexpr size_t kPing56 = 4;        // A -> B, 84 bytes
constexpr size_t kFirstFrag = 8;     // A -> B, 3000-byte ping: fragments 8, 9, 10
constexpr size_t kRecordRoute = 26;  // A -> B, ping -R: NOP + record route
constexpr size_t kRecordRouteReply = 27;

}  // namespace

TEST(Ipv4, parses_kernel_echo_request_field_by_field) {
  auto b = captured("ipv4", kPingZero);
  auto p = ipv4::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version(), 4);
  EXPECT_EQ(p->header_len(), 20u);
  EXPECT_EQ(p->dscp(), 0);
  EXPECT_EQ(p->ecn(), 0);
  EXPECT_EQ(p->total_len(), 28);
  EXPECT_EQ(p->ident(), 0x8576);
  EXPECT_TRUE(p->dont_fragment());
  EXPECT_FALSE(p->more_fragments());
  EXPECT_EQ(p->frag_offset(), 0);
  EXPECT_FALSE(p->is_fragment());
  EXPECT_EQ(p->ttl(), 64);
  EXPECT_EQ(p->protocol(), IpProtocol::Icmp);
  EXPECT_EQ(p->checksum(), 0x3167);
  EXPECT_TRUE(p->verify_checksum());
  EXPECT_EQ(p->src(), kA);
  EXPECT_EQ(p->dst(), kB);
  EXPECT_TRUE(p->options().empty());
  EXPECT_EQ(p->payload().size(), 8u);
  EXPECT_EQ(p->payload().data(), b.data() + 20);

  auto r = ipv4::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src, kA);
  EXPECT_EQ(r->dst, kB);
  EXPECT_EQ(r->protocol, IpProtocol::Icmp);
  EXPECT_EQ(r->ttl, 64);
  EXPECT_EQ(r->ident, 0x8576);
  EXPECT_TRUE(r->dont_fragment);
  EXPECT_FALSE(r->more_fragments);
  EXPECT_EQ(r->frag_offset, 0);
  EXPECT_EQ(r->payload_len, 8);
  EXPECT_TRUE(r->options.empty());
  EXPECT_FALSE(r->is_fragment());
}

TEST(Ipv4, reply_without_df_from_the_other_side) {
  auto b = captured("ipv4", kPingZero + 1);
  auto r = parsed(b);
  EXPECT_EQ(r.src, kB);
  EXPECT_EQ(r.dst, kA);
  EXPECT_EQ(r.ident, 0x9d1d);
  EXPECT_FALSE(r.dont_fragment);  // Linux clears DF on echo replies
}

TEST(Ipv4, full_size_1500_byte_datagram) {
  auto b = captured("ipv4", 6);
  auto r = parsed(b);
  EXPECT_EQ(r.payload_len, 1480);
  EXPECT_EQ(r.buffer_len(), 1500u);
}

TEST(Ipv4, parses_each_fragment_of_a_3000_byte_ping) {
  const uint16_t offsets[3] = {0, 1480, 2960};
  const uint16_t lens[3] = {1480, 1480, 48};
  for (size_t i = 0; i < 3; ++i) {
    auto b = captured("ipv4", kFirstFrag + i);
    auto p = ipv4::Packet::check(bytes_of(b));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->frag_offset(), offsets[i]) << i;
    auto r = ipv4::Repr::parse(*p);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->ident, 0x857a) << i;
    EXPECT_EQ(r->frag_offset, offsets[i]) << i;
    EXPECT_EQ(r->payload_len, lens[i]) << i;
    EXPECT_EQ(r->more_fragments, i < 2) << i;
    EXPECT_FALSE(r->dont_fragment) << i;
    EXPECT_TRUE(r->is_fragment()) << i;
    EXPECT_TRUE(p->is_fragment()) << i;
  }
}

TEST(Ipv4, record_route_request_exposes_its_options_area) {
  auto b = captured("ipv4", kRecordRoute);
  auto p = ipv4::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header_len(), 60u);
  EXPECT_EQ(p->total_len(), 124);
  ASSERT_EQ(p->options().size(), 40u);
  EXPECT_EQ(p->options().data(), b.data() + 20);
  EXPECT_EQ(p->payload().size(), 64u);
  ipv4::OptionCursor c(p->options());  // NOP, then record route of 39 bytes
  auto o = c.next();
  ASSERT_TRUE(o && o->has_value());
  EXPECT_EQ((*o)->type, ipv4::option::kRecordRoute);
  ASSERT_EQ((*o)->data.size(), 37u);
  EXPECT_EQ((*o)->data[0], 8);  // pointer: one address recorded
  EXPECT_EQ(Ipv4Address::from((*o)->data.subspan(1, 4)), kA);
  auto end = c.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(end->has_value());
  auto r = ipv4::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->options.size(), 40u);
  EXPECT_EQ(r->payload_len, 64);
}

TEST(Ipv4, record_route_reply_lists_the_recorded_addresses_then_end_of_list) {
  auto b = captured("ipv4", kRecordRouteReply);
  auto p = ipv4::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  ipv4::OptionCursor c(p->options());
  auto o = c.next();
  ASSERT_TRUE(o && o->has_value());
  EXPECT_EQ((*o)->type, ipv4::option::kRecordRoute);
  EXPECT_EQ((*o)->data[0], 16);  // three addresses recorded
  EXPECT_EQ(Ipv4Address::from((*o)->data.subspan(1, 4)), kA);
  EXPECT_EQ(Ipv4Address::from((*o)->data.subspan(5, 4)), kB);
  EXPECT_EQ(Ipv4Address::from((*o)->data.subspan(9, 4)), kB);
  EXPECT_EQ(p->options()[39], ipv4::option::kEnd);
  EXPECT_FALSE(c.next()->has_value());
}

TEST(Ipv4, igmp_carries_router_alert_and_class_selector_6) {
  auto b = captured("igmp", 0);
  auto r = parsed(b);
  EXPECT_EQ(r.dscp, 48);  // CS6, tos 0xc0
  EXPECT_EQ(r.ecn, 0);
  EXPECT_EQ(r.ttl, 1);
  EXPECT_EQ(r.protocol, IpProtocol::Igmp);
  EXPECT_EQ(r.dst, Ipv4Address::of(224, 0, 0, 22));
  ASSERT_EQ(r.options.size(), 4u);
  ipv4::OptionCursor c(r.options);
  auto o = c.next();
  ASSERT_TRUE(o && o->has_value());
  EXPECT_EQ((*o)->type, ipv4::option::kRouterAlert);
  EXPECT_EQ(test::to_hex((*o)->data), "0000");
}

TEST(Ipv4, every_captured_datagram_reemits_byte_exact) {
  size_t total = 0;
  for (const char* name : {"ipv4", "icmpv4", "igmp", "vlan"}) {
    auto frames = test::capture(name).frames;
    for (size_t i = 0; i < frames.size(); ++i) {
      uint16_t type = 0;
      (void)test::l3_offset(frames[i].bytes, &type);
      if (type != 0x0800) continue;
      auto b = captured(name, i);
      auto p = ipv4::Packet::check(bytes_of(b));
      ASSERT_TRUE(p) << name << " " << i;
      auto r = ipv4::Repr::parse(*p);
      ASSERT_TRUE(r) << name << " " << i;
      std::vector<uint8_t> out(r->buffer_len());
      ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok()) << name << " " << i;
      copy_bytes(test::mut_bytes_of(out).from(r->header_len()), p->payload());
      EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(b))) << name << " " << i;
      ++total;
    }
  }
  EXPECT_GE(total, 55u);
}

TEST(Ipv4, rejects_every_truncation) {
  for (size_t index : {kPingZero, kRecordRoute}) {
    auto b = captured("ipv4", index);
    for (size_t cut = 0; cut < b.size(); ++cut) {
      auto p = ipv4::Packet::check(Bytes(b.data(), cut));
      ASSERT_FALSE(p) << cut;
      EXPECT_EQ(p.error(), Error::Truncated) << cut;
    }
  }
}

TEST(Ipv4, rejects_every_version_but_4) {
  for (int v = 0; v < 16; ++v) {
    if (v == 4) continue;
    auto b = captured("ipv4", kPing56);
    b[0] = static_cast<uint8_t>(v << 4 | 5);
    EXPECT_EQ(check_result(b), "malformed") << v;
  }
}

TEST(Ipv4, rejects_ihl_below_five) {
  for (int ihl = 0; ihl < 5; ++ihl) {
    auto b = captured("ipv4", kPing56);
    b[0] = static_cast<uint8_t>(0x40 | ihl);
    EXPECT_EQ(check_result(b), "malformed") << ihl;
  }
}

TEST(Ipv4, rejects_ihl_past_the_buffer_or_the_total_length) {
  auto b = captured("ipv4", kPingZero);  // 28 bytes
  b[0] = 0x48;                           // 32-byte header: past the buffer
  EXPECT_EQ(check_result(b), "truncated");
  b[0] = 0x46;  // 24-byte header: fits, but its "options" are the ICMP header (08 00 ..)
  EXPECT_EQ(check_result(b), "malformed");
  auto big = captured("ipv4", kPing56);  // 84 bytes
  big[0] = 0x4f;
  put16(big, 2, 56);  // total length below the 60-byte header
  EXPECT_EQ(check_result(big), "malformed");
}

TEST(Ipv4, every_other_ihl_on_a_plain_datagram_is_rejected) {
  for (int ihl = 0; ihl < 16; ++ihl) {
    if (ihl == 5) continue;
    for (size_t index : {kPingZero, kPing56, size_t{6}}) {
      auto b = captured("ipv4", index);
      b[0] = static_cast<uint8_t>(0x40 | ihl);
      EXPECT_NE(check_result(b), "ok") << ihl << " " << index;
    }
  }
}

TEST(Ipv4, rejects_every_bad_total_length) {
  auto b = captured("ipv4", kRecordRoute);  // 60-byte header, 124 bytes
  for (uint32_t len : {0u, 1u, 19u, 20u, 59u}) {
    put16(b, 2, len);
    EXPECT_EQ(check_result(b), "malformed") << len;
  }
  for (uint32_t len : {125u, 1500u, 0xffffu}) {
    put16(b, 2, len);
    EXPECT_EQ(check_result(b), "truncated") << len;
  }
  put16(b, 2, 60);  // a header alone is a datagram with no payload
  auto p = ipv4::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->payload().empty());
}

TEST(Ipv4, bytes_past_the_total_length_are_ignored) {
  auto b = captured("ipv4", kPingZero);
  b.resize(46, 0);  // Ethernet padding to the 60-byte minimum
  auto p = ipv4::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload().size(), 8u);
  auto r = ipv4::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payload_len, 8);
}

TEST(Ipv4, rejects_a_bad_header_checksum_unless_not_verified) {
  auto b = captured("ipv4", kPing56);
  b[8] ^= 0x01;  // TTL
  auto p = ipv4::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->verify_checksum());
  auto r = ipv4::Repr::parse(*p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::BadChecksum);
  EXPECT_TRUE(ipv4::Repr::parse(*p, false));
}

TEST(Ipv4, checksum_covers_the_options) {
  auto b = captured("ipv4", kRecordRoute);
  b[30] ^= 0x80;  // inside the record-route data
  auto r = ipv4::Repr::parse(*ipv4::Packet::check(bytes_of(b)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::BadChecksum);
}

TEST(Ipv4, rejects_every_bad_option_length) {
  // ping -R: options at 20 are 01 (NOP), 07 27 08 ... (RR of 39 bytes, to the end).
  for (uint8_t len : {0, 1, 40, 41, 255}) {
    auto b = captured("ipv4", kRecordRoute);
    b[22] = len;
    EXPECT_EQ(check_result(b), "malformed") << int(len);
  }
  auto b = captured("ipv4", kRecordRoute);
  b[22] = 39;
  EXPECT_EQ(check_result(b), "ok");
}

TEST(Ipv4, rejects_an_option_whose_length_byte_is_past_the_area) {
  auto b = captured("ipv4", kRecordRoute);
  for (size_t i = 20; i < 59; ++i) b[i] = ipv4::option::kNop;
  b[59] = ipv4::option::kRecordRoute;  // its length would be the first payload byte
  EXPECT_EQ(check_result(b), "malformed");
  b[59] = ipv4::option::kNop;
  EXPECT_EQ(check_result(b), "ok");
}

TEST(Ipv4, anything_after_end_of_list_is_padding) {
  auto b = captured("ipv4", kRecordRoute);
  b[20] = ipv4::option::kEnd;  // then 07 27 08 ...: never looked at
  b[21] = 0xff;
  EXPECT_EQ(check_result(b), "ok");
}

TEST(Ipv4, option_cursor_skips_nops_and_stops_at_end_of_list) {
  // RFC 791 §3.1 layout: NOP, Router Alert (RFC 2113), timestamp, EOL, padding.
  auto area = test::hex("01 94 04 00 00 44 08 05 00 01 02 03 04 00 ff ff");
  ipv4::OptionCursor c(bytes_of(area));
  auto a = c.next();
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ((*a)->type, ipv4::option::kRouterAlert);
  EXPECT_EQ((*a)->data.size(), 2u);
  auto t = c.next();
  ASSERT_TRUE(t && t->has_value());
  EXPECT_EQ((*t)->type, ipv4::option::kTimestamp);
  EXPECT_EQ(test::to_hex((*t)->data), "050001020304");
  auto e = c.next();
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->has_value());
  EXPECT_FALSE(c.next()->has_value());  // stays at the end
}

TEST(Ipv4, option_of_length_two_has_no_data) {
  auto area = test::hex("88 02 01 00");
  ipv4::OptionCursor c(bytes_of(area));
  auto o = c.next();
  ASSERT_TRUE(o && o->has_value());
  EXPECT_TRUE((*o)->data.empty());
  EXPECT_TRUE(ipv4::check_options(bytes_of(area)));
}

TEST(Ipv4, rejects_a_fragment_ending_past_the_largest_datagram) {
  auto b = captured("ipv4", kPing56);  // 64-byte payload
  put16(b, 6, 0x1fff);                 // offset 65528: 65528 + 64 > 65535
  auto p = ipv4::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  auto r = ipv4::Repr::parse(*p, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::Malformed);
  put16(b, 6, 8184);  // offset 65472: 65472 + 64 = 65536, still one past
  EXPECT_FALSE(ipv4::Repr::parse(*ipv4::Packet::check(bytes_of(b)), false));
  put16(b, 6, 8183);  // 65464 + 64 = 65528: fits
  EXPECT_TRUE(ipv4::Repr::parse(*ipv4::Packet::check(bytes_of(b)), false));
}

TEST(Ipv4, reserved_flag_is_ignored) {
  auto b = captured("ipv4", kPing56);
  b[6] |= 0x80;
  auto r = ipv4::Repr::parse(*ipv4::Packet::check(bytes_of(b)), false);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->dont_fragment);
}

TEST(Ipv4, emit_builds_a_header_with_options_and_a_valid_checksum) {
  auto ra = test::hex("94 04 00 00");
  ipv4::Repr r;
  r.src = kA;
  r.dst = Ipv4Address::of(224, 0, 0, 22);
  r.protocol = IpProtocol::Igmp;
  r.ttl = 1;
  r.dscp = 48;
  r.dont_fragment = true;
  r.payload_len = 16;
  r.options = bytes_of(ra);
  std::vector<uint8_t> out(r.buffer_len(), 0xee);
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  // The same header the kernel sent with A's IGMPv3 report (igmp.pcap frame 2).
  auto kernel = captured("igmp", 2);
  EXPECT_EQ(test::to_hex(Bytes(out.data(), 24)), test::to_hex(Bytes(kernel.data(), 24)));
  EXPECT_EQ(test::to_hex(Bytes(out.data(), 24)), "46c0002800004000010241f8c0000201e000001694040000");
  EXPECT_EQ(out[24], 0xee);  // the payload is the caller's
  auto p = ipv4::Packet::check(bytes_of(out));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->verify_checksum());
}

TEST(Ipv4, emit_rejects_fields_their_bits_cannot_hold) {
  auto bad_opt = test::hex("07 01 00 00");
  auto odd_opt = test::hex("01 01 01");
  std::vector<uint8_t> long_opt(44, ipv4::option::kNop);
  std::vector<uint8_t> out(65535, 0xee);
  auto with = [](auto f) {
    ipv4::Repr r;
    f(r);
    return r;
  };
  const ipv4::Repr bad[] = {
      with([](ipv4::Repr& r) { r.dscp = 64; }),
      with([](ipv4::Repr& r) { r.ecn = 4; }),
      with([](ipv4::Repr& r) { r.frag_offset = 7; }),
      with([&](ipv4::Repr& r) { r.options = bytes_of(bad_opt); }),
      with([&](ipv4::Repr& r) { r.options = bytes_of(odd_opt); }),
      with([&](ipv4::Repr& r) { r.options = bytes_of(long_opt); }),
      with([](ipv4::Repr& r) { r.payload_len = 65535 - 20 + 1; }),
      with([](ipv4::Repr& r) { r.frag_offset = 65528; r.payload_len = 8; }),
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    auto st = bad[i].emit(test::mut_bytes_of(out));
    ASSERT_FALSE(st) << i;
    EXPECT_EQ(st.error(), Error::Malformed) << i;
  }
  EXPECT_EQ(out, std::vector<uint8_t>(65535, 0xee));
}

TEST(Ipv4, emit_needs_room_for_the_payload_and_writes_nothing_otherwise) {
  ipv4::Repr r;
  r.payload_len = 8;
  std::vector<uint8_t> out(27, 0xee);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::BufferTooSmall);
  EXPECT_EQ(out, std::vector<uint8_t>(27, 0xee));
  out.resize(28, 0xee);
  EXPECT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
}
