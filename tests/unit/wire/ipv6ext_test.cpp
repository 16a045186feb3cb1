// ipv6ext_test.cpp — IPv6 extension headers on real kernel packets (ipv6.pcap: options
// set through socket options, a segment routing header, fragments; mld.pcap: router
// alerts), the one scapy-made routing header type 0, and every malformed length.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/ipv6ext.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using namespace keel::wire::ipv6ext;
using keel::test::bytes_of;

namespace {

// payload(capture, n) — what follows the fixed IPv6 header in frame n (tshark's
// numbering), found by offset so the test does not rely on wire/ethernet or wire/ipv6.
std::vector<uint8_t> payload(const char* capture, size_t n) {
  auto f = test::capture(capture).frames.at(n - 1).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  EXPECT_EQ(type, 0x86dd);
  return std::vector<uint8_t>(f.begin() + static_cast<long>(l3 + 40), f.end());
}

uint8_t first_next_header(const char* capture, size_t n) {
  auto f = test::capture(capture).frames.at(n - 1).bytes;
  uint16_t type = 0;
  return f[test::l3_offset(f, &type) + 6];
}

// options(header) — every option of a checked header, in order.
std::vector<Option> options(const OptionsHeader& h) {
  std::vector<Option> out;
  OptionCursor c = h.cursor();
  for (;;) {
    auto o = c.next();
    EXPECT_TRUE(o);
    if (!o || !o->has_value()) return out;
    out.push_back(o->value());
  }
}

// A destination options header of len bytes (PadN filling it) leading to next.
std::vector<uint8_t> padded_dest_opts(uint8_t next, size_t len) {
  std::vector<uint8_t> h(len, 0);
  h[0] = next;
  h[1] = static_cast<uint8_t>(len / 8 - 1);
  h[2] = 1;
  h[3] = static_cast<uint8_t>(len - 4);
  return h;
}

constexpr uint8_t kUdp = 17, kIcmpv6 = 58, kHbh = 0, kRoute = 43, kFrag = 44, kDst = 60;

}  // namespace

TEST(Ipv6Ext, hop_by_hop_router_alert_from_kernel_field_by_field) {
  auto b = payload("ipv6", 29);  // UDP with IPV6_HOPOPTS: router alert 0, PadN
  auto h = OptionsHeader::check(bytes_of(b));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->next_header(), kUdp);
  EXPECT_EQ(h->header_len(), 8u);
  ASSERT_TRUE(h->router_alert());
  EXPECT_EQ(*h->router_alert(), 0);
  auto opts = options(*h);
  ASSERT_EQ(opts.size(), 2u);
  EXPECT_EQ(opts[0].type, 0x05);
  EXPECT_EQ(opts[0].offset, 2);
  EXPECT_EQ(test::to_hex(opts[0].data), "0000");
  EXPECT_EQ(opts[0].action(), Action::Skip);
  EXPECT_FALSE(opts[0].may_change());
  EXPECT_EQ(opts[1].type, 0x01);  // PadN, no data
  EXPECT_EQ(opts[1].offset, 6);
  EXPECT_TRUE(opts[1].data.empty());
  auto r = OptionsRepr::parse(*h);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->next_header, kUdp);
  EXPECT_EQ(*r->router_alert, 0);
  EXPECT_EQ(test::to_hex(r->options), "050200000100");
}

TEST(Ipv6Ext, bridge_query_router_alert_padded_with_pad1) {
  auto b = payload("mld", 17);  // the kernel bridge's MLD query: router alert, Pad1, Pad1
  auto h = OptionsHeader::check(bytes_of(b));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->next_header(), kIcmpv6);
  auto opts = options(*h);
  ASSERT_EQ(opts.size(), 3u);
  EXPECT_EQ(opts[1].type, 0x00);
  EXPECT_EQ(opts[1].offset, 6);
  EXPECT_EQ(opts[2].type, 0x00);
  EXPECT_EQ(opts[2].offset, 7);
  EXPECT_EQ(*h->router_alert(), 0);
}

