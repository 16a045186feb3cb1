// ipv6ext.hpp — IPv6 extension headers (RFC 8200 §4): hop-by-hop and destination
// options (one format, §4.3/§4.6) with a cursor over their options, the routing header
// (§4.4), the fragment header (§4.5), and walk(), which finds the upper-layer header
// after a chain of them.
//
// Each view is checked: after check() the header's own length lies within the buffer,
// and (options headers) every option lies within the header. header_len() is where the
// next header starts. Meaning is the caller's: an unrecognised option's action bits, a
// routing header's type (type 0 must be refused, RFC 5095) and segments left.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::ipv6ext {

namespace field {
inline constexpr size_t kNextHeader = 0;
inline constexpr size_t kHdrExtLen = 1;  // 8-octet units after the first 8 (not fragment)
inline constexpr size_t kOptions = 2;    // options headers: options from here to the end
inline constexpr size_t kRoutingType = 2;
inline constexpr size_t kSegmentsLeft = 3;
inline constexpr size_t kRoutingData = 4;     // type-specific data to the end
inline constexpr size_t kFragReserved = 1;    // ignored
inline constexpr size_t kFragOffsetFlags = 2;  // offset:13 (8-octet units) res:2 M:1
inline constexpr size_t kFragIdent = 4;
}  // namespace field
inline constexpr size_t kMinHeaderLen = 8;  // every extension header is a multiple of 8
inline constexpr size_t kFragmentHeaderLen = field::kFragIdent + 4;
inline constexpr size_t kMaxHeaderLen = 2048;  // hdr ext len 255

// OptionType — option types keel knows (IANA Destination and Hop-by-Hop Options).
enum class OptionType : uint8_t {
  Pad1 = 0x00,         // one byte of padding, no length field
  PadN = 0x01,         // N bytes of padding
  RouterAlert = 0x05,  // RFC 2711: 2 bytes of value (0 = MLD)
  Jumbo = 0xc2,        // RFC 2675: not supported by keel
};

// Action — what a node that does not recognise an option must do: the two high-order
// bits of its type (RFC 8200 §4.2).
enum class Action : uint8_t {
  Skip = 0,                   // skip the option, go on
  Discard = 1,                // drop the packet silently
  DiscardAndIcmp = 2,         // drop, send parameter problem code 2 to the source
  DiscardAndIcmpUnicast = 3,  // the same, unless the destination was multicast
};

// Option — one option of an options header.
struct Option {
  uint8_t type = 0;
  uint16_t offset = 0;  // of the type byte, from the start of the header (an ICMP pointer)
  Bytes data;           // the option data (empty for Pad1)

  Action action() const { return static_cast<Action>(type >> 6); }
  // may_change() — the data may change en route (RFC 8200 §4.2, third-highest bit).
  bool may_change() const { return (type & 0x20) != 0; }
};

// OptionCursor — walks the options of an options header, Pad1 and PadN included.
class OptionCursor {
 public:
  OptionCursor() = default;
  // OptionCursor(options, base) — base is the offset of options in its header.
  explicit OptionCursor(Bytes options, size_t base = field::kOptions)
      : buf_(options), base_(base) {}
  // next() — the next option, none at the end, Malformed when an option's length runs
  // past the options area (the cursor then stays at the end).
  Result<Optional<Option>> next();

 private:
  Bytes buf_;
  size_t pos_ = 0;
  size_t base_ = field::kOptions;
};

// OptionsHeader — a hop-by-hop or destination options header.
class OptionsHeader {
 public:
  OptionsHeader() = default;
  // check(buf) — a view if the header fits in buf, every option fits in the header and a
  // router alert has its 2 bytes (RFC 2711 §2).
  static Result<OptionsHeader> check(Bytes buf);

  uint8_t next_header() const;
  size_t header_len() const { return buf_.size(); }
  Bytes options() const { return buf_.from(field::kOptions); }
  OptionCursor cursor() const { return OptionCursor(options()); }
  // router_alert() — the value of the first router alert option, if any.
  Optional<uint16_t> router_alert() const;

