// dhcpv4_test.cpp — DHCPv4 on a real dnsmasq/udhcpc exchange (dhcp.pcap) and on every
// malformed length, option and overload.
//
// dhcp.pcap (make_dhcp.sh), frames in order: 0 DISCOVER, 1 OFFER, 2 REQUEST (selecting),
// 3 ACK, 4 REQUEST (renewing, unicast), 5 ACK, 6 RELEASE. Values below are tshark's.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/wire/dhcpv4.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;
using keel::test::hex;
using keel::test::to_hex;

namespace {

constexpr uint32_t kXid = 0xc2feef68;
const MacAddress kClientMac{{0x02, 0, 0, 0, 0, 0x0b}};
const Ipv4Address kServer = Ipv4Address::of(192, 0, 2, 1);
const Ipv4Address kLeased = Ipv4Address::of(192, 0, 2, 104);

// The UDP payload of captured frame i (found by offset, without wire/ipv4 or wire/udp).
std::vector<uint8_t> captured(size_t i) {
  auto f = test::capture("dhcp").frames.at(i).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  size_t ihl = (f[l3] & 15) * 4u;
  return std::vector<uint8_t>(f.begin() + static_cast<long>(l3 + ihl + 8), f.end());
}

std::string str(Bytes b) { return std::string(b.begin(), b.end()); }

dhcpv4::Repr parse_ok(const std::vector<uint8_t>& m) {
  auto p = dhcpv4::Packet::check(bytes_of(m));
  EXPECT_TRUE(p);
  if (!p) return {};
  auto r = dhcpv4::Repr::parse(*p);
  EXPECT_TRUE(r) << error_name(r.error());
  return r ? *r : dhcpv4::Repr{};
}
// The Repr holds views into m: m must outlive it.
dhcpv4::Repr parse_ok(std::vector<uint8_t>&&) = delete;

// parse_error(m) — the error of check() then parse(); fails the test if m parses.
Error parse_error(const std::vector<uint8_t>& m) {
  auto p = dhcpv4::Packet::check(bytes_of(m));
  if (!p) return p.error();
  auto r = dhcpv4::Repr::parse(*p);
  EXPECT_FALSE(r);
  return r ? Error::BufferTooSmall : r.error();
}

// A synthetic client message: the fixed header, cookie, then the given options field,
// with sname and file filled from the given bytes.
std::vector<uint8_t> message(const std::string& options_hex, const std::string& sname_hex = "",
                             const std::string& file_hex = "") {
  std::vector<uint8_t> m(240, 0);
  m[0] = 1;
  m[1] = 1;
  m[2] = 6;
  m[4] = 0x12, m[5] = 0x34, m[6] = 0x56, m[7] = 0x78;
  for (size_t i = 0; i < 6; ++i) m[28 + i] = kClientMac.bytes[i];
  m[236] = 99, m[237] = 130, m[238] = 83, m[239] = 99;
  auto s = hex(sname_hex), f = hex(file_hex);
  std::copy(s.begin(), s.end(), m.begin() + 44);
  std::copy(f.begin(), f.end(), m.begin() + 108);
  auto o = hex(options_hex);
  m.insert(m.end(), o.begin(), o.end());
  return m;
}

// Positions of the options in the options field of m (offsets of their code bytes).
std::vector<size_t> option_offsets(const std::vector<uint8_t>& m) {
  std::vector<size_t> out;
  for (size_t i = 240; i < m.size() && m[i] != 255;) {
    if (m[i] == 0) {
      ++i;
      continue;
    }
    out.push_back(i);
    i += 2 + m[i + 1];
  }
  return out;
}

void expect_same(const dhcpv4::Repr& a, const dhcpv4::Repr& b) {
  EXPECT_EQ(a.op, b.op);
  EXPECT_EQ(a.message_type, b.message_type);
  EXPECT_EQ(a.hops, b.hops);
  EXPECT_EQ(a.xid, b.xid);
  EXPECT_EQ(a.secs, b.secs);
  EXPECT_EQ(a.broadcast, b.broadcast);
  EXPECT_EQ(a.ciaddr, b.ciaddr);
  EXPECT_EQ(a.yiaddr, b.yiaddr);
  EXPECT_EQ(a.siaddr, b.siaddr);
  EXPECT_EQ(a.giaddr, b.giaddr);
  EXPECT_EQ(a.chaddr, b.chaddr);
  EXPECT_EQ(a.subnet_mask, b.subnet_mask);
  for (auto [x, y] : {std::pair{&a.routers, &b.routers}, {&a.dns_servers, &b.dns_servers},
                      {&a.ntp_servers, &b.ntp_servers}}) {
    ASSERT_EQ(x->count, y->count);
    for (size_t i = 0; i < x->count; ++i) EXPECT_EQ(x->addr[i], y->addr[i]);
  }
  EXPECT_EQ(to_hex(a.hostname), to_hex(b.hostname));
  EXPECT_EQ(to_hex(a.domain_name), to_hex(b.domain_name));
  EXPECT_EQ(a.requested_ip, b.requested_ip);
  EXPECT_EQ(a.lease_time, b.lease_time);
  EXPECT_EQ(a.server_id, b.server_id);
  EXPECT_EQ(to_hex(a.parameter_list), to_hex(b.parameter_list));
  EXPECT_EQ(a.max_message_size, b.max_message_size);
  EXPECT_EQ(a.renewal_time, b.renewal_time);
  EXPECT_EQ(a.rebinding_time, b.rebinding_time);
  EXPECT_EQ(to_hex(a.client_id), to_hex(b.client_id));
}

std::vector<uint8_t> emit(const dhcpv4::Repr& r) {
  std::vector<uint8_t> out(r.buffer_len(), 0xee);
  auto st = r.emit(test::mut_bytes_of(out));
  EXPECT_TRUE(st) << error_name(st.error());
  return out;
}

}  // namespace

