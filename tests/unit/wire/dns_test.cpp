// dns_test.cpp — DNS on real dig/dnsmasq exchanges (dns.pcap), on hostile names
// (pointer loops, forward pointers, long labels and names, too many jumps) and on
// counts and lengths that lie.
//
// dns.pcap (make_dns.sh): 13 query/response pairs, frame 2k is a query and 2k+1 its
// response. Values below are tshark's.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "core/wire/dns.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;
using keel::test::hex;
using keel::test::to_hex;

namespace {

// The UDP payload of captured frame i (found by offset, without wire/ipv4 or wire/udp).
std::vector<uint8_t> captured(size_t i) {
  auto f = test::capture("dns").frames.at(i).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  size_t ihl = (f[l3] & 15) * 4u;
  return std::vector<uint8_t>(f.begin() + static_cast<long>(l3 + ihl + 8), f.end());
}

size_t capture_count() { return test::capture("dns").frames.size(); }

Bytes text(const char* s) { return Bytes(reinterpret_cast<const uint8_t*>(s), strlen(s)); }

std::string dotted(const dns::Name& n) {
  char buf[dns::kMaxDottedLen];
  auto len = n.read_dotted(MutBytes(reinterpret_cast<uint8_t*>(buf), sizeof buf));
  EXPECT_TRUE(len);
  return len ? std::string(buf, *len) : "";
}

dns::Repr parse_ok(const std::vector<uint8_t>& m) {
  auto p = dns::Packet::check(bytes_of(m));
  EXPECT_TRUE(p);
  if (!p) return {};
  auto r = dns::Repr::parse(*p);
  EXPECT_TRUE(r) << error_name(r.error());
  return r ? *r : dns::Repr{};
}
dns::Repr parse_ok(std::vector<uint8_t>&&) = delete;  // the Repr holds views into m

Error parse_error(const std::vector<uint8_t>& m) {
  auto p = dns::Packet::check(bytes_of(m));
  if (!p) return p.error();
  auto r = dns::Repr::parse(*p);
  EXPECT_FALSE(r);
  return r ? Error::BufferTooSmall : r.error();
}

// records(m) — every counted record of m, with its section.
struct Rec {
  dns::Record r;
  dns::Section s;
};
std::vector<Rec> records(const std::vector<uint8_t>& m) {
  auto p = dns::Packet::check(bytes_of(m));
  EXPECT_TRUE(p);
  dns::Reader reader(*p);
  std::vector<Rec> out;
  dns::Record r;
  for (;;) {
    auto more = reader.next_record(r);
    EXPECT_TRUE(more) << error_name(more.error());
    if (!more || !*more) break;
    out.push_back({r, reader.section()});
  }
  return out;
}

// A message: a zero header with the given counts, then body bytes (hex), so names
// start at offset 12.
std::vector<uint8_t> msg(const std::string& body, uint16_t qd = 0, uint16_t an = 0) {
  std::vector<uint8_t> m(12, 0);
  m[5] = uint8_t(qd);
  m[7] = uint8_t(an);
  auto b = hex(body);
  m.insert(m.end(), b.begin(), b.end());
  return m;
}

wire::Result<dns::Name> name_at(const std::vector<uint8_t>& m, size_t off) {
  return dns::Name::parse(bytes_of(m), off);
}

// label(n, c) — a label of n copies of c, as hex.
std::string label(size_t n, char c = 'a') {
  std::vector<uint8_t> b(1, uint8_t(n));
  b.insert(b.end(), n, uint8_t(c));
  return to_hex(bytes_of(b));
}

// Offset of the count field of a section in the header.
size_t count_field(dns::Section s) { return 4 + 2 * size_t(s); }

}  // namespace

// ---- the captured exchanges, field by field ----

TEST(Dns, parses_dig_query_field_by_field) {
  auto m = captured(0);
  auto p = dns::Packet::check(bytes_of(m));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->id(), 0x14d3);
  EXPECT_EQ(p->flags(), 0x0120);
  EXPECT_EQ(p->qdcount(), 1);
  EXPECT_EQ(p->ancount(), 0);
  EXPECT_EQ(p->nscount(), 0);
  EXPECT_EQ(p->arcount(), 0);
  auto r = parse_ok(m);
  EXPECT_EQ(r.id, 0x14d3);
  EXPECT_FALSE(r.response);
  EXPECT_EQ(r.opcode, dns::Opcode::Query);
  EXPECT_TRUE(r.recursion_desired);
  EXPECT_TRUE(r.authentic_data);
  EXPECT_FALSE(r.authoritative || r.truncated || r.recursion_available || r.checking_disabled);
  EXPECT_EQ(r.rcode, dns::Rcode::NoError);
  ASSERT_TRUE(r.question);
  EXPECT_EQ(dotted(r.question->name), "host.example.com");
  EXPECT_EQ(r.question->name.offset(), dns::kQuestionOffset);
  EXPECT_EQ(r.question->name.wire_len(), 18u);
  EXPECT_EQ(r.question->type, dns::Type::A);
  EXPECT_EQ(r.question->qclass, dns::kClassIn);
}

