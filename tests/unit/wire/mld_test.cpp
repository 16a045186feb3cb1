// mld_test.cpp — MLD on real kernel messages (mld.pcap: MLDv2 reports with and without
// sources, MLDv1 reports and dones, and the queries of a Linux bridge acting as querier,
// MLDv2 and MLDv1), every count and length mutated, every truncation, bad checksums
// and the source address rules.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/mld.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using icmpv6::Type;
using keel::test::bytes_of;

namespace {

// A captured MLD message (after its hop-by-hop header) and its IPv6 addresses, found by
// offset so the test does not rely on wire/ipv6 or wire/ipv6ext.
struct Captured {
  std::vector<uint8_t> msg;
  Ipv6Address src, dst;
  void fix() { icmpv6::fill_checksum(test::mut_bytes_of(msg), src, dst); }
};

Captured captured(size_t n) {
  auto f = test::capture("mld").frames.at(n - 1).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  EXPECT_EQ(f[l3 + 6], 0);       // hop-by-hop
  EXPECT_EQ(f[l3 + 40], 58);     // then ICMPv6
  EXPECT_EQ(f[l3 + 41], 0);      // 8 bytes long
  Captured c;
  c.src = Ipv6Address::from(Bytes(&f[l3 + 8], 16));
  c.dst = Ipv6Address::from(Bytes(&f[l3 + 24], 16));
  c.msg.assign(f.begin() + static_cast<long>(l3 + 48), f.end());
  return c;
}

wire::Result<mld::Repr> parse(const Captured& c) {
  auto p = mld::Packet::check(bytes_of(c.msg));
  if (!p) return Err(p.error());
  return mld::Repr::parse(*p, c.src, c.dst);
}

std::vector<mld::Record> records(const mld::Packet& p) {
  std::vector<mld::Record> out;
  auto c = p.records();
  for (;;) {
    auto r = c.next();
    EXPECT_TRUE(r);
    if (!r || !r->has_value()) return out;
    out.push_back(r->value());
  }
}

Ipv6Address addr(const char* hex) { return Ipv6Address::from(bytes_of(test::hex(hex))); }
const Ipv6Address kGroup = addr("ff020000000000000000000000001234");
const Ipv6Address kGroup2 = addr("ff020000000000000000000000001235");

void set16(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

}  // namespace

TEST(Mld, v2_report_with_sources_field_by_field) {
  auto c = captured(11);  // leave ff02::1234, join ff02::1235 for two sources
  auto p = mld::Packet::check(bytes_of(c.msg));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type(), Type::MldV2Report);
  EXPECT_EQ(p->num_records(), 2);
  auto recs = records(*p);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].type, static_cast<uint8_t>(mld::RecordType::ToInclude));
  EXPECT_EQ(recs[0].address, kGroup);
  EXPECT_EQ(recs[0].num_sources(), 0u);
  EXPECT_TRUE(recs[0].aux.empty());
  EXPECT_EQ(recs[1].type, static_cast<uint8_t>(mld::RecordType::AllowNew));
  EXPECT_EQ(recs[1].address, kGroup2);
  ASSERT_EQ(recs[1].num_sources(), 2u);
  EXPECT_EQ(recs[1].source(0), addr("20010db8000000000000000000000001"));
  EXPECT_EQ(recs[1].source(1), addr("20010db8000000000000000000000003"));
  auto r = mld::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->v2);
  EXPECT_EQ(r->num_records, 2);
  EXPECT_EQ(r->records.size(), c.msg.size() - 8);
}

TEST(Mld, v2_report_from_the_unspecified_source_is_accepted) {
  auto c = captured(1);  // sent before the link-local address was ready
  ASSERT_TRUE(c.src.is_unspecified());
  auto r = parse(c);
  ASSERT_TRUE(r);
  auto p = mld::Packet::check(bytes_of(c.msg));
  auto recs = records(*p);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].type, static_cast<uint8_t>(mld::RecordType::ToExclude));
  EXPECT_EQ(recs[0].address, addr("ff0200000000000000000001ff00000a"));
}

TEST(Mld, v2_current_state_report_answers_the_query) {
  auto c = captured(19);
  auto p = mld::Packet::check(bytes_of(c.msg));
  ASSERT_TRUE(p);
  auto recs = records(*p);
  ASSERT_EQ(recs.size(), 3u);
  for (auto& rec : recs) EXPECT_EQ(rec.type, static_cast<uint8_t>(mld::RecordType::IsExclude));
  EXPECT_EQ(recs[0].address, kGroup);
  EXPECT_EQ(recs[1].address, addr("ff0200000000000000000001ff00000b"));
  EXPECT_EQ(recs[2].address, addr("ff0200000000000000000001ff000002"));
}

