// ipv4.hpp — the IPv4 header (RFC 791 §3.1; DSCP/ECN per RFC 2474 and RFC 3168).
//
// Packet is a checked view: after check() the version is 4, 5 <= IHL, the header fits
// the buffer, IHL*4 <= total length <= buffer size, and every option has a valid length
// (walked by OptionCursor). Bytes past the total length (link padding) are ignored. The
// header checksum is verified by Repr::parse, not by check().
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"
#include "core/wire/numbers.hpp"

namespace keel::wire::ipv4 {

namespace field {
inline constexpr size_t kVersionIhl = 0;
inline constexpr size_t kDscpEcn = 1;
inline constexpr size_t kTotalLen = 2;
inline constexpr size_t kIdent = 4;
inline constexpr size_t kFlagsFragment = 6;  // reserved, DF, MF, 13-bit offset (8-byte units)
inline constexpr size_t kTtl = 8;
inline constexpr size_t kProtocol = 9;
inline constexpr size_t kChecksum = 10;
inline constexpr size_t kSrc = 12;
inline constexpr size_t kDst = 16;
inline constexpr size_t kOptions = 20;
}  // namespace field
inline constexpr size_t kHeaderLen = field::kOptions;  // without options
inline constexpr size_t kMaxHeaderLen = 60;
inline constexpr size_t kMaxOptionsLen = kMaxHeaderLen - kHeaderLen;

// Option types (RFC 791 §3.1, IANA "IP Option Numbers").
namespace option {
inline constexpr uint8_t kEnd = 0;  // end of option list: the rest is padding
inline constexpr uint8_t kNop = 1;
inline constexpr uint8_t kRecordRoute = 7;
inline constexpr uint8_t kTimestamp = 68;
inline constexpr uint8_t kLooseSourceRoute = 131;
inline constexpr uint8_t kStrictSourceRoute = 137;
inline constexpr uint8_t kRouterAlert = 148;  // RFC 2113
}  // namespace option

// Option — one option with a length byte; data is what follows the type and length.
struct Option {
  uint8_t type = 0;
  Bytes data;
};

// OptionCursor — walks an options area. End-of-list stops the walk and NOPs are
// skipped; every other option needs a length of at least 2 that stays in the area.
class OptionCursor {
 public:
  explicit OptionCursor(Bytes area) : area_(area) {}
  // next() — the next option, none at the end, Malformed on a bad length.
  Result<Optional<Option>> next();

 private:
  Bytes area_;
  size_t pos_ = 0;
};

// check_options(area) — every option of area has a valid length.
Status check_options(Bytes area);

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds a whole datagram by its own IHL and total length
  // and its options are well formed. Truncated when the buffer is short of what the
  // header says, Malformed when the header contradicts itself.
  static Result<Packet> check(Bytes buf);

  uint8_t version() const;
  size_t header_len() const;  // IHL * 4
  uint8_t dscp() const;
  uint8_t ecn() const;
  uint16_t total_len() const;
  uint16_t ident() const;
  bool dont_fragment() const;
  bool more_fragments() const;
  // frag_offset() — the fragment's offset in bytes (the field times 8).
  uint16_t frag_offset() const;
  // is_fragment() — a piece of a larger datagram: MF set or a nonzero offset.
  bool is_fragment() const { return more_fragments() || frag_offset() != 0; }
  uint8_t ttl() const;
  IpProtocol protocol() const;
  uint16_t checksum() const;
  Ipv4Address src() const { return Ipv4Address::from(buf_.subspan(field::kSrc, 4)); }
  Ipv4Address dst() const { return Ipv4Address::from(buf_.subspan(field::kDst, 4)); }
  // options() — the whole options area (IHL*4 - 20 bytes, padding included).
  Bytes options() const { return buf_.subspan(kHeaderLen, header_len() - kHeaderLen); }
  // payload() — after the header, up to the total length.
  Bytes payload() const { return buf_.from(header_len()); }
  bool verify_checksum() const;

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

struct Repr {
  Ipv4Address src;
  Ipv4Address dst;
  IpProtocol protocol = IpProtocol::Udp;
  uint8_t ttl = 64;
  uint8_t dscp = 0;  // 0..63
  uint8_t ecn = 0;   // 0..3
  uint16_t ident = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  uint16_t frag_offset = 0;  // in bytes: a multiple of 8
  uint16_t payload_len = 0;
  Bytes options;  // the options area, padding included: a multiple of 4, at most 40

  // parse — rejects a bad checksum (when verify_checksum), and a fragment that would end
  // past the 65535-byte maximum datagram (offset + payload), as Malformed. The reserved
  // flag bit is ignored.
  static Result<Repr> parse(const Packet& packet, bool verify_checksum = true);
  size_t header_len() const { return kHeaderLen + options.size(); }
  size_t buffer_len() const { return header_len() + payload_len; }
  // emit — needs a buffer of buffer_len() bytes but writes the header only, checksum
  // filled in; the caller writes payload_len bytes at buf + header_len(). Malformed for
  // a field its bits cannot hold, an options area that is not whole words or whose
  // options are malformed, or a datagram over 65535 bytes.
  Status emit(MutBytes buf) const;
  bool is_fragment() const { return more_fragments || frag_offset != 0; }
};

}  // namespace keel::wire::ipv4
