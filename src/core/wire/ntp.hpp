// ntp.hpp — the NTP packet header (RFC 5905 §7.3), versions 3 and 4, as SNTP clients
// and servers use it (RFC 4330 §4).
//
// Packet is a checked view: after check() the 48-byte header is in the buffer. What
// follows it (RFC 7822 extension fields, a key id and MAC) is not interpreted: it is
// exposed as trailing() and re-emitted verbatim. Control (mode 6) and private (mode 7)
// messages have other formats and are Unsupported, like versions other than 3 and 4.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/span.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::ntp {

namespace field {
inline constexpr size_t kFlags = 0;  // LI (2 bits), VN (3), mode (3)
inline constexpr size_t kStratum = 1;
inline constexpr size_t kPoll = 2;
inline constexpr size_t kPrecision = 3;
inline constexpr size_t kRootDelay = 4;
inline constexpr size_t kRootDispersion = 8;
inline constexpr size_t kReferenceId = 12;
inline constexpr size_t kReferenceTime = 16;
inline constexpr size_t kOriginTime = 24;
inline constexpr size_t kReceiveTime = 32;
inline constexpr size_t kTransmitTime = 40;
}  // namespace field
inline constexpr size_t kHeaderLen = field::kTransmitTime + 8;
inline constexpr uint16_t kPort = 123;

// Leap — the leap indicator (RFC 5905 Figure 9).
enum class Leap : uint8_t { None = 0, InsertSecond = 1, DeleteSecond = 2, Unsynchronized = 3 };

// Mode — the association mode (RFC 5905 Figure 10).
enum class Mode : uint8_t {
  Reserved = 0,
  SymmetricActive = 1,
  SymmetricPassive = 2,
  Client = 3,
  Server = 4,
  Broadcast = 5,
  Control = 6,
  Private = 7,
};

// Timestamp — the 64-bit timestamp format: seconds since 1900 (era 0) and a binary
// fraction of a second (RFC 5905 §6). All zero means "unknown".
struct Timestamp {
  uint32_t seconds = 0;
  uint32_t fraction = 0;
  bool is_zero() const { return seconds == 0 && fraction == 0; }
  bool operator==(const Timestamp& o) const {
    return seconds == o.seconds && fraction == o.fraction;
  }
};

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds the 48-byte header.
  static Result<Packet> check(Bytes buf);

  Leap leap() const { return static_cast<Leap>(buf_.data()[field::kFlags] >> 6); }
  uint8_t version() const { return (buf_.data()[field::kFlags] >> 3) & 7; }
  Mode mode() const { return static_cast<Mode>(buf_.data()[field::kFlags] & 7); }
  uint8_t stratum() const { return buf_.data()[field::kStratum]; }
  int8_t poll() const { return static_cast<int8_t>(buf_.data()[field::kPoll]); }
  int8_t precision() const { return static_cast<int8_t>(buf_.data()[field::kPrecision]); }
  uint32_t root_delay() const;
  uint32_t root_dispersion() const;
  uint32_t reference_id() const;
  Timestamp reference_time() const { return timestamp(field::kReferenceTime); }
  Timestamp origin_time() const { return timestamp(field::kOriginTime); }
  Timestamp receive_time() const { return timestamp(field::kReceiveTime); }
  Timestamp transmit_time() const { return timestamp(field::kTransmitTime); }
  // trailing() — extension fields and MAC after the header, uninterpreted.
  Bytes trailing() const { return buf_.from(kHeaderLen); }

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Timestamp timestamp(size_t offset) const;
  Bytes buf_;
};

struct Repr {
  Leap leap = Leap::None;
  uint8_t version = 4;  // 3 or 4
  Mode mode = Mode::Client;
  uint8_t stratum = 0;      // 0: unspecified or kiss-o'-death, 1: primary, 16: unsynchronized
  int8_t poll = 0;          // log2 seconds
  int8_t precision = 0;     // log2 seconds
  uint32_t root_delay = 0;  // short format: 16.16 fixed-point seconds
  uint32_t root_dispersion = 0;  // short format: 16.16 fixed-point seconds
  uint32_t reference_id = 0;     // stratum 0/1: ASCII code; above: server IPv4 or hash
  Timestamp reference_time;
  Timestamp origin_time;
  Timestamp receive_time;
  Timestamp transmit_time;
  Bytes trailing;  // a view: extension fields / MAC, emitted verbatim after the header

  // parse — Unsupported for a version other than 3 or 4, or mode 0, 6 or 7.
  static Result<Repr> parse(const Packet& packet);
  size_t buffer_len() const { return kHeaderLen + trailing.size(); }
  // emit — the header, then trailing (copied unless it already sits in place).
  // Malformed for a version other than 3 or 4, or out-of-range leap or mode.
  Status emit(MutBytes buf) const;
};

}  // namespace keel::wire::ntp