// ---- the captured exchange, field by field ----

TEST(Dhcpv4, parses_udhcpc_discover_field_by_field) {
  auto m = captured(0);
  ASSERT_EQ(m.size(), 300u);
  auto p = dhcpv4::Packet::check(bytes_of(m));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->op(), 1);
  EXPECT_EQ(p->htype(), 1);
  EXPECT_EQ(p->hlen(), 6);
  EXPECT_EQ(p->xid(), kXid);
  EXPECT_EQ(p->flags(), 0);
  auto r = parse_ok(m);
  EXPECT_EQ(r.op, dhcpv4::Op::Request);
  EXPECT_EQ(r.message_type, dhcpv4::MessageType::Discover);
  EXPECT_EQ(r.hops, 0);
  EXPECT_EQ(r.xid, kXid);
  EXPECT_EQ(r.secs, 0);
  EXPECT_FALSE(r.broadcast);
  EXPECT_TRUE(r.ciaddr.is_unspecified());
  EXPECT_TRUE(r.yiaddr.is_unspecified());
  EXPECT_EQ(r.chaddr, kClientMac);
  EXPECT_TRUE(r.sname.empty());
  EXPECT_TRUE(r.file.empty());
  EXPECT_EQ(r.max_message_size, Optional<uint16_t>(576));
  EXPECT_EQ(to_hex(r.parameter_list), "0103060c0f1c2a");  // 1 3 6 12 15 28 42
  EXPECT_EQ(str(r.hostname), "keel-b");
  EXPECT_EQ(to_hex(r.client_id), "0102000000000b");  // Ethernet, the MAC
  EXPECT_FALSE(r.server_id);
  EXPECT_FALSE(r.requested_ip);
  EXPECT_EQ(r.overload, 0);
}

TEST(Dhcpv4, parses_dnsmasq_offer_with_every_client_option) {
  auto m = captured(1);
  auto r = parse_ok(m);
  EXPECT_EQ(r.op, dhcpv4::Op::Reply);
  EXPECT_EQ(r.message_type, dhcpv4::MessageType::Offer);
  EXPECT_EQ(r.xid, kXid);
  EXPECT_EQ(r.yiaddr, kLeased);
  EXPECT_EQ(r.siaddr, kServer);
  EXPECT_TRUE(r.giaddr.is_unspecified());
  EXPECT_EQ(str(r.sname), "bootsrv");
  EXPECT_EQ(str(r.file), "keel.bin");
  EXPECT_EQ(r.server_id, Optional<Ipv4Address>(kServer));
  EXPECT_EQ(r.lease_time, Optional<uint32_t>(120));
  EXPECT_EQ(r.renewal_time, Optional<uint32_t>(60));
  EXPECT_EQ(r.rebinding_time, Optional<uint32_t>(105));
  EXPECT_EQ(r.subnet_mask, Optional<Ipv4Address>(Ipv4Address::of(255, 255, 255, 0)));
  EXPECT_EQ(str(r.domain_name), "example.com");
  ASSERT_EQ(r.routers.count, 1);
  EXPECT_EQ(r.routers.addr[0], kServer);
  ASSERT_EQ(r.dns_servers.count, 1);
  EXPECT_EQ(r.dns_servers.addr[0], kServer);
  ASSERT_EQ(r.ntp_servers.count, 1);
  EXPECT_EQ(r.ntp_servers.addr[0], kServer);
  EXPECT_TRUE(r.hostname.empty());  // the OFFER does not echo it; the ACK does
}