 private:
  explicit OptionsHeader(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

struct OptionsRepr {
  uint8_t next_header = 59;
  Optional<uint16_t> router_alert;  // parsed from the options; emitted only when options is empty
  Bytes options;                    // the options area as parsed, padding included

  static Result<OptionsRepr> parse(const OptionsHeader& header);
  // buffer_len — options (or the router alert) padded up to a multiple of 8.
  size_t buffer_len() const;
  // emit — options verbatim (or a router alert), then Pad1/PadN up to buffer_len().
  // Malformed when longer than kMaxHeaderLen.
  Status emit(MutBytes buf) const;
};

// RoutingType — routing header types (IANA).
enum class RoutingType : uint8_t {
  Type0 = 0,    // deprecated by RFC 5095: must be treated as unrecognised
  Mipv6 = 2,    // RFC 6275
  Rpl = 3,      // RFC 6554
  Segment = 4,  // RFC 8754
};

// RoutingHeader — a routing header of any type.
class RoutingHeader {
 public:
  RoutingHeader() = default;
  static Result<RoutingHeader> check(Bytes buf);

  uint8_t next_header() const;
  size_t header_len() const { return buf_.size(); }
  uint8_t routing_type() const;
  uint8_t segments_left() const;
  // data() — the type-specific data (for type 0, a reserved word then addresses).
  Bytes data() const { return buf_.from(field::kRoutingData); }

 private:
  explicit RoutingHeader(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

struct RoutingRepr {
  uint8_t next_header = 59;
  uint8_t routing_type = 0;
  uint8_t segments_left = 0;
  Bytes data;  // type-specific data; 4 + data.size() must be a multiple of 8

  static Result<RoutingRepr> parse(const RoutingHeader& header);
  // is_type0 — the deprecated type the caller must refuse (RFC 5095 §3).
  bool is_type0() const { return routing_type == static_cast<uint8_t>(RoutingType::Type0); }
  size_t buffer_len() const { return field::kRoutingData + data.size(); }
  // emit — Malformed when buffer_len() is not a multiple of 8 or over kMaxHeaderLen.
  Status emit(MutBytes buf) const;
};

// FragmentHeader — the fragment header (fixed 8 bytes; reserved fields ignored).
class FragmentHeader {
 public:
  FragmentHeader() = default;
  static Result<FragmentHeader> check(Bytes buf);

  uint8_t next_header() const;
  size_t header_len() const { return kFragmentHeaderLen; }
  uint16_t offset() const;  // in bytes (a multiple of 8)
  bool more_fragments() const;
  uint32_t ident() const;

 private:
  explicit FragmentHeader(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

struct FragmentRepr {
  uint8_t next_header = 59;
  uint16_t offset = 0;  // in bytes; must be a multiple of 8
  bool more_fragments = false;
  uint32_t ident = 0;

  static Result<FragmentRepr> parse(const FragmentHeader& header);
  // is_atomic — offset 0 and no more fragments: a whole packet (RFC 6946).
  bool is_atomic() const { return offset == 0 && !more_fragments; }
  size_t buffer_len() const { return kFragmentHeaderLen; }
  // emit — reserved fields zero; Malformed when offset is not a multiple of 8.
  Status emit(MutBytes buf) const;
};

// The walker's bounds: RFC 8200 §4.1 recommends at most one of each header (two
// destination options), so a real chain has fewer than kMaxHeaders; longer ones, or
// chains over kMaxChainLen bytes, are refused as Unsupported rather than walked.
inline constexpr size_t kMaxHeaders = 8;
inline constexpr size_t kMaxChainLen = 1024;

// Chain — where walk() stopped.
struct Chain {
  uint8_t protocol = 59;        // the first header that is not an extension header walked
  uint16_t offset = 0;          // where it starts, from the start of the IPv6 payload
  Optional<uint16_t> fragment;  // offset of the fragment header, when one was passed
};

// walk(next_header, payload) — follows hop-by-hop (first only, RFC 8200 §4.1: Malformed
// elsewhere), destination options, routing and fragment headers from the IPv6 header's
// next header over its payload, checking each. It stops after a fragment header that is
// not atomic (the rest is fragment data); any other protocol ends the chain.
Result<Chain> walk(uint8_t next_header, Bytes payload);

}  // namespace keel::wire::ipv6ext
