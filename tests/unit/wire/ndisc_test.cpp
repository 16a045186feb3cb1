// ndisc_test.cpp — Neighbor Discovery on real messages (ndisc.pcap: the kernel's
// solicitations, advertisements and redirect, radvd's router advertisements), every
// option length mutated, every truncation, bad checksums and the address rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/wire/ndisc.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using icmpv6::Type;
using keel::test::bytes_of;

namespace {

// A captured ND message and the addresses of its IPv6 header, found by offset so the
// test does not rely on wire/ipv6.
struct Captured {
  std::vector<uint8_t> msg;
  Ipv6Address src, dst;
  // fix() — recomputes the checksum after a mutation.
  void fix() { icmpv6::fill_checksum(test::mut_bytes_of(msg), src, dst); }
};

Captured captured(size_t n) {
  auto f = test::capture("ndisc").frames.at(n - 1).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  EXPECT_EQ(f[l3 + 6], 58);
  Captured c;
  c.src = Ipv6Address::from(Bytes(&f[l3 + 8], 16));
  c.dst = Ipv6Address::from(Bytes(&f[l3 + 24], 16));
  c.msg.assign(f.begin() + static_cast<long>(l3 + 40), f.end());
  return c;
}

wire::Result<ndisc::Repr> parse(const Captured& c) {
  auto p = ndisc::Packet::check(bytes_of(c.msg));
  if (!p) return Err(p.error());
  return ndisc::Repr::parse(*p, c.src, c.dst);
}

Ipv6Address addr(const char* hex) { return Ipv6Address::from(bytes_of(test::hex(hex))); }
MacAddress mac(uint8_t last) { return MacAddress{{2, 0, 0, 0, 0, last}}; }

// option_offsets(c) — where each option of a captured message starts.
std::vector<size_t> option_offsets(const Captured& c) {
  std::vector<size_t> out;
  size_t at = ndisc::header_len(static_cast<Type>(c.msg[0]));
  while (at < c.msg.size()) {
    out.push_back(at);
    at += c.msg[at + 1] * 8u;
  }
  return out;
}

std::vector<size_t> nd_frames() {
  std::vector<size_t> out;
  size_t n = test::capture("ndisc").frames.size();
  for (size_t i = 1; i <= n; ++i) {
    uint8_t t = captured(i).msg[0];
    if (t >= 133 && t <= 137) out.push_back(i);
  }
  return out;
}

const Ipv6Address kRouterLl = addr("fe800000000000000000 00fffe00000a");
const Ipv6Address kHostLl = addr("fe800000000000000000 00fffe00000b");

}  // namespace

TEST(Ndisc, router_advertisement_from_radvd_field_by_field) {
  auto c = captured(21);
  auto p = ndisc::Packet::check(bytes_of(c.msg));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type(), Type::RouterAdvert);
  EXPECT_EQ(p->cur_hop_limit(), 64);
  EXPECT_EQ(p->flags(), ndisc::kOtherConfig);
  EXPECT_EQ(p->router_lifetime(), 1800);
  EXPECT_EQ(p->reachable_time(), 30000u);
  EXPECT_EQ(p->retrans_timer(), 1000u);
  auto r = ndisc::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->cur_hop_limit, 64);
  EXPECT_EQ(r->flags & ndisc::kManaged, 0);
  EXPECT_NE(r->flags & ndisc::kOtherConfig, 0);
  EXPECT_EQ(r->router_lifetime, 1800);
  EXPECT_EQ(r->reachable_time, 30000u);
  EXPECT_EQ(r->retrans_timer, 1000u);
  ASSERT_EQ(r->prefix_count, 1);
  const ndisc::Prefix& x = r->prefixes[0];
  EXPECT_EQ(x.prefix_len, 64);
  EXPECT_EQ(x.flags, ndisc::kOnLink | ndisc::kAutonomous);
  EXPECT_EQ(x.valid_lifetime, 86400u);
  EXPECT_EQ(x.preferred_lifetime, 14400u);
  EXPECT_EQ(x.prefix, addr("20010db8000100000000000000000000"));
  ASSERT_EQ(r->dns_server_count, 1);
  EXPECT_EQ(r->dns_servers[0].addr, addr("20010db8000000000000000000000053"));
  EXPECT_EQ(r->dns_servers[0].lifetime, 600u);
  ASSERT_TRUE(r->mtu);
  EXPECT_EQ(*r->mtu, 1400u);
  ASSERT_TRUE(r->source_link_addr);
  EXPECT_EQ(*r->source_link_addr, mac(0x0a));
  EXPECT_FALSE(r->target_link_addr);
  EXPECT_FALSE(r->overflow);
  EXPECT_EQ(r->options.size(), c.msg.size() - 16);
}