TEST(Dhcpv4, parses_selecting_request_with_requested_ip_and_server_id) {
  auto m = captured(2);
  auto r = parse_ok(m);
  EXPECT_EQ(r.message_type, dhcpv4::MessageType::Request);
  EXPECT_TRUE(r.ciaddr.is_unspecified());
  EXPECT_EQ(r.requested_ip, Optional<Ipv4Address>(kLeased));
  EXPECT_EQ(r.server_id, Optional<Ipv4Address>(kServer));
}

TEST(Dhcpv4, parses_ack_echoing_the_hostname) {
  auto m = captured(3);
  auto r = parse_ok(m);
  EXPECT_EQ(r.message_type, dhcpv4::MessageType::Ack);
  EXPECT_EQ(r.yiaddr, kLeased);
  EXPECT_EQ(str(r.hostname), "keel-b");
  EXPECT_EQ(r.lease_time, Optional<uint32_t>(120));
}

TEST(Dhcpv4, parses_renewing_request_and_its_ack) {
  auto mreq = captured(4);
  auto req = parse_ok(mreq);  // RFC 2131 §4.3.2: RENEWING has ciaddr, no 50/54
  EXPECT_EQ(req.message_type, dhcpv4::MessageType::Request);
  EXPECT_EQ(req.ciaddr, kLeased);
  EXPECT_FALSE(req.requested_ip);
  EXPECT_FALSE(req.server_id);
  auto mack = captured(5);
  auto ack = parse_ok(mack);
  EXPECT_EQ(ack.message_type, dhcpv4::MessageType::Ack);
  EXPECT_EQ(ack.ciaddr, kLeased);
  EXPECT_EQ(ack.renewal_time, Optional<uint32_t>(56));  // what is left of T1, T2
  EXPECT_EQ(ack.rebinding_time, Optional<uint32_t>(101));
}

TEST(Dhcpv4, parses_release) {
  auto m = captured(6);
  auto r = parse_ok(m);
  EXPECT_EQ(r.message_type, dhcpv4::MessageType::Release);
  EXPECT_EQ(r.xid, 0x0dd29a30u);
  EXPECT_EQ(r.secs, 1);
  EXPECT_EQ(r.ciaddr, kLeased);
  EXPECT_EQ(r.server_id, Optional<Ipv4Address>(kServer));
  EXPECT_EQ(to_hex(r.client_id), "0102000000000b");
  EXPECT_TRUE(r.parameter_list.empty());
}

TEST(Dhcpv4, option_cursor_walks_options_in_order_and_skips_pad) {
  auto m = captured(1);
  auto p = dhcpv4::Packet::check(bytes_of(m));
  ASSERT_TRUE(p);
  dhcpv4::OptionCursor c(*p);
  dhcpv4::Option o;
  std::vector<int> codes;
  for (;;) {
    auto more = c.next(o);
    ASSERT_TRUE(more);
    if (!*more) break;
    codes.push_back(o.code);
  }
  EXPECT_EQ(codes, (std::vector<int>{53, 54, 51, 58, 59, 1, 28, 15, 42, 6, 3}));
}

// ---- re-emission ----

TEST(Dhcpv4, every_captured_message_reemits_byte_exact_from_raw_options) {
  size_t n = test::capture("dhcp").frames.size();
  ASSERT_EQ(n, 7u);
  for (size_t i = 0; i < n; ++i) {
    auto m = captured(i);
    auto r = parse_ok(m);
    EXPECT_EQ(r.buffer_len(), m.size()) << i;
    EXPECT_EQ(to_hex(bytes_of(emit(r))), to_hex(bytes_of(m))) << i;
  }
}

