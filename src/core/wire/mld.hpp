// mld.hpp — Multicast Listener Discovery: MLDv1 query, report and done (RFC 2710 §3),
// the MLDv2 query (RFC 3810 §5.1) and the MLDv2 report with its multicast address
// records (§5.2), walked by a cursor.
//
// Packet is a checked view of a whole ICMPv6 message of an MLD type: after check() the
// fixed part is present, and (MLDv2) every source and every record lies within the
// message. A query's version is its length (§8.1: 24 is MLDv1, 28 or more MLDv2).
// Octets after the last source or record are ignored but checksummed (§5.1.12, §5.2.11).
// The hop limit of 1 and the router alert that MLD messages carry are in the IPv6
// headers, and are the caller's to check.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"
#include "core/wire/icmpv6.hpp"

namespace keel::wire::mld {

namespace field {
inline constexpr size_t kMaxResp = 4;  // MLDv1: max response delay (ms); MLDv2: its code
inline constexpr size_t kAddress = 8;  // multicast address (queries, v1 report and done)
inline constexpr size_t kFlags = 24;   // MLDv2 query: reserved:4 S:1 QRV:3
inline constexpr size_t kQqic = 25;
inline constexpr size_t kNumSources = 26;
inline constexpr size_t kSources = 28;
inline constexpr size_t kNumRecords = 6;  // MLDv2 report
inline constexpr size_t kRecords = 8;
}  // namespace field
inline constexpr size_t kV1Len = field::kAddress + 16;
inline constexpr size_t kV2QueryLen = field::kSources;
inline constexpr size_t kV2ReportLen = field::kRecords;

// Offsets inside a multicast address record (RFC 3810 §5.2.4).
namespace rec {
inline constexpr size_t kType = 0;
inline constexpr size_t kAuxLen = 1;  // in 32-bit words
inline constexpr size_t kNumSources = 2;
inline constexpr size_t kAddress = 4;
inline constexpr size_t kSources = 20;
}  // namespace rec
inline constexpr size_t kRecordHeaderLen = rec::kSources;

// RecordType — what a record says about its address (RFC 3810 §5.2.12).
enum class RecordType : uint8_t {
  IsInclude = 1,  // current state
  IsExclude = 2,
  ToInclude = 3,  // filter mode change
  ToExclude = 4,
  AllowNew = 5,   // source list change
  BlockOld = 6,
};

inline constexpr uint8_t kSuppress = 0x08;  // the S flag in field::kFlags
inline constexpr uint8_t kQrvMask = 0x07;

// max_resp_delay(code) — the MLDv2 maximum response code in milliseconds (§5.1.3).
uint32_t max_resp_delay(uint16_t code);
// query_interval(qqic) — the querier's query interval code in seconds (§5.1.9).
uint32_t query_interval(uint8_t qqic);

// Record — one multicast address record.
struct Record {
  uint8_t type = 0;  // RecordType; unknown types are to be ignored by the caller
  Ipv6Address address;
  Bytes sources;  // 16 bytes per source
  Bytes aux;      // auxiliary data (a multiple of 4 bytes)

  size_t num_sources() const { return sources.size() / 16; }
  Ipv6Address source(size_t i) const { return Ipv6Address::from(sources.subspan(16 * i, 16)); }
  size_t buffer_len() const { return kRecordHeaderLen + sources.size() + aux.size(); }
  // emit — Malformed when sources are not whole addresses or aux not whole words.
  Status emit(MutBytes buf) const;
};

// RecordCursor — walks the records of a report.
class RecordCursor {
 public:
  RecordCursor() = default;
  RecordCursor(Bytes records, uint16_t count) : buf_(records), left_(count) {}
  // next() — the next record, none after the last, Truncated when a record runs past the
  // bytes (the cursor then stops).
  Result<Optional<Record>> next();
  // offset() — how many bytes the records read so far take.
  size_t offset() const { return pos_; }

 private:
  Bytes buf_;
  size_t pos_ = 0;
  uint16_t left_ = 0;
};

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view of a whole MLD message (Unsupported for other ICMPv6 types).
  static Result<Packet> check(Bytes buf);

  icmpv6::Type type() const;
  uint8_t code() const;
  // is_v2_query() — a query in the MLDv2 format.
  bool is_v2_query() const;
  uint16_t max_resp_code() const;  // zero for an MLDv2 report
  Ipv6Address address() const;     // zeros for an MLDv2 report
  uint8_t flags() const;           // MLDv2 query; zero otherwise
  uint8_t qqic() const;
  uint16_t num_sources() const;
  Bytes sources() const;
  uint16_t num_records() const;  // MLDv2 report; zero otherwise
  RecordCursor records() const;
  Bytes message() const { return buf_; }

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

struct Repr {
  icmpv6::Type type = icmpv6::Type::MldV2Report;
  bool v2 = false;             // query: in the MLDv2 format; set for MLDv2 reports too
  uint16_t max_resp_code = 0;  // MLDv1: milliseconds; MLDv2: see max_resp_delay()
  Ipv6Address address;         // the group (unspecified in a general query)
  bool suppress = false;       // MLDv2 query: S flag
  uint8_t qrv = 0;             // MLDv2 query: robustness variable (3 bits)
  uint8_t qqic = 0;            // MLDv2 query: query interval code
  Bytes sources;               // MLDv2 query: 16 bytes per source
  uint16_t num_records = 0;    // MLDv2 report
  Bytes records;               // MLDv2 report: the records (walk with RecordCursor)

  // parse — also rejects a query from a source that is not link-local, a report or done
  // from one that is neither link-local nor unspecified (RFC 3810 §5.1.14, §5.2.13,
  // RFC 2710 §3), and a group that is not multicast (unspecified: a general query).
  // The code is ignored (RFC 2710 §3.2).
  static Result<Repr> parse(const Packet& packet, const Ipv6Address& src,
                            const Ipv6Address& dst, bool verify_checksum = true);
  size_t buffer_len() const;
  // emit — the message with code 0 and its checksum; records are copied unless already
  // in place. Malformed for a qrv over 7, sources that are not whole addresses, or
  // records that are not exactly num_records whole records.
  Status emit(MutBytes buf, const Ipv6Address& src, const Ipv6Address& dst) const;
};

}  // namespace keel::wire::mld