TEST(Ipv6Ext, destination_options_walk_unknown_pad1_and_padn) {
  auto b = payload("ipv6", 31);  // IPV6_DSTOPTS: 0x1e with 7 bytes, Pad1, PadN of 4
  auto h = OptionsHeader::check(bytes_of(b));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->next_header(), kUdp);
  EXPECT_EQ(h->header_len(), 16u);
  EXPECT_FALSE(h->router_alert());
  auto opts = options(*h);
  ASSERT_EQ(opts.size(), 3u);
  EXPECT_EQ(opts[0].type, 0x1e);
  EXPECT_EQ(opts[0].offset, 2);
  EXPECT_EQ(test::to_hex(opts[0].data), "11223344556677");
  EXPECT_EQ(opts[0].action(), Action::Skip);
  EXPECT_EQ(opts[1].type, 0x00);
  EXPECT_EQ(opts[1].offset, 11);
  EXPECT_EQ(opts[2].type, 0x01);
  EXPECT_EQ(opts[2].offset, 12);
  EXPECT_EQ(test::to_hex(opts[2].data), "0000");
}

TEST(Ipv6Ext, unknown_option_exposes_action_bits_and_offset_the_kernel_points_at) {
  auto b = payload("ipv6", 34);  // destination option 0x9e: discard and send ICMP
  auto h = OptionsHeader::check(bytes_of(b));
  ASSERT_TRUE(h);
  auto opts = options(*h);
  ASSERT_EQ(opts.size(), 2u);
  EXPECT_EQ(opts[0].type, 0x9e);
  EXPECT_EQ(opts[0].action(), Action::DiscardAndIcmp);
  // The kernel's parameter problem (frame 35) points at this option: 40 + its offset.
  auto icmp = payload("ipv6", 35);
  EXPECT_EQ(icmp[0], 4);  // parameter problem
  EXPECT_EQ(icmp[1], 2);  // unrecognized IPv6 option
  uint32_t pointer = uint32_t(icmp[4]) << 24 | icmp[5] << 16 | icmp[6] << 8 | icmp[7];
  EXPECT_EQ(pointer, 40u + opts[0].offset);
}

TEST(Ipv6Ext, action_is_the_two_high_bits_and_may_change_the_third) {
  struct Case { uint8_t type; Action action; bool change; };
  for (Case c : {Case{0x1e, Action::Skip, false}, Case{0x3e, Action::Skip, true},
                 Case{0x5e, Action::Discard, false}, Case{0x9e, Action::DiscardAndIcmp, false},
                 Case{0xde, Action::DiscardAndIcmpUnicast, false},
                 Case{0xfe, Action::DiscardAndIcmpUnicast, true}}) {
    auto b = payload("ipv6", 34);
    b[2] = c.type;
    auto h = OptionsHeader::check(bytes_of(b));
    ASSERT_TRUE(h);
    auto opts = options(*h);
    EXPECT_EQ(opts[0].action(), c.action) << int(c.type);
    EXPECT_EQ(opts[0].may_change(), c.change) << int(c.type);
  }
}

TEST(Ipv6Ext, options_header_rejects_hdr_ext_len_past_the_buffer) {
  auto b = payload("ipv6", 31);
  b.resize(16);  // the header alone
  for (uint8_t len : {2, 3, 255}) {
    b[1] = len;
    auto h = OptionsHeader::check(bytes_of(b));
    ASSERT_FALSE(h) << int(len);
    EXPECT_EQ(h.error(), Error::Truncated);
  }
  b[1] = 0;  // 8 bytes: the 0x1e option now runs past the header
  auto h = OptionsHeader::check(bytes_of(b));
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error(), Error::Malformed);
}