TEST(Dhcpv4, every_captured_message_round_trips_through_canonical_emit) {
  for (size_t i = 0; i < 7; ++i) {
    auto m = captured(i);
    auto r = parse_ok(m);
    r.raw_options = {};
    auto out = emit(r);
    EXPECT_GE(out.size(), dhcpv4::kMinMessageLen);
    auto r2 = parse_ok(out);
    SCOPED_TRACE(i);
    expect_same(r, r2);
    EXPECT_EQ(str(r2.sname), str(r.sname));
    EXPECT_EQ(str(r2.file), str(r.file));
  }
}

TEST(Dhcpv4, canonical_discover_is_the_fixed_header_then_options_in_order_padded_to_300) {
  dhcpv4::Repr r;
  r.op = dhcpv4::Op::Request;
  r.message_type = dhcpv4::MessageType::Discover;
  r.xid = 0x01020304;
  r.secs = 3;
  r.broadcast = true;
  r.chaddr = kClientMac;
  static const uint8_t params[] = {1, 3, 6, 15, 42};
  static const uint8_t cid[] = {1, 2, 0, 0, 0, 0, 0x0b};
  r.parameter_list = Bytes(params);
  r.client_id = Bytes(cid);
  r.max_message_size = uint16_t(1500);
  static const char host[] = "keel";
  r.hostname = Bytes(reinterpret_cast<const uint8_t*>(host), 4);
  ASSERT_EQ(r.buffer_len(), 300u);
  auto out = emit(r);
  EXPECT_EQ(to_hex(Bytes(out.data(), 12)), "010106000102030400038000");
  EXPECT_EQ(to_hex(Bytes(out.data() + 28, 6)), "02000000000b");
  std::string opts = "63825363" "350101" "0c046b65656c" "37050103060f2a" "390205dc"
                     "3d070102000000000b" "ff";
  EXPECT_EQ(to_hex(Bytes(out.data() + 236, opts.size() / 2)), opts);
  for (size_t i = 236 + opts.size() / 2; i < out.size(); ++i) ASSERT_EQ(out[i], 0) << i;
  for (size_t i = 34; i < 236; ++i) ASSERT_EQ(out[i], 0) << i;  // chaddr pad, sname, file
}

TEST(Dhcpv4, emits_every_client_message_type_and_parses_it_back) {
  using MT = dhcpv4::MessageType;
  for (MT t : {MT::Discover, MT::Request, MT::Decline, MT::Release, MT::Inform}) {
    dhcpv4::Repr r;
    r.message_type = t;
    r.xid = 7;
    r.chaddr = kClientMac;
    if (t == MT::Request || t == MT::Decline) r.requested_ip = kLeased;
    if (t != MT::Discover && t != MT::Inform) r.server_id = kServer;
    if (t == MT::Release || t == MT::Inform) r.ciaddr = kLeased;
    auto out = emit(r);
    EXPECT_EQ(out.size(), 300u);
    auto r2 = parse_ok(out);
    SCOPED_TRACE(int(t));
    expect_same(r, r2);
  }
}

TEST(Dhcpv4, emits_server_replies_with_lists_names_and_times) {
  using MT = dhcpv4::MessageType;
  static const char domain[] = "example.com";
  for (MT t : {MT::Offer, MT::Ack, MT::Nak}) {
    dhcpv4::Repr r;
    r.op = dhcpv4::Op::Reply;
    r.message_type = t;
    r.xid = kXid;
    r.chaddr = kClientMac;
    r.yiaddr = kLeased;
    r.server_id = kServer;
    r.lease_time = 3600u;
    r.renewal_time = 1800u;
    r.rebinding_time = 3150u;
    r.subnet_mask = Ipv4Address::of(255, 255, 255, 0);
    r.routers.count = 2;
    r.routers.addr[0] = kServer;
    r.routers.addr[1] = Ipv4Address::of(192, 0, 2, 254);
    r.dns_servers.count = dhcpv4::kMaxAddresses;
    for (size_t i = 0; i < dhcpv4::kMaxAddresses; ++i)
      r.dns_servers.addr[i] = Ipv4Address::of(198, 51, 100, uint8_t(i + 1));
    r.ntp_servers.count = 1;
    r.ntp_servers.addr[0] = Ipv4Address::of(203, 0, 113, 123);
    r.domain_name = Bytes(reinterpret_cast<const uint8_t*>(domain), 11);
    auto out = emit(r);
    auto r2 = parse_ok(out);
    SCOPED_TRACE(int(t));
    expect_same(r, r2);
  }
}