TEST(Mld, v2_general_query_from_a_bridge_field_by_field) {
  auto c = captured(17);
  auto p = mld::Packet::check(bytes_of(c.msg));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type(), Type::MldQuery);
  EXPECT_TRUE(p->is_v2_query());
  EXPECT_EQ(p->max_resp_code(), 1000);
  EXPECT_TRUE(p->address().is_unspecified());
  EXPECT_EQ(p->flags(), 0x02);
  EXPECT_EQ(p->qqic(), 125);
  EXPECT_EQ(p->num_sources(), 0);
  auto r = mld::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->v2);
  EXPECT_EQ(mld::max_resp_delay(r->max_resp_code), 1000u);
  EXPECT_FALSE(r->suppress);
  EXPECT_EQ(r->qrv, 2);
  EXPECT_EQ(mld::query_interval(r->qqic), 125u);
  EXPECT_TRUE(r->sources.empty());
  EXPECT_TRUE(r->address.is_unspecified());
}

TEST(Mld, v1_queries_general_and_group_specific) {
  auto gen = parse(captured(29));
  ASSERT_TRUE(gen);
  EXPECT_EQ(gen->type, Type::MldQuery);
  EXPECT_FALSE(gen->v2);
  EXPECT_EQ(gen->max_resp_code, 1000);
  EXPECT_TRUE(gen->address.is_unspecified());
  auto spec = parse(captured(40));  // after B's done
  ASSERT_TRUE(spec);
  EXPECT_FALSE(spec->v2);
  EXPECT_EQ(spec->max_resp_code, 500);
  EXPECT_EQ(spec->address, kGroup);
}

TEST(Mld, v1_report_and_done) {
  auto report = parse(captured(15));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->type, Type::MldReport);
  EXPECT_EQ(report->address, kGroup);
  auto done = parse(captured(16));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->type, Type::MldDone);
  EXPECT_EQ(done->address, kGroup);
}

TEST(Mld, every_captured_message_reemits_byte_exact) {
  size_t n = test::capture("mld").frames.size();
  ASSERT_GE(n, 40u);
  for (size_t i = 1; i <= n; ++i) {
    auto c = captured(i);
    auto r = parse(c);
    ASSERT_TRUE(r) << i;
    std::vector<uint8_t> out(r->buffer_len());
    ASSERT_TRUE(r->emit(test::mut_bytes_of(out), c.src, c.dst).ok()) << i;
    EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(c.msg))) << i;
  }
}

TEST(Mld, report_built_from_records_matches_the_kernel) {
  auto c = captured(11);
  mld::Record leave;
  leave.type = static_cast<uint8_t>(mld::RecordType::ToInclude);
  leave.address = kGroup;
  auto sources = test::hex("20010db8000000000000000000000001 20010db8000000000000000000000003");
  mld::Record join;
  join.type = static_cast<uint8_t>(mld::RecordType::AllowNew);
  join.address = kGroup2;
  join.sources = bytes_of(sources);
  std::vector<uint8_t> recs(leave.buffer_len() + join.buffer_len());
  ASSERT_TRUE(leave.emit(test::mut_bytes_of(recs)).ok());
  ASSERT_TRUE(join.emit(test::mut_bytes_of(recs).from(leave.buffer_len())).ok());
  mld::Repr r;
  r.type = Type::MldV2Report;
  r.num_records = 2;
  r.records = bytes_of(recs);
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out), c.src, c.dst).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(c.msg)));
}

TEST(Mld, max_resp_code_and_qqic_exponential_forms) {
  EXPECT_EQ(mld::max_resp_delay(0), 0u);
  EXPECT_EQ(mld::max_resp_delay(0x7fff), 0x7fffu);
  EXPECT_EQ(mld::max_resp_delay(0x8000), 0x1000u << 3);  // mant 0, exp 0
  EXPECT_EQ(mld::max_resp_delay(0x9abc), (0xabcu | 0x1000) << 4);
  EXPECT_EQ(mld::max_resp_delay(0xffff), 0x1fffu << 10);
  EXPECT_EQ(mld::query_interval(125), 125u);
  EXPECT_EQ(mld::query_interval(0x80), 0x10u << 3);
  EXPECT_EQ(mld::query_interval(0xa5), (0x5u | 0x10) << 5);
  EXPECT_EQ(mld::query_interval(0xff), 0x1fu << 10);
}