TEST(Ipv6Ext, rejects_every_option_length_that_runs_past_the_header) {
  auto base = payload("ipv6", 31);
  base.resize(16);
  // 0x1e's length: up to 12 it ends inside the header (12: exactly at its end); more
  // runs past it.
  for (int len : {13, 14, 15, 200, 255}) {
    auto b = base;
    b[3] = static_cast<uint8_t>(len);
    auto h = OptionsHeader::check(bytes_of(b));
    ASSERT_FALSE(h) << len;
    EXPECT_EQ(h.error(), Error::Malformed) << len;
  }
  // PadN's length: 2 fits, 3 and more run past.
  for (int len : {3, 4, 255}) {
    auto b = base;
    b[13] = static_cast<uint8_t>(len);
    auto h = OptionsHeader::check(bytes_of(b));
    ASSERT_FALSE(h) << len;
    EXPECT_EQ(h.error(), Error::Malformed);
  }
  // An option type in the last byte, with no room for its length.
  auto b = test::hex("11 00 01 03 00 00 00 05");
  auto h = OptionsHeader::check(bytes_of(b));
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error(), Error::Malformed);
}

TEST(Ipv6Ext, shorter_option_lengths_that_stay_inside_are_walked) {
  auto b = payload("ipv6", 31);
  b[3] = 0;  // 0x1e now empty: the bytes that were its data are read as options
  b[4] = 0;  // Pad1 ...
  b[5] = 1;  // PadN of 11 up to the end
  b[6] = 9;
  auto h = OptionsHeader::check(bytes_of(b).first(16));
  ASSERT_TRUE(h);
  auto opts = options(*h);
  ASSERT_EQ(opts.size(), 3u);
  EXPECT_EQ(opts[2].offset, 5);
  EXPECT_EQ(opts[2].data.size(), 9u);
  b = payload("ipv6", 31);
  b[3] = 12;  // 0x1e swallows the padding, up to the end exactly
  auto whole = OptionsHeader::check(bytes_of(b).first(16));
  ASSERT_TRUE(whole);
  ASSERT_EQ(options(*whole).size(), 1u);
  EXPECT_EQ(options(*whole)[0].data.size(), 12u);
}

TEST(Ipv6Ext, router_alert_must_have_two_bytes) {
  for (const char* hex : {"11 00 05 00 01 02 00 00", "11 00 05 01 00 01 01 00",
                          "11 00 05 03 00 00 00 00", "11 00 05 04 00 00 00 00"}) {
    auto b = test::hex(hex);
    auto h = OptionsHeader::check(bytes_of(b));
    ASSERT_FALSE(h) << hex;
    EXPECT_EQ(h.error(), Error::Malformed) << hex;
  }
}

TEST(Ipv6Ext, every_truncated_header_is_rejected) {
  auto opts = payload("ipv6", 31);
  for (size_t cut = 0; cut < 16; ++cut)
    EXPECT_FALSE(OptionsHeader::check(bytes_of(opts).first(cut))) << cut;
  auto route = payload("ipv6", 33);
  for (size_t cut = 0; cut < 24; ++cut)
    EXPECT_FALSE(RoutingHeader::check(bytes_of(route).first(cut))) << cut;
  auto frag = payload("ipv6", 16);
  for (size_t cut = 0; cut < 8; ++cut)
    EXPECT_FALSE(FragmentHeader::check(bytes_of(frag).first(cut))) << cut;
}

TEST(Ipv6Ext, segment_routing_header_from_kernel_field_by_field) {
  auto b = payload("ipv6", 33);  // IPV6_RTHDR: type 4, one segment 2001:db8::1
  auto h = RoutingHeader::check(bytes_of(b));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->next_header(), kUdp);
  EXPECT_EQ(h->header_len(), 24u);
  EXPECT_EQ(h->routing_type(), static_cast<uint8_t>(RoutingType::Segment));
  EXPECT_EQ(h->segments_left(), 0);
  EXPECT_EQ(test::to_hex(h->data()), "0000000020010db8000000000000000000000001");
  auto r = RoutingRepr::parse(*h);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->is_type0());
}