TEST(Dhcpv4, broadcast_flag_is_bit_15_both_ways) {
  auto m = captured(0);
  m[10] = 0x80;
  auto r = parse_ok(m);
  EXPECT_TRUE(r.broadcast);
  r.raw_options = {};
  auto out = emit(r);
  EXPECT_EQ(out[10], 0x80);
  EXPECT_EQ(out[11], 0x00);
}

TEST(Dhcpv4, emit_into_a_short_buffer_fails_without_writing) {
  auto m = captured(3);
  auto r = parse_ok(m);
  for (bool raw : {true, false}) {
    if (!raw) r.raw_options = {};
    std::vector<uint8_t> buf(r.buffer_len() - 1, 0xee);
    auto st = r.emit(test::mut_bytes_of(buf));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error(), Error::BufferTooSmall);
    EXPECT_EQ(buf, std::vector<uint8_t>(buf.size(), 0xee));
  }
}

TEST(Dhcpv4, emit_rejects_a_string_option_longer_than_255_bytes) {
  dhcpv4::Repr r;
  std::vector<uint8_t> longname(256, 'a');
  r.hostname = bytes_of(longname);
  std::vector<uint8_t> buf(r.buffer_len());
  auto st = r.emit(test::mut_bytes_of(buf));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::Malformed);
}

// ---- the fixed header ----

TEST(Dhcpv4, rejects_every_truncation_of_the_fixed_header) {
  auto m = captured(0);
  for (size_t cut = 0; cut < dhcpv4::kHeaderLen; ++cut) {
    auto p = dhcpv4::Packet::check(Bytes(m.data(), cut));
    ASSERT_FALSE(p) << cut;
    EXPECT_EQ(p.error(), Error::Truncated) << cut;
  }
}

TEST(Dhcpv4, rejects_every_truncation_before_the_end_option) {
  for (size_t i = 0; i < 7; ++i) {
    auto m = captured(i);
    size_t end = 240;
    while (m[end] != 255) end += m[end] == 0 ? 1 : 2 + m[end + 1];
    for (size_t cut = dhcpv4::kHeaderLen; cut <= end; ++cut) {
      std::vector<uint8_t> t(m.begin(), m.begin() + static_cast<long>(cut));
      EXPECT_EQ(parse_error(t), Error::Truncated) << i << " cut " << cut;
    }
    std::vector<uint8_t> t(m.begin(), m.begin() + static_cast<long>(end + 1));
    EXPECT_TRUE(dhcpv4::Repr::parse(*dhcpv4::Packet::check(bytes_of(t)))) << i;
  }
}

TEST(Dhcpv4, rejects_a_missing_or_wrong_magic_cookie) {
  auto m = captured(1);
  for (size_t i = 236; i < 240; ++i) {
    auto b = m;
    b[i] ^= 0x01;
    EXPECT_EQ(parse_error(b), Error::Malformed) << i;
  }
  auto b = m;
  std::fill(b.begin() + 236, b.begin() + 240, 0);  // plain BOOTP: no cookie
  EXPECT_EQ(parse_error(b), Error::Malformed);
}

TEST(Dhcpv4, rejects_an_op_other_than_request_or_reply) {
  for (uint8_t op : {0, 3, 255}) {
    auto m = captured(0);
    m[0] = op;
    EXPECT_EQ(parse_error(m), Error::Malformed) << int(op);
  }
}

TEST(Dhcpv4, non_ethernet_hardware_is_unsupported) {
  for (auto [htype, hlen] : {std::pair{1, 0}, {1, 1}, {1, 5}, {1, 7}, {1, 16}, {6, 6}, {0, 6}}) {
    auto m = captured(0);
    m[1] = uint8_t(htype);
    m[2] = uint8_t(hlen);
    EXPECT_EQ(parse_error(m), Error::Unsupported) << htype << "/" << hlen;
  }
}

// ---- options ----

