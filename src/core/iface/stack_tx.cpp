// stack_tx.cpp — the send path: routing, source selection, fragmentation, Ethernet
// framing, ARP resolution with a bounded queue of waiting frames, and the loopback.
#include "core/base/bits.hpp"
#include "core/iface/stack.hpp"
#include "core/wire/arp.hpp"
#include "core/wire/ethernet.hpp"
#include "core/wire/ipv4.hpp"

namespace keel {

using wire::Ipv4Address;
using wire::MacAddress;
using iface::Drop;

namespace {
constexpr size_t kEthHeader = wire::ethernet::kHeaderLen;
constexpr size_t kIpHeader = wire::ipv4::kHeaderLen;
}  // namespace

Ipv4Address Stack::source_for(const Interface& ifc, const Ipv4Address& dst) const {
  if (ifc.id == kLoopback) return dst.is_loopback() ? dst : Ipv4Address::of(127, 0, 0, 1);
  for (const Ipv4Cidr& c : ifc.addresses) {
    uint32_t mask = prefix_mask32(c.prefix_len);
    if ((c.address.to_u32() & mask) == (dst.to_u32() & mask)) return c.address;
  }
  return ifc.addresses.empty() ? Ipv4Address{} : ifc.addresses[0].address;
}

Optional<Stack::RouteChoice> Stack::route(const Ipv4Address& dst, const Ipv4Address& src,
                                          uint8_t forced_iface) {
  RouteChoice rc;
  if (Interface* own = iface_owning(dst)) {
    // To ourselves, whichever interface holds the address: through the loopback.
    rc.ifc = find_iface(kLoopback);
    rc.next_hop = dst;
    rc.src = dst.is_loopback() ? dst : (src.is_unspecified() ? dst : src);
    (void)own;
    return rc;
  }
  if (forced_iface != 0xff) {
    rc.ifc = find_iface(forced_iface);
    if (!rc.ifc) return none;
    rc.next_hop = dst;
    Optional<iface::NextHop> nh = routes_.lookup(dst);
    if (nh && nh->iface == forced_iface) rc.next_hop = nh->via;
  } else if (dst.is_broadcast() || dst.is_multicast()) {
    // Limited broadcast and multicast leave through the first Ethernet interface.
    if (ethernet_count_ == 0) return none;
    rc.ifc = find_iface(0);
    rc.next_hop = dst;
  } else {
    Optional<iface::NextHop> nh = routes_.lookup(dst);
    if (!nh) return none;
    rc.ifc = find_iface(nh->iface);
    rc.next_hop = nh->via;
  }
  rc.src = src.is_unspecified() ? source_for(*rc.ifc, dst) : src;
  return rc;
}

Stack::NextHopState Stack::prepare_next_hop(const wire::IpAddress& dst, Instant now) {
  if (!dst.is_v4()) return NextHopState::Unreachable;
  Optional<RouteChoice> rc = route(dst.v4(), Ipv4Address{}, 0xff);
  if (!rc) return NextHopState::Unreachable;
  Interface& ifc = *rc->ifc;
  if (ifc.id == kLoopback || is_broadcast_for(ifc, rc->next_hop) || rc->next_hop.is_multicast() ||
      ifc.neighbors.lookup(rc->next_hop, now))
    return NextHopState::Ready;
  switch (ifc.neighbors.want(rc->next_hop, now)) {
    case iface::NeighborAction::SendRequest:
      send_arp(ifc, false, MacAddress{}, source_for(ifc, rc->next_hop), rc->next_hop,
               MacAddress::broadcast(), now);
      return NextHopState::Resolving;
    case iface::NeighborAction::Wait:
      return NextHopState::Resolving;
    default:
      return NextHopState::Unreachable;
  }
}

bool Stack::send_ipv4(const Ipv4Out& out, Bytes l4, Instant now) {
  Optional<RouteChoice> rc = route(out.dst, out.src, out.iface);
  if (!rc) {
    ++no_route_;
    return false;
  }
  return send_routed(*rc, out, l4, now);
}

bool Stack::send_routed(const RouteChoice& rc, const Ipv4Out& out, Bytes l4, Instant now) {
  Interface& ifc = *rc.ifc;
  size_t max_payload = ifc.mtu - kIpHeader;
  if (l4.size() > max_payload && out.dont_fragment) {
    ifc.stats.drop(Drop::TooBig);
    return false;
  }
  if (l4.size() + kIpHeader > 0xffff) {
    ifc.stats.drop(Drop::TooBig);
    return false;
  }
  wire::ipv4::Repr ip;
  ip.src = rc.src;
  ip.dst = out.dst;
  ip.protocol = static_cast<wire::IpProtocol>(out.protocol);
  ip.ttl = out.ttl != 0 ? out.ttl : (out.dst.is_multicast() ? 1 : config_.default_ttl);
  ip.ident = next_ip_ident_++;
  ip.dont_fragment = out.dont_fragment;
  if (out.protocol == static_cast<uint8_t>(wire::IpProtocol::Igmp)) {
    static const uint8_t kRouterAlert[4] = {0x94, 0x04, 0x00, 0x00};  // RFC 2236 §2, RFC 2113
    ip.options = Bytes(kRouterAlert, 4);
  }
  // Fragments carry a multiple of 8 bytes, except the last (RFC 791).
  size_t chunk = l4.size() <= max_payload - ip.options.size()
                     ? l4.size()
                     : ((max_payload - ip.options.size()) & ~size_t(7));
  bool ok = true;
  for (size_t off = 0; off < l4.size() || off == 0; off += chunk) {
    size_t n = min_of(chunk, l4.size() - off);
    ip.frag_offset = static_cast<uint16_t>(off);
    ip.more_fragments = off + n < l4.size();
    ip.payload_len = static_cast<uint16_t>(n);
    MutBytes packet(frame_scratch_ + kEthHeader, ip.buffer_len());
    if (!ip.emit(packet)) {
      ifc.stats.drop(Drop::TooBig);
      return false;
    }
    copy_bytes(packet.from(ip.header_len()), l4.subspan(off, n));
    ok &= send_ip_packet(ifc, rc.next_hop, packet, now);
    if (l4.size() == 0) break;
  }
  return ok;
}

bool Stack::send_ip_packet(Interface& ifc, const Ipv4Address& next_hop, Bytes packet, Instant now) {
  if (ifc.id == kLoopback) {
    // In RAM: the next poll() receives it. Never reaches a driver.
    if (loop_free_mask_ == 0 || packet.size() > sizeof(LoopPacket::bytes)) {
      ifc.stats.drop(Drop::TxFailed);
      return false;
    }
    uint8_t slot = static_cast<uint8_t>(count_trailing_zeros32(loop_free_mask_));
    loop_free_mask_ &= static_cast<uint8_t>(~(1u << slot));
    loop_storage_[slot].length = static_cast<uint16_t>(packet.size());
    copy_bytes(MutBytes(loop_storage_[slot].bytes, packet.size()), packet);
    (void)loop_queue_.push(slot);
    ifc.stats.tx_frames++;
    ifc.stats.tx_bytes += packet.size();
    return true;
  }
  // The packet sits at frame_scratch_ + 14; the Ethernet header goes in front of it.
  wire::ethernet::Repr eth;
  eth.src = ifc.mac;
  eth.ethertype = wire::EtherType::Ipv4;
  MutBytes frame(frame_scratch_, kEthHeader + packet.size());
  if (is_broadcast_for(ifc, next_hop)) {
    eth.dst = MacAddress::broadcast();
  } else if (next_hop.is_multicast()) {
    eth.dst = wire::ipv4_multicast_mac(next_hop);
  } else if (Optional<MacAddress> mac = ifc.neighbors.lookup(next_hop, now)) {
    eth.dst = *mac;
  } else {
    iface::NeighborAction action = ifc.neighbors.want(next_hop, now);
    if (action == iface::NeighborAction::SendRequest) {
      send_arp(ifc, false, MacAddress{}, source_for(ifc, next_hop), next_hop,
               MacAddress::broadcast(), now);
    }
    if (action == iface::NeighborAction::Unreachable) {
      ifc.stats.drop(Drop::NeighborFailed);
      return false;
    }
    if (action == iface::NeighborAction::NoRoom) {
      ifc.stats.drop(Drop::NeighborQueueFull);
      return false;
    }
    // Wait for the answer in the pending queue (the frame is complete but for dst).
    Pending* p = nullptr;
    for (Pending& cand : pending_storage_)
      if (cand.length == 0) p = &cand;
    if (!p) {
      ifc.stats.drop(Drop::NeighborQueueFull);
      return false;
    }
    (void)eth.emit(frame);
    p->iface = ifc.id;
    p->next_hop = next_hop;
    p->length = static_cast<uint16_t>(frame.size());
    copy_bytes(MutBytes(p->frame, frame.size()), frame);
    (void)pending_.push(p);
    return true;
  }
  (void)eth.emit(frame);
  return transmit(ifc, frame, now);
}

bool Stack::transmit(Interface& ifc, Bytes frame, Instant now) {
  if (!ifc.device->transmit(frame, now)) {
    ifc.stats.drop(Drop::TxFailed);
    return false;
  }
  ifc.stats.tx_frames++;
  ifc.stats.tx_bytes += frame.size();
  return true;
}

void Stack::flush_pending(Interface& ifc, const Ipv4Address& addr, const MacAddress& mac, Instant now) {
  size_t n = pending_.size();
  for (size_t i = 0; i < n; ++i) {
    Pending* p = *pending_.pop();
    if (p->iface != ifc.id || !(p->next_hop == addr)) {
      (void)pending_.push(p);  // not this one: back to the end, order kept among the rest
      continue;
    }
    MutBytes frame(p->frame, p->length);
    wire::ethernet::Repr eth{ifc.mac, mac, wire::EtherType::Ipv4, none};
    (void)eth.emit(frame);
    (void)transmit(ifc, frame, now);
    p->length = 0;
  }
}

void Stack::drop_failed_pending(Interface& ifc, Instant now) {
  size_t n = pending_.size();
  for (size_t i = 0; i < n; ++i) {
    Pending* p = *pending_.pop();
    bool failed = p->iface == ifc.id &&
                  ifc.neighbors.state(p->next_hop) != iface::NeighborCache::State::Incomplete;
    if (!failed) {
      (void)pending_.push(p);
      continue;
    }
    // Resolved by another path already flushed it; anything still here failed.
    if (Optional<MacAddress> mac = ifc.neighbors.lookup(p->next_hop, now)) {
      MutBytes frame(p->frame, p->length);
      wire::ethernet::Repr eth{ifc.mac, *mac, wire::EtherType::Ipv4, none};
      (void)eth.emit(frame);
      (void)transmit(ifc, frame, now);
    } else {
      ifc.stats.drop(Drop::NeighborFailed);
    }
    p->length = 0;
  }
}

void Stack::send_arp(Interface& ifc, bool reply, const MacAddress& target_mac,
                     const Ipv4Address& sender_ip, const Ipv4Address& target_ip,
                     const MacAddress& dst_mac, Instant now) {
  uint8_t buf[kEthHeader + wire::arp::kPacketLen + 18];  // padded to the 60-byte minimum
  memset(buf, 0, sizeof buf);
  wire::ethernet::Repr eth{ifc.mac, dst_mac, wire::EtherType::Arp, none};
  wire::arp::Repr arp;
  arp.operation = reply ? wire::arp::Operation::Reply : wire::arp::Operation::Request;
  arp.sender_mac = ifc.mac;
  arp.sender_ip = sender_ip;
  arp.target_mac = target_mac;
  arp.target_ip = target_ip;
  MutBytes frame(buf, sizeof buf);
  if (!eth.emit(frame) || !arp.emit(frame.from(kEthHeader))) return;
  (void)transmit(ifc, frame, now);
}

void Stack::arp_probe(IfaceId id, const Ipv4Address& address, Instant now) {
  Interface* ifc = find_iface(id);
  if (!ifc || id == kLoopback) return;
  ifc->probing = address;
  send_arp(*ifc, false, MacAddress{}, Ipv4Address{}, address, MacAddress::broadcast(), now);
}

void Stack::arp_announce(IfaceId id, const Ipv4Address& address, Instant now) {
  Interface* ifc = find_iface(id);
  if (!ifc || id == kLoopback) return;
  send_arp(*ifc, false, MacAddress{}, address, address, MacAddress::broadcast(), now);
}

Optional<ArpSeen> Stack::arp_seen(IfaceId id) const {
  const Interface* ifc = find_iface(id);
  return ifc ? ifc->arp_seen : Optional<ArpSeen>();
}

void Stack::poll_loopback(Instant now) {
  Interface& lo = *find_iface(kLoopback);
  // Only what was queued before this pass: a reply sent while receiving waits for the
  // next poll, so two sockets talking over loopback cannot keep one poll() busy forever.
  size_t n = loop_queue_.size();
  for (size_t i = 0; i < n; ++i) {
    uint8_t slot = *loop_queue_.pop();
    LoopPacket& p = loop_storage_[slot];
    lo.stats.rx_frames++;
    lo.stats.rx_bytes += p.length;
    receive_ipv4(lo, Bytes(p.bytes, p.length), true, now);
    loop_free_mask_ |= static_cast<uint8_t>(1u << slot);
  }
}

}  // namespace keel
