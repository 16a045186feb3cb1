// icmpv6.hpp — ICMPv6 (RFC 4443): the common header, the checksum over the IPv6
// pseudo-header (mandatory, RFC 4443 §2.3), echo request/reply and the error messages.
//
// Neighbour discovery (ndisc.hpp) and MLD (mld.hpp) are ICMPv6 messages too: they share
// Type and the checksum helpers here, and this Repr refuses them as Unsupported.
// Packet is a checked view of a whole message: the buffer is the message (the IPv6
// payload after any extension headers), at least the 8-byte header.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::icmpv6 {

namespace field {
inline constexpr size_t kType = 0;
inline constexpr size_t kCode = 1;
inline constexpr size_t kChecksum = 2;
inline constexpr size_t kIdent = 4;    // echo
inline constexpr size_t kSeqNo = 6;    // echo
inline constexpr size_t kMtu = 4;      // packet too big
inline constexpr size_t kPointer = 4;  // parameter problem (other errors: unused)
inline constexpr size_t kData = 8;
}  // namespace field
inline constexpr size_t kHeaderLen = field::kData;
// kMaxErrorLen — an error message must fit the minimum MTU with its IPv6 header
// (RFC 4443 §2.4(c)): the caller cuts the invoking packet to kMaxErrorLen - kHeaderLen.
inline constexpr size_t kMaxErrorLen = 1280 - 40;

// Type — ICMPv6 message types (IANA). Values below 128 are errors.
enum class Type : uint8_t {
  DstUnreachable = 1,
  PacketTooBig = 2,
  TimeExceeded = 3,
  ParamProblem = 4,
  EchoRequest = 128,
  EchoReply = 129,
  MldQuery = 130,        // mld.hpp
  MldReport = 131,       // MLDv1
  MldDone = 132,         // MLDv1
  RouterSolicit = 133,   // ndisc.hpp
  RouterAdvert = 134,
  NeighborSolicit = 135,
  NeighborAdvert = 136,
  Redirect = 137,
  MldV2Report = 143,     // mld.hpp
};

// Codes of destination unreachable (RFC 4443 §3.1).
enum class Unreachable : uint8_t {
  NoRoute = 0,
  AdminProhibited = 1,
  BeyondScope = 2,
  Address = 3,
  Port = 4,
  SourcePolicy = 5,
  RejectRoute = 6,
};
// Codes of time exceeded (§3.3).
enum class TimeExceeded : uint8_t { HopLimit = 0, Reassembly = 1 };
// Codes of parameter problem (§3.4).
enum class ParamProblem : uint8_t { Header = 0, NextHeader = 1, Option = 2 };

// verify_checksum(message, src, dst) — the checksum over the pseudo-header verifies.
bool verify_checksum(Bytes message, const Ipv6Address& src, const Ipv6Address& dst);
// fill_checksum(message, src, dst) — computes and stores the checksum (message at least
// 4 bytes, its checksum field any value); used by every ICMPv6 emitter.
void fill_checksum(MutBytes message, const Ipv6Address& src, const Ipv6Address& dst);

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds at least the 8-byte header; the message is all of buf.
  static Result<Packet> check(Bytes buf);

  Type type() const;
  uint8_t code() const;
  uint16_t checksum() const;
  uint16_t ident() const;
  uint16_t seq_no() const;
  uint32_t mtu() const;
  uint32_t pointer() const;
  // data() — echo data, or as much of the invoking packet as the error carries.
  Bytes data() const { return buf_.from(field::kData); }
  Bytes message() const { return buf_; }
  bool verify_checksum(const Ipv6Address& src, const Ipv6Address& dst) const {
    return icmpv6::verify_checksum(buf_, src, dst);
  }

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

// Repr — an echo or an error message (is_error(): type below 128; error types keel does
// not know are kept with their data, RFC 4443 §2.4(b)).
struct Repr {
  Type type = Type::EchoRequest;
  uint8_t code = 0;
  uint16_t ident = 0;    // echo
  uint16_t seq_no = 0;   // echo
  uint32_t mtu = 0;      // packet too big
  uint32_t pointer = 0;  // parameter problem: offset of the error in the invoking packet
  Bytes data;            // echo data, or the invoking packet (a view)

  // parse — rejects a bad checksum (unless verify_checksum is false), an echo with a
  // code other than 0, and (Unsupported) informational types other than echo: those
  // belong to ndisc and mld, or are unknown and dropped (§2.4(b)).
  static Result<Repr> parse(const Packet& packet, const Ipv6Address& src,
                            const Ipv6Address& dst, bool verify_checksum = true);
  bool is_error() const { return static_cast<uint8_t>(type) < 128; }
  size_t buffer_len() const { return kHeaderLen + data.size(); }
  // emit — header, data (copied unless already in place) and checksum; the unused word
  // of errors other than packet too big and parameter problem is zero. Unsupported for
  // the types parse() refuses.
  Status emit(MutBytes buf, const Ipv6Address& src, const Ipv6Address& dst) const;
};

}  // namespace keel::wire::icmpv6
