// igmp_test.cpp — IGMP on real kernel messages (igmp.pcap: v3 reports of every record
// kind, v3 general and group-and-source queries and v2 general and group queries from a
// Linux bridge querier, v2 reports and leave, a v1 report) and a v1 query built from
// RFC 1112 App. I: fields, byte-exact re-emit, every count and length field mutated,
// every truncation, bad checksums.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/wire/checksum.hpp"
#include "core/wire/igmp.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;

namespace {

// The IGMP message of a captured frame, found by offset (not through wire/ipv4).
std::vector<uint8_t> captured(size_t index) {
  auto f = test::capture("igmp").frames.at(index).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  EXPECT_EQ(type, 0x0800);
  EXPECT_EQ(f[l3 + 9], 2);
  size_t ihl = (f[l3] & 15) * 4u;
  size_t total = static_cast<size_t>(f[l3 + 2] << 8 | f[l3 + 3]);
  return std::vector<uint8_t>(f.begin() + static_cast<long>(l3 + ihl),
                              f.begin() + static_cast<long>(l3 + total));
}

igmp::Repr parsed(const std::vector<uint8_t>& b) {
  auto p = igmp::Packet::check(bytes_of(b));
  EXPECT_TRUE(p);
  auto r = igmp::Repr::parse(*p);
  EXPECT_TRUE(r);
  return *r;
}

void refresh_checksum(std::vector<uint8_t>& b) {
  b[2] = b[3] = 0;
  uint16_t sum = checksum(bytes_of(b));
  b[2] = static_cast<uint8_t>(sum >> 8);
  b[3] = static_cast<uint8_t>(sum);
}

std::string check_result(const std::vector<uint8_t>& b) {
  auto p = igmp::Packet::check(bytes_of(b));
  return p ? "ok" : error_name(p.error());
}

std::string parse_result(const std::vector<uint8_t>& b) {
  auto p = igmp::Packet::check(bytes_of(b));
  if (!p) return error_name(p.error());
  auto r = igmp::Repr::parse(*p);
  return r ? "ok" : error_name(r.error());
}

void put16(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}

// Messages of igmp.pcap (see make_igmp.sh).
constexpr size_t kV3ChangeToExclude = 2;  // A joins 224.1.2.3
constexpr size_t kV3Allow = 4;            // A joins 232.1.1.1 from 192.0.2.2
constexpr size_t kV3GeneralQuery = 6;
constexpr size_t kV3CurrentState = 7;  // A answers: two records
constexpr size_t kV3Block = 8;         // A leaves 232.1.1.1 from 192.0.2.2
constexpr size_t kV3GroupSourceQuery = 10;
constexpr size_t kV2GeneralQuery = 11;
constexpr size_t kV2Report = 12;
constexpr size_t kV2Leave = 14;
constexpr size_t kV2GroupQuery = 15;
constexpr size_t kV1Report = 18;

const Ipv4Address kB = Ipv4Address::of(192, 0, 2, 2);

// A v1 query (RFC 1112 App. I): version 1, type 1, unused, checksum, group 0.
const char* kV1QueryHex = "11 00 ee ff 00 00 00 00";

}  // namespace

TEST(Igmp, parses_v2_general_query) {
  auto b = captured(kV2GeneralQuery);
  auto p = igmp::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type(), 0x11);
  EXPECT_EQ(p->max_resp(), 10);
  EXPECT_EQ(p->checksum(), 0xeef5);
  EXPECT_TRUE(p->verify_checksum());
  EXPECT_FALSE(p->is_v3_query());
  EXPECT_EQ(p->source_count(), 0);
  auto r = igmp::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message, igmp::Message::QueryV2);
  EXPECT_EQ(r->max_resp_time, 10);  // tenths of a second: the bridge's 1 s
  EXPECT_TRUE(r->group.is_unspecified());
}

TEST(Igmp, parses_v2_group_specific_query) {
  auto b = captured(kV2GroupQuery);
  auto r = parsed(b);
  EXPECT_EQ(r.message, igmp::Message::QueryV2);
  EXPECT_EQ(r.group, Ipv4Address::of(224, 1, 2, 4));
}

