// icmpv6_test.cpp — ICMPv6 echo and error messages made by the kernel (ipv6.pcap), the
// checksum of every captured ICMPv6 message (ipv6, ndisc and mld captures), and every
// truncation, bad checksum and refused type.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/icmpv6.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;

namespace {

// A captured ICMPv6 message with the addresses of its IPv6 header, found by offset (past
// a hop-by-hop header if any) so the test does not rely on wire/ipv6 or wire/ipv6ext.
struct Captured {
  std::vector<uint8_t> ip;    // the whole IPv6 packet
  std::vector<uint8_t> icmp;  // the ICMPv6 message
  Ipv6Address src, dst;
};

bool find(const char* capture, size_t n, Captured* c) {
  auto f = test::capture(capture).frames.at(n - 1).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  if (type != 0x86dd) return false;
  c->ip.assign(f.begin() + static_cast<long>(l3), f.end());
  c->src = Ipv6Address::from(Bytes(&f[l3 + 8], 16));
  c->dst = Ipv6Address::from(Bytes(&f[l3 + 24], 16));
  size_t off = l3 + 40;
  uint8_t nh = f[l3 + 6];
  if (nh == 0) {  // hop-by-hop
    nh = f[off];
    off += (f[off + 1] + 1u) * 8;
  }
  if (nh != 58) return false;
  c->icmp.assign(f.begin() + static_cast<long>(off), f.end());
  return true;
}

Captured captured(const char* capture, size_t n) {
  Captured c;
  EXPECT_TRUE(find(capture, n, &c)) << capture << n;
  return c;
}

wire::Result<icmpv6::Repr> parse(const Captured& c) {
  auto p = icmpv6::Packet::check(bytes_of(c.icmp));
  if (!p) return Err(p.error());
  return icmpv6::Repr::parse(*p, c.src, c.dst);
}

uint8_t u8(icmpv6::Unreachable c) { return static_cast<uint8_t>(c); }

}  // namespace

TEST(Icmpv6, echo_request_from_kernel_field_by_field) {
  auto c = captured("ipv6", 10);  // ping -s 16 from 2001:db8::2
  auto p = icmpv6::Packet::check(bytes_of(c.icmp));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type(), icmpv6::Type::EchoRequest);
  EXPECT_EQ(p->code(), 0);
  EXPECT_EQ(p->checksum(), 0xc23a);
  EXPECT_EQ(p->ident(), 0x3c33);
  EXPECT_EQ(p->seq_no(), 1);
  EXPECT_TRUE(p->verify_checksum(c.src, c.dst));
  auto r = icmpv6::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->is_error());
  EXPECT_EQ(r->ident, 0x3c33);
  EXPECT_EQ(r->seq_no, 1);
  ASSERT_EQ(r->data.size(), 16u);
  EXPECT_EQ(test::to_hex(r->data), "385c086b00000000e301020000000000");
}

TEST(Icmpv6, echo_reply_returns_the_request_ident_sequence_and_data) {
  auto req_msg = captured("ipv6", 10), rep_msg = captured("ipv6", 11);
  auto req = parse(req_msg);
  auto rep = parse(rep_msg);
  ASSERT_TRUE(req);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->type, icmpv6::Type::EchoReply);
  EXPECT_EQ(rep->ident, req->ident);
  EXPECT_EQ(rep->seq_no, req->seq_no);
  EXPECT_TRUE(equal_bytes(rep->data, req->data));
}

TEST(Icmpv6, port_unreachable_carries_the_whole_invoking_packet) {
  auto c = captured("ipv6", 30);  // A's answer to B's UDP with a hop-by-hop header
  auto r = parse(c);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_error());
  EXPECT_EQ(r->type, icmpv6::Type::DstUnreachable);
  EXPECT_EQ(r->code, u8(icmpv6::Unreachable::Port));
  auto f = test::capture("ipv6").frames.at(28).bytes;  // frame 29: B's UDP, not ICMPv6
  std::vector<uint8_t> invoking(f.begin() + 14, f.end());
  EXPECT_EQ(test::to_hex(r->data), test::to_hex(bytes_of(invoking)));
}

