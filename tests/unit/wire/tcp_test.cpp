// tcp_test.cpp — TCP on real kernel segments (tcp.pcap: SYNs with every option Linux
// sends, data with timestamps, SACK with 1-3 blocks, FIN, RST; IPv4 and IPv6), and on
// every malformed data offset and option length.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/tcp.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;
using keel::test::hex;
using keel::test::to_hex;

namespace {

// Frame indexes (0-based) in tcp.pcap; values below are tshark's reading of them.
constexpr size_t kSynV4 = 0;         // 192.0.2.2:4001 -> 192.0.2.1:5001
constexpr size_t kSynAckV4 = 1;      // the answer
constexpr size_t kDataV4 = 3;        // 1448 bytes of 'k', NOP NOP TS
constexpr size_t kFinV4 = 19;        // FIN|ACK, NOP NOP TS
constexpr size_t kSynV6 = 22;        // [2001:db8::2]:4002 -> [2001:db8::1]:5002
constexpr size_t kSack3 = 160;       // pure ACK with three SACK blocks (header 60)
constexpr size_t kRstV4 = 173;       // RST|ACK from a closed port, no options
constexpr size_t kSynOptions = 20;   // offset of the options in a segment

// A captured segment with the addresses of its IP header (read by offset: the test
// must not depend on wire/ipv4 to find its input). The length comes from the IP header.
struct Captured {
  std::vector<uint8_t> tcp;
  IpAddress src, dst;
};

Captured captured(size_t index) {
  auto f = test::capture("tcp").frames.at(index).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  Captured c;
  size_t begin, len;
  if (type == 0x0800) {
    size_t ihl = (f[l3] & 15) * 4u;
    c.src = Ipv4Address::from(Bytes(&f[l3 + 12], 4));
    c.dst = Ipv4Address::from(Bytes(&f[l3 + 16], 4));
    begin = l3 + ihl;
    len = (f[l3 + 2] << 8 | f[l3 + 3]) - ihl;
  } else {
    c.src = Ipv6Address::from(Bytes(&f[l3 + 8], 16));
    c.dst = Ipv6Address::from(Bytes(&f[l3 + 24], 16));
    begin = l3 + 40;
    len = f[l3 + 4] << 8 | f[l3 + 5];
  }
  c.tcp.assign(f.begin() + static_cast<long>(begin), f.begin() + static_cast<long>(begin + len));
  return c;
}

wire::Result<tcp::Repr> parse(const std::vector<uint8_t>& seg, const IpAddress& src,
                        const IpAddress& dst, bool verify = true) {
  auto p = tcp::Packet::check(bytes_of(seg));
  if (!p) return Err(p.error());
  return tcp::Repr::parse(*p, src, dst, verify);
}

// parse_unchecked — a segment whose option bytes a test has mutated (checksum not verified).
wire::Result<tcp::Repr> parse_unchecked(const std::vector<uint8_t>& seg) {
  IpAddress a = Ipv4Address::of(192, 0, 2, 1);
  return parse(seg, a, a, false);
}

// segment_with_options(opts) — a bare 20-byte header, then opts (a multiple of 4).
std::vector<uint8_t> segment_with_options(const std::vector<uint8_t>& opts) {
  auto s = hex("0fa1 1389 00000001 00000000 0010 ffff 0000 0000");
  s[12] = static_cast<uint8_t>((20 + opts.size()) / 4 << 4);
  s.insert(s.end(), opts.begin(), opts.end());
  return s;
}

bool same(const tcp::Repr& a, const tcp::Repr& b) {
  if (a.sack_count != b.sack_count) return false;
  for (size_t i = 0; i < a.sack_count; ++i)
    if (!(a.sack[i] == b.sack[i])) return false;
  return a.src_port == b.src_port && a.dst_port == b.dst_port && a.seq == b.seq &&
         a.ack == b.ack && a.flags == b.flags && a.window == b.window &&
         a.urgent == b.urgent && a.mss == b.mss && a.window_scale == b.window_scale &&
         a.sack_permitted == b.sack_permitted && a.timestamps == b.timestamps &&
         equal_bytes(a.payload, b.payload);
}

Error error_of(const wire::Result<tcp::Repr>& r) { return r ? Error::Unsupported : r.error(); }

}  // namespace