TEST(Dhcpv4, rejects_every_option_length_reaching_past_the_buffer) {
  for (size_t i = 0; i < 7; ++i) {
    auto m = captured(i);
    for (size_t off : option_offsets(m)) {
      auto b = m;
      b.resize(off + 2 + m[off + 1]);  // the option is the last thing in the buffer
      b[off + 1] = uint8_t(m[off + 1] + 1);
      EXPECT_EQ(parse_error(b), Error::Truncated) << i << " @" << off;
      b = m;
      b[off + 1] = 255;
      if (off + 2 + 255 > b.size()) {
        EXPECT_EQ(parse_error(b), Error::Truncated) << i << " @" << off;
      }
    }
  }
}

TEST(Dhcpv4, rejects_a_wrong_length_in_every_option_it_reads) {
  // Fixed sizes: 53 (1), 57 (2), 1/50/51/54/58/59 (4); lists 3/6/42 (4n, n >= 1);
  // strings 12/15/55 (>= 1), 61 (>= 2).
  for (size_t i = 0; i < 7; ++i) {
    auto m = captured(i);
    for (size_t off : option_offsets(m)) {
      uint8_t code = m[off], len = m[off + 1];
      std::vector<int> bad;
      switch (code) {
        case 53: case 57: case 1: case 50: case 51: case 54: case 58: case 59:
          bad = {0, len - 1, len + 1};
          break;
        case 3: case 6: case 42: bad = {0, 1, 3, 5}; break;
        case 12: case 15: case 55: bad = {0}; break;
        case 61: bad = {0, 1}; break;
        default: continue;
      }
      for (int l : bad) {
        auto b = m;
        b[off + 1] = uint8_t(l);
        EXPECT_EQ(parse_error(b), Error::Malformed) << i << " code " << int(code) << " len " << l;
      }
    }
  }
}

TEST(Dhcpv4, rejects_a_missing_end_option) {
  auto m = message("350101");  // no End, nothing after
  EXPECT_EQ(parse_error(m), Error::Truncated);
  m = message("350101 0000");  // pad to the end of the buffer, still no End
  EXPECT_EQ(parse_error(m), Error::Truncated);
  EXPECT_EQ(parse_error(message("")), Error::Truncated);
}

TEST(Dhcpv4, message_type_is_required_and_known) {
  EXPECT_EQ(parse_error(message("0c0161 ff")), Error::Malformed);  // none
  EXPECT_EQ(parse_error(message("350100 ff")), Error::Malformed);  // 0
  EXPECT_EQ(parse_error(message("350109 ff")), Error::Unsupported);  // FORCERENEW
  auto inform = message("350108 ff");
  EXPECT_EQ(parse_ok(inform).message_type, dhcpv4::MessageType::Inform);
}

TEST(Dhcpv4, max_message_size_below_576_is_rejected) {
  EXPECT_EQ(parse_error(message("350101 3902023f ff")), Error::Malformed);  // 575
  auto mms = message("350101 39020240 ff");
  EXPECT_EQ(parse_ok(mms).max_message_size, Optional<uint16_t>(576));
}

TEST(Dhcpv4, unknown_options_are_skipped_whatever_their_length) {
  auto m = message("fa00 350105 fb03aabbcc 0104ffffff00 ff");
  auto r = parse_ok(m);
  EXPECT_EQ(r.message_type, dhcpv4::MessageType::Ack);
  EXPECT_EQ(r.subnet_mask, Optional<Ipv4Address>(Ipv4Address::of(255, 255, 255, 0)));
}

TEST(Dhcpv4, repeated_address_lists_are_concatenated_up_to_the_capacity) {
  // RFC 3396: two router options are one list; 6 addresses, kMaxAddresses kept.
  auto m = message("350105 0308c0000201c0000202 0310c0000203c0000204c0000205c0000206 ff");
  auto r = parse_ok(m);
  ASSERT_EQ(r.routers.count, dhcpv4::kMaxAddresses);
  for (size_t i = 0; i < dhcpv4::kMaxAddresses; ++i)
    EXPECT_EQ(r.routers.addr[i], Ipv4Address::of(192, 0, 2, uint8_t(i + 1)));
}

TEST(Dhcpv4, repeated_single_value_options_keep_the_first) {
  auto m = message("350105 3604c0000201 3604c0000202 0c0161 0c0162 350106 ff");
  auto r = parse_ok(m);
  EXPECT_EQ(r.message_type, dhcpv4::MessageType::Ack);
  EXPECT_EQ(r.server_id, Optional<Ipv4Address>(kServer));
  EXPECT_EQ(str(r.hostname), "a");
}