TEST(Ipv6Ext, routing_header_type0_is_exposed_for_the_caller_to_refuse) {
  auto b = payload("ipv6", 39);  // scapy: type 0, segments left 1, address 2001:db8::2
  auto h = RoutingHeader::check(bytes_of(b));
  ASSERT_TRUE(h);
  auto r = RoutingRepr::parse(*h);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is_type0());
  EXPECT_EQ(r->segments_left, 1);
  EXPECT_EQ(r->next_header, kUdp);
  EXPECT_EQ(test::to_hex(r->data), "0000000020010db8000000000000000000000002");
  // The kernel refused it (RFC 5095) with a parameter problem pointing at the type.
  auto icmp = payload("ipv6", 40);
  EXPECT_EQ(icmp[0], 4);
  EXPECT_EQ(icmp[1], 0);
  EXPECT_EQ(icmp[7], 40 + field::kRoutingType);
}

TEST(Ipv6Ext, routing_header_rejects_hdr_ext_len_past_the_buffer) {
  auto b = payload("ipv6", 33);
  b.resize(24);
  for (uint8_t len : {3, 4, 255}) {
    b[1] = len;
    auto h = RoutingHeader::check(bytes_of(b));
    ASSERT_FALSE(h) << int(len);
    EXPECT_EQ(h.error(), Error::Truncated);
  }
  for (uint8_t len : {0, 1}) {  // shorter: a shorter header, the rest is what follows
    b[1] = len;
    auto h = RoutingHeader::check(bytes_of(b));
    ASSERT_TRUE(h) << int(len);
    EXPECT_EQ(h->header_len(), 8u * (len + 1));
  }
}

TEST(Ipv6Ext, kernel_fragments_field_by_field) {
  struct Want { size_t frame; uint16_t offset; bool more; };
  for (Want w : {Want{16, 0, true}, Want{17, 1448, true}, Want{18, 2896, false}}) {
    auto b = payload("ipv6", w.frame);
    auto h = FragmentHeader::check(bytes_of(b));
    ASSERT_TRUE(h);
    EXPECT_EQ(h->header_len(), 8u);
    auto r = FragmentRepr::parse(*h);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->next_header, kIcmpv6);
    EXPECT_EQ(r->offset, w.offset);
    EXPECT_EQ(r->more_fragments, w.more);
    EXPECT_EQ(r->ident, 0x60a49dbdu);
    EXPECT_FALSE(r->is_atomic());
  }
}

TEST(Ipv6Ext, fragment_reserved_fields_are_ignored) {
  auto b = payload("ipv6", 17);
  b[1] = 0xff;   // reserved octet
  b[3] |= 0x06;  // the two reserved bits
  auto r = FragmentRepr::parse(*FragmentHeader::check(bytes_of(b)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->offset, 1448);
  EXPECT_TRUE(r->more_fragments);
  std::vector<uint8_t> out(8);
  ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(payload("ipv6", 17)).first(8)));
}

TEST(Ipv6Ext, every_captured_extension_header_reemits_byte_exact) {
  size_t seen = 0;
  for (const char* cap : {"ipv6", "ndisc", "mld"}) {
    size_t n = test::capture(cap).frames.size();
    for (size_t i = 1; i <= n; ++i) {
      auto b = payload(cap, i);
      uint8_t nh = first_next_header(cap, i);
      size_t off = 0;
      while (nh == kHbh || nh == kDst || nh == kRoute || nh == kFrag) {
        Bytes rest = bytes_of(b).from(off);
        std::vector<uint8_t> out;
        size_t len = 0;
        uint8_t next = 0;
        if (nh == kFrag) {
          auto r = FragmentRepr::parse(*FragmentHeader::check(rest));
          out.resize(r->buffer_len());
          ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok());
          len = 8;
          next = r->next_header;
        } else if (nh == kRoute) {
          auto h = RoutingHeader::check(rest);
          ASSERT_TRUE(h) << cap << i;
          auto r = RoutingRepr::parse(*h);
          out.resize(r->buffer_len());
          ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok());
          len = h->header_len();
          next = r->next_header;
        } else {
          auto h = OptionsHeader::check(rest);
          ASSERT_TRUE(h) << cap << i;
          auto r = OptionsRepr::parse(*h);
          out.resize(r->buffer_len());
          ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok());
          len = h->header_len();
          next = r->next_header;
        }
        EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(rest.first(len))) << cap << i;
        ++seen;
        off += len;
        nh = (nh == kFrag) ? 255 : next;  // after a fragment header: fragment data
      }
    }
  }
  EXPECT_GE(seen, 40u);
}