TEST(Igmp, parses_v2_report_and_leave) {
  auto rep_bytes = captured(kV2Report);
  auto rep = parsed(rep_bytes);
  EXPECT_EQ(rep.message, igmp::Message::ReportV2);
  EXPECT_EQ(rep.group, Ipv4Address::of(224, 1, 2, 3));
  EXPECT_EQ(rep.max_resp_time, 0);
  auto leave_bytes = captured(kV2Leave);
  auto leave = parsed(leave_bytes);
  EXPECT_EQ(leave.message, igmp::Message::LeaveV2);
  EXPECT_EQ(leave.group, Ipv4Address::of(224, 1, 2, 4));
}

TEST(Igmp, parses_v1_report) {
  auto b = captured(kV1Report);
  auto r = parsed(b);
  EXPECT_EQ(r.message, igmp::Message::ReportV1);
  EXPECT_EQ(r.group, Ipv4Address::of(224, 1, 2, 5));
}

TEST(Igmp, eight_byte_query_with_zero_max_resp_is_v1) {
  auto b = test::hex(kV1QueryHex);
  auto r = parsed(b);
  EXPECT_EQ(r.message, igmp::Message::QueryV1);
  EXPECT_EQ(r.max_resp_time, 0);
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(out, b);
}

TEST(Igmp, parses_v3_general_query) {
  auto b = captured(kV3GeneralQuery);
  auto p = igmp::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->is_v3_query());
  EXPECT_FALSE(p->suppress());
  EXPECT_EQ(p->qrv(), 2);
  EXPECT_EQ(p->qqic(), 125);
  EXPECT_EQ(p->source_count(), 0);
  auto r = igmp::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message, igmp::Message::QueryV3);
  EXPECT_EQ(r->max_resp_time, 10);
  EXPECT_EQ(igmp::decode_time_code(r->max_resp_time), 10u);  // tenths: 1 s
  EXPECT_EQ(igmp::decode_time_code(r->qqic), 125u);          // seconds
  EXPECT_TRUE(r->group.is_unspecified());
  EXPECT_EQ(r->source_count(), 0u);
}

TEST(Igmp, parses_v3_group_and_source_specific_query_source_list) {
  auto b = captured(kV3GroupSourceQuery);
  auto p = igmp::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->group(), Ipv4Address::of(232, 1, 1, 1));
  ASSERT_EQ(p->source_count(), 1);
  EXPECT_EQ(p->source(0), kB);
  EXPECT_TRUE(p->source(1).is_unspecified());  // past the list: zero, never out of bounds
  auto r = igmp::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message, igmp::Message::QueryV3);
  ASSERT_EQ(r->source_count(), 1u);
  EXPECT_EQ(r->source(0), kB);
  EXPECT_EQ(r->sources.data(), b.data() + 12);
}

TEST(Igmp, v3_query_flags_s_and_qrv_ignore_the_reserved_bits) {
  auto b = captured(kV3GeneralQuery);
  b[8] = 0xff;  // Resv 1111, S 1, QRV 7
  refresh_checksum(b);
  auto r = parsed(b);
  EXPECT_TRUE(r.suppress);
  EXPECT_EQ(r.qrv, 7);
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(out[8], 0x0f);  // reserved bits sent as zero
}