TEST(Tcp, parses_kernel_ipv4_syn_field_by_field) {
  auto c = captured(kSynV4);
  auto p = tcp::Packet::check(bytes_of(c.tcp));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->src_port(), 4001);
  EXPECT_EQ(p->dst_port(), 5001);
  EXPECT_EQ(p->seq(), 2216849652u);
  EXPECT_EQ(p->ack(), 0u);
  EXPECT_EQ(p->header_len(), 40u);
  EXPECT_EQ(p->flags(), tcp::flag::kSyn);
  EXPECT_EQ(p->window(), 64240);
  EXPECT_EQ(p->checksum(), 0x7ebd);
  EXPECT_EQ(p->urgent(), 0);
  EXPECT_EQ(p->options().size(), 20u);
  EXPECT_TRUE(p->payload().empty());
  auto r = tcp::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, 2216849652u);
  EXPECT_EQ(r->flags, tcp::flag::kSyn);
  EXPECT_EQ(r->mss, Optional<uint16_t>(1460));
  EXPECT_TRUE(r->sack_permitted);
  EXPECT_EQ(r->window_scale, Optional<uint8_t>(10));
  EXPECT_FALSE(r->window_scale_clamped);
  EXPECT_EQ(r->timestamps, Optional<tcp::Timestamps>(tcp::Timestamps{2770963680u, 0}));
  EXPECT_EQ(r->sack_count, 0);
}

TEST(Tcp, parses_kernel_syn_ack_echoing_the_syn_timestamp) {
  auto c = captured(kSynAckV4);
  auto r = parse(c.tcp, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src_port, 5001);
  EXPECT_EQ(r->dst_port, 4001);
  EXPECT_EQ(r->seq, 2237284390u);
  EXPECT_EQ(r->ack, 2216849653u);
  EXPECT_EQ(r->flags, tcp::flag::kSyn | tcp::flag::kAck);
  EXPECT_EQ(r->window, 65160);
  EXPECT_EQ(r->mss, Optional<uint16_t>(1460));
  EXPECT_EQ(r->window_scale, Optional<uint8_t>(10));
  EXPECT_TRUE(r->sack_permitted);
  EXPECT_EQ(r->timestamps, Optional<tcp::Timestamps>(tcp::Timestamps{2146938411u, 2770963680u}));
}

TEST(Tcp, parses_kernel_ipv6_syn_with_ipv6_mss) {
  auto c = captured(kSynV6);
  ASSERT_TRUE(c.src.is_v6());
  auto r = parse(c.tcp, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src_port, 4002);
  EXPECT_EQ(r->dst_port, 5002);
  EXPECT_EQ(r->seq, 493764186u);
  EXPECT_EQ(r->window, 64800);
  EXPECT_EQ(r->mss, Optional<uint16_t>(1440));
  EXPECT_EQ(r->timestamps, Optional<tcp::Timestamps>(tcp::Timestamps{478065281u, 0}));
}

TEST(Tcp, ipv6_segment_verifies_with_ipv6_pseudo_header) {
  auto c = captured(kSynV6);
  auto p = tcp::Packet::check(bytes_of(c.tcp));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->verify_checksum(c.src, c.dst));
  EXPECT_FALSE(p->verify_checksum(c.dst, c.dst));
}

TEST(Tcp, data_segment_carries_payload_and_timestamps_only) {
  auto c = captured(kDataV4);
  auto r = parse(c.tcp, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->flags, tcp::flag::kAck);
  EXPECT_EQ(r->payload.size(), 1448u);
  EXPECT_EQ(r->payload[0], 'k');
  EXPECT_EQ(r->payload[1447], 'k');
  EXPECT_TRUE(r->timestamps);
  EXPECT_FALSE(r->mss);
  EXPECT_FALSE(r->window_scale);
  EXPECT_FALSE(r->sack_permitted);
}

