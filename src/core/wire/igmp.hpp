// igmp.hpp — IGMP messages: v1 (RFC 1112 App. I), v2 (RFC 2236 §2) and v3 (RFC 3376 §4).
//
// The IP layer hands over exactly its payload: IGMP has no length field of its own, and
// the checksum covers all of it. A query's version is told by its length (RFC 3376
// §7.1): 8 bytes with Max Resp 0 is v1, 8 bytes otherwise v2, 12 or more v3; 9 to 11
// bytes is Malformed. After check() a v3 query's source list and a v3 report's group
// records are inside the buffer. Bytes after what a message defines are ignored (RFC
// 2236 §2.5, RFC 3376 §4.1.10), so they are not re-emitted.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::igmp {

namespace field {
inline constexpr size_t kType = 0;
inline constexpr size_t kMaxResp = 1;  // v1: unused
inline constexpr size_t kChecksum = 2;
inline constexpr size_t kGroup = 4;       // v3 report: reserved
inline constexpr size_t kQueryFlags = 8;  // v3 query: Resv(4) S(1) QRV(3)
inline constexpr size_t kQqic = 9;        // v3 query
inline constexpr size_t kNumSources = 10;  // v3 query
inline constexpr size_t kSources = 12;     // v3 query
inline constexpr size_t kNumRecords = 6;   // v3 report
inline constexpr size_t kRecords = 8;      // v3 report
// Within a v3 group record (RFC 3376 §4.2.4).
inline constexpr size_t kRecordType = 0;
inline constexpr size_t kAuxLen = 1;  // in 32-bit words
inline constexpr size_t kRecordNumSources = 2;
inline constexpr size_t kRecordGroup = 4;
inline constexpr size_t kRecordSources = 8;
}  // namespace field
inline constexpr size_t kHeaderLen = 8;
inline constexpr size_t kV3QueryLen = field::kSources;
inline constexpr size_t kRecordHeaderLen = field::kRecordSources;

// Type — the type byte.
enum class Type : uint8_t {
  Query = 0x11,
  ReportV1 = 0x12,
  ReportV2 = 0x16,
  LeaveV2 = 0x17,
  ReportV3 = 0x22,
};

// Message — the type with the query's version resolved.
enum class Message : uint8_t { QueryV1, QueryV2, QueryV3, ReportV1, ReportV2, LeaveV2, ReportV3 };

// RecordType — v3 group record types (RFC 3376 §4.2.12). Others are to be ignored.
enum class RecordType : uint8_t {
  ModeIsInclude = 1,
  ModeIsExclude = 2,
  ChangeToInclude = 3,
  ChangeToExclude = 4,
  AllowNewSources = 5,
  BlockOldSources = 6,
};

// decode_time_code(code) — a v3 Max Resp Code (in tenths of a second) or QQIC (in
// seconds): below 128 the value itself, else (mant | 0x10) << (exp + 3) (RFC 3376 §4.1.1).
uint32_t decode_time_code(uint8_t code);

// GroupRecord — one v3 report record: views of its sources (4 bytes each) and aux data.
struct GroupRecord {
  uint8_t type = 0;  // a RecordType, kept as sent
  Ipv4Address group;
  Bytes sources;
  Bytes aux;  // a multiple of 4 bytes

  size_t source_count() const { return sources.size() / 4; }
  Ipv4Address source(size_t i) const { return Ipv4Address::from(sources.subspan(i * 4, 4)); }
  size_t buffer_len() const { return kRecordHeaderLen + sources.size() + aux.size(); }
  // emit — Malformed if sources or aux is not whole words or too many for their fields.
  Status emit(MutBytes buf) const;
};

// RecordCursor — walks count group records; Truncated when one runs past the area.
class RecordCursor {
 public:
  RecordCursor(Bytes area, uint16_t count) : area_(area), left_(count) {}
  // next() — the next record, or none after count records.
  Result<Optional<GroupRecord>> next();
  // consumed() — the bytes of the records walked so far.
  size_t consumed() const { return pos_; }

 private:
  Bytes area_;
  size_t pos_ = 0;
  uint16_t left_;
};

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds the 8-byte header and, for a v3 query, its whole
  // source list (Malformed at 9..11 bytes), for a v3 report, all its group records.
  static Result<Packet> check(Bytes buf);

  uint8_t type() const;
  uint8_t max_resp() const;
  uint16_t checksum() const;
  Ipv4Address group() const { return Ipv4Address::from(buf_.subspan(field::kGroup, 4)); }
  bool verify_checksum() const;
  // is_v3_query() — a query of 12 or more bytes; the next six read zero/empty otherwise.
  bool is_v3_query() const;
  bool suppress() const;  // S: suppress router-side processing
  uint8_t qrv() const;    // querier's robustness variable
  uint8_t qqic() const;   // querier's query interval code
  uint16_t source_count() const;
  Ipv4Address source(size_t i) const;  // 0.0.0.0 past source_count()
  Bytes sources() const;               // the source list, 4 bytes each
  // record_count() / records() — a v3 report's group records (0 / empty otherwise).
  uint16_t record_count() const;
  Bytes records() const;

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

struct Repr {
  Message message = Message::ReportV2;
  // max_resp_time — in the units of the version: QueryV1 0 (v1 hosts use 10 s); QueryV2
  // tenths of a second; QueryV3 the Max Resp Code (decode_time_code gives tenths of a
  // second); reports and leaves 0.
  uint8_t max_resp_time = 0;
  Ipv4Address group;  // 0.0.0.0 in a general query; unused (0) in a v3 report
  // QueryV3 only:
  bool suppress = false;  // S flag
  uint8_t qrv = 0;        // 0..7
  uint8_t qqic = 0;       // decode_time_code gives seconds
  Bytes sources;          // source addresses, 4 bytes each (a view)
  // ReportV3 only:
  uint16_t record_count = 0;
  Bytes records;  // the group records (a view), walked with RecordCursor

  // parse — BadChecksum when verify_checksum and the checksum fails, Unsupported for
  // another type (DVMRP, PIMv1, mtrace, ...).
  static Result<Repr> parse(const Packet& packet, bool verify_checksum = true);
  size_t buffer_len() const;
  // emit — the message with its checksum. Malformed when a field contradicts the message
  // (a QueryV2 with max_resp_time 0 would read as v1, a QRV over 7, sources or records
  // that are not whole or do not match record_count).
  Status emit(MutBytes buf) const;
  size_t source_count() const { return sources.size() / 4; }
  Ipv4Address source(size_t i) const { return Ipv4Address::from(sources.subspan(i * 4, 4)); }
};

}  // namespace keel::wire::igmp
