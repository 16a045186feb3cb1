// udp.hpp — UDP (RFC 768; IPv6 rules from RFC 8200 §8.1).
//
// Packet is a checked view: after check() the length field is within [8, buffer size]
// and payload() never reaches past it. Bytes beyond the length field (link padding)
// are ignored.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::udp {

namespace field {
inline constexpr size_t kSrcPort = 0;
inline constexpr size_t kDstPort = 2;
inline constexpr size_t kLength = 4;
inline constexpr size_t kChecksum = 6;
}  // namespace field
inline constexpr size_t kHeaderLen = field::kChecksum + 2;

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds a whole datagram by its own length field.
  static Result<Packet> check(Bytes buf);

  uint16_t src_port() const;
  uint16_t dst_port() const;
  uint16_t length() const;
  uint16_t checksum() const;
  // payload() — the bytes after the header, up to the length field.
  Bytes payload() const { return buf_.subspan(kHeaderLen, length() - kHeaderLen); }
  // verify_checksum — true if the checksum verifies or (IPv4 only) is absent (zero).
  bool verify_checksum(const IpAddress& src, const IpAddress& dst) const;

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

struct Repr {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  Bytes payload;  // a view: into the parsed packet, or the caller's data to emit

  // parse — rejects a bad checksum when verify_checksum is set, and a zero (absent)
  // checksum over IPv6, where it is mandatory.
  static Result<Repr> parse(const Packet& packet, const IpAddress& src, const IpAddress& dst,
                            bool verify_checksum = true);
  size_t buffer_len() const { return kHeaderLen + payload.size(); }
  // emit — header, payload (copied unless it already sits at buf + kHeaderLen) and,
  // when fill_checksum, the checksum over the pseudo-header (0 becomes 0xffff).
  Status emit(MutBytes buf, const IpAddress& src, const IpAddress& dst,
              bool fill_checksum = true) const;
};

}  // namespace keel::wire::udp
