// icmpv4_test.cpp — ICMPv4 on real kernel messages (icmpv4.pcap: echo, port and protocol
// unreachable, time exceeded, fragmentation needed with MTU 1280, parameter problem;
// ipv4.pcap: echoes of 0, 1, 56 and 1472 bytes): fields, quoted originals, byte-exact
// re-emit, checksum, and every truncation of the quoted header.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/wire/checksum.hpp"
#include "core/wire/icmpv4.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;

namespace {

// The ICMP message of a captured (unfragmented) frame, found by offset.
std::vector<uint8_t> captured(const char* pcap, size_t index) {
  auto f = test::capture(pcap).frames.at(index).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  EXPECT_EQ(type, 0x0800);
  EXPECT_EQ(f[l3 + 9], 1);
  size_t ihl = (f[l3] & 15) * 4u;
  size_t total = static_cast<size_t>(f[l3 + 2] << 8 | f[l3 + 3]);
  return std::vector<uint8_t>(f.begin() + static_cast<long>(l3 + ihl),
                              f.begin() + static_cast<long>(l3 + total));
}

icmpv4::Repr parsed(const std::vector<uint8_t>& b) {
  auto p = icmpv4::Packet::check(bytes_of(b));
  EXPECT_TRUE(p);
  auto r = icmpv4::Repr::parse(*p);
  EXPECT_TRUE(r);
  return *r;
}

// Fixes the ICMP checksum after a mutation.
void refresh_checksum(std::vector<uint8_t>& b) {
  b[2] = b[3] = 0;
  uint16_t sum = checksum(bytes_of(b));
  b[2] = static_cast<uint8_t>(sum >> 8);
  b[3] = static_cast<uint8_t>(sum);
}

std::string parse_result(const std::vector<uint8_t>& b) {
  auto p = icmpv4::Packet::check(bytes_of(b));
  if (!p) return error_name(p.error());
  auto r = icmpv4::Repr::parse(*p);
  return r ? "ok" : error_name(r.error());
}

const Ipv4Address kA = Ipv4Address::of(192, 0, 2, 1);
const Ipv4Address kB = Ipv4Address::of(192, 0, 2, 2);

// Messages of icmpv4.pcap (see make_icmpv4.sh).
constexpr size_t kEchoRequest = 0;
constexpr size_t kPortUnreachable = 2;
constexpr size_t kProtocolUnreachable = 3;
constexpr size_t kTimeExceeded = 5;
constexpr size_t kFragNeeded = 7;
constexpr size_t kParamProblem = 9;

}  // namespace

TEST(Icmpv4, parses_kernel_echo_request_field_by_field) {
  auto b = captured("icmpv4", kEchoRequest);
  auto p = icmpv4::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type(), 8);
  EXPECT_EQ(p->code(), 0);
  EXPECT_EQ(p->checksum(), 0x1b9f);
  EXPECT_EQ(p->ident(), 10400);
  EXPECT_EQ(p->seq(), 1);
  EXPECT_TRUE(p->verify_checksum());
  auto r = icmpv4::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, icmpv4::Type::EchoRequest);
  EXPECT_EQ(r->code, 0);
  EXPECT_EQ(r->ident, 10400);
  EXPECT_EQ(r->seq, 1);
  ASSERT_EQ(r->data.size(), 56u);
  EXPECT_EQ(r->data.data(), b.data() + 8);
  EXPECT_EQ(r->data[16], 0x10);  // iputils: a 16-byte timeval, then 10 11 12 ...
  EXPECT_EQ(r->data[55], 0x37);
  EXPECT_FALSE(r->is_error());
}

TEST(Icmpv4, echo_reply_mirrors_the_request) {
  auto req_bytes = captured("icmpv4", kEchoRequest);
  auto req = parsed(req_bytes);
  auto rep_bytes = captured("icmpv4", kEchoRequest + 1);
  auto rep = parsed(rep_bytes);
  EXPECT_EQ(rep.type, icmpv4::Type::EchoReply);
  EXPECT_EQ(rep.ident, req.ident);
  EXPECT_EQ(rep.seq, req.seq);
  EXPECT_TRUE(equal_bytes(rep.data, req.data));
}

