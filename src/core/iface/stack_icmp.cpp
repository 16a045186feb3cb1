// stack_icmp.cpp — ICMPv4 (echo, errors with RFC 1812 rules and a rate limit) and
// IGMP (membership reports through iface::IgmpMembership).
#include "core/base/bits.hpp"
#include "core/iface/stack.hpp"
#include "core/wire/icmpv4.hpp"
#include "core/wire/igmp.hpp"
#include "core/wire/tcp.hpp"

namespace keel {

using iface::Drop;
using wire::Ipv4Address;
namespace icmpv4 = wire::icmpv4;

void Stack::receive_icmp(Interface& ifc, const Ipv4Info& ip, Instant now) {
  auto p = icmpv4::Packet::check(ip.payload);
  if (!p) return ifc.stats.drop(Drop::Malformed);
  auto r = icmpv4::Repr::parse(*p);
  if (!r) {
    return ifc.stats.drop(r.error() == wire::Error::BadChecksum ? Drop::BadChecksum : Drop::Malformed);
  }
  switch (r->type) {
    case icmpv4::Type::EchoRequest: {
      // Like Linux (icmp_echo_ignore_broadcasts): no replies to broadcast or multicast.
      if (!ip.dst_unicast) return ifc.stats.drop(Drop::NotForUs);
      icmpv4::Repr reply = *r;
      reply.type = icmpv4::Type::EchoReply;
      MutBytes l4(l4_scratch_, reply.buffer_len());
      if (!reply.emit(l4)) return ifc.stats.drop(Drop::TooBig);
      Ipv4Out out;
      out.src = ip.dst;
      out.dst = ip.src;
      out.protocol = static_cast<uint8_t>(wire::IpProtocol::Icmp);
      (void)send_ipv4(out, l4, now);
      return;
    }
    case icmpv4::Type::EchoReply: {
      bool matched = false, delivered = false;
      for (IcmpSlot& s : icmp_) {
        if (!s.open || s.socket.ident() != r->ident) continue;
        matched = true;
        delivered |= s.socket.deliver(ip.src, ip.payload);
      }
      if (!delivered) ifc.stats.drop(matched ? Drop::SocketFull : Drop::NoListener);
      return;
    }
    default:
      // Errors also reach raw ICMP sockets (done by dispatch); TCP acts on those about
      // its connections, after checking them (RFC 5927).
      if (r->is_error()) tcp_icmp_error(ifc, *r);
      return;
  }
}

void Stack::tcp_icmp_error(Interface& ifc, const icmpv4::Repr& err) {
  auto q = icmpv4::Quote::parse(err.data);
  if (!q || q->protocol != wire::IpProtocol::Tcp || !iface_owning(q->src)) return;
  auto th = wire::tcp::Quoted::parse(q->payload);
  if (!th) return ifc.stats.drop(Drop::Malformed);
  Endpoint local{q->src, th->src_port}, remote{q->dst, th->dst_port};
  for (TcpSlot& s : tcp_) {
    tcp::Socket& sock = s.socket;
    if (!(sock.local() == local) || !(sock.remote() == remote)) continue;
    bool ok;
    if (err.type == icmpv4::Type::DestUnreachable &&
        err.code == static_cast<uint8_t>(icmpv4::Unreachable::FragNeeded)) {
      // RFC 1191; a router that does not say its MTU gets the 576-byte minimum.
      ok = sock.on_packet_too_big(th->seq, err.next_hop_mtu ? err.next_hop_mtu : 576);
    } else {
      bool hard = err.type == icmpv4::Type::DestUnreachable &&
                  (err.code == static_cast<uint8_t>(icmpv4::Unreachable::Protocol) ||
                   err.code == static_cast<uint8_t>(icmpv4::Unreachable::Port));
      ok = sock.on_icmp_error(q->dst, th->seq, hard);
    }
    if (!ok) ifc.stats.drop(Drop::IcmpIgnored);
    return;
  }
  ifc.stats.drop(Drop::IcmpIgnored);
}

bool Stack::take_icmp_token(Interface& ifc, Instant now) {
  // Token bucket: icmp_error_rate per second, at most icmp_error_burst saved up.
  if (config_.icmp_error_rate != 0) {
    Duration per_token = Duration::micros(1000000 / config_.icmp_error_rate);
    while (ifc.icmp_tokens < config_.icmp_error_burst && now - ifc.icmp_refill >= per_token) {
      ++ifc.icmp_tokens;
      ifc.icmp_refill = ifc.icmp_refill + per_token;
    }
    if (ifc.icmp_tokens >= config_.icmp_error_burst) ifc.icmp_refill = now;
  }
  if (ifc.icmp_tokens == 0) return false;
  --ifc.icmp_tokens;
  return true;
}

void Stack::send_icmp_error(Interface& ifc, const Ipv4Info& ip, uint8_t type, uint8_t code,
                            uint32_t rest, Instant now) {
  // RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7: never about an ICMP error, a broadcast or
  // multicast (link or IP), a fragment other than the first, or a source that does
  // not name one host.
  if (!ip.dst_unicast || !ip.link_unicast || !ip.first_fragment) return;
  if (!ip.src.is_unicast() || ip.src.is_loopback() != (ifc.id == kLoopback)) return;
  if (ip.protocol == static_cast<uint8_t>(wire::IpProtocol::Icmp)) {
    auto p = icmpv4::Packet::check(ip.payload);
    if (!p) return;
    uint8_t t = p->type();
    if (t != 0 && t != 8) return;  // only echo messages may get an error back
  }
  if (!take_icmp_token(ifc, now)) return ifc.stats.drop(Drop::IcmpRateLimited);
  // Quote the original header and as much payload as keeps the error within 576 bytes.
  constexpr size_t kMaxQuote = 576 - 20 - icmpv4::kHeaderLen;
  uint8_t* quote = l4_scratch_ + icmpv4::kHeaderLen;
  size_t n = min_of(ip.header.size() + ip.payload.size(), kMaxQuote);
  copy_bytes(MutBytes(quote, n), ip.header);
  if (n > ip.header.size())
    copy_bytes(MutBytes(quote + ip.header.size(), n - ip.header.size()), ip.payload);
  icmpv4::Repr err;
  err.type = static_cast<icmpv4::Type>(type);
  err.code = code;
  err.next_hop_mtu = static_cast<uint16_t>(rest);
  err.data = Bytes(quote, n);
  MutBytes l4(l4_scratch_, err.buffer_len());
  if (!err.emit(l4)) return;
  Ipv4Out out;
  out.src = ip.dst;
  out.dst = ip.src;
  out.protocol = static_cast<uint8_t>(wire::IpProtocol::Icmp);
  (void)send_ipv4(out, l4, now);
}

}  // namespace keel