TEST(Dns, parses_a_response_with_the_owner_compressed_to_the_question) {
  auto m = captured(1);
  auto r = parse_ok(m);
  EXPECT_EQ(r.id, 0x14d3);
  EXPECT_TRUE(r.response);
  EXPECT_TRUE(r.authoritative);
  EXPECT_TRUE(r.recursion_desired);
  EXPECT_TRUE(r.recursion_available);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.rcode, dns::Rcode::NoError);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 1u);
  const auto& a = rs[0].r;
  EXPECT_EQ(rs[0].s, dns::Section::Answer);
  EXPECT_EQ(to_hex(a.name.in_place()), "c00c");
  EXPECT_TRUE(a.name.equals(r.question->name));
  EXPECT_EQ(a.type, dns::Type::A);
  EXPECT_EQ(a.rclass, dns::kClassIn);
  EXPECT_EQ(a.ttl, 0u);
  EXPECT_EQ(a.a().value(), Ipv4Address::of(192, 0, 2, 20));
  EXPECT_EQ(a.aaaa().error(), Error::Unsupported);
}

TEST(Dns, parses_aaaa_response_with_edns_opt_record) {
  auto m = captured(3);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].s, dns::Section::Answer);
  Ipv6Address want{};
  want.bytes[0] = 0x20, want.bytes[1] = 0x01, want.bytes[2] = 0x0d, want.bytes[3] = 0xb8;
  want.bytes[15] = 0x20;
  EXPECT_EQ(rs[0].r.aaaa().value(), want);
  EXPECT_EQ(rs[1].s, dns::Section::Additional);
  EXPECT_EQ(rs[1].r.type, dns::Type::Opt);
  EXPECT_TRUE(rs[1].r.name.is_root());
  EXPECT_EQ(rs[1].r.rclass, 1232);  // UDP payload size
  EXPECT_EQ(rs[1].r.ttl, 0u);       // extended rcode, version 0, no DO
  EXPECT_TRUE(rs[1].r.rdata.empty());
}

TEST(Dns, query_with_edns_cookie_carries_the_opt_record) {
  auto m = captured(2);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].s, dns::Section::Additional);
  EXPECT_EQ(rs[0].r.type, dns::Type::Opt);
  EXPECT_EQ(rs[0].r.rdata.size(), 12u);  // COOKIE option: code 10, length 8
  EXPECT_EQ(to_hex(rs[0].r.rdata.first(4)), "000a0008");
}

TEST(Dns, follows_a_cname_chain_across_compressed_names) {
  auto m = captured(5);
  auto r = parse_ok(m);
  EXPECT_EQ(dotted(r.question->name), "alias.example.com");
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].r.type, dns::Type::Cname);
  EXPECT_TRUE(rs[0].r.name.equals(r.question->name));
  auto mid = rs[0].r.target();
  ASSERT_TRUE(mid);
  EXPECT_EQ(dotted(*mid), "mid.example.com");
  EXPECT_EQ(rs[1].r.type, dns::Type::Cname);
  EXPECT_TRUE(rs[1].r.name.equals(*mid));  // owner is a pointer to the previous target
  EXPECT_EQ(to_hex(rs[1].r.name.in_place()), "c02f");
  auto host = rs[1].r.target();
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->equals_dotted(text("host.example.com")));
  EXPECT_EQ(rs[2].r.type, dns::Type::A);
  EXPECT_TRUE(rs[2].r.name.equals(*host));
  EXPECT_EQ(rs[2].r.a().value(), Ipv4Address::of(192, 0, 2, 20));
}

TEST(Dns, txt_rdata_is_the_raw_character_strings) {
  auto m = captured(7);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].r.type, dns::Type::Txt);
  EXPECT_EQ(to_hex(rs[0].r.txt()), "07" + to_hex(text("v=keel1")) + "0d" +
                                       to_hex(text("second string")));
}