TEST(Igmp, parses_v3_report_group_records) {
  auto b = captured(kV3CurrentState);
  auto p = igmp::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->record_count(), 2);
  auto r = igmp::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message, igmp::Message::ReportV3);
  EXPECT_EQ(r->record_count, 2);
  EXPECT_EQ(r->records.size(), 20u);
  igmp::RecordCursor c(r->records, r->record_count);
  auto first = c.next();
  ASSERT_TRUE(first && first->has_value());
  EXPECT_EQ((*first)->type, uint8_t(igmp::RecordType::ModeIsInclude));
  EXPECT_EQ((*first)->group, Ipv4Address::of(232, 1, 1, 1));
  ASSERT_EQ((*first)->source_count(), 1u);
  EXPECT_EQ((*first)->source(0), kB);
  EXPECT_TRUE((*first)->aux.empty());
  auto second = c.next();
  ASSERT_TRUE(second && second->has_value());
  EXPECT_EQ((*second)->type, uint8_t(igmp::RecordType::ModeIsExclude));
  EXPECT_EQ((*second)->group, Ipv4Address::of(224, 1, 2, 3));
  EXPECT_EQ((*second)->source_count(), 0u);
  auto end = c.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(end->has_value());
}

TEST(Igmp, v3_state_change_reports_carry_their_record_types) {
  const std::pair<size_t, igmp::RecordType> cases[] = {
      {kV3ChangeToExclude, igmp::RecordType::ChangeToExclude},
      {kV3Allow, igmp::RecordType::AllowNewSources},
      {kV3Block, igmp::RecordType::BlockOldSources},
  };
  for (auto [index, type] : cases) {
    auto b = captured(index);
    auto r = parsed(b);
    ASSERT_EQ(r.record_count, 1) << index;
    igmp::RecordCursor c(r.records, r.record_count);
    auto g = c.next();
    ASSERT_TRUE(g && g->has_value()) << index;
    EXPECT_EQ((*g)->type, uint8_t(type)) << index;
  }
}

TEST(Igmp, every_captured_message_reemits_byte_exact) {
  size_t n = test::capture("igmp").frames.size();
  ASSERT_EQ(n, 19u);
  for (size_t i = 0; i < n; ++i) {
    auto b = captured(i);
    auto r = parsed(b);
    std::vector<uint8_t> out(r.buffer_len());
    ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok()) << i;
    EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(b))) << i;
  }
}

TEST(Igmp, rejects_every_truncation_of_the_header) {
  for (size_t i = 0; i < 19; ++i) {
    auto b = captured(i);
    for (size_t cut = 0; cut < 8; ++cut) {
      std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<long>(cut));
      EXPECT_EQ(check_result(t), "truncated") << i << " " << cut;
    }
  }
}

TEST(Igmp, rejects_every_truncation_of_a_v3_query) {
  auto b = captured(kV3GroupSourceQuery);  // 16 bytes: one source
  ASSERT_EQ(b.size(), 16u);
  for (size_t cut = 9; cut < 12; ++cut) {
    std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<long>(cut));
    EXPECT_EQ(check_result(t), "malformed") << cut;  // neither v2 nor v3 (RFC 3376 §7.1)
  }
  for (size_t cut = 12; cut < 16; ++cut) {
    std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<long>(cut));
    EXPECT_EQ(check_result(t), "truncated") << cut;
  }
}

TEST(Igmp, rejects_every_truncation_of_a_v3_report) {
  auto b = captured(kV3CurrentState);  // 28 bytes: two records
  for (size_t cut = 8; cut < b.size(); ++cut) {
    std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<long>(cut));
    EXPECT_EQ(check_result(t), "truncated") << cut;
  }
}

TEST(Igmp, rejects_a_source_count_past_the_buffer) {
  for (uint32_t n : {2u, 3u, 0x100u, 0xffffu}) {
    auto b = captured(kV3GroupSourceQuery);
    put16(b, 10, n);
    EXPECT_EQ(check_result(b), "truncated") << n;
  }
  auto b = captured(kV3GroupSourceQuery);
  put16(b, 10, 0);  // the address then is extra data, ignored
  refresh_checksum(b);
  auto r = parsed(b);
  EXPECT_EQ(r.source_count(), 0u);
  EXPECT_EQ(r.buffer_len(), 12u);
}