TEST(Mld, query_length_decides_the_version) {
  auto base = captured(17);  // MLDv2 general query, 28 bytes
  ASSERT_EQ(base.msg.size(), 28u);
  for (size_t len = 0; len < 28; ++len) {
    auto p = mld::Packet::check(bytes_of(base.msg).first(len));
    if (len == 24) {
      ASSERT_TRUE(p);
      EXPECT_FALSE(p->is_v2_query());
    } else {
      ASSERT_FALSE(p) << len;
      EXPECT_EQ(p.error(), len > 24 ? Error::Malformed : Error::Truncated) << len;
    }
  }
}

TEST(Mld, v2_query_sources_are_bounds_checked) {
  auto c = captured(17);
  auto two = test::hex("20010db8000000000000000000000001 20010db8000000000000000000000003");
  c.msg.insert(c.msg.end(), two.begin(), two.end());
  set16(c.msg, 26, 2);
  c.fix();
  auto r = parse(c);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->sources.size(), 32u);
  EXPECT_EQ(test::to_hex(r->sources), test::to_hex(bytes_of(two)));
  for (uint32_t n : {3u, 4u, 0xffffu}) {
    auto m = c;
    set16(m.msg, 26, n);
    auto p = mld::Packet::check(bytes_of(m.msg));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), Error::Truncated);
  }
  // Fewer sources than bytes: the rest is additional data, checksummed and ignored.
  auto fewer = c;
  set16(fewer.msg, 26, 1);
  fewer.fix();
  auto rf = parse(fewer);
  ASSERT_TRUE(rf);
  EXPECT_EQ(rf->sources.size(), 16u);
}

TEST(Mld, report_record_count_is_bounds_checked) {
  auto base = captured(11);  // 2 records
  for (uint32_t n : {3u, 100u, 0xffffu}) {
    auto c = base;
    set16(c.msg, 6, n);
    auto p = mld::Packet::check(bytes_of(c.msg));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), Error::Truncated);
  }
  for (uint32_t n : {0u, 1u}) {  // fewer: the rest is additional data
    auto c = base;
    set16(c.msg, 6, n);
    c.fix();
    auto r = parse(c);
    ASSERT_TRUE(r) << n;
    EXPECT_EQ(r->records.size(), n == 0 ? 0u : 20u);
  }
}

TEST(Mld, record_source_count_and_aux_len_are_bounds_checked) {
  auto base = captured(11);  // record 0 at 8 (20 bytes), record 1 at 28 (2 sources)
  struct Case { size_t at; uint32_t v; bool aux; };
  for (Case k : {Case{8 + 2, 1, false}, Case{8 + 2, 0xffff, false}, Case{28 + 2, 3, false},
                 Case{28 + 2, 0xffff, false}, Case{8 + 1, 17, true}, Case{28 + 1, 1, true},
                 Case{28 + 1, 255, true}}) {
    auto c = base;
    if (k.aux) c.msg[k.at] = static_cast<uint8_t>(k.v);
    else set16(c.msg, k.at, k.v);
    auto p = mld::Packet::check(bytes_of(c.msg));
    ASSERT_FALSE(p) << k.at << " " << k.v;
    EXPECT_EQ(p.error(), Error::Truncated);
  }
  // Auxiliary data that is really there is exposed, and re-emitted.
  auto c = base;
  c.msg[28 + 1] = 1;
  c.msg.insert(c.msg.end(), {0xa, 0xb, 0xc, 0xd});
  c.fix();
  auto p = mld::Packet::check(bytes_of(c.msg));
  ASSERT_TRUE(p);
  auto recs = records(*p);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(test::to_hex(recs[1].aux), "0a0b0c0d");
  auto r = mld::Repr::parse(*p, c.src, c.dst);
  ASSERT_TRUE(r);
  std::vector<uint8_t> out(r->buffer_len());
  ASSERT_TRUE(r->emit(test::mut_bytes_of(out), c.src, c.dst).ok());
  EXPECT_EQ(out, c.msg);
}

TEST(Mld, rejects_every_truncation) {
  for (size_t i : {size_t{11}, size_t{15}, size_t{17}, size_t{19}}) {
    auto c = captured(i);
    for (size_t cut = 0; cut < c.msg.size(); ++cut) {
      auto p = mld::Packet::check(bytes_of(c.msg).first(cut));
      if (!p) continue;
      auto r = mld::Repr::parse(*p, c.src, c.dst);  // a well-formed prefix fails the checksum
      ASSERT_FALSE(r) << i << " cut " << cut;
      EXPECT_EQ(r.error(), Error::BadChecksum);
    }
  }
  auto report = captured(11);
  EXPECT_EQ(mld::Packet::check(bytes_of(report.msg).first(7)).error(), Error::Truncated);
  EXPECT_EQ(mld::Packet::check(bytes_of(report.msg).first(27)).error(), Error::Truncated);
  auto v1 = captured(15);
  EXPECT_EQ(mld::Packet::check(bytes_of(v1.msg).first(23)).error(), Error::Truncated);
}