TEST(Icmpv6, no_route_and_time_exceeded_from_a_router) {
  auto nr_msg = captured("ipv6", 45), te_msg = captured("ipv6", 47);
  auto nr = parse(nr_msg);
  ASSERT_TRUE(nr);
  EXPECT_EQ(nr->type, icmpv6::Type::DstUnreachable);
  EXPECT_EQ(nr->code, u8(icmpv6::Unreachable::NoRoute));
  EXPECT_EQ(nr->data.size(), 40u + 64u);
  auto te = parse(te_msg);
  ASSERT_TRUE(te);
  EXPECT_EQ(te->type, icmpv6::Type::TimeExceeded);
  EXPECT_EQ(te->code, static_cast<uint8_t>(icmpv6::TimeExceeded::HopLimit));
  EXPECT_EQ(te->data[7], 1);  // the invoking packet's hop limit
}

TEST(Icmpv6, packet_too_big_gives_mtu_and_a_cut_invoking_packet) {
  auto c = captured("ipv6", 50);  // a 1448-byte ping onto a 1280-byte link
  auto p = icmpv6::Packet::check(bytes_of(c.icmp));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mtu(), 1280u);
  auto r = icmpv6::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, icmpv6::Type::PacketTooBig);
  EXPECT_EQ(r->code, 0);
  EXPECT_EQ(r->mtu, 1280u);
  EXPECT_EQ(c.icmp.size(), icmpv6::kMaxErrorLen);  // RFC 4443 §2.4(c): the kernel fills it
  EXPECT_EQ(r->data.size(), icmpv6::kMaxErrorLen - icmpv6::kHeaderLen);
  EXPECT_EQ(r->data[4] << 8 | r->data[5], 1408);  // the invoking packet's payload length
}

TEST(Icmpv6, parameter_problem_points_at_the_bad_field) {
  auto opt_msg = captured("ipv6", 35), rh0_msg = captured("ipv6", 40);
  auto opt = parse(opt_msg);  // unrecognized option 0x9e
  ASSERT_TRUE(opt);
  EXPECT_EQ(opt->type, icmpv6::Type::ParamProblem);
  EXPECT_EQ(opt->code, static_cast<uint8_t>(icmpv6::ParamProblem::Option));
  EXPECT_EQ(opt->pointer, 42u);
  EXPECT_EQ(opt->data[42], 0x9e);
  auto rh0 = parse(rh0_msg);  // routing header type 0
  ASSERT_TRUE(rh0);
  EXPECT_EQ(rh0->code, static_cast<uint8_t>(icmpv6::ParamProblem::Header));
  EXPECT_EQ(rh0->pointer, 42u);
  EXPECT_EQ(rh0->data[42], 0);  // the routing type
}

TEST(Icmpv6, every_captured_echo_and_error_reemits_byte_exact) {
  size_t done = 0;
  for (size_t i = 1; i <= test::capture("ipv6").frames.size(); ++i) {
    Captured c;
    if (!find("ipv6", i, &c)) continue;
    auto r = parse(c);
    if (!r && r.error() == Error::Unsupported) continue;  // neighbour discovery, MLD
    ASSERT_TRUE(r) << i;
    std::vector<uint8_t> out(r->buffer_len());
    ASSERT_TRUE(r->emit(test::mut_bytes_of(out), c.src, c.dst).ok()) << i;
    EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(c.icmp))) << i;
    ++done;
  }
  EXPECT_GE(done, 16u);
}

TEST(Icmpv6, every_captured_message_checksum_verifies) {
  size_t done = 0;
  for (const char* cap : {"ipv6", "ndisc", "mld"}) {
    for (size_t i = 1; i <= test::capture(cap).frames.size(); ++i) {
      Captured c;
      if (!find(cap, i, &c)) continue;
      auto p = icmpv6::Packet::check(bytes_of(c.icmp));
      ASSERT_TRUE(p) << cap << i;
      EXPECT_TRUE(p->verify_checksum(c.src, c.dst)) << cap << i;
      EXPECT_FALSE(p->verify_checksum(c.src, Ipv6Address::loopback())) << cap << i;
      ++done;
    }
  }
  EXPECT_GE(done, 100u);
}

TEST(Icmpv6, neighbour_discovery_and_mld_types_are_not_this_repr) {
  for (auto [cap, n] : {std::pair{"ipv6", size_t{8}}, std::pair{"ndisc", size_t{21}},
                        std::pair{"mld", size_t{17}}, std::pair{"mld", size_t{11}}}) {
    auto r = parse(captured(cap, n));
    ASSERT_FALSE(r) << cap << n;
    EXPECT_EQ(r.error(), Error::Unsupported) << cap << n;
  }
}