TEST(Igmp, rejects_a_record_count_past_the_buffer) {
  for (uint32_t n : {3u, 4u, 0x100u, 0xffffu}) {
    auto b = captured(kV3CurrentState);
    put16(b, 6, n);
    EXPECT_EQ(check_result(b), "truncated") << n;
  }
  for (uint32_t n : {0u, 1u}) {  // fewer records: the rest is extra data, ignored
    auto b = captured(kV3CurrentState);
    put16(b, 6, n);
    refresh_checksum(b);
    auto r = parsed(b);
    EXPECT_EQ(r.record_count, n);
    EXPECT_EQ(r.records.size(), n == 0 ? 0u : 12u);
  }
}

TEST(Igmp, rejects_a_record_source_count_or_aux_length_past_the_buffer) {
  // First record at 8: type 01, aux len 00, 1 source, 232.1.1.1, 192.0.2.2.
  for (uint32_t n : {3u, 0x100u, 0xffffu}) {
    auto b = captured(kV3CurrentState);
    put16(b, 8 + 2, n);
    EXPECT_EQ(check_result(b), "truncated") << n;
  }
  for (uint8_t aux : {3, 4, 0xff}) {
    auto b = captured(kV3CurrentState);
    b[8 + 1] = aux;
    EXPECT_EQ(check_result(b), "truncated") << int(aux);
  }
  // Lengths that still fit move the second record's boundary: checked, then re-emitted.
  auto b = captured(kV3CurrentState);
  put16(b, 8 + 2, 3);  // 1 + 2 sources: swallows the second record's 8 bytes...
  put16(b, 6, 1);      // ...as one record
  refresh_checksum(b);
  auto r = parsed(b);
  igmp::RecordCursor c(r.records, r.record_count);
  auto g = c.next();
  ASSERT_TRUE(g && g->has_value());
  EXPECT_EQ((*g)->source_count(), 3u);
}

TEST(Igmp, record_aux_data_is_exposed_in_words) {
  auto b = captured(kV3Allow);  // one record, one source
  b[8 + 1] = 1;                 // one word of aux data
  b.insert(b.end(), {0xde, 0xad, 0xbe, 0xef});
  refresh_checksum(b);
  auto r = parsed(b);
  igmp::RecordCursor c(r.records, r.record_count);
  auto g = c.next();
  ASSERT_TRUE(g && g->has_value());
  EXPECT_EQ(test::to_hex((*g)->aux), "deadbeef");
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(out, b);
}

TEST(Igmp, rejects_a_bad_checksum_unless_not_verified) {
  for (size_t index : {kV2Report, kV3GroupSourceQuery, kV3CurrentState}) {
    auto b = captured(index);
    b[b.size() - 1] ^= 0x01;
    auto p = igmp::Packet::check(bytes_of(b));
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->verify_checksum());
    auto r = igmp::Repr::parse(*p);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), Error::BadChecksum);
    EXPECT_TRUE(igmp::Repr::parse(*p, false));
  }
}

TEST(Igmp, checksum_covers_bytes_past_the_first_eight) {
  // RFC 2236 §2.5: a longer v2 message is processed by its first 8 bytes, but its
  // checksum covers the whole IP payload.
  auto b = captured(kV2Report);
  b.insert(b.end(), {1, 2, 3, 4});
  EXPECT_EQ(parse_result(b), "bad-checksum");
  refresh_checksum(b);
  auto r = parsed(b);
  EXPECT_EQ(r.message, igmp::Message::ReportV2);
  EXPECT_EQ(r.buffer_len(), 8u);
}

TEST(Igmp, other_types_are_unsupported) {
  for (uint8_t type : {0x00, 0x13, 0x14, 0x1e, 0x1f, 0x21, 0x30, 0xff}) {
    auto b = captured(kV2Report);
    b[0] = type;
    refresh_checksum(b);
    EXPECT_EQ(parse_result(b), "unsupported") << int(type);
  }
}

