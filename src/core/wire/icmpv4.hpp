// icmpv4.hpp — ICMP for IPv4 (RFC 792): echo request/reply, destination unreachable
// (with the next-hop MTU of RFC 1191 §4), time exceeded, parameter problem.
//
// Packet is a checked view of a whole ICMP message: the IP layer hands over exactly its
// payload (ICMP has no length field), so after check() only the 8-byte header is known
// to be present. Repr::parse verifies the checksum and, for errors, that the quoted
// original datagram starts with an IPv4 header that can be read (see Quote). Other
// types (redirect, timestamp, router discovery, ...) are Unsupported.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"
#include "core/wire/numbers.hpp"

namespace keel::wire::icmpv4 {

namespace field {
inline constexpr size_t kType = 0;
inline constexpr size_t kCode = 1;
inline constexpr size_t kChecksum = 2;
inline constexpr size_t kIdent = 4;       // echo
inline constexpr size_t kSeq = 6;         // echo
inline constexpr size_t kPointer = 4;     // parameter problem
inline constexpr size_t kNextHopMtu = 6;  // destination unreachable, fragmentation needed
}  // namespace field
inline constexpr size_t kHeaderLen = 8;

enum class Type : uint8_t {
  EchoReply = 0,
  DestUnreachable = 3,
  EchoRequest = 8,
  TimeExceeded = 11,
  ParamProblem = 12,
};

// Unreachable — destination unreachable codes (RFC 792; 6..15 from RFC 1122 §3.2.2.1
// and RFC 1812 §5.2.7.1).
enum class Unreachable : uint8_t {
  Net = 0,
  Host = 1,
  Protocol = 2,
  Port = 3,
  FragNeeded = 4,  // DF set and the next hop's MTU is too small: next_hop_mtu says it
  SourceRouteFailed = 5,
  NetUnknown = 6,
  HostUnknown = 7,
  SourceHostIsolated = 8,
  NetProhibited = 9,
  HostProhibited = 10,
  NetTos = 11,
  HostTos = 12,
  AdminProhibited = 13,
  HostPrecedence = 14,
  PrecedenceCutoff = 15,
};

// TimeExceeded — time exceeded codes (RFC 792).
enum class TimeExceeded : uint8_t { Ttl = 0, Reassembly = 1 };

// ParamProblem — parameter problem codes (RFC 792; 1, 2 from RFC 1108, RFC 1812).
enum class ParamProblem : uint8_t { Pointer = 0, MissingOption = 1, BadLength = 2 };

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds at least the 8-byte header.
  static Result<Packet> check(Bytes buf);

  uint8_t type() const;
  uint8_t code() const;
  uint16_t checksum() const;
  uint16_t ident() const;
  uint16_t seq() const;
  uint8_t pointer() const;
  uint16_t next_hop_mtu() const;
  // data() — after the header: echo data, or the quoted original datagram of an error.
  Bytes data() const { return buf_.from(kHeaderLen); }
  bool verify_checksum() const;

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

// Quote — what an error message tells of the datagram that caused it: its IPv4 header
// and the start of its payload (RFC 792: "Internet Header + 64 bits of Original Data
// Datagram"; RFC 1812 §4.3.2.3 allows more). The original need not be whole.
struct Quote {
  Ipv4Address src;
  Ipv4Address dst;
  IpProtocol protocol = IpProtocol::Udp;
  Bytes payload;  // the original's payload bytes present, at most up to its total length

  // parse(original) — Truncated before a whole header or before the first 8 payload
  // bytes (fewer when the original was shorter); Malformed for a version other than 4,
  // IHL < 5, or a total length below the header.
  static Result<Quote> parse(Bytes original);
};

struct Repr {
  Type type = Type::EchoRequest;
  uint8_t code = 0;           // a code of the type's enum (Unreachable, ...), kept as sent
  uint16_t ident = 0;         // echo
  uint16_t seq = 0;           // echo
  uint16_t next_hop_mtu = 0;  // destination unreachable with code FragNeeded, else 0
  uint8_t pointer = 0;        // parameter problem: offset of the bad octet
  Bytes data;                 // echo data, or the original datagram of an error (a view)

  // parse — BadChecksum when verify_checksum and the checksum fails, Unsupported for a
  // type not listed in Type, and for an error what Quote::parse finds in data.
  static Result<Repr> parse(const Packet& packet, bool verify_checksum = true);
  size_t buffer_len() const { return kHeaderLen + data.size(); }
  // emit — header, data (copied unless it already sits at buf + kHeaderLen), checksum.
  // Fields that do not belong to the type are written as zero; a type not in Type is
  // Unsupported, an error whose data Quote::parse refuses is Malformed.
  Status emit(MutBytes buf) const;
  bool is_error() const { return type != Type::EchoRequest && type != Type::EchoReply; }
};

}  // namespace keel::wire::icmpv4