TEST(Icmpv4, echoes_of_zero_and_one_byte_of_data) {
  auto zero_bytes = captured("ipv4", 0);
  auto zero = parsed(zero_bytes);  // ping -s 0
  EXPECT_TRUE(zero.data.empty());
  auto one_bytes = captured("ipv4", 2);
  auto one = parsed(one_bytes);  // ping -s 1: odd length for the checksum
  EXPECT_EQ(one.data.size(), 1u);
  auto full_bytes = captured("ipv4", 6);
  auto full = parsed(full_bytes);  // ping -s 1472
  EXPECT_EQ(full.data.size(), 1472u);
}

TEST(Icmpv4, port_unreachable_quotes_the_whole_udp_datagram) {
  auto b = captured("icmpv4", kPortUnreachable);
  auto r = parsed(b);
  EXPECT_EQ(r.type, icmpv4::Type::DestUnreachable);
  EXPECT_EQ(r.code, uint8_t(icmpv4::Unreachable::Port));
  EXPECT_EQ(r.next_hop_mtu, 0);
  EXPECT_TRUE(r.is_error());
  ASSERT_EQ(r.data.size(), 29u);  // 20-byte header, 8-byte UDP header, "x"
  auto q = icmpv4::Quote::parse(r.data);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->src, kA);
  EXPECT_EQ(q->dst, kB);
  EXPECT_EQ(q->protocol, IpProtocol::Udp);
  ASSERT_EQ(q->payload.size(), 9u);
  EXPECT_EQ(q->payload[0] << 8 | q->payload[1], 4444);  // source port
  EXPECT_EQ(q->payload[2] << 8 | q->payload[3], 9);     // destination port
  EXPECT_EQ(q->payload[8], 'x');
}

TEST(Icmpv4, protocol_unreachable_quotes_fewer_than_8_bytes_when_the_original_had_fewer) {
  auto r_bytes = captured("icmpv4", kProtocolUnreachable);
  auto r = parsed(r_bytes);
  EXPECT_EQ(r.code, uint8_t(icmpv4::Unreachable::Protocol));
  auto q = icmpv4::Quote::parse(r.data);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->protocol, static_cast<IpProtocol>(253));
  EXPECT_EQ(test::to_hex(q->payload), "726177");  // "raw"
}

TEST(Icmpv4, time_exceeded_in_transit) {
  auto r_bytes = captured("icmpv4", kTimeExceeded);
  auto r = parsed(r_bytes);
  EXPECT_EQ(r.type, icmpv4::Type::TimeExceeded);
  EXPECT_EQ(r.code, uint8_t(icmpv4::TimeExceeded::Ttl));
  ASSERT_EQ(r.data.size(), 84u);
  auto q = icmpv4::Quote::parse(r.data);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->dst, Ipv4Address::of(198, 51, 100, 9));
  EXPECT_EQ(q->protocol, IpProtocol::Icmp);
  EXPECT_EQ(q->payload[0], 8);  // the echo request that ran out of TTL
}

TEST(Icmpv4, fragmentation_needed_carries_the_next_hop_mtu_and_a_partial_original) {
  auto b = captured("icmpv4", kFragNeeded);
  auto p = icmpv4::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->checksum(), 0x0ec9);
  EXPECT_EQ(p->next_hop_mtu(), 1280);
  auto r = icmpv4::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, uint8_t(icmpv4::Unreachable::FragNeeded));
  EXPECT_EQ(r->next_hop_mtu, 1280);
  ASSERT_EQ(r->data.size(), 548u);  // 576 - 28: Linux quotes up to a 576-byte reply
  auto q = icmpv4::Quote::parse(r->data);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->payload.size(), 528u);  // of the original's 1408
  EXPECT_EQ(r->data[2] << 8 | r->data[3], 1428);
}