TEST(Icmpv6, unknown_informational_type_is_refused_and_unknown_error_kept) {
  auto c = captured("ipv6", 10);
  c.icmp[0] = 200;  // private experimentation, informational
  icmpv6::fill_checksum(test::mut_bytes_of(c.icmp), c.src, c.dst);
  EXPECT_EQ(parse(c).error(), Error::Unsupported);
  c.icmp[0] = 100;  // private experimentation, error: goes up with its data
  icmpv6::fill_checksum(test::mut_bytes_of(c.icmp), c.src, c.dst);
  auto r = parse(c);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_error());
  EXPECT_EQ(static_cast<uint8_t>(r->type), 100);
  EXPECT_EQ(r->data.size(), 16u);
}

TEST(Icmpv6, bad_checksum_rejected_unless_not_verified) {
  auto base = captured("ipv6", 50);
  for (size_t at : {size_t{0} + 1, size_t{2}, size_t{3}, size_t{4}, size_t{8}, base.icmp.size() - 1}) {
    auto c = base;
    c.icmp[at] ^= 0x10;
    auto p = icmpv6::Packet::check(bytes_of(c.icmp));
    ASSERT_TRUE(p);
    auto r = icmpv6::Repr::parse(*p, c.src, c.dst);
    ASSERT_FALSE(r) << at;
    EXPECT_EQ(r.error(), Error::BadChecksum) << at;
    EXPECT_TRUE(icmpv6::Repr::parse(*p, c.src, c.dst, false)) << at;
  }
  // Wrong pseudo-header; and zero is a checksum like any other (never "absent").
  EXPECT_EQ(icmpv6::Repr::parse(*icmpv6::Packet::check(bytes_of(base.icmp)), base.src,
                                Ipv6Address::all_nodes()).error(),
            Error::BadChecksum);
  auto zero = base;
  zero.icmp[2] = zero.icmp[3] = 0;
  EXPECT_EQ(parse(zero).error(), Error::BadChecksum);
}

TEST(Icmpv6, rejects_every_truncation) {
  auto c = captured("ipv6", 30);
  for (size_t cut = 0; cut < c.icmp.size(); ++cut) {
    auto p = icmpv6::Packet::check(bytes_of(c.icmp).first(cut));
    if (cut < icmpv6::kHeaderLen) {
      ASSERT_FALSE(p) << cut;
      EXPECT_EQ(p.error(), Error::Truncated);
      continue;
    }
    auto r = icmpv6::Repr::parse(*p, c.src, c.dst);  // the checksum covers every byte
    ASSERT_FALSE(r) << cut;
    EXPECT_EQ(r.error(), Error::BadChecksum) << cut;
  }
}

TEST(Icmpv6, echo_with_a_nonzero_code_is_malformed) {
  auto c = captured("ipv6", 10);
  c.icmp[1] = 1;
  icmpv6::fill_checksum(test::mut_bytes_of(c.icmp), c.src, c.dst);
  EXPECT_EQ(parse(c).error(), Error::Malformed);
}

TEST(Icmpv6, emit_echo_reply_built_from_fields) {
  auto req = captured("ipv6", 10);
  auto rep = captured("ipv6", 11);
  auto r = parse(req);
  ASSERT_TRUE(r);
  icmpv6::Repr reply = *r;
  reply.type = icmpv6::Type::EchoReply;
  std::vector<uint8_t> out(reply.buffer_len());
  ASSERT_TRUE(reply.emit(test::mut_bytes_of(out), req.dst, req.src).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(rep.icmp)));
}

TEST(Icmpv6, emit_into_a_short_buffer_fails_without_writing) {
  icmpv6::Repr r;
  std::vector<uint8_t> data(4, 1);
  r.data = bytes_of(data);
  std::vector<uint8_t> buf(11, 0xee);
  Ipv6Address a = Ipv6Address::loopback();
  auto st = r.emit(test::mut_bytes_of(buf), a, a);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::BufferTooSmall);
  EXPECT_EQ(buf, std::vector<uint8_t>(11, 0xee));
  r.type = icmpv6::Type::RouterSolicit;
  buf.resize(12);
  EXPECT_EQ(r.emit(test::mut_bytes_of(buf), a, a).error(), Error::Unsupported);
}