TEST(Ndisc, router_solicitation_from_kernel) {
  auto r = parse(captured(3));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, Type::RouterSolicit);
  ASSERT_TRUE(r->source_link_addr);
  EXPECT_EQ(*r->source_link_addr, mac(0x0a));
  EXPECT_EQ(r->prefix_count, 0);
  EXPECT_FALSE(r->mtu);
}

TEST(Ndisc, neighbor_solicitation_carries_target_and_source_link_addr) {
  auto c = captured(9);  // 2001:db8::2 asks for 2001:db8::1
  auto p = ndisc::Packet::check(bytes_of(c.msg));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->target(), addr("20010db8000000000000000000000001"));
  auto r = ndisc::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, Type::NeighborSolicit);
  EXPECT_EQ(r->target, addr("20010db8000000000000000000000001"));
  EXPECT_EQ(*r->source_link_addr, mac(0x0b));
  EXPECT_FALSE(r->target_link_addr);
}

TEST(Ndisc, dad_solicitation_from_unspecified_skips_the_nonce_option) {
  auto c = captured(13);  // :: asks for 2001:db8::22, with an RFC 7527 nonce (type 14)
  auto r = parse(c);
  ASSERT_TRUE(r);
  EXPECT_TRUE(c.src.is_unspecified());
  EXPECT_EQ(r->target, addr("20010db8000000000000000000000022"));
  EXPECT_FALSE(r->source_link_addr);
  EXPECT_EQ(r->options.size(), 8u);
  EXPECT_EQ(r->options[0], 14);
}

TEST(Ndisc, neighbor_advertisement_flags_and_target_link_addr) {
  auto sol = parse(captured(6));  // answer to a multicast solicitation: S, O, TLLA
  ASSERT_TRUE(sol);
  EXPECT_EQ(sol->type, Type::NeighborAdvert);
  EXPECT_EQ(sol->flags, ndisc::kSolicited | ndisc::kOverride);
  EXPECT_EQ(sol->target, kHostLl);
  ASSERT_TRUE(sol->target_link_addr);
  EXPECT_EQ(*sol->target_link_addr, mac(0x0b));
  auto rtr = parse(captured(25));  // the router's answer to a unicast probe: R, S, no TLLA
  ASSERT_TRUE(rtr);
  EXPECT_EQ(rtr->flags, ndisc::kRouter | ndisc::kSolicited);
  EXPECT_EQ(rtr->target, kRouterLl);
  EXPECT_FALSE(rtr->target_link_addr);
  EXPECT_TRUE(rtr->options.empty());
}

TEST(Ndisc, redirect_from_kernel_field_by_field) {
  auto c = captured(17);
  auto p = ndisc::Packet::check(bytes_of(c.msg));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type(), Type::Redirect);
  EXPECT_EQ(p->target(), kRouterLl);
  EXPECT_EQ(p->destination(), addr("20010db8000500000000000000000001"));
  auto r = ndisc::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target, kRouterLl);
  EXPECT_EQ(r->destination, addr("20010db8000500000000000000000001"));
  ASSERT_TRUE(r->target_link_addr);
  EXPECT_EQ(*r->target_link_addr, mac(0x0a));
  // The redirected packet: A's echo request to 2001:db8:5::1, whole (40 + 64 bytes).
  ASSERT_EQ(r->redirected.size(), 104u);
  EXPECT_EQ(r->redirected[0] >> 4, 6);
  EXPECT_EQ(test::to_hex(r->redirected.subspan(24, 16)), "20010db8000500000000000000000001");
  EXPECT_EQ(r->redirected[40], 128);
}