// ---- option overload (RFC 2132 §9.3) ----

TEST(Dhcpv4, overload_continues_in_file_then_sname) {
  // options: type, overload=3; file: a router and a hostname; sname: DNS, another hostname.
  auto m = message("350102 340103 ff", "0604c6336401 0c0173 ff", "0304c0000201 0c0166 ff");
  auto p = dhcpv4::Packet::check(bytes_of(m));
  ASSERT_TRUE(p);
  dhcpv4::OptionCursor c(*p);
  dhcpv4::Option o;
  std::vector<int> codes;
  for (;;) {
    auto more = c.next(o);
    ASSERT_TRUE(more);
    if (!*more) break;
    codes.push_back(o.code);
  }
  EXPECT_EQ(codes, (std::vector<int>{53, 52, 3, 12, 6, 12}));  // file before sname
  auto r = parse_ok(m);
  EXPECT_EQ(r.overload, 3);
  ASSERT_EQ(r.routers.count, 1);
  EXPECT_EQ(r.routers.addr[0], kServer);
  ASSERT_EQ(r.dns_servers.count, 1);
  EXPECT_EQ(r.dns_servers.addr[0], Ipv4Address::of(198, 51, 100, 1));
  EXPECT_EQ(str(r.hostname), "f");  // the first instance, from file
  EXPECT_EQ(r.sname.size(), dhcpv4::kSnameLen);  // whole fields: they hold options
  EXPECT_EQ(r.file.size(), dhcpv4::kFileLen);
}

TEST(Dhcpv4, overloaded_message_reemits_verbatim_and_canonically) {
  auto m = message("350102 340103 ff", "0604c6336401 ff", "0304c0000201 ff");
  auto r = parse_ok(m);
  EXPECT_EQ(to_hex(bytes_of(emit(r))), to_hex(bytes_of(m)) + std::string(2 * (300 - m.size()), '0'));
  r.raw_options = {};
  auto out = emit(r);
  for (size_t i = 44; i < 236; ++i) ASSERT_EQ(out[i], 0) << i;  // options moved out
  auto r2 = parse_ok(out);
  EXPECT_EQ(r2.overload, 0);
  expect_same(r, r2);
}

TEST(Dhcpv4, overload_of_file_only_leaves_sname_a_name) {
  auto m = message("350102 340101 ff", "626f6f74", "0304c0000201 ff");
  auto r = parse_ok(m);
  EXPECT_EQ(str(r.sname), "boot");
  EXPECT_EQ(r.routers.count, 1);
  auto m2 = message("350102 340102 ff", "0304c0000201 ff", "6b65656c");
  r = parse_ok(m2);
  EXPECT_EQ(str(r.file), "keel");
  EXPECT_EQ(r.routers.count, 1);
}

TEST(Dhcpv4, overloaded_field_without_end_is_rejected) {
  EXPECT_EQ(parse_error(message("350102 340101 ff", "", "0304c0000201")), Error::Truncated);
  EXPECT_EQ(parse_error(message("350102 340102 ff", "0304c0000201", "")), Error::Truncated);
}

TEST(Dhcpv4, option_length_in_file_cannot_run_into_the_cookie) {
  // The last option of file claims 10 bytes, but file ends after 2: sname and cookie
  // bytes follow in the buffer, yet the option must stay inside its own field.
  std::string file(2 * 126, '0');
  auto m = message("350102 340101 ff", "", file + "030a");
  EXPECT_EQ(parse_error(m), Error::Truncated);
  std::string sname(2 * 62, '0');
  m = message("350102 340102 ff", sname + "030a", "");
  EXPECT_EQ(parse_error(m), Error::Truncated);
}

TEST(Dhcpv4, overload_option_must_be_in_the_options_field_with_a_valid_value) {
  EXPECT_EQ(parse_error(message("350102 340100 ff")), Error::Malformed);
  EXPECT_EQ(parse_error(message("350102 340104 ff")), Error::Malformed);
  EXPECT_EQ(parse_error(message("350102 34020101 ff")), Error::Malformed);
  EXPECT_EQ(parse_error(message("350102 3400 ff")), Error::Malformed);
  EXPECT_EQ(parse_error(message("350102 340101 ff", "", "340102 ff")), Error::Malformed);
}