TEST(Dns, mx_response_with_glue_in_additional) {
  auto m = captured(9);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 3u);
  auto mx = rs[0].r.mx();
  ASSERT_TRUE(mx);
  EXPECT_EQ(mx->preference, 10);
  EXPECT_EQ(dotted(mx->exchange), "mail.example.com");
  EXPECT_EQ(rs[1].s, dns::Section::Additional);
  EXPECT_TRUE(rs[1].r.name.equals(mx->exchange));
  EXPECT_EQ(rs[1].r.a().value(), Ipv4Address::of(192, 0, 2, 25));
  EXPECT_EQ(rs[2].r.type, dns::Type::Opt);
}

TEST(Dns, ptr_response_names_the_host) {
  auto m = captured(11);
  auto r = parse_ok(m);
  EXPECT_EQ(dotted(r.question->name), "20.2.0.192.in-addr.arpa");
  EXPECT_EQ(r.question->type, dns::Type::Ptr);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(dotted(rs[0].r.target().value()), "host.example.com");
}

TEST(Dns, truncated_udp_response_sets_tc_with_consistent_counts) {
  auto m = captured(13);  // 40 addresses do not fit 512 bytes without EDNS
  auto r = parse_ok(m);
  EXPECT_TRUE(r.truncated);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 29u);
  for (const auto& x : rs) {
    EXPECT_TRUE(x.r.name.equals(r.question->name));
    EXPECT_EQ(x.r.a().value().bytes[2], 100);
  }
}

TEST(Dns, many_a_records_for_one_name_with_edns) {
  auto m = captured(15);
  auto r = parse_ok(m);
  EXPECT_FALSE(r.truncated);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 41u);  // 40 A and the OPT
  std::set<int> last;
  for (size_t i = 0; i < 40; ++i) {
    auto a = rs[i].r.a().value();
    EXPECT_EQ(a, Ipv4Address::of(198, 51, 100, a.bytes[3]));
    last.insert(a.bytes[3]);
  }
  EXPECT_EQ(last.size(), 40u);
  EXPECT_EQ(*last.begin(), 10);
  EXPECT_EQ(*last.rbegin(), 49);
}

TEST(Dns, nxdomain_response_has_no_records) {
  auto m = captured(19);
  auto r = parse_ok(m);
  EXPECT_EQ(r.rcode, dns::Rcode::NxDomain);
  EXPECT_FALSE(r.authoritative);
  EXPECT_TRUE(records(m).empty());
}

TEST(Dns, authoritative_nxdomain_carries_the_zone_soa) {
  auto m = captured(21);
  auto r = parse_ok(m);
  EXPECT_EQ(r.rcode, dns::Rcode::NxDomain);
  EXPECT_TRUE(r.authoritative);
  EXPECT_FALSE(r.recursion_available);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].s, dns::Section::Authority);
  EXPECT_EQ(dotted(rs[0].r.name), "auth.test");
  EXPECT_EQ(rs[0].r.ttl, 600u);
  auto soa = rs[0].r.soa();
  ASSERT_TRUE(soa);
  EXPECT_EQ(dotted(soa->mname), "ns.auth.test");
  EXPECT_EQ(dotted(soa->rname), "hostmaster.auth.test");
  EXPECT_EQ(soa->serial, 2024010101u);
  EXPECT_EQ(soa->refresh, 1200u);
  EXPECT_EQ(soa->retry, 180u);
  EXPECT_EQ(soa->expire, 1209600u);
  EXPECT_EQ(soa->minimum, 600u);
}

TEST(Dns, soa_answer_with_ns_authority_compressed_to_the_soa_owner) {
  auto m = captured(23);
  auto rs = records(m);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].s, dns::Section::Answer);
  EXPECT_EQ(rs[0].r.soa().value().serial, 2024010101u);
  EXPECT_EQ(rs[1].s, dns::Section::Authority);
  EXPECT_EQ(rs[1].r.type, dns::Type::Ns);
  EXPECT_EQ(to_hex(rs[1].r.name.in_place()), "c01b");
  EXPECT_TRUE(rs[1].r.name.equals(rs[0].r.name));
  EXPECT_EQ(dotted(rs[1].r.target().value()), "ns.auth.test");
}

// ---- re-emission ----

TEST(Dns, every_plain_query_reemits_byte_exact_from_its_repr) {
  size_t n = 0;
  for (size_t i = 0; i < capture_count(); i += 2) {
    auto m = captured(i);
    if (m[11] != 0) continue;  // with EDNS: see the Builder test below
    auto r = parse_ok(m);
    std::vector<uint8_t> out(r.buffer_len());
    ASSERT_TRUE(r.emit(test::mut_bytes_of(out)));
    EXPECT_EQ(to_hex(bytes_of(out)), to_hex(bytes_of(m))) << i;
    ++n;
  }
  EXPECT_EQ(n, 10u);
}

