// ndisc.hpp — Neighbor Discovery for IPv6 (RFC 4861 §4): router solicitation and
// advertisement, neighbor solicitation and advertisement, redirect; their options
// (§4.6): link-layer addresses (Ethernet only), prefix information, redirected header,
// MTU; and recursive DNS servers (RFC 8106 §5.1).
//
// Packet is a checked view of a whole ICMPv6 message of one of these types: after
// check() the fixed part of its type is present and every option lies within the
// message with a non-zero length (RFC 4861 §4.6: such a message must be discarded).
// Repr::parse adds the checksum, code 0, each known option's length, and the validity
// rules that need only the addresses (§6.1, §7.1, §8.1); the hop limit of 255 that those
// sections also require is in the IPv6 header, and is the caller's to check.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"
#include "core/wire/icmpv6.hpp"

namespace keel::wire::ndisc {

namespace field {
inline constexpr size_t kCurHopLimit = 4;  // router advertisement
inline constexpr size_t kFlags = 5;        // router advertisement: M, O (and H, Prf, P)
inline constexpr size_t kRouterLifetime = 6;
inline constexpr size_t kReachableTime = 8;
inline constexpr size_t kRetransTimer = 12;
inline constexpr size_t kNaFlags = 4;  // neighbor advertisement: R, S, O
inline constexpr size_t kTarget = 8;   // neighbor solicitation/advertisement, redirect
inline constexpr size_t kDestination = 24;  // redirect
}  // namespace field

// Offsets inside an option, from its type byte.
namespace opt {
inline constexpr size_t kType = 0;
inline constexpr size_t kLength = 1;  // in units of 8 bytes, type and length included
inline constexpr size_t kLinkAddr = 2;
inline constexpr size_t kPrefixLen = 2;
inline constexpr size_t kPrefixFlags = 3;
inline constexpr size_t kValidLifetime = 4;
inline constexpr size_t kPreferredLifetime = 8;
inline constexpr size_t kPrefix = 16;
inline constexpr size_t kMtu = 4;
inline constexpr size_t kRdnssLifetime = 4;
inline constexpr size_t kRdnssServers = 8;
inline constexpr size_t kRedirected = 8;  // after 6 reserved bytes
}  // namespace opt

// OptionType — the option types keel reads (IANA IPv6 ND option formats).
enum class OptionType : uint8_t {
  SourceLinkAddr = 1,
  TargetLinkAddr = 2,
  PrefixInfo = 3,
  RedirectedHeader = 4,
  Mtu = 5,
  Rdnss = 25,
};

// Flags of a router advertisement (RFC 4861 §4.2), neighbor advertisement (§4.4) and
// prefix information option (§4.6.2).
inline constexpr uint8_t kManaged = 0x80;
inline constexpr uint8_t kOtherConfig = 0x40;
inline constexpr uint8_t kRouter = 0x80;
inline constexpr uint8_t kSolicited = 0x40;
inline constexpr uint8_t kOverride = 0x20;
inline constexpr uint8_t kOnLink = 0x80;
inline constexpr uint8_t kAutonomous = 0x40;

// header_len(type) — the fixed part of a message of this type (0 if not an ND type).
size_t header_len(icmpv6::Type type);

// Option — one option: its type, and all its bytes (type and length included).
struct Option {
  uint8_t type = 0;
  Bytes bytes;
};

// OptionCursor — walks options; unknown ones are returned too, for the caller to skip.
class OptionCursor {
 public:
  OptionCursor() = default;
  explicit OptionCursor(Bytes options) : buf_(options) {}
  // next() — the next option, none at the end, Malformed for a zero length or an option
  // past the end (the cursor then stays at the end).
  Result<Optional<Option>> next();

 private:
  Bytes buf_;
  size_t pos_ = 0;
};

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view of a whole ND message (Unsupported for other ICMPv6 types).
  static Result<Packet> check(Bytes buf);

  icmpv6::Type type() const;
  uint8_t code() const;
  uint8_t cur_hop_limit() const;
  uint8_t flags() const;  // router advertisement: the flags byte; neighbor advertisement: R S O bits
  uint16_t router_lifetime() const;
  uint32_t reachable_time() const;
  uint32_t retrans_timer() const;
  Ipv6Address target() const;       // zeros for router messages
  Ipv6Address destination() const;  // zeros but for a redirect
  Bytes options() const { return buf_.from(header_len(type())); }
  OptionCursor cursor() const { return OptionCursor(options()); }
  Bytes message() const { return buf_; }

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

// Prefix — a prefix information option (RFC 4861 §4.6.2).
struct Prefix {
  uint8_t prefix_len = 0;
  uint8_t flags = 0;  // kOnLink, kAutonomous (others kept as received)
  uint32_t valid_lifetime = 0;      // seconds; 0xffffffff is infinity
  uint32_t preferred_lifetime = 0;
  Ipv6Address prefix;
  bool operator==(const Prefix& o) const {
    return prefix_len == o.prefix_len && flags == o.flags && valid_lifetime == o.valid_lifetime &&
           preferred_lifetime == o.preferred_lifetime && prefix == o.prefix;
  }
};

// DnsServer — one address of an RDNSS option, with that option's lifetime (RFC 8106).
struct DnsServer {
  Ipv6Address addr;
  uint32_t lifetime = 0;  // seconds; 0 means stop using it
  bool operator==(const DnsServer& o) const { return addr == o.addr && lifetime == o.lifetime; }
};

inline constexpr size_t kMaxPrefixes = 4;
inline constexpr size_t kMaxDnsServers = 3;

// Repr — a message and the options keel uses. Options are read whatever the message
// type; the first link-layer address and MTU option win; prefixes and DNS servers past
// the arrays set `overflow`. `options` keeps the raw option area of a parsed message:
// emit() writes it verbatim when it is not empty (a byte-exact copy with any unknown
// options), and builds the options from the fields when it is.
struct Repr {
  icmpv6::Type type = icmpv6::Type::NeighborSolicit;
  uint8_t cur_hop_limit = 0;  // router advertisement
  uint8_t flags = 0;          // router advertisement: kManaged...; neighbor advertisement: kRouter...
  uint16_t router_lifetime = 0;
  uint32_t reachable_time = 0;  // milliseconds
  uint32_t retrans_timer = 0;   // milliseconds
  Ipv6Address target;           // neighbor messages, redirect
  Ipv6Address destination;      // redirect
  Optional<MacAddress> source_link_addr;
  Optional<MacAddress> target_link_addr;
  Optional<uint32_t> mtu;
  Prefix prefixes[kMaxPrefixes];
  uint8_t prefix_count = 0;
  DnsServer dns_servers[kMaxDnsServers];
  uint8_t dns_server_count = 0;
  bool overflow = false;
  Bytes redirected;  // redirected header: as much of the redirected packet as was sent
  Bytes options;     // the raw option area when parsed; see above

  static Result<Repr> parse(const Packet& packet, const Ipv6Address& src,
                            const Ipv6Address& dst, bool verify_checksum = true);
  size_t buffer_len() const;
  // emit — the message with its checksum. Options built from fields go in the order
  // radvd and Linux use: prefixes, RDNSS, MTU, source and target link-layer address,
  // redirected header. Unsupported for a type that is not ND.
  Status emit(MutBytes buf, const Ipv6Address& src, const Ipv6Address& dst) const;
};

}  // namespace keel::wire::ndisc
