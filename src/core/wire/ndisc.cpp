// ndisc.cpp — Neighbor Discovery messages, options and Repr.
#include "core/wire/ndisc.hpp"

#include <string.h>

#include "core/base/bits.hpp"
#include "core/base/byte_order.hpp"

namespace keel::wire::ndisc {

namespace {

using icmpv6::Type;

constexpr size_t kLinkAddrOptLen = 8;
constexpr size_t kPrefixOptLen = 32;
constexpr size_t kMtuOptLen = 8;
constexpr size_t kMaxRedirected = 255 * 8 - opt::kRedirected;  // the longest option

// The fixed part of types 133 to 137, in order.
constexpr uint8_t kHeaderLens[] = {8, 16, 24, 24, 40};

Ipv6Address address_at(Bytes b, size_t at) { return Ipv6Address::from(b.subspan(at, 16)); }

// option(o, type, len) — starts an option of len bytes at o: type, length, zeros.
uint8_t* option(uint8_t* o, OptionType type, size_t len) {
  memset(o, 0, len);
  o[opt::kType] = static_cast<uint8_t>(type);
  o[opt::kLength] = static_cast<uint8_t>(len / 8);
  return o;
}

// dns_run(r, i) — how many servers from i share server i's lifetime (one RDNSS option).
size_t dns_run(const Repr& r, size_t i, size_t count) {
  size_t j = i + 1;
  while (j < count && r.dns_servers[j].lifetime == r.dns_servers[i].lifetime) ++j;
  return j - i;
}

Status read_option(Repr& r, const Option& o) {
  const uint8_t* b = o.bytes.data();
  size_t n = o.bytes.size();
  switch (static_cast<OptionType>(o.type)) {
    case OptionType::SourceLinkAddr:
    case OptionType::TargetLinkAddr: {
      if (n != kLinkAddrOptLen) return Err(Error::Malformed);  // Ethernet: 6 bytes
      Optional<MacAddress>& slot =
          o.type == 1 ? r.source_link_addr : r.target_link_addr;
      if (!slot) slot = MacAddress::from(o.bytes.subspan(opt::kLinkAddr, 6));
      return {};
    }
    case OptionType::PrefixInfo: {
      if (n != kPrefixOptLen || b[opt::kPrefixLen] > 128) return Err(Error::Malformed);
      if (r.prefix_count == kMaxPrefixes) {
        r.overflow = true;
        return {};
      }
      Prefix& x = r.prefixes[r.prefix_count++];
      x.prefix_len = b[opt::kPrefixLen];
      x.flags = b[opt::kPrefixFlags];
      x.valid_lifetime = load_be32(b + opt::kValidLifetime);
      x.preferred_lifetime = load_be32(b + opt::kPreferredLifetime);
      x.prefix = address_at(o.bytes, opt::kPrefix);
      return {};
    }
    case OptionType::Mtu:
      if (n != kMtuOptLen) return Err(Error::Malformed);
      if (!r.mtu) r.mtu = load_be32(b + opt::kMtu);
      return {};
    case OptionType::Rdnss: {
      // RFC 8106 §5.1: length 3 + 2 per further address.
      if (n < opt::kRdnssServers + 16 || (n - opt::kRdnssServers) % 16 != 0)
        return Err(Error::Malformed);
      uint32_t lifetime = load_be32(b + opt::kRdnssLifetime);
      for (size_t at = opt::kRdnssServers; at < n; at += 16) {
        if (r.dns_server_count == kMaxDnsServers) {
          r.overflow = true;
          break;
        }
        r.dns_servers[r.dns_server_count++] = DnsServer{address_at(o.bytes, at), lifetime};
      }
      return {};
    }
    case OptionType::RedirectedHeader:
      if (r.redirected.empty()) r.redirected = o.bytes.from(opt::kRedirected);
      return {};
  }
  return {};  // unknown: skipped (RFC 4861 §4.6)
}

// is_solicited_node(a) — a is in ff02::1:ff00:0/104 (RFC 4291 §2.7.1).
bool is_solicited_node(const Ipv6Address& a) {
  Ipv6Address sn = Ipv6Address::solicited_node(a);
  return memcmp(a.bytes, sn.bytes, 13) == 0;
}

// valid(r, src, dst) — the checks of RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2 and §8.1
// that need no state.
bool valid(const Repr& r, const Ipv6Address& src, const Ipv6Address& dst) {
  switch (r.type) {
    case Type::RouterSolicit:
      return !(src.is_unspecified() && r.source_link_addr);
    case Type::RouterAdvert:
      return src.is_link_local();
    case Type::NeighborSolicit:
      if (r.target.is_multicast()) return false;
      return !src.is_unspecified() || (is_solicited_node(dst) && !r.source_link_addr);
    case Type::NeighborAdvert:
      return !r.target.is_multicast() && !(dst.is_multicast() && (r.flags & kSolicited));
    case Type::Redirect:
      return src.is_link_local() && !r.destination.is_multicast() &&
             (r.target.is_link_local() || r.target == r.destination);
    default:
      return false;
  }
}

}  // namespace

size_t header_len(icmpv6::Type type) {
  size_t i = static_cast<uint8_t>(type) - static_cast<size_t>(Type::RouterSolicit);
  return i < sizeof kHeaderLens ? kHeaderLens[i] : 0;
}

Result<Optional<Option>> OptionCursor::next() {
  size_t room = buf_.size() - pos_;
  if (room == 0) return Optional<Option>();
  size_t len = room < 2 ? 0 : size_t{buf_.data()[pos_ + opt::kLength]} * 8;
  if (len == 0 || len > room) {
    pos_ = buf_.size();
    return Err(Error::Malformed);
  }
  Option o;
  o.type = buf_.data()[pos_ + opt::kType];
  o.bytes = buf_.subspan(pos_, len);
  pos_ += len;
  return Optional<Option>(o);
}

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < icmpv6::kHeaderLen) return Err(Error::Truncated);
  size_t len = header_len(static_cast<Type>(buf.data()[icmpv6::field::kType]));
  if (len == 0) return Err(Error::Unsupported);
  if (buf.size() < len) return Err(Error::Truncated);
  Packet p(buf);
  OptionCursor c = p.cursor();
  for (;;) {
    auto o = c.next();
    if (!o) return Err(o.error());
    if (!o->has_value()) return p;
  }
}