TEST(Dns, query_from_dotted_name_matches_dig_byte_exact) {
  uint8_t wire[dns::kMaxNameLen];
  auto len = dns::encode_name(text("host.example.com."), MutBytes(wire));
  ASSERT_TRUE(len);
  dns::Repr q;
  q.id = 0x14d3;
  q.recursion_desired = true;
  q.authentic_data = true;
  q.question = dns::Question{dns::Name::parse(Bytes(wire, *len), 0).value(), dns::Type::A,
                             dns::kClassIn};
  std::vector<uint8_t> out(q.buffer_len());
  ASSERT_TRUE(q.emit(test::mut_bytes_of(out)));
  EXPECT_EQ(to_hex(bytes_of(out)), to_hex(bytes_of(captured(0))));
}

TEST(Dns, every_captured_message_rebuilds_byte_exact_through_the_builder) {
  // Owner names are written as dnsmasq wrote them: in full, or one pointer.
  for (size_t i = 0; i < capture_count(); ++i) {
    auto m = captured(i);
    auto r = parse_ok(m);
    std::vector<uint8_t> out(m.size());
    auto b = dns::Builder::start(test::mut_bytes_of(out), r);
    ASSERT_TRUE(b);
    ASSERT_EQ(b->add_question(dns::NameRef(r.question->name), r.question->type).value(), 12);
    for (const auto& x : records(m)) {
      Bytes in_place = x.r.name.in_place();
      dns::NameRef owner(x.r.name);
      if (in_place.size() == 2 && (in_place[0] & 0xc0) == 0xc0)
        owner = dns::NameRef::pointer(uint16_t((in_place[0] & 0x3f) << 8 | in_place[1]));
      else
        ASSERT_EQ(in_place.size(), x.r.name.wire_len()) << i;  // not mixed
      ASSERT_TRUE(b->add_record(x.s, owner, x.r.type, x.r.rclass, x.r.ttl, x.r.rdata)) << i;
    }
    EXPECT_EQ(to_hex(b->message()), to_hex(bytes_of(m))) << i;
  }
}

TEST(Dns, builder_reproduces_the_dnsmasq_cname_chain_with_typed_calls) {
  auto query = captured(4);
  auto q = parse_ok(query);
  dns::Repr h = q;
  h.response = h.authoritative = h.recursion_available = true;
  h.authentic_data = false;
  std::vector<uint8_t> out(512);
  auto b = dns::Builder::start(test::mut_bytes_of(out), h);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->add_question(dns::NameRef(q.question->name), dns::Type::A));
  auto mid = b->add_name_record(dns::Section::Answer, dns::NameRef::pointer(dns::kQuestionOffset),
                                dns::Type::Cname, 0, dns::NameRef::dotted(text("mid.example.com")));
  ASSERT_TRUE(mid);
  EXPECT_EQ(*mid, 0x2f);
  auto host = b->add_name_record(dns::Section::Answer, dns::NameRef::pointer(*mid),
                                 dns::Type::Cname, 0, dns::NameRef::dotted(text("host.example.com")));
  ASSERT_TRUE(host);
  static const uint8_t addr[] = {192, 0, 2, 20};
  ASSERT_TRUE(b->add_record(dns::Section::Answer, dns::NameRef::pointer(*host), dns::Type::A,
                            dns::kClassIn, 0, Bytes(addr)));
  EXPECT_EQ(to_hex(b->message()), to_hex(bytes_of(captured(5))));
}

TEST(Dns, builder_reproduces_the_mx_response_with_glue_and_opt) {
  auto query = captured(8);
  auto q = parse_ok(query);
  dns::Repr h = q;
  h.response = h.authoritative = h.recursion_available = true;
  h.authentic_data = false;
  std::vector<uint8_t> out(512);
  auto b = dns::Builder::start(test::mut_bytes_of(out), h);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->add_question(dns::NameRef(q.question->name), dns::Type::Mx));
  auto mail = b->add_mx(dns::Section::Answer, dns::NameRef::pointer(dns::kQuestionOffset), 0, 10,
                        dns::NameRef::dotted(text("mail.example.com")));
  ASSERT_TRUE(mail);
  static const uint8_t addr[] = {192, 0, 2, 25};
  ASSERT_TRUE(b->add_record(dns::Section::Additional, dns::NameRef::pointer(*mail), dns::Type::A,
                            dns::kClassIn, 0, Bytes(addr)));
  ASSERT_TRUE(b->add_record(dns::Section::Additional, dns::NameRef::dotted(text(".")),
                            dns::Type::Opt, 1232, 0, Bytes()));
  EXPECT_EQ(to_hex(b->message()), to_hex(bytes_of(captured(9))));
}