TEST(Ipv6Ext, router_alert_repr_emits_what_the_kernel_sends_with_mld) {
  OptionsRepr r;
  r.next_header = kIcmpv6;
  r.router_alert = 0;
  ASSERT_EQ(r.buffer_len(), 8u);
  std::vector<uint8_t> out(8);
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  auto report = payload("mld", 11);  // the kernel's MLDv2 report
  EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(report).first(8)));
}

TEST(Ipv6Ext, options_emit_pads_with_pad1_or_padn_to_a_multiple_of_8) {
  auto opt = test::hex("1e 03 aa bb cc");  // 2 + 5 = 7: one byte of Pad1
  OptionsRepr r;
  r.next_header = kUdp;
  r.options = bytes_of(opt);
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), "11001e03aabbcc00");
  auto opt2 = test::hex("1e 01 aa");  // 2 + 3 = 5: PadN of 3
  r.options = bytes_of(opt2);
  out.assign(r.buffer_len(), 0xee);
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), "11001e01aa010100");
  EXPECT_TRUE(OptionsHeader::check(bytes_of(out)));
}

TEST(Ipv6Ext, emit_rejects_what_cannot_be_encoded_and_short_buffers) {
  std::vector<uint8_t> big(2047, 0);
  OptionsRepr o;
  o.options = bytes_of(big);
  std::vector<uint8_t> out(4096, 0xee);
  EXPECT_EQ(o.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  std::vector<uint8_t> six(6, 0);
  RoutingRepr r;
  r.data = bytes_of(six);  // 4 + 6 = 10
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  FragmentRepr f;
  f.offset = 1449;
  EXPECT_EQ(f.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  EXPECT_EQ(out, std::vector<uint8_t>(4096, 0xee));
  std::vector<uint8_t> small(7, 0xee);
  f.offset = 8;
  EXPECT_EQ(f.emit(test::mut_bytes_of(small)).error(), Error::BufferTooSmall);
  o.options = Bytes();
  EXPECT_EQ(o.emit(test::mut_bytes_of(small)).error(), Error::BufferTooSmall);
  r.data = Bytes();
  r.routing_type = 4;
  std::vector<uint8_t> data(12, 0);
  r.data = bytes_of(data);
  EXPECT_EQ(r.emit(test::mut_bytes_of(small)).error(), Error::BufferTooSmall);
  EXPECT_EQ(small, std::vector<uint8_t>(7, 0xee));
}

TEST(Ipv6Ext, walk_finds_the_upper_layer_after_kernel_chains) {
  struct Want { const char* cap; size_t frame; uint8_t protocol; uint16_t offset; };
  for (Want w : {Want{"ipv6", 10, kIcmpv6, 0}, Want{"ipv6", 29, kUdp, 8},
                 Want{"ipv6", 31, kUdp, 16}, Want{"ipv6", 33, kUdp, 24},
                 Want{"ipv6", 39, kUdp, 24}, Want{"mld", 17, kIcmpv6, 8}}) {
    auto b = payload(w.cap, w.frame);
    auto c = walk(first_next_header(w.cap, w.frame), bytes_of(b));
    ASSERT_TRUE(c) << w.frame;
    EXPECT_EQ(c->protocol, w.protocol) << w.frame;
    EXPECT_EQ(c->offset, w.offset) << w.frame;
    EXPECT_FALSE(c->fragment) << w.frame;
  }
}

TEST(Ipv6Ext, walk_stops_after_a_fragment_header) {
  for (size_t frame : {16, 17, 18}) {
    auto b = payload("ipv6", frame);
    auto c = walk(kFrag, bytes_of(b));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->protocol, kIcmpv6);
    EXPECT_EQ(c->offset, 8);
    ASSERT_TRUE(c->fragment);
    EXPECT_EQ(*c->fragment, 0);
  }
}

TEST(Ipv6Ext, walk_passes_an_atomic_fragment) {
  // fragment (offset 0, M 0) -> destination options -> UDP
  auto b = test::hex("3c 00 0000 01020304  11 00 01 04 00000000");
  auto c = walk(kFrag, bytes_of(b));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->protocol, kUdp);
  EXPECT_EQ(c->offset, 16);
  ASSERT_TRUE(c->fragment);
  EXPECT_EQ(*c->fragment, 0);
}