Type Packet::type() const { return static_cast<Type>(buf_.data()[icmpv6::field::kType]); }
uint8_t Packet::code() const { return buf_.data()[icmpv6::field::kCode]; }
uint8_t Packet::cur_hop_limit() const {
  return type() == Type::RouterAdvert ? buf_.data()[field::kCurHopLimit] : 0;
}
uint8_t Packet::flags() const {
  if (type() == Type::RouterAdvert) return buf_.data()[field::kFlags];
  if (type() == Type::NeighborAdvert) return buf_.data()[field::kNaFlags];
  return 0;
}
uint16_t Packet::router_lifetime() const {
  return type() == Type::RouterAdvert ? load_be16(buf_.data() + field::kRouterLifetime) : 0;
}
uint32_t Packet::reachable_time() const {
  return type() == Type::RouterAdvert ? load_be32(buf_.data() + field::kReachableTime) : 0;
}
uint32_t Packet::retrans_timer() const {
  return type() == Type::RouterAdvert ? load_be32(buf_.data() + field::kRetransTimer) : 0;
}
Ipv6Address Packet::target() const {
  return header_len(type()) >= field::kTarget + 16 ? address_at(buf_, field::kTarget)
                                                   : Ipv6Address{};
}
Ipv6Address Packet::destination() const {
  return type() == Type::Redirect ? address_at(buf_, field::kDestination) : Ipv6Address{};
}

Result<Repr> Repr::parse(const Packet& packet, const Ipv6Address& src, const Ipv6Address& dst,
                         bool verify_checksum) {
  if (verify_checksum && !icmpv6::verify_checksum(packet.message(), src, dst))
    return Err(Error::BadChecksum);
  if (packet.code() != 0) return Err(Error::Malformed);
  Repr r;
  r.type = packet.type();
  r.cur_hop_limit = packet.cur_hop_limit();
  r.flags = packet.flags();
  r.router_lifetime = packet.router_lifetime();
  r.reachable_time = packet.reachable_time();
  r.retrans_timer = packet.retrans_timer();
  r.target = packet.target();
  r.destination = packet.destination();
  r.options = packet.options();
  OptionCursor c = packet.cursor();
  for (;;) {
    auto o = c.next();
    if (!o) return Err(o.error());
    if (!o->has_value()) break;
    auto st = read_option(r, o->value());
    if (!st) return Err(st.error());
  }
  if (!valid(r, src, dst)) return Err(Error::Malformed);
  return r;
}