TEST(Dns, scripted_answer_points_at_the_question_and_matches_dnsmasq) {
  // What a test server does: parse the query, answer with the owner compressed to it.
  auto query = captured(0);
  auto q = parse_ok(query);
  dns::Repr h = q;
  h.response = h.authoritative = h.recursion_available = true;
  h.authentic_data = false;
  std::vector<uint8_t> out(512);
  auto b = dns::Builder::start(test::mut_bytes_of(out), h);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->add_question(dns::NameRef(q.question->name), q.question->type));
  static const uint8_t addr[] = {192, 0, 2, 20};
  ASSERT_TRUE(b->add_record(dns::Section::Answer, dns::NameRef::pointer(dns::kQuestionOffset),
                            dns::Type::A, dns::kClassIn, 0, Bytes(addr)));
  EXPECT_EQ(to_hex(b->message()), to_hex(bytes_of(captured(1))));
}

TEST(Dns, emit_into_a_short_buffer_fails_without_writing) {
  auto m = captured(0);
  auto r = parse_ok(m);
  std::vector<uint8_t> buf(r.buffer_len() - 1, 0xee);
  auto st = r.emit(test::mut_bytes_of(buf));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::BufferTooSmall);
  EXPECT_EQ(buf, std::vector<uint8_t>(buf.size(), 0xee));
}

TEST(Dns, builder_call_that_does_not_fit_leaves_the_message_unchanged) {
  auto m = captured(0);
  auto q = parse_ok(m);
  std::vector<uint8_t> out(m.size() + 15);  // room for the question and 15 more bytes
  auto b = dns::Builder::start(test::mut_bytes_of(out), q);
  ASSERT_TRUE(b->add_question(dns::NameRef(q.question->name), dns::Type::A));
  static const uint8_t addr[] = {192, 0, 2, 20};
  // A pointer-owned A record is 16 bytes: one too many.
  auto r = b->add_record(dns::Section::Answer, dns::NameRef::pointer(12), dns::Type::A,
                         dns::kClassIn, 0, Bytes(addr));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::BufferTooSmall);
  EXPECT_EQ(b->size(), m.size());
  EXPECT_EQ(to_hex(b->message()), to_hex(bytes_of(m)));
  auto cname = b->add_name_record(dns::Section::Answer, dns::NameRef::pointer(12),
                                  dns::Type::Cname, 0, dns::NameRef::dotted(text("x.example.com")));
  ASSERT_FALSE(cname);
  EXPECT_EQ(b->size(), m.size());
  EXPECT_FALSE(dns::Builder::start(MutBytes(out.data(), 11), q));
}

TEST(Dns, builder_rejects_bad_order_and_forward_pointers) {
  std::vector<uint8_t> out(512);
  auto b = dns::Builder::start(test::mut_bytes_of(out), dns::Repr{});
  ASSERT_TRUE(b);
  // Nothing written at 12 yet: a pointer there would point forward.
  EXPECT_FALSE(b->add_question(dns::NameRef::pointer(12), dns::Type::A));
  ASSERT_TRUE(b->add_question(dns::NameRef::dotted(text("a.test")), dns::Type::A));
  EXPECT_FALSE(b->add_record(dns::Section::Answer, dns::NameRef::pointer(100), dns::Type::A,
                             dns::kClassIn, 0, Bytes()));
  EXPECT_FALSE(b->add_record(dns::Section::Answer, dns::NameRef::pointer(2), dns::Type::A,
                             dns::kClassIn, 0, Bytes()));
  ASSERT_TRUE(b->add_record(dns::Section::Authority, dns::NameRef::pointer(12), dns::Type::Ns,
                            dns::kClassIn, 0, Bytes()));
  EXPECT_FALSE(b->add_record(dns::Section::Answer, dns::NameRef::pointer(12), dns::Type::A,
                             dns::kClassIn, 0, Bytes()));
  EXPECT_FALSE(b->add_question(dns::NameRef::pointer(12), dns::Type::A));
  EXPECT_FALSE(b->add_record(dns::Section::Question, dns::NameRef::pointer(12), dns::Type::A,
                             dns::kClassIn, 0, Bytes()));
  EXPECT_EQ(out[5], 1);  // qdcount
  EXPECT_EQ(out[7], 0);  // ancount
  EXPECT_EQ(out[9], 1);  // nscount
}

