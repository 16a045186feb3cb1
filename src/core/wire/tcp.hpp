// tcp.hpp — TCP segments (RFC 9293 §3.1) and their options: MSS (§3.2), window scale and
// timestamps (RFC 7323 §2, §3), SACK-permitted and SACK (RFC 2018).
//
// Packet is a checked view over exactly one segment (TCP has no length field: the
// caller passes the IP payload, without link padding). After check() the data offset
// is within [20, buffer size], so options() and payload() never reach past it.
// Options are read through OptionCursor, which rejects any option whose length is
// zero, one, past the header, or wrong for its kind.
//
// Repr::emit writes the options in the layout Linux uses (tcp_options_write), so a
// kernel segment re-emits byte-exact: MSS; SACK-permitted+timestamps as 04 02 08 0a
// (01 01 08 0a without SACK-permitted, 01 01 04 02 without timestamps); 01 03 03 ws;
// 01 01 05 len + blocks. When that layout would not fit in 40 bytes the same options
// are written back to back without NOPs and padded with EOL. Unknown options are
// skipped by parse and not re-emitted.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::tcp {

namespace field {
inline constexpr size_t kSrcPort = 0;
inline constexpr size_t kDstPort = 2;
inline constexpr size_t kSeq = 4;
inline constexpr size_t kAck = 8;
inline constexpr size_t kDataOffset = 12;  // high nibble: header length in 32-bit words
inline constexpr size_t kFlags = 13;
inline constexpr size_t kWindow = 14;
inline constexpr size_t kChecksum = 16;
inline constexpr size_t kUrgent = 18;
}  // namespace field
inline constexpr size_t kHeaderLen = field::kUrgent + 2;
inline constexpr size_t kMaxHeaderLen = 60;  // data offset 15
inline constexpr size_t kMaxOptionsLen = kMaxHeaderLen - kHeaderLen;
inline constexpr size_t kMaxSackBlocks = 4;
inline constexpr uint8_t kMaxWindowScale = 14;  // RFC 7323 §2.3

// Flag bits of the flags byte (RFC 9293 §3.1, RFC 3168 §6.1). NS (RFC 3540, historic)
// sits in the data-offset byte and is ignored.
namespace flag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace flag

// OptionKind — the option kinds keel interprets; any other kind is skipped.
enum class OptionKind : uint8_t {
  End = 0,
  Nop = 1,
  Mss = 2,
  WindowScale = 3,
  SackPermitted = 4,
  Sack = 5,
  Timestamps = 8,
};

// Option — one option: its kind and the bytes after its kind and length octets.
struct Option {
  uint8_t kind = 0;
  Bytes data;
};

// OptionCursor — walks an options area; NOPs are skipped, EOL ends the walk.
class OptionCursor {
 public:
  explicit OptionCursor(Bytes options) : buf_(options) {}
  // done() — true at the end of the area or after EOL.
  bool done() const { return pos_ >= buf_.size(); }
  // next() — the next option (call only while !done(); returns kind End when only
  // NOPs/EOL remained). Malformed for a length < 2, past the area, or wrong for a
  // known kind; the cursor then stays done.
  Result<Option> next();

 private:
  Bytes buf_;
  size_t pos_ = 0;
};

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds a header whose data offset is in [5, buf/4].
  static Result<Packet> check(Bytes buf);

  uint16_t src_port() const;
  uint16_t dst_port() const;
  uint32_t seq() const;
  uint32_t ack() const;
  // header_len() — data offset in bytes (20..60).
  size_t header_len() const { return (buf_.data()[field::kDataOffset] >> 4) * 4u; }
  uint8_t flags() const { return buf_.data()[field::kFlags]; }
  uint16_t window() const;
  uint16_t checksum() const;
  uint16_t urgent() const;
  // options() — the bytes between the fixed header and the data offset.
  Bytes options() const { return buf_.subspan(kHeaderLen, header_len() - kHeaderLen); }
  Bytes payload() const { return buf_.from(header_len()); }
  // verify_checksum — the checksum over the pseudo-header and the whole segment.
  bool verify_checksum(const IpAddress& src, const IpAddress& dst) const;

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

// SackBlock — one block of received data beyond the ack: [left, right) (RFC 2018 §3).
struct SackBlock {
  uint32_t left = 0;
  uint32_t right = 0;
  bool operator==(const SackBlock& o) const { return left == o.left && right == o.right; }
};

// Timestamps — TSval and TSecr (RFC 7323 §3.2).
struct Timestamps {
  uint32_t tsval = 0;
  uint32_t tsecr = 0;
  bool operator==(const Timestamps& o) const { return tsval == o.tsval && tsecr == o.tsecr; }
};

struct Repr {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;     // meaningful with flag::kAck; kept verbatim either way
  uint8_t flags = 0;    // flag::k* bits
  uint16_t window = 0;  // unscaled, as on the wire
  uint16_t urgent = 0;  // meaningful with flag::kUrg; kept verbatim either way
  Optional<uint16_t> mss;
  Optional<uint8_t> window_scale;     // the shift, at most 14
  bool window_scale_clamped = false;  // parse saw a shift > 14 and used 14 (RFC 7323 §2.3)
  bool sack_permitted = false;
  uint8_t sack_count = 0;  // blocks used in sack[]
  SackBlock sack[kMaxSackBlocks];
  Optional<Timestamps> timestamps;
  Bytes payload;  // a view: into the parsed segment, or the caller's data to emit

  // parse — every option validated (a kind seen twice is Malformed); a bad checksum
  // rejected when verify_checksum is set.
  static Result<Repr> parse(const Packet& packet, const IpAddress& src, const IpAddress& dst,
                            bool verify_checksum = true);
  // options_len() — bytes of options emit writes (a multiple of 4; > 40 if they cannot
  // fit, which emit rejects).
  size_t options_len() const;
  size_t header_len() const { return kHeaderLen + options_len(); }
  size_t buffer_len() const { return header_len() + payload.size(); }
  // emit — header, options, payload (copied unless it already sits in place) and, when
  // fill_checksum, the checksum over the pseudo-header. Malformed if the options need
  // more than 40 bytes, sack_count > 4, or a window scale > 14.
  Status emit(MutBytes buf, const IpAddress& src, const IpAddress& dst,
              bool fill_checksum = true) const;

 private:
  size_t write_options(uint8_t* out, bool linux_layout) const;
};

// Quoted — what an ICMP error must carry of a TCP header: its first 8 bytes (RFC 792),
// the ports and the sequence number (RFC 5927 validates errors against it).
struct Quoted {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  // parse — Truncated when fewer than 8 bytes were quoted.
  static Result<Quoted> parse(Bytes quoted);
};

}  // namespace keel::wire::tcp