TEST(Icmpv4, parameter_problem_points_at_the_bad_option_octet) {
  auto r_bytes = captured("icmpv4", kParamProblem);
  auto r = parsed(r_bytes);
  EXPECT_EQ(r.type, icmpv4::Type::ParamProblem);
  EXPECT_EQ(r.code, uint8_t(icmpv4::ParamProblem::Pointer));
  EXPECT_EQ(r.pointer, 22);
  ASSERT_EQ(r.data.size(), 40u);
  EXPECT_EQ(r.data[r.pointer], 2);  // the record-route pointer of 2 (< 4) it objects to
  auto q = icmpv4::Quote::parse(r.data);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->payload.size(), 12u);
}

TEST(Icmpv4, every_captured_message_reemits_byte_exact) {
  size_t total = 0;
  for (const char* name : {"icmpv4", "ipv4"}) {
    auto frames = test::capture(name).frames;
    for (size_t i = 0; i < frames.size(); ++i) {
      const auto& f = frames[i].bytes;
      if ((f[14 + 6] & 0x3f) != 0 || f[14 + 7] != 0) continue;  // a fragment: not whole
      auto b = captured(name, i);
      auto r = parsed(b);
      std::vector<uint8_t> out(r.buffer_len());
      ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok()) << name << " " << i;
      EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(b))) << name << " " << i;
      ++total;
    }
  }
  EXPECT_EQ(total, 10u + 16u);
}

TEST(Icmpv4, rejects_messages_shorter_than_the_header) {
  auto b = captured("icmpv4", kEchoRequest);
  for (size_t cut = 0; cut < 8; ++cut) {
    auto p = icmpv4::Packet::check(Bytes(b.data(), cut));
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error(), Error::Truncated);
  }
}

TEST(Icmpv4, every_truncation_of_an_echo_fails_its_checksum) {
  auto b = captured("icmpv4", kEchoRequest);
  for (size_t cut = 8; cut < b.size(); ++cut) {
    std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<long>(cut));
    EXPECT_EQ(parse_result(t), "bad-checksum") << cut;
  }
}

TEST(Icmpv4, rejects_every_truncation_of_the_quoted_header_and_first_8_bytes) {
  for (size_t index : {kPortUnreachable, kTimeExceeded, kParamProblem}) {
    auto b = captured("icmpv4", index);
    size_t ihl = (b[8] & 15) * 4u;
    for (size_t cut = 8; cut < 8 + ihl + 8; ++cut) {
      std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<long>(cut));
      refresh_checksum(t);
      EXPECT_EQ(parse_result(t), "truncated") << index << " " << cut;
    }
    std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<long>(8 + ihl + 8));
    refresh_checksum(t);
    EXPECT_EQ(parse_result(t), "ok") << index;  // the rest of the original is optional
  }
}

TEST(Icmpv4, rejects_a_quoted_header_with_a_bad_version_or_ihl) {
  for (uint8_t vihl : {0x00, 0x05, 0x44, 0x60, 0x65, 0x41}) {
    auto b = captured("icmpv4", kTimeExceeded);
    b[8] = vihl;
    refresh_checksum(b);
    EXPECT_EQ(parse_result(b), "malformed") << int(vihl);
  }
  auto b = captured("icmpv4", kPortUnreachable);  // 29-byte original
  b[8] = 0x48;                                    // a 32-byte header: past the quote
  refresh_checksum(b);
  EXPECT_EQ(parse_result(b), "truncated");
  b[8] = 0x4f;  // 60 bytes
  refresh_checksum(b);
  EXPECT_EQ(parse_result(b), "truncated");
}