size_t Repr::buffer_len() const {
  size_t len = header_len(type);
  if (!options.empty()) return len + options.size();
  len += min_of<size_t>(prefix_count, kMaxPrefixes) * kPrefixOptLen;
  size_t dns = min_of<size_t>(dns_server_count, kMaxDnsServers);
  for (size_t i = 0, run; i < dns; i += run) {
    run = dns_run(*this, i, dns);
    len += opt::kRdnssServers + 16 * run;
  }
  if (mtu) len += kMtuOptLen;
  if (source_link_addr) len += kLinkAddrOptLen;
  if (target_link_addr) len += kLinkAddrOptLen;
  if (!redirected.empty()) len += opt::kRedirected + align_up(redirected.size(), 8);
  return len;
}

Status Repr::emit(MutBytes buf, const Ipv6Address& src, const Ipv6Address& dst) const {
  size_t hl = header_len(type);
  if (hl == 0) return Err(Error::Unsupported);
  if (options.empty() && redirected.size() > kMaxRedirected) return Err(Error::Malformed);
  size_t len = buffer_len();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  memset(p, 0, hl);
  p[icmpv6::field::kType] = static_cast<uint8_t>(type);
  if (type == Type::RouterAdvert) {
    p[field::kCurHopLimit] = cur_hop_limit;
    p[field::kFlags] = flags;
    store_be16(p + field::kRouterLifetime, router_lifetime);
    store_be32(p + field::kReachableTime, reachable_time);
    store_be32(p + field::kRetransTimer, retrans_timer);
  } else if (type == Type::NeighborAdvert) {
    p[field::kNaFlags] = flags;
  }
  if (hl >= field::kTarget + 16) memcpy(p + field::kTarget, target.bytes, 16);
  if (type == Type::Redirect) memcpy(p + field::kDestination, destination.bytes, 16);

  uint8_t* o = p + hl;
  if (!options.empty()) {
    memmove(o, options.data(), options.size());
  } else {
    for (size_t i = 0; i < min_of<size_t>(prefix_count, kMaxPrefixes); ++i) {
      const Prefix& x = prefixes[i];
      option(o, OptionType::PrefixInfo, kPrefixOptLen);
      o[opt::kPrefixLen] = x.prefix_len;
      o[opt::kPrefixFlags] = x.flags;
      store_be32(o + opt::kValidLifetime, x.valid_lifetime);
      store_be32(o + opt::kPreferredLifetime, x.preferred_lifetime);
      memcpy(o + opt::kPrefix, x.prefix.bytes, 16);
      o += kPrefixOptLen;
    }
    size_t dns = min_of<size_t>(dns_server_count, kMaxDnsServers);
    for (size_t i = 0, run; i < dns; i += run) {
      run = dns_run(*this, i, dns);
      size_t n = opt::kRdnssServers + 16 * run;
      option(o, OptionType::Rdnss, n);
      store_be32(o + opt::kRdnssLifetime, dns_servers[i].lifetime);
      for (size_t k = 0; k < run; ++k)
        memcpy(o + opt::kRdnssServers + 16 * k, dns_servers[i + k].addr.bytes, 16);
      o += n;
    }
    if (mtu) {
      store_be32(option(o, OptionType::Mtu, kMtuOptLen) + opt::kMtu, *mtu);
      o += kMtuOptLen;
    }
    const Optional<MacAddress>* macs[] = {&source_link_addr, &target_link_addr};
    const OptionType mac_types[] = {OptionType::SourceLinkAddr, OptionType::TargetLinkAddr};
    for (size_t i = 0; i < 2; ++i) {
      if (!*macs[i]) continue;
      memcpy(option(o, mac_types[i], kLinkAddrOptLen) + opt::kLinkAddr, (*macs[i])->bytes, 6);
      o += kLinkAddrOptLen;
    }
    if (!redirected.empty()) {
      size_t n = opt::kRedirected + align_up(redirected.size(), 8);
      memcpy(option(o, OptionType::RedirectedHeader, n) + opt::kRedirected, redirected.data(),
             redirected.size());
    }
  }
  icmpv6::fill_checksum(buf.first(len), src, dst);
  return {};
}

}  // namespace keel::wire::ndisc