TEST(Ipv6Ext, walk_rejects_hop_by_hop_after_the_first_header) {
  auto b = test::hex("00 00 01 04 00000000  11 00 05 02 0000 0100");
  auto c = walk(kDst, bytes_of(b));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), Error::Malformed);
  auto first = walk(kHbh, bytes_of(b).from(8));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->protocol, kUdp);
}

TEST(Ipv6Ext, walk_refuses_more_than_the_bound_of_headers) {
  std::vector<uint8_t> chain;
  for (size_t i = 0; i < kMaxHeaders; ++i) {
    auto h = padded_dest_opts(i + 1 == kMaxHeaders ? kUdp : kDst, 8);
    chain.insert(chain.end(), h.begin(), h.end());
  }
  auto ok = walk(kDst, bytes_of(chain));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->protocol, kUdp);
  EXPECT_EQ(ok->offset, 8 * kMaxHeaders);
  chain[chain.size() - 8] = kDst;  // one more header
  auto more = padded_dest_opts(kUdp, 8);
  chain.insert(chain.end(), more.begin(), more.end());
  auto c = walk(kDst, bytes_of(chain));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), Error::Unsupported);
}

TEST(Ipv6Ext, walk_refuses_a_chain_longer_than_the_bound) {
  auto a = padded_dest_opts(kDst, 512);
  auto b = padded_dest_opts(kUdp, 512);
  std::vector<uint8_t> chain(a);
  chain.insert(chain.end(), b.begin(), b.end());
  auto ok = walk(kDst, bytes_of(chain));  // exactly kMaxChainLen
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->offset, kMaxChainLen);
  chain[512] = kDst;
  auto c8 = padded_dest_opts(kUdp, 8);
  chain.insert(chain.end(), c8.begin(), c8.end());
  auto c = walk(kDst, bytes_of(chain));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), Error::Unsupported);
}

TEST(Ipv6Ext, walk_rejects_a_header_past_the_payload) {
  auto b = payload("ipv6", 31);  // destination options then UDP
  for (size_t cut = 0; cut < 16; ++cut) {
    auto c = walk(kDst, bytes_of(b).first(cut));
    ASSERT_FALSE(c) << cut;
    EXPECT_EQ(c.error(), Error::Truncated) << cut;
  }
  auto frag = walk(kFrag, bytes_of(payload("ipv6", 16)).first(7));
  ASSERT_FALSE(frag);
  EXPECT_EQ(frag.error(), Error::Truncated);
}

TEST(Ipv6Ext, cursor_stays_at_the_end_after_an_error) {
  auto b = test::hex("01 09 00 00");
  OptionCursor c(bytes_of(b));
  auto o = c.next();
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error(), Error::Malformed);
  auto end = c.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(end->has_value());
  OptionCursor empty{Bytes()};
  EXPECT_FALSE(empty.next()->has_value());
}