TEST(Tcp, fin_segment_has_fin_and_ack) {
  auto r = parse(captured(kFinV4).tcp, captured(kFinV4).src, captured(kFinV4).dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->flags, tcp::flag::kFin | tcp::flag::kAck);
  EXPECT_TRUE(r->payload.empty());
}

TEST(Tcp, rst_from_closed_port_has_no_options) {
  auto c = captured(kRstV4);
  ASSERT_EQ(c.tcp.size(), 20u);
  auto r = parse(c.tcp, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->src_port, 5009);
  EXPECT_EQ(r->dst_port, 4009);
  EXPECT_EQ(r->seq, 0u);
  EXPECT_EQ(r->ack, 4268669352u);
  EXPECT_EQ(r->flags, tcp::flag::kRst | tcp::flag::kAck);
  EXPECT_EQ(r->window, 0);
  EXPECT_FALSE(r->mss || r->timestamps || r->window_scale || r->sack_permitted);
  EXPECT_EQ(r->header_len(), 20u);
}

TEST(Tcp, sack_blocks_parse_in_wire_order) {
  auto c = captured(kSack3);
  auto r = parse(c.tcp, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, 795212232u);
  EXPECT_EQ(r->ack, 412098376u);
  EXPECT_EQ(r->window, 36);
  EXPECT_EQ(r->timestamps, Optional<tcp::Timestamps>(tcp::Timestamps{682917346u, 94021352u}));
  ASSERT_EQ(r->sack_count, 3);
  EXPECT_EQ(r->sack[0], (tcp::SackBlock{412105616u, 412112856u}));
  EXPECT_EQ(r->sack[1], (tcp::SackBlock{412102720u, 412104168u}));
  EXPECT_EQ(r->sack[2], (tcp::SackBlock{412099824u, 412101272u}));
}

TEST(Tcp, every_captured_segment_reemits_byte_exact) {
  size_t n = test::capture("tcp").frames.size();
  ASSERT_GE(n, 150u);
  size_t sacks = 0;
  for (size_t i = 0; i < n; ++i) {
    auto c = captured(i);
    auto r = parse(c.tcp, c.src, c.dst);
    ASSERT_TRUE(r) << i;
    sacks += r->sack_count > 0;
    std::vector<uint8_t> out(r->buffer_len());
    ASSERT_TRUE(r->emit(test::mut_bytes_of(out), c.src, c.dst).ok()) << i;
    EXPECT_EQ(to_hex(bytes_of(out)), to_hex(bytes_of(c.tcp))) << i;
  }
  EXPECT_GE(sacks, 10u);
}

TEST(Tcp, option_cursor_walks_the_syn_options_in_order) {
  auto c = captured(kSynV4);
  auto p = tcp::Packet::check(bytes_of(c.tcp));
  ASSERT_TRUE(p);
  tcp::OptionCursor cursor(p->options());
  std::vector<uint8_t> kinds;
  while (!cursor.done()) {
    auto o = cursor.next();
    ASSERT_TRUE(o);
    kinds.push_back(o->kind);
  }
  // MSS, SACK-permitted, timestamps, NOP skipped, window scale; the area ends exactly.
  EXPECT_EQ(kinds, (std::vector<uint8_t>{2, 4, 8, 3}));
}

TEST(Tcp, data_offset_below_five_is_malformed) {
  auto c = captured(kRstV4);
  for (uint8_t doff = 0; doff < 5; ++doff) {
    auto b = c.tcp;
    b[12] = static_cast<uint8_t>(doff << 4);
    auto p = tcp::Packet::check(bytes_of(b));
    ASSERT_FALSE(p) << int(doff);
    EXPECT_EQ(p.error(), Error::Malformed);
  }
}