TEST(Ndisc, every_captured_message_reemits_byte_exact_verbatim_and_from_fields) {
  auto frames = nd_frames();
  ASSERT_GE(frames.size(), 20u);
  for (size_t i : frames) {
    auto c = captured(i);
    auto r = parse(c);
    ASSERT_TRUE(r) << i;
    std::vector<uint8_t> out(r->buffer_len());
    ASSERT_TRUE(r->emit(test::mut_bytes_of(out), c.src, c.dst).ok()) << i;
    EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(c.msg))) << i;
    // Built from the fields, the options come out the same but for the unknown nonce.
    ndisc::Repr built = *r;
    built.options = Bytes();
    out.assign(built.buffer_len(), 0);
    ASSERT_TRUE(built.emit(test::mut_bytes_of(out), c.src, c.dst).ok()) << i;
    if (c.msg.size() > 24 && c.msg[24] == 14) {
      EXPECT_EQ(out.size(), 24u) << i;
      continue;
    }
    EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(c.msg))) << i;
  }
}

TEST(Ndisc, option_length_zero_is_rejected_everywhere) {
  for (size_t i : nd_frames()) {
    auto base = captured(i);
    for (size_t at : option_offsets(base)) {
      auto c = base;
      c.msg[at + 1] = 0;
      c.fix();
      auto p = ndisc::Packet::check(bytes_of(c.msg));
      ASSERT_FALSE(p) << i << "@" << at;
      EXPECT_EQ(p.error(), Error::Malformed);
    }
  }
}

TEST(Ndisc, option_length_past_the_end_is_rejected_everywhere) {
  for (size_t i : nd_frames()) {
    auto base = captured(i);
    for (size_t at : option_offsets(base)) {
      size_t room = (base.msg.size() - at) / 8;
      for (size_t len : {room + 1, size_t{255}}) {
        auto c = base;
        c.msg[at + 1] = static_cast<uint8_t>(len);
        auto p = ndisc::Packet::check(bytes_of(c.msg));
        ASSERT_FALSE(p) << i << "@" << at << " len " << len;
        EXPECT_EQ(p.error(), Error::Malformed);
      }
    }
  }
}

TEST(Ndisc, known_options_with_the_wrong_length_are_rejected) {
  auto ra = captured(21);  // options: prefix @16, RDNSS @48, MTU @72, SLLA @80
  struct Case { size_t at; uint8_t len; };
  // Each option made one unit shorter or longer, taking (or giving) the next's room so
  // the walk itself still succeeds: only the option's own format is wrong.
  for (Case k : {Case{16, 3}, Case{16, 5}, Case{48, 2}, Case{48, 4}, Case{72, 2}, Case{80, 2}}) {
    auto c = ra;
    c.msg[k.at + 1] = k.len;
    c.msg.resize(std::max(c.msg.size(), k.at + k.len * 8u), 0);
    // Fill whatever follows the changed option with one option of unknown type.
    size_t next = k.at + k.len * 8u;
    if (next < c.msg.size()) {
      c.msg[next] = 200;
      c.msg[next + 1] = static_cast<uint8_t>((c.msg.size() - next) / 8);
    }
    c.fix();
    auto p = ndisc::Packet::check(bytes_of(c.msg));
    ASSERT_TRUE(p) << k.at << " " << int(k.len);
    auto r = ndisc::Repr::parse(*p, c.src, c.dst);
    ASSERT_FALSE(r) << k.at << " " << int(k.len);
    EXPECT_EQ(r.error(), Error::Malformed);
  }
  auto c = ra;
  c.msg[16 + 2] = 129;  // prefix length
  c.fix();
  EXPECT_EQ(parse(c).error(), Error::Malformed);
  c.msg[16 + 2] = 128;
  c.fix();
  EXPECT_TRUE(parse(c));
}