TEST(Mld, bad_checksum_rejected_unless_not_verified) {
  auto c = captured(19);
  c.msg[12] ^= 1;
  auto p = mld::Packet::check(bytes_of(c.msg));
  ASSERT_TRUE(p);
  EXPECT_EQ(mld::Repr::parse(*p, c.src, c.dst).error(), Error::BadChecksum);
  EXPECT_TRUE(mld::Repr::parse(*p, c.src, c.dst, false));
}

TEST(Mld, queries_must_come_from_link_local) {
  for (size_t i : {size_t{17}, size_t{29}}) {
    auto c = captured(i);
    for (Ipv6Address src : {Ipv6Address{}, addr("20010db8000000000000000000000001")}) {
      c.src = src;
      c.fix();
      EXPECT_EQ(parse(c).error(), Error::Malformed) << i;
    }
  }
}

TEST(Mld, reports_must_come_from_link_local_or_unspecified) {
  for (size_t i : {size_t{11}, size_t{15}, size_t{16}}) {
    auto c = captured(i);
    c.src = addr("20010db8000000000000000000000002");
    c.fix();
    EXPECT_EQ(parse(c).error(), Error::Malformed) << i;
    c.src = Ipv6Address{};
    c.fix();
    EXPECT_TRUE(parse(c)) << i;
  }
}

TEST(Mld, group_must_be_multicast) {
  for (size_t i : {size_t{15}, size_t{16}, size_t{40}}) {  // report, done, specific query
    auto c = captured(i);
    c.msg[8] = 0x20;
    c.fix();
    EXPECT_EQ(parse(c).error(), Error::Malformed) << i;
  }
  auto report = captured(15);  // and a report cannot be for no group
  std::fill(report.msg.begin() + 8, report.msg.end(), 0);
  report.fix();
  EXPECT_EQ(parse(report).error(), Error::Malformed);
}

TEST(Mld, code_is_ignored_and_emitted_zero) {
  auto c = captured(15);
  c.msg[1] = 7;
  c.fix();
  auto r = parse(c);
  ASSERT_TRUE(r);
  std::vector<uint8_t> out(r->buffer_len());
  ASSERT_TRUE(r->emit(test::mut_bytes_of(out), c.src, c.dst).ok());
  EXPECT_EQ(out, captured(15).msg);
}

TEST(Mld, other_icmpv6_types_are_not_mld) {
  std::vector<uint8_t> echo(24, 0);
  echo[0] = 128;
  EXPECT_EQ(mld::Packet::check(bytes_of(echo)).error(), Error::Unsupported);
}

TEST(Mld, emit_rejects_bad_reprs_and_short_buffers) {
  auto c = captured(17);
  auto r = parse(c);
  ASSERT_TRUE(r);
  std::vector<uint8_t> buf(27, 0xee);
  EXPECT_EQ(r->emit(test::mut_bytes_of(buf), c.src, c.dst).error(), Error::BufferTooSmall);
  EXPECT_EQ(buf, std::vector<uint8_t>(27, 0xee));
  buf.assign(64, 0xee);
  auto q = *r;
  q.qrv = 8;
  EXPECT_EQ(q.emit(test::mut_bytes_of(buf), c.src, c.dst).error(), Error::Malformed);
  auto odd = test::hex("0102");
  q.qrv = 2;
  q.sources = bytes_of(odd);
  EXPECT_EQ(q.emit(test::mut_bytes_of(buf), c.src, c.dst).error(), Error::Malformed);
  auto report_msg = captured(11);
  auto rp = *mld::Repr::parse(*mld::Packet::check(bytes_of(report_msg.msg)), report_msg.src,
                              report_msg.dst);
  std::vector<uint8_t> big(256, 0xee);
  rp.num_records = 3;  // more than the records hold
  EXPECT_EQ(rp.emit(test::mut_bytes_of(big), c.src, c.dst).error(), Error::Malformed);
  rp.num_records = 1;  // fewer
  EXPECT_EQ(rp.emit(test::mut_bytes_of(big), c.src, c.dst).error(), Error::Malformed);
  EXPECT_EQ(big, std::vector<uint8_t>(256, 0xee));
  mld::Record bad;
  bad.aux = bytes_of(odd);
  EXPECT_EQ(bad.emit(test::mut_bytes_of(big)).error(), Error::Malformed);
}