TEST(Tcp, data_offset_past_the_buffer_is_truncated) {
  auto c = captured(kSynV4);  // 40 bytes, data offset 10
  for (uint8_t doff = 11; doff < 16; ++doff) {
    auto b = c.tcp;
    b[12] = static_cast<uint8_t>(doff << 4);
    auto p = tcp::Packet::check(bytes_of(b));
    ASSERT_FALSE(p) << int(doff);
    EXPECT_EQ(p.error(), Error::Truncated);
  }
}

TEST(Tcp, every_truncation_is_rejected) {
  auto c = captured(kDataV4);
  // Inside the header: check() fails. Inside the payload: the checksum fails.
  for (size_t cut = 0; cut < 32; ++cut)
    EXPECT_FALSE(tcp::Packet::check(Bytes(c.tcp.data(), cut))) << cut;
  for (size_t cut = 32; cut < c.tcp.size(); ++cut) {
    auto p = tcp::Packet::check(Bytes(c.tcp.data(), cut));
    ASSERT_TRUE(p) << cut;
    auto r = tcp::Repr::parse(*p, c.src, c.dst);
    ASSERT_FALSE(r) << cut;
    EXPECT_EQ(r.error(), Error::BadChecksum);
  }
}

TEST(Tcp, every_syn_option_with_a_bad_length_is_malformed) {
  // The SYN's options: MSS at 20 (len 4), SACK-permitted at 24 (2), timestamps at 26
  // (10), NOP at 36, window scale at 37 (3); the area ends at 40.
  struct At {
    size_t offset;
    uint8_t good;
  };
  auto c = captured(kSynV4);
  ASSERT_TRUE(parse_unchecked(c.tcp));
  for (At at : {At{20, 4}, At{24, 2}, At{26, 10}, At{37, 3}}) {
    ASSERT_EQ(c.tcp[at.offset + 1], at.good);
    size_t room = 40 - at.offset;
    for (size_t len : {size_t{0}, size_t{1}, size_t(at.good - 1), size_t(at.good + 1), room + 1,
                       size_t{255}}) {
      if (len == at.good) continue;
      auto b = c.tcp;
      b[at.offset + 1] = static_cast<uint8_t>(len);
      EXPECT_EQ(error_of(parse_unchecked(b)), Error::Malformed) << at.offset << " len " << len;
    }
  }
}

TEST(Tcp, every_sack_length_but_two_plus_eight_n_is_malformed) {
  auto c = captured(kSack3);  // NOP NOP TS NOP NOP SACK(26) — SACK length octet at 35
  ASSERT_EQ(c.tcp[35], 26);
  for (size_t len = 0; len < 256; ++len) {
    auto b = c.tcp;
    b[35] = static_cast<uint8_t>(len);
    bool good = len == 10 || len == 18 || len == 26;
    if (good)  // fewer blocks: the freed bytes become NOPs
      for (size_t i = 34 + len; i < 60; ++i) b[i] = 1;
    auto r = parse_unchecked(b);
    if (good)
      EXPECT_TRUE(r) << len;
    else
      EXPECT_EQ(error_of(r), Error::Malformed) << len;
  }
}

TEST(Tcp, sack_with_zero_or_five_blocks_is_malformed) {
  std::vector<uint8_t> area(42, 0);
  area[0] = 5;
  area[1] = 2;  // no blocks
  EXPECT_FALSE(tcp::OptionCursor(Bytes(area.data(), 2)).next());
  area[1] = 42;  // five blocks (the area here is larger than any header allows)
  auto o = tcp::OptionCursor(Bytes(area.data(), 42)).next();
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error(), Error::Malformed);
  area[1] = 34;  // four blocks: the largest
  EXPECT_TRUE(tcp::OptionCursor(Bytes(area.data(), 34)).next());
}