// ---- names ----

TEST(Dns, name_compression_pointer_to_itself_is_rejected) {
  auto m = msg("c00c");
  EXPECT_EQ(name_at(m, 12).error(), Error::Malformed);
}

TEST(Dns, two_name_pointer_loop_is_rejected_from_either_end) {
  // 12: "a" -> 16; 16: "b" -> 12.
  auto m = msg("0161c010 0162c00c");
  EXPECT_EQ(name_at(m, 12).error(), Error::Malformed);
  EXPECT_EQ(name_at(m, 16).error(), Error::Malformed);
}

TEST(Dns, forward_pointer_is_rejected_even_to_a_valid_name) {
  auto m = msg("c00e 0161 00");  // 12 points at 14, "a." — but forward
  EXPECT_EQ(name_at(m, 12).error(), Error::Malformed);
  EXPECT_EQ(dotted(name_at(m, 14).value()), "a");
}

TEST(Dns, pointer_into_its_own_label_run_is_rejected) {
  // 12: "a" "b" then a pointer back to "b" at 14: before the pointer, but a loop.
  auto m = msg("0161 0162 c00e");
  EXPECT_EQ(name_at(m, 12).error(), Error::Malformed);
}

TEST(Dns, pointer_past_the_end_or_cut_in_half_is_rejected) {
  EXPECT_EQ(name_at(msg("ffff"), 12).error(), Error::Malformed);
  EXPECT_EQ(name_at(msg("c0"), 12).error(), Error::Truncated);
  EXPECT_EQ(name_at(msg("0161 c0"), 12).error(), Error::Truncated);
}

TEST(Dns, label_types_0x40_and_0x80_are_rejected) {
  for (int len : {64, 65, 0x7f, 0x80, 0xbf}) {
    auto m = msg(label(size_t(len)) + "00");
    EXPECT_EQ(name_at(m, 12).error(), Error::Malformed) << len;
  }
  auto m = msg(label(63) + "00");
  EXPECT_EQ(name_at(m, 12).value().wire_len(), 65u);
}

TEST(Dns, name_of_255_bytes_is_accepted_and_256_rejected) {
  std::string three = label(63) + label(63) + label(63);  // 192 bytes
  auto ok = msg(three + label(61) + "00");                // 192 + 62 + 1 = 255
  auto n = name_at(ok, 12);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->wire_len(), 255u);
  char buf[dns::kMaxDottedLen];
  EXPECT_EQ(n->read_dotted(MutBytes(reinterpret_cast<uint8_t*>(buf), sizeof buf)).value(), 253u);
  auto bad = msg(three + label(62) + "00");
  EXPECT_EQ(name_at(bad, 12).error(), Error::Malformed);
}

TEST(Dns, name_over_255_bytes_through_pointers_is_rejected) {
  // 12: a 200-byte name; then a name of a 60-byte label pointing to it: 261 bytes.
  std::string first = label(63) + label(63) + label(63) + label(7) + "00";  // 201
  auto m = msg(first + label(60) + "c00c");
  EXPECT_TRUE(name_at(m, 12));
  EXPECT_EQ(name_at(m, 12 + 201).error(), Error::Malformed);
}

TEST(Dns, at_most_16_pointer_jumps_are_followed) {
  // 12: root; 13: -> 12; 15: -> 13; ... each pointer points at the one before.
  std::string body = "00c00c";
  for (int i = 0; i < 20; ++i) {
    char b[5];
    snprintf(b, sizeof b, "c0%02x", 13 + 2 * i);
    body += b;
  }
  auto m = msg(body);
  // The pointer at 13 + 2k needs k + 1 jumps.
  EXPECT_TRUE(name_at(m, 13 + 2 * 15));                          // 16 jumps
  EXPECT_EQ(name_at(m, 13 + 2 * 16).error(), Error::Malformed);  // 17
}

TEST(Dns, name_running_past_the_message_is_truncated) {
  EXPECT_EQ(name_at(msg("0561626364"), 12).error(), Error::Truncated);  // label cut
  EXPECT_EQ(name_at(msg("016101"), 12).error(), Error::Truncated);      // no root byte
  EXPECT_EQ(name_at(msg(""), 12).error(), Error::Truncated);
}

