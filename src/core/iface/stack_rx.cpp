// stack_rx.cpp — the receive path: Ethernet, ARP, IPv4 (checks, acceptance,
// reassembly), and demultiplexing to UDP and raw sockets. ICMP and IGMP are in
// stack_icmp.cpp.
#include "core/base/bits.hpp"
#include "core/iface/stack.hpp"
#include "core/wire/arp.hpp"
#include "core/wire/ethernet.hpp"
#include "core/wire/ipv4.hpp"
#include "core/wire/udp.hpp"

namespace keel {

using iface::Drop;
using wire::Ipv4Address;
using wire::MacAddress;

void Stack::receive_frame(IfaceId id, Bytes frame, Instant now) {
  Interface* ifc = find_iface(id);
  if (!ifc || id == kLoopback) return;
  ifc->stats.rx_frames++;
  ifc->stats.rx_bytes += frame.size();
  auto f = wire::ethernet::Frame::check(frame);
  if (!f) return ifc->stats.drop(Drop::Malformed);
  auto eth = wire::ethernet::Repr::parse(*f);
  if (!eth) return ifc->stats.drop(Drop::Malformed);
  bool to_us = eth->dst == ifc->mac;
  // Multicast MACs are accepted here and filtered by group at the IP layer.
  if (!to_us && !eth->dst.is_broadcast() && !eth->dst.is_multicast())
    return ifc->stats.drop(Drop::NotForUs);
  if (eth->src == ifc->mac || eth->src.is_multicast()) return ifc->stats.drop(Drop::Martian);
  // 802.1Q-tagged frames belong to VLAN interfaces, which keel does not have.
  if (eth->vlan) return ifc->stats.drop(Drop::UnknownEtherType);
  switch (eth->ethertype) {
    case wire::EtherType::Arp: return receive_arp(*ifc, f->payload(), now);
    case wire::EtherType::Ipv4: return receive_ipv4(*ifc, f->payload(), to_us, now);
    default: return ifc->stats.drop(Drop::UnknownEtherType);
  }
}

void Stack::receive_arp(Interface& ifc, Bytes payload, Instant now) {
  auto p = wire::arp::Packet::check(payload);
  if (!p) return ifc.stats.drop(Drop::Malformed);
  auto r = wire::arp::Repr::parse(*p);
  if (!r) {
    // Other hardware/protocol pairs are well-formed but not ours to answer.
    return ifc.stats.drop(r.error() == wire::Error::Unsupported ? Drop::ArpIgnored : Drop::Malformed);
  }
  if (r->sender_mac == ifc.mac) return ifc.stats.drop(Drop::Martian);
  if (r->sender_mac.is_multicast()) return ifc.stats.drop(Drop::Martian);
  // Remember who else claims an address we hold or probe (RFC 5227 §2.1.1, §2.4).
  bool probe = r->sender_ip.is_unspecified();
  Ipv4Address claimed = probe ? r->target_ip : r->sender_ip;
  bool interesting = (!ifc.probing.is_unspecified() && claimed == ifc.probing) ||
                     is_local_address(ifc, claimed);
  if (interesting && !(probe && r->operation == wire::arp::Operation::Reply))
    ifc.arp_seen = ArpSeen{claimed, r->sender_mac, now};
  if (probe) {
    // A probe asks whether anyone holds target_ip; it teaches nothing about its sender.
    if (r->operation == wire::arp::Operation::Request && is_local_address(ifc, r->target_ip))
      send_arp(ifc, true, r->sender_mac, r->target_ip, r->target_ip, r->sender_mac, now);
    else
      ifc.stats.drop(Drop::ArpIgnored);
    return;
  }
  // Refresh only entries we asked for (no cache entry from unsolicited traffic).
  bool learnt = ifc.neighbors.learn(r->sender_ip, r->sender_mac, now);
  if (learnt) flush_pending(ifc, r->sender_ip, r->sender_mac, now);
  if (r->operation == wire::arp::Operation::Request && is_local_address(ifc, r->target_ip) &&
      !r->is_gratuitous()) {
    send_arp(ifc, true, r->sender_mac, r->target_ip, r->sender_ip, r->sender_mac, now);
    return;
  }
  if (!learnt) ifc.stats.drop(Drop::ArpIgnored);
}

void Stack::receive_ipv4(Interface& ifc, Bytes packet, bool link_unicast, Instant now) {
  auto p = wire::ipv4::Packet::check(packet);
  if (!p) return ifc.stats.drop(Drop::Malformed);
  auto r = wire::ipv4::Repr::parse(*p);
  if (!r) return ifc.stats.drop(r.error() == wire::Error::BadChecksum ? Drop::BadChecksum : Drop::Malformed);
  bool loopback = ifc.id == kLoopback;
  // Martians: impossible sources, and loopback addresses arriving from a wire.
  if (r->src.is_broadcast() || r->src.is_multicast() || (!loopback && r->src.is_loopback()) ||
      (!loopback && is_local_address(ifc, r->src)))
    return ifc.stats.drop(Drop::Martian);

  Ipv4Info ip;
  ip.src = r->src;
  ip.dst = r->dst;
  ip.protocol = static_cast<uint8_t>(r->protocol);
  ip.ttl = r->ttl;
  ip.link_unicast = link_unicast;
  ip.header = packet.first(p->header_len());
  ip.payload = p->payload().first(r->payload_len);
  ip.first_fragment = r->frag_offset == 0;

  // Acceptance: our address (weak host model: any interface's), broadcast, a joined
  // group, or — for a socket bound to this device, like a DHCP client without an
  // address yet — anything, handed to UDP only.
  bool bound_device_socket = false;
  for (const UdpSlot& s : udp_) bound_device_socket |= s.open && s.bound_iface == ifc.id;
  if (iface_owning(r->dst)) {
    ip.dst_unicast = true;
  } else if (is_broadcast_for(ifc, r->dst)) {
    ip.dst_unicast = false;
  } else if (r->dst.is_multicast()) {
    ip.dst_unicast = false;
    bool member = r->dst == Ipv4Address::of(224, 0, 0, 1) || ifc.igmp.is_member(r->dst);
    // IGMP messages to other groups are still ours to hear (report suppression).
    if (!member && r->protocol != wire::IpProtocol::Igmp) return ifc.stats.drop(Drop::NotForUs);
  } else if (bound_device_socket && r->protocol == wire::IpProtocol::Udp && link_unicast) {
    ip.dst_unicast = false;  // never answered with ICMP errors
  } else {
    return ifc.stats.drop(Drop::NotForUs);
  }

  if (r->is_fragment()) {
    iface::FragmentKey key{r->src, r->dst, ip.protocol, r->ident};
    iface::ReassemblyOutcome out = reassembly_.add(now, key, r->frag_offset, r->more_fragments, ip.payload);
    if (out.dropped()) return ifc.stats.drop(Drop::Reassembly);
    if (!out.complete()) return;
    ip.payload = out.datagram;
    ip.first_fragment = true;
  }
  dispatch_ipv4(ifc, ip, now);
}

void Stack::dispatch_ipv4(Interface& ifc, const Ipv4Info& ip, Instant now) {
  bool raw_taken = deliver_raw(ip);
  switch (static_cast<wire::IpProtocol>(ip.protocol)) {
    case wire::IpProtocol::Icmp: return receive_icmp(ifc, ip, now);
    case wire::IpProtocol::Igmp: return receive_igmp(ifc, ip, now);
    case wire::IpProtocol::Udp: return receive_udp(ifc, ip, now);
    case wire::IpProtocol::Tcp: return receive_tcp(ifc, ip, now);
    default: break;
  }
  if (raw_taken) return;
  ifc.stats.drop(Drop::UnknownProtocol);
  send_icmp_error(ifc, ip, 3, 2, 0, now);  // destination unreachable: protocol
}

bool Stack::deliver_raw(const Ipv4Info& ip) {
  bool taken = false;
  for (RawSlot& s : raw_) {
    if (!s.open || s.socket.protocol() != ip.protocol) continue;
    // Whole packet, header first. A reassembled datagram is not contiguous with its
    // header; raw sockets get its header and the reassembled payload in one copy.
    uint8_t* buf = l4_scratch_;
    size_t n = min_of(ip.header.size() + ip.payload.size(), sizeof l4_scratch_);
    copy_bytes(MutBytes(buf, n), ip.header);
    copy_bytes(MutBytes(buf + ip.header.size(), n - ip.header.size()), ip.payload);
    taken |= s.socket.deliver(ip.src, Bytes(buf, n));
  }
  return taken;
}

void Stack::receive_udp(Interface& ifc, const Ipv4Info& ip, Instant now) {
  auto p = wire::udp::Packet::check(ip.payload);
  if (!p) return ifc.stats.drop(Drop::Malformed);
  auto r = wire::udp::Repr::parse(*p, ip.src, ip.dst);
  if (!r) return ifc.stats.drop(r.error() == wire::Error::BadChecksum ? Drop::BadChecksum : Drop::Malformed);
  Endpoint dst{ip.dst, r->dst_port};
  Endpoint src{ip.src, r->src_port};
  socket::DatagramMeta meta;
  meta.remote = src;
  meta.local = ip.dst;
  meta.iface = ifc.id;
  meta.ttl = ip.ttl;

  if (ip.dst_unicast) {
    // One socket: connected beats bound-to-address beats wildcard.
    UdpSlot* best = nullptr;
    int best_rank = -1;
    for (UdpSlot& s : udp_) {
      if (!s.open || (s.bound_iface != 0xff && s.bound_iface != ifc.id)) continue;
      if (!s.socket.accepts(dst, src, true)) continue;
      int rank = (s.socket.remote().port != 0 ? 2 : 0) + (s.socket.local().addr.is_unspecified() ? 0 : 1);
      if (rank > best_rank) {
        best = &s;
        best_rank = rank;
      }
    }
    if (!best) {
      ifc.stats.drop(Drop::NoListener);
      send_icmp_error(ifc, ip, 3, 3, 0, now);  // destination unreachable: port
      return;
    }
    if (!best->socket.deliver(meta, r->payload)) ifc.stats.drop(Drop::SocketFull);
    return;
  }
  // Broadcast, multicast, or to a device-bound socket: every socket that wants it.
  bool delivered = false, full = false;
  for (UdpSlot& s : udp_) {
    if (!s.open || (s.bound_iface != 0xff && s.bound_iface != ifc.id)) continue;
    bool device_any = s.bound_iface == ifc.id && s.socket.local().port == r->dst_port;
    if (!device_any && !s.socket.accepts(dst, src, false)) continue;
    if (s.socket.deliver(meta, r->payload)) delivered = true;
    else full = true;
  }
  if (!delivered) ifc.stats.drop(full ? Drop::SocketFull : Drop::NoListener);
}

}  // namespace keel