TEST(Tcp, window_scale_above_fourteen_is_clamped_and_recorded) {
  auto c = captured(kSynV4);  // window scale value at 39
  for (uint8_t shift : {uint8_t{15}, uint8_t{200}, uint8_t{255}}) {
    auto b = c.tcp;
    b[39] = shift;
    auto r = parse_unchecked(b);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->window_scale, Optional<uint8_t>(14)) << int(shift);
    EXPECT_TRUE(r->window_scale_clamped);
  }
  auto b = c.tcp;
  b[39] = 14;
  auto r = parse_unchecked(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->window_scale, Optional<uint8_t>(14));
  EXPECT_FALSE(r->window_scale_clamped);
}

TEST(Tcp, unknown_option_is_skipped_by_its_length) {
  // kind 30 (MPTCP) with 6 bytes, then MSS 1000, NOP NOP.
  auto s = segment_with_options(hex("1e06 aabbccdd 020403e8 0101"));
  auto r = parse_unchecked(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mss, Optional<uint16_t>(1000));
}

TEST(Tcp, unknown_option_with_a_bad_length_is_malformed) {
  for (auto opts : {"1e00 0000", "1e01 0000", "1e05 0000", "0101 01fe"}) {
    auto r = parse_unchecked(segment_with_options(hex(opts)));
    EXPECT_EQ(error_of(r), Error::Malformed) << opts;
  }
}

TEST(Tcp, kind_without_length_octet_at_the_end_is_malformed) {
  EXPECT_EQ(error_of(parse_unchecked(segment_with_options(hex("010101 02")))), Error::Malformed);
}

TEST(Tcp, end_of_list_stops_the_walk) {
  // MSS, EOL, then bytes that would be a bad option: ignored as padding.
  auto r = parse_unchecked(segment_with_options(hex("02040200 00 0200ff")));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->mss, Optional<uint16_t>(512));
}

TEST(Tcp, a_known_option_twice_is_malformed) {
  EXPECT_EQ(error_of(parse_unchecked(segment_with_options(hex("02040200 02040300")))),
            Error::Malformed);
  EXPECT_EQ(error_of(parse_unchecked(segment_with_options(hex("0402 0402")))), Error::Malformed);
}

TEST(Tcp, ns_bit_and_reserved_bits_are_ignored) {
  auto c = captured(kRstV4);
  auto b = c.tcp;
  b[12] |= 0x0f;
  auto r = parse_unchecked(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->flags, tcp::flag::kRst | tcp::flag::kAck);
}

TEST(Tcp, bad_checksum_rejected_unless_not_verified) {
  auto c = captured(kDataV4);
  c.tcp[100] ^= 0x01;
  auto r = parse(c.tcp, c.src, c.dst);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::BadChecksum);
  EXPECT_TRUE(parse(c.tcp, c.src, c.dst, false));
}

TEST(Tcp, linux_layout_for_syn_without_timestamps) {
  tcp::Repr r;
  r.flags = tcp::flag::kSyn;
  r.mss = 1460;
  r.sack_permitted = true;
  r.window_scale = 7;
  EXPECT_EQ(r.options_len(), 12u);
  std::vector<uint8_t> out(r.buffer_len());
  IpAddress a = Ipv4Address::of(192, 0, 2, 1);
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out), a, a).ok());
  EXPECT_EQ(to_hex(Bytes(out.data() + kSynOptions, 12)), "020405b4010104020103030" "7");
}

TEST(Tcp, options_too_long_for_linux_layout_are_packed_and_padded_with_eol) {
  // MSS + TS + 3 SACK blocks: 44 bytes with NOPs, 40 without.
  tcp::Repr r;
  r.flags = tcp::flag::kAck;
  r.mss = 536;
  r.timestamps = tcp::Timestamps{1, 2};
  r.sack_count = 3;
  r.sack[0] = {10, 20};
  r.sack[1] = {30, 40};
  r.sack[2] = {50, 60};
  EXPECT_EQ(r.options_len(), 40u);
  std::vector<uint8_t> out(r.buffer_len());
  IpAddress a = Ipv4Address::of(192, 0, 2, 1);
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out), a, a).ok());
  EXPECT_EQ(to_hex(Bytes(out.data() + 20, 16)), "02040218080a00000001000000020" "51a");
  auto back = parse(out, a, a);
  ASSERT_TRUE(back);
  EXPECT_TRUE(same(*back, r));
  // Window scale as well: 43 bytes packed cannot fit.
  r.window_scale = 2;
  auto st = r.emit(test::mut_bytes_of(out = std::vector<uint8_t>(64)), a, a);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::Malformed);
}