TEST(Dns, names_compare_case_insensitively_without_copying) {
  auto m = msg("04484f5354074578616d706c6503434f4d00 0468 6f7374 c011");
  // 12: HOST.Example.COM; 30: "host" + pointer to 17 (Example.COM).
  auto a = name_at(m, 12).value();
  auto b = name_at(m, 30).value();
  EXPECT_TRUE(a.equals(b));
  EXPECT_TRUE(b.equals(a));
  EXPECT_TRUE(a.equals_dotted(text("host.example.com")));
  EXPECT_TRUE(a.equals_dotted(text("host.EXAMPLE.com.")));
  EXPECT_FALSE(a.equals_dotted(text("host.example.co")));
  EXPECT_FALSE(a.equals_dotted(text("hostexample.com")));
  EXPECT_FALSE(a.equals_dotted(text("host.example.com..")));
  EXPECT_FALSE(a.equals_dotted(text("www.host.example.com")));
  EXPECT_FALSE(a.equals_dotted(text("")));
  auto c = name_at(m, 17).value();  // Example.COM
  EXPECT_FALSE(a.equals(c));
  EXPECT_TRUE(c.equals_dotted(text("example.com")));
}

TEST(Dns, names_read_in_wire_and_dotted_form) {
  auto m = msg("04484f5354074578616d706c6503434f4d00 0468 6f7374 c011 00");
  auto b = name_at(m, 30).value();
  EXPECT_EQ(to_hex(b.in_place()), "04686f7374c011");
  EXPECT_EQ(b.wire_len(), 18u);
  std::vector<uint8_t> wire(18);
  EXPECT_EQ(b.read_wire(test::mut_bytes_of(wire)).value(), 18u);
  EXPECT_EQ(to_hex(bytes_of(wire)), "04686f7374074578616d706c6503434f4d00");
  EXPECT_EQ(dotted(b), "host.Example.COM");
  std::vector<uint8_t> small(17);
  EXPECT_EQ(b.read_wire(test::mut_bytes_of(small)).error(), Error::BufferTooSmall);
  std::vector<uint8_t> d(16);  // 16 characters, no room for the NUL
  EXPECT_EQ(b.read_dotted(test::mut_bytes_of(d)).error(), Error::BufferTooSmall);
  auto root = name_at(m, 37).value();
  EXPECT_TRUE(root.is_root());
  EXPECT_EQ(dotted(root), ".");
  EXPECT_TRUE(root.equals_dotted(text(".")));
  EXPECT_TRUE(root.equals_dotted(text("")));
}

TEST(Dns, encode_name_validates_labels_and_length) {
  uint8_t out[dns::kMaxNameLen];
  EXPECT_EQ(dns::encode_name(text("a.bc"), MutBytes(out)).value(), 6u);
  EXPECT_EQ(to_hex(Bytes(out, 6)), "01610262630" "0");
  EXPECT_EQ(dns::encode_name(text("a.bc."), MutBytes(out)).value(), 6u);
  EXPECT_EQ(dns::encode_name(text("."), MutBytes(out)).value(), 1u);
  EXPECT_EQ(dns::encode_name(text(""), MutBytes(out)).value(), 1u);
  std::string long_label(64, 'x');
  for (const char* bad : {"..", ".a", "a..b", "a.b..", long_label.c_str()})
    EXPECT_EQ(dns::encode_name(text(bad), MutBytes(out)).error(), Error::Malformed) << bad;
  std::string n253 = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                     std::string(63, 'c') + "." + std::string(61, 'd');
  EXPECT_EQ(dns::encode_name(text(n253.c_str()), MutBytes(out)).value(), 255u);
  std::string n254 = n253 + "e";
  EXPECT_EQ(dns::encode_name(text(n254.c_str()), MutBytes(out)).error(), Error::Malformed);
  EXPECT_EQ(dns::encode_name(text("a.bc"), MutBytes(out, 5)).error(), Error::BufferTooSmall);
}

// ---- counts and lengths that lie ----

TEST(Dns, every_count_larger_than_the_records_is_rejected) {
  for (size_t i = 0; i < capture_count(); ++i) {
    auto m = captured(i);
    for (auto s : {dns::Section::Question, dns::Section::Answer, dns::Section::Authority,
                   dns::Section::Additional}) {
      auto b = m;
      size_t at = count_field(s);
      uint16_t c = uint16_t(b[at] << 8 | b[at + 1]);
      for (uint16_t bigger : {uint16_t(c + 1), uint16_t(0xffff)}) {
        b[at] = uint8_t(bigger >> 8);
        b[at + 1] = uint8_t(bigger);
        EXPECT_NE(parse_error(b), Error::BufferTooSmall) << i << " section " << int(s);
      }
    }
  }
}