TEST(Icmpv4, rejects_every_bad_quoted_total_length) {
  auto base = captured("icmpv4", kPortUnreachable);  // original total length 29
  for (uint32_t len : {0u, 1u, 19u}) {
    auto b = base;
    b[8 + 2] = static_cast<uint8_t>(len >> 8);
    b[8 + 3] = static_cast<uint8_t>(len);
    refresh_checksum(b);
    EXPECT_EQ(parse_result(b), "malformed") << len;
  }
  // Longer than quoted: fine (the original need not be whole); shorter: the payload view
  // stops at it.
  for (uint32_t len : {20u, 28u, 30u, 1500u, 0xffffu}) {
    auto b = base;
    b[8 + 2] = static_cast<uint8_t>(len >> 8);
    b[8 + 3] = static_cast<uint8_t>(len);
    refresh_checksum(b);
    EXPECT_EQ(parse_result(b), "ok") << len;
    auto q = icmpv4::Quote::parse(bytes_of(b).from(8));
    ASSERT_TRUE(q);
    EXPECT_EQ(q->payload.size(), std::min<size_t>(len - 20, 9)) << len;
  }
}

TEST(Icmpv4, rejects_a_bad_checksum_unless_not_verified) {
  for (size_t index : {kEchoRequest, kFragNeeded}) {
    auto b = captured("icmpv4", index);
    b[b.size() - 1] ^= 0x40;
    auto p = icmpv4::Packet::check(bytes_of(b));
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->verify_checksum());
    auto r = icmpv4::Repr::parse(*p);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), Error::BadChecksum);
    EXPECT_TRUE(icmpv4::Repr::parse(*p, false));
  }
}

TEST(Icmpv4, other_types_are_unsupported) {
  for (uint8_t type : {1, 4, 5, 9, 10, 13, 14, 17, 18, 42, 255}) {  // 5: redirect
    auto b = captured("icmpv4", kEchoRequest);
    b[0] = type;
    refresh_checksum(b);
    EXPECT_EQ(parse_result(b), "unsupported") << int(type);
  }
}

TEST(Icmpv4, mtu_is_read_only_for_fragmentation_needed) {
  auto b = captured("icmpv4", kPortUnreachable);
  b[6] = 0x05;  // "unused" bytes of a port unreachable
  b[7] = 0x00;
  refresh_checksum(b);
  auto r = parsed(b);
  EXPECT_EQ(r.next_hop_mtu, 0);
}

TEST(Icmpv4, emit_builds_an_echo_reply) {
  auto payload = test::hex("6b 65 65 6c");
  icmpv4::Repr r;
  r.type = icmpv4::Type::EchoReply;
  r.ident = 0x6b6c;
  r.seq = 1;
  r.data = bytes_of(payload);
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), "0000c3c06b6c00016b65656c");
  EXPECT_EQ(checksum(bytes_of(out)), 0);
}

TEST(Icmpv4, emit_builds_fragmentation_needed_like_the_kernel) {
  auto kernel = captured("icmpv4", kFragNeeded);
  icmpv4::Repr r;
  r.type = icmpv4::Type::DestUnreachable;
  r.code = uint8_t(icmpv4::Unreachable::FragNeeded);
  r.next_hop_mtu = 1280;
  r.data = bytes_of(kernel).from(8);
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(kernel)));
}

TEST(Icmpv4, emit_refuses_an_error_without_a_readable_original) {
  auto junk = test::hex("00 01 02 03");
  icmpv4::Repr r;
  r.type = icmpv4::Type::TimeExceeded;
  r.data = bytes_of(junk);
  std::vector<uint8_t> out(12, 0xee);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  r.type = static_cast<icmpv4::Type>(5);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::Unsupported);
  EXPECT_EQ(out, std::vector<uint8_t>(12, 0xee));
}

TEST(Icmpv4, emit_into_a_short_buffer_fails_without_writing) {
  icmpv4::Repr r;
  std::vector<uint8_t> out(7, 0xee);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::BufferTooSmall);
  EXPECT_EQ(out, std::vector<uint8_t>(7, 0xee));
}