TEST(Tcp, every_option_combination_round_trips_through_emit_and_parse) {
  IpAddress s = Ipv6Address::loopback(), d = Ipv6Address::all_nodes();
  const uint8_t payload[] = {1, 2, 3};
  size_t tried = 0;
  for (unsigned mask = 0; mask < 16; ++mask) {
    for (uint8_t blocks = 0; blocks <= 4; ++blocks) {
      tcp::Repr r;
      r.src_port = 80;
      r.dst_port = 40000;
      r.seq = 0xfffffff0u;
      r.ack = 7;
      r.flags = tcp::flag::kAck | tcp::flag::kPsh | tcp::flag::kUrg;
      r.window = 1234;
      r.urgent = 2;
      r.payload = Bytes(payload, 3);
      if (mask & 1) r.mss = 1400;
      if (mask & 2) r.window_scale = 14;
      if (mask & 4) r.sack_permitted = true;
      if (mask & 8) r.timestamps = tcp::Timestamps{0xdeadbeef, 0x01020304};
      r.sack_count = blocks;
      for (uint8_t i = 0; i < blocks; ++i) r.sack[i] = {i * 100u, i * 100u + 50};
      std::vector<uint8_t> out(r.buffer_len());
      auto st = r.emit(test::mut_bytes_of(out), s, d);
      if (r.options_len() > tcp::kMaxOptionsLen) {
        EXPECT_FALSE(st) << mask << "/" << int(blocks);
        continue;
      }
      ASSERT_TRUE(st.ok()) << mask << "/" << int(blocks);
      EXPECT_EQ(r.options_len() % 4, 0u);
      auto back = parse(out, s, d);
      ASSERT_TRUE(back) << mask << "/" << int(blocks);
      EXPECT_TRUE(same(*back, r)) << mask << "/" << int(blocks);
      ++tried;
    }
  }
  EXPECT_EQ(tried, 66u);  // 14 of the 80 cannot fit in 40 bytes
}

TEST(Tcp, emit_into_a_short_buffer_fails_without_writing) {
  tcp::Repr r;
  r.mss = 1460;
  std::vector<uint8_t> buf(23, 0xee);
  IpAddress a = Ipv4Address::of(192, 0, 2, 1);
  auto st = r.emit(test::mut_bytes_of(buf), a, a);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::BufferTooSmall);
  EXPECT_EQ(buf, std::vector<uint8_t>(23, 0xee));
}

TEST(Tcp, emit_in_place_keeps_a_payload_already_in_the_buffer) {
  auto c = captured(kDataV4);
  auto r = parse(c.tcp, c.src, c.dst);
  ASSERT_TRUE(r);
  auto copy = c.tcp;
  // Emit over the parsed buffer itself: the payload view points into it.
  ASSERT_TRUE(r->emit(test::mut_bytes_of(c.tcp), c.src, c.dst).ok());
  EXPECT_EQ(c.tcp, copy);
  // Without timestamps the header shrinks by 12: the payload moves down intact.
  r->timestamps.reset();
  ASSERT_TRUE(r->emit(test::mut_bytes_of(c.tcp), c.src, c.dst).ok());
  EXPECT_EQ(c.tcp[12] >> 4, 5);
  EXPECT_EQ(std::vector<uint8_t>(c.tcp.begin() + 20, c.tcp.begin() + 20 + 1448),
            std::vector<uint8_t>(1448, 'k'));
}