TEST(Dns, walker_stops_with_truncated_when_the_records_run_out) {
  auto m = captured(1);
  m[7] = 2;  // two answers claimed, one present
  auto p = dns::Packet::check(bytes_of(m));
  dns::Reader reader(*p);
  dns::Record r;
  EXPECT_TRUE(reader.next_record(r).value());
  auto more = reader.next_record(r);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error(), Error::Truncated);
}

TEST(Dns, every_truncation_of_every_message_is_rejected) {
  for (size_t i = 0; i < capture_count(); ++i) {
    auto m = captured(i);
    for (size_t cut = 0; cut < m.size(); ++cut) {
      std::vector<uint8_t> t(m.begin(), m.begin() + static_cast<long>(cut));
      EXPECT_EQ(parse_error(t), Error::Truncated) << i << " cut " << cut;
    }
  }
}

TEST(Dns, rdlength_past_the_end_is_truncated) {
  for (size_t i = 1; i < capture_count(); i += 2) {
    auto m = captured(i);
    auto rs = records(m);
    if (rs.empty()) continue;
    size_t at = rs.back().r.rdata_offset - 2;  // the last record's rdlength
    for (uint16_t len : {uint16_t(rs.back().r.rdata.size() + 1), uint16_t(0xffff)}) {
      auto b = m;
      b[at] = uint8_t(len >> 8);
      b[at + 1] = uint8_t(len);
      EXPECT_EQ(parse_error(b), Error::Truncated) << i;
    }
  }
}

TEST(Dns, wrong_rdlength_for_a_known_type_is_malformed) {
  // Shrink the rdata of the first answer of each typed response by one and by all.
  for (size_t i : {1u, 3u, 5u, 7u, 9u, 11u, 23u}) {
    auto m = captured(i);
    auto rs = records(m);
    ASSERT_FALSE(rs.empty());
    const auto& r = rs[0].r;
    size_t at = r.rdata_offset;
    for (size_t len : {r.rdata.size() - 1, size_t(0)}) {
      auto b = m;
      b.erase(b.begin() + static_cast<long>(at + len), b.begin() + static_cast<long>(at + r.rdata.size()));
      b[at - 2] = uint8_t(len >> 8);
      b[at - 1] = uint8_t(len);
      EXPECT_EQ(parse_error(b), Error::Malformed) << i << " len " << len;
    }
  }
}

TEST(Dns, name_in_rdata_may_not_run_past_its_rdata) {
  // CNAME rdata "mid.example.com" (17 bytes) grown by one into the next record's
  // owner: the name must end exactly at the end of its rdata.
  auto m = captured(5);
  auto rs = records(m);
  size_t at = rs[0].r.rdata_offset;
  m[at - 1] = uint8_t(rs[0].r.rdata.size() + 2);
  EXPECT_EQ(parse_error(m), Error::Malformed);
  auto b = captured(5);
  b[at + 4] = 0x3f;  // "example" label claims 63 bytes: runs out of the rdata
  EXPECT_EQ(parse_error(b), Error::Malformed);
}

TEST(Dns, txt_strings_must_fill_the_rdata) {
  auto m = captured(7);
  auto rs = records(m);
  size_t at = rs[0].r.rdata_offset;
  auto b = m;
  b[at] = 8;  // first string one byte longer: the second runs past the rdata
  EXPECT_EQ(parse_error(b), Error::Malformed);
}

TEST(Dns, a_record_of_another_class_is_not_read_as_ipv4) {
  auto m = captured(1);
  auto rs = records(m);
  size_t cls = rs[0].r.rdata_offset - 8;
  m[cls + 1] = 3;  // CH
  auto again = records(m);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].r.a().error(), Error::Unsupported);
}

TEST(Dns, packet_check_needs_the_whole_header) {
  auto m = captured(0);
  for (size_t cut = 0; cut < dns::kHeaderLen; ++cut)
    EXPECT_EQ(dns::Packet::check(Bytes(m.data(), cut)).error(), Error::Truncated) << cut;
  EXPECT_TRUE(dns::Packet::check(Bytes(m.data(), dns::kHeaderLen)));
}

TEST(Dns, bytes_after_the_last_counted_record_are_ignored) {
  auto m = captured(1);
  m.push_back(0xff);
  EXPECT_TRUE(parse_ok(m).response);
  EXPECT_EQ(records(m).size(), 1u);
}