TEST(Igmp, decodes_v3_time_codes) {
  EXPECT_EQ(igmp::decode_time_code(0), 0u);
  EXPECT_EQ(igmp::decode_time_code(100), 100u);
  EXPECT_EQ(igmp::decode_time_code(127), 127u);
  EXPECT_EQ(igmp::decode_time_code(0x80), 128u);     // exp 0, mant 0: 16 << 3
  EXPECT_EQ(igmp::decode_time_code(0x8a), 208u);     // exp 0, mant 10: 26 << 3
  EXPECT_EQ(igmp::decode_time_code(0x9f), 496u);     // exp 1, mant 15: 31 << 4
  EXPECT_EQ(igmp::decode_time_code(0xff), 31744u);   // exp 7, mant 15: 31 << 10
}

TEST(Igmp, emit_builds_a_v3_report_from_group_records_like_the_kernel) {
  auto kernel = captured(kV3CurrentState);
  uint8_t source[4] = {192, 0, 2, 2};
  igmp::GroupRecord recs[2];
  recs[0].type = uint8_t(igmp::RecordType::ModeIsInclude);
  recs[0].group = Ipv4Address::of(232, 1, 1, 1);
  recs[0].sources = Bytes(source, 4);
  recs[1].type = uint8_t(igmp::RecordType::ModeIsExclude);
  recs[1].group = Ipv4Address::of(224, 1, 2, 3);
  std::vector<uint8_t> records(recs[0].buffer_len() + recs[1].buffer_len());
  ASSERT_TRUE(recs[0].emit(test::mut_bytes_of(records)).ok());
  ASSERT_TRUE(recs[1].emit(test::mut_bytes_of(records).from(recs[0].buffer_len())).ok());
  igmp::Repr r;
  r.message = igmp::Message::ReportV3;
  r.record_count = 2;
  r.records = bytes_of(records);
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(test::to_hex(bytes_of(out)), test::to_hex(bytes_of(kernel)));
}

TEST(Igmp, emit_rejects_fields_that_contradict_the_message) {
  auto three = test::hex("c0 00 02");
  auto record = test::hex("01 00 00 01 e8 01 01 01 c0 00 02 02");
  std::vector<uint8_t> out(64, 0xee);
  igmp::Repr v2;
  v2.message = igmp::Message::QueryV2;  // max_resp_time 0 would read back as v1
  EXPECT_EQ(v2.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  igmp::Repr v3;
  v3.message = igmp::Message::QueryV3;
  v3.qrv = 8;
  EXPECT_EQ(v3.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  v3.qrv = 2;
  v3.sources = bytes_of(three);
  EXPECT_EQ(v3.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  igmp::Repr rep;
  rep.message = igmp::Message::ReportV3;
  rep.records = bytes_of(record);
  rep.record_count = 2;  // one record in the bytes
  EXPECT_EQ(rep.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  rep.record_count = 0;  // bytes left over
  EXPECT_EQ(rep.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  igmp::Repr unknown;
  unknown.message = static_cast<igmp::Message>(7);
  EXPECT_EQ(unknown.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  igmp::GroupRecord g;
  g.sources = bytes_of(three);
  EXPECT_EQ(g.emit(test::mut_bytes_of(out)).error(), Error::Malformed);
  EXPECT_EQ(out, std::vector<uint8_t>(64, 0xee));
  rep.record_count = 1;
  EXPECT_TRUE(rep.emit(test::mut_bytes_of(out)).ok());
}

TEST(Igmp, emit_into_a_short_buffer_fails_without_writing) {
  igmp::Repr r;
  std::vector<uint8_t> out(7, 0xee);
  EXPECT_EQ(r.emit(test::mut_bytes_of(out)).error(), Error::BufferTooSmall);
  EXPECT_EQ(out, std::vector<uint8_t>(7, 0xee));
  auto b = captured(kV3GroupSourceQuery);
  auto q = parsed(b);
  std::vector<uint8_t> out15(15, 0xee);
  EXPECT_EQ(q.emit(test::mut_bytes_of(out15)).error(), Error::BufferTooSmall);
  EXPECT_EQ(out15, std::vector<uint8_t>(15, 0xee));
  igmp::GroupRecord g;
  EXPECT_EQ(g.emit(test::mut_bytes_of(out)).error(), Error::BufferTooSmall);
}