namespace keel {

void Stack::receive_igmp(Interface& ifc, const Ipv4Info& ip, Instant now) {
  auto p = wire::igmp::Packet::check(ip.payload);
  if (!p) return ifc.stats.drop(Drop::Malformed);
  auto r = wire::igmp::Repr::parse(*p);
  if (!r) {
    return ifc.stats.drop(r.error() == wire::Error::BadChecksum ? Drop::BadChecksum
                          : r.error() == wire::Error::Unsupported ? Drop::UnknownProtocol
                                                                   : Drop::Malformed);
  }
  using wire::igmp::Message;
  switch (r->message) {
    case Message::QueryV1:
      return ifc.igmp.on_query(now, r->group, 100, true);
    case Message::QueryV2:
      return ifc.igmp.on_query(now, r->group, r->max_resp_time, false);
    case Message::QueryV3: {
      // An IGMPv2 host answers a v3 query as a v2 one (RFC 3376 §7.2.1).
      uint32_t tenths = wire::igmp::decode_time_code(r->max_resp_time);
      return ifc.igmp.on_query(now, r->group, static_cast<uint8_t>(min_of<uint32_t>(tenths, 255)), false);
    }
    case Message::ReportV1:
    case Message::ReportV2:
      return ifc.igmp.on_report_heard(r->group);
    default:
      return;  // leaves and v3 reports are for routers
  }
}

void Stack::sync_igmp(Interface& ifc, Instant now) {
  for (int i = 0; i < 16; ++i) {
    Optional<iface::IgmpOutput> out = ifc.igmp.poll_transmit(now);
    if (!out) return;
    wire::igmp::Repr msg;
    msg.message = out->kind == iface::IgmpKind::ReportV1   ? wire::igmp::Message::ReportV1
                  : out->kind == iface::IgmpKind::ReportV2 ? wire::igmp::Message::ReportV2
                                                           : wire::igmp::Message::LeaveV2;
    msg.group = out->group;
    uint8_t buf[8];
    MutBytes l4(buf, sizeof buf);
    if (msg.buffer_len() != sizeof buf || !msg.emit(l4)) continue;
    Ipv4Out ip;
    ip.dst = out->destination;
    ip.protocol = static_cast<uint8_t>(wire::IpProtocol::Igmp);
    ip.ttl = 1;
    ip.iface = ifc.id;
    (void)send_ipv4(ip, l4, now);
  }
}

}  // namespace keel