TEST(Ndisc, unknown_options_are_skipped) {
  auto c = captured(9);
  c.msg.insert(c.msg.begin() + 24, {200, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
  c.fix();
  auto r = parse(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r->source_link_addr, mac(0x0b));
  EXPECT_EQ(r->options.size(), 24u);
}

TEST(Ndisc, rejects_every_truncation) {
  for (size_t i : {size_t{3}, size_t{17}, size_t{21}, size_t{25}}) {
    auto c = captured(i);
    for (size_t cut = 0; cut < c.msg.size(); ++cut) {
      auto p = ndisc::Packet::check(bytes_of(c.msg).first(cut));
      if (!p) continue;  // cut inside the fixed part, or inside an option
      // Cut between two options: well-formed, but the checksum no longer verifies.
      auto r = ndisc::Repr::parse(*p, c.src, c.dst);
      ASSERT_FALSE(r) << i << " cut " << cut;
      EXPECT_EQ(r.error(), Error::BadChecksum);
    }
  }
  auto rs = captured(3);
  EXPECT_EQ(ndisc::Packet::check(bytes_of(rs.msg).first(7)).error(), Error::Truncated);
  auto ra = captured(21);
  EXPECT_EQ(ndisc::Packet::check(bytes_of(ra.msg).first(15)).error(), Error::Truncated);
  EXPECT_EQ(ndisc::Packet::check(bytes_of(ra.msg).first(17)).error(), Error::Malformed);
}

TEST(Ndisc, bad_checksum_rejected_unless_not_verified) {
  auto c = captured(21);
  c.msg[30] ^= 1;
  auto p = ndisc::Packet::check(bytes_of(c.msg));
  ASSERT_TRUE(p);
  EXPECT_EQ(ndisc::Repr::parse(*p, c.src, c.dst).error(), Error::BadChecksum);
  EXPECT_TRUE(ndisc::Repr::parse(*p, c.src, c.dst, false));
}

TEST(Ndisc, nonzero_code_is_rejected) {
  for (size_t i : {size_t{3}, size_t{9}, size_t{10}, size_t{17}, size_t{21}}) {
    auto c = captured(i);
    c.msg[1] = 1;
    c.fix();
    EXPECT_EQ(parse(c).error(), Error::Malformed) << i;
  }
}

TEST(Ndisc, other_icmpv6_types_are_not_neighbor_discovery) {
  auto c = captured(7);  // an echo request
  EXPECT_EQ(ndisc::Packet::check(bytes_of(c.msg)).error(), Error::Unsupported);
}

TEST(Ndisc, router_advertisement_must_come_from_link_local) {
  auto c = captured(21);
  c.src = addr("20010db8000000000000000000000001");
  c.fix();
  EXPECT_EQ(parse(c).error(), Error::Malformed);
}

TEST(Ndisc, solicitation_from_unspecified_rules) {
  auto dad = captured(13);
  auto c = dad;  // to a non solicited-node destination
  c.dst = Ipv6Address::all_nodes();
  c.fix();
  EXPECT_EQ(parse(c).error(), Error::Malformed);
  c = captured(9);  // with a source link-layer address
  c.src = Ipv6Address{};
  c.fix();
  EXPECT_EQ(parse(c).error(), Error::Malformed);
  auto rs = captured(3);  // a router solicitation from :: with one
  rs.src = Ipv6Address{};
  rs.fix();
  EXPECT_EQ(parse(rs).error(), Error::Malformed);
}

TEST(Ndisc, multicast_targets_and_solicited_multicast_advertisements_are_rejected) {
  auto ns = captured(9);
  ns.msg[8] = 0xff;
  ns.fix();
  EXPECT_EQ(parse(ns).error(), Error::Malformed);
  auto na = captured(10);
  na.msg[8] = 0xff;
  na.fix();
  EXPECT_EQ(parse(na).error(), Error::Malformed);
  na = captured(10);  // solicited, sent to all nodes
  na.dst = Ipv6Address::all_nodes();
  na.fix();
  EXPECT_EQ(parse(na).error(), Error::Malformed);
  na.msg[4] &= static_cast<uint8_t>(~ndisc::kSolicited);  // unsolicited: fine
  na.fix();
  EXPECT_TRUE(parse(na));
}

TEST(Ndisc, redirect_rules) {
  auto base = captured(17);
  auto c = base;  // from a global source
  c.src = addr("20010db8000000000000000000000002");
  c.fix();
  EXPECT_EQ(parse(c).error(), Error::Malformed);
  c = base;  // to a multicast destination
  c.msg[24] = 0xff;
  c.fix();
  EXPECT_EQ(parse(c).error(), Error::Malformed);
  c = base;  // a global target that is not the destination
  c.msg[8] = 0x20;
  c.fix();
  EXPECT_EQ(parse(c).error(), Error::Malformed);
  c = base;  // the destination itself is on-link: target == destination
  std::copy(c.msg.begin() + 24, c.msg.begin() + 40, c.msg.begin() + 8);
  c.fix();
  EXPECT_TRUE(parse(c));
}

TEST(Ndisc, more_prefixes_and_servers_than_room_set_overflow) {
  ndisc::Repr r;
  r.type = Type::RouterAdvert;
  r.prefix_count = ndisc::kMaxPrefixes;
  for (size_t i = 0; i < ndisc::kMaxPrefixes; ++i) {
    r.prefixes[i].prefix_len = 64;
    r.prefixes[i].prefix.bytes[0] = static_cast<uint8_t>(0x20 + i);
  }
  r.dns_server_count = ndisc::kMaxDnsServers;
  for (size_t i = 0; i < ndisc::kMaxDnsServers; ++i) {
    r.dns_servers[i].addr.bytes[15] = static_cast<uint8_t>(i + 1);
    r.dns_servers[i].lifetime = i == 0 ? 600 : 300;  // two RDNSS options
  }
  std::vector<uint8_t> out(r.buffer_len());
  EXPECT_EQ(out.size(), 16u + 4 * 32 + 24 + 40);
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out), kRouterLl, Ipv6Address::all_nodes()).ok());
  auto back = ndisc::Repr::parse(*ndisc::Packet::check(bytes_of(out)), kRouterLl,
                                 Ipv6Address::all_nodes());
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->overflow);
  for (size_t i = 0; i < ndisc::kMaxDnsServers; ++i)
    EXPECT_EQ(back->dns_servers[i], r.dns_servers[i]);
  // One more of each, appended as raw options: parsed, but with no room to keep them.
  std::vector<uint8_t> more(out);
  more.insert(more.end(), out.begin() + 16, out.begin() + 48);     // a prefix again
  more.insert(more.end(), out.begin() + 144, out.begin() + 168);   // an RDNSS again
  icmpv6::fill_checksum(test::mut_bytes_of(more), kRouterLl, Ipv6Address::all_nodes());
  auto full = ndisc::Repr::parse(*ndisc::Packet::check(bytes_of(more)), kRouterLl,
                                 Ipv6Address::all_nodes());
  ASSERT_TRUE(full);
  EXPECT_TRUE(full->overflow);
  EXPECT_EQ(full->prefix_count, ndisc::kMaxPrefixes);
  EXPECT_EQ(full->dns_server_count, ndisc::kMaxDnsServers);
}

TEST(Ndisc, emit_into_a_short_buffer_fails_without_writing) {
  auto r = parse(captured(21));
  ASSERT_TRUE(r);
  std::vector<uint8_t> buf(r->buffer_len() - 1, 0xee);
  auto st = r->emit(test::mut_bytes_of(buf), kRouterLl, Ipv6Address::all_nodes());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::BufferTooSmall);
  EXPECT_EQ(buf, std::vector<uint8_t>(buf.size(), 0xee));
  ndisc::Repr echo;
  echo.type = Type::EchoRequest;
  EXPECT_EQ(echo.emit(test::mut_bytes_of(buf), kRouterLl, kHostLl).error(), Error::Unsupported);
}
