// stack_sockets.cpp — opening, binding and closing sockets, the port space
// (ephemeral ports per RFC 6056), multicast membership, and draining every socket's
// transmit queue on poll().
#include "core/base/bits.hpp"
#include "core/iface/stack.hpp"
#include "core/iface/stack_slots.hpp"
#include "core/wire/icmpv4.hpp"
#include "core/wire/udp.hpp"

namespace keel {

using stack_slots::open_slot;
using stack_slots::slot_of;
using wire::Ipv4Address;

using stack_slots::kEphemeralHigh;
using stack_slots::kEphemeralLow;

Result<Handle, StackError> Stack::udp_open() { return open_slot(udp_, Handle::Kind::Udp); }

udp::Socket* Stack::udp(Handle h) {
  UdpSlot* s = slot_of(udp_, h, Handle::Kind::Udp);
  return s ? &s->socket : nullptr;
}

bool Stack::port_in_use(uint16_t port, const wire::IpAddress& addr, const UdpSlot* except) const {
  for (const UdpSlot& s : udp_) {
    if (!s.open || &s == except || s.socket.local().port != port) continue;
    const wire::IpAddress& other = s.socket.local().addr;
    if (other.is_unspecified() || addr.is_unspecified() || other == addr) return true;
  }
  return false;
}

Result<void, StackError> Stack::udp_bind(Handle h, const Endpoint& local) {
  UdpSlot* s = slot_of(udp_, h, Handle::Kind::Udp);
  if (!s) return Err(StackError::NotFound);
  if (!local.addr.is_unspecified() && !local.addr.is_multicast() &&
      (!local.addr.is_v4() || !iface_owning(local.addr.v4())))
    return Err(StackError::BadArgument);  // not one of our addresses
  Endpoint bound = local;
  if (bound.port == 0) {
    // RFC 6056 §3.3.1: a random start, then the next free port, the whole range at most.
    uint32_t span = kEphemeralHigh - kEphemeralLow + 1;
    uint32_t start = rng_.below(span);
    bool found = false;
    for (uint32_t i = 0; i < span && !found; ++i) {
      uint16_t port = static_cast<uint16_t>(kEphemeralLow + (start + i) % span);
      if (!port_in_use(port, local.addr, s)) {
        bound.port = port;
        found = true;
      }
    }
    if (!found) return Err(StackError::InUse);
  } else if (port_in_use(bound.port, bound.addr, s)) {
    return Err(StackError::InUse);
  }
  s->socket.set_local(bound);
  return {};
}

void Stack::udp_bind_device(Handle h, IfaceId id) {
  if (UdpSlot* s = slot_of(udp_, h, Handle::Kind::Udp)) s->bound_iface = id;
}

Result<void, StackError> Stack::udp_join(Handle h, const Ipv4Address& group) {
  UdpSlot* s = slot_of(udp_, h, Handle::Kind::Udp);
  if (!s) return Err(StackError::NotFound);
  if (!group.is_multicast()) return Err(StackError::BadArgument);
  for (const Ipv4Address& g : s->socket.groups())
    if (g == group) return {};
  IfaceId id = s->bound_iface != 0xff ? s->bound_iface : 0;
  Interface* ifc = find_iface(id);
  if (!ifc || id == kLoopback) return Err(StackError::NotFound);
  if (s->socket.groups().full()) return Err(StackError::NoRoom);
  if (!ifc->igmp.join(group)) return Err(StackError::NoRoom);
  (void)s->socket.groups_mut().push_back(group);
  return {};
}

Result<void, StackError> Stack::udp_leave(Handle h, const Ipv4Address& group) {
  UdpSlot* s = slot_of(udp_, h, Handle::Kind::Udp);
  if (!s) return Err(StackError::NotFound);
  IVec<Ipv4Address>& groups = s->socket.groups_mut();
  for (size_t i = 0; i < groups.size(); ++i) {
    if (!(groups[i] == group)) continue;
    groups.erase(i);
    IfaceId id = s->bound_iface != 0xff ? s->bound_iface : 0;
    if (Interface* ifc = find_iface(id)) ifc->igmp.leave(group);
    return {};
  }
  return Err(StackError::NotFound);
}

Result<Handle, StackError> Stack::icmp_open(uint16_t ident) {
  auto in_use = [this](uint16_t id) {
    for (const IcmpSlot& s : icmp_)
      if (s.open && s.socket.ident() == id) return true;
    return false;
  };
  if (ident == 0) {
    for (int tries = 0; tries < 64 && (ident == 0 || in_use(ident)); ++tries)
      ident = static_cast<uint16_t>(rng_.next_u32());
    if (ident == 0 || in_use(ident)) return Err(StackError::InUse);
  } else if (in_use(ident)) {
    return Err(StackError::InUse);
  }
  auto h = open_slot(icmp_, Handle::Kind::Icmp);
  if (h) icmp_[h->index].socket.set_ident(ident);
  return h;
}

icmp::Socket* Stack::icmp(Handle h) {
  IcmpSlot* s = slot_of(icmp_, h, Handle::Kind::Icmp);
  return s ? &s->socket : nullptr;
}

Result<Handle, StackError> Stack::raw_open(uint8_t protocol) {
  auto h = open_slot(raw_, Handle::Kind::Raw);
  if (h) raw_[h->index].socket.set_protocol(protocol);
  return h;
}

raw::Socket* Stack::raw(Handle h) {
  RawSlot* s = slot_of(raw_, h, Handle::Kind::Raw);
  return s ? &s->socket : nullptr;
}

void Stack::close(Handle h) {
  if (UdpSlot* s = slot_of(udp_, h, Handle::Kind::Udp)) {
    while (!s->socket.groups().empty()) (void)udp_leave(h, s->socket.groups()[0]);
    s->socket.reset();
    s->bound_iface = 0xff;
    s->open = false;
  } else if (IcmpSlot* i = slot_of(icmp_, h, Handle::Kind::Icmp)) {
    i->socket.reset();
    i->open = false;
  } else if (RawSlot* r = slot_of(raw_, h, Handle::Kind::Raw)) {
    r->socket.reset();
    r->open = false;
  } else if (TcpSlot* t = slot_of(tcp_, h, Handle::Kind::Tcp)) {
    // tcp::Socket::close(): the FIN follows the queued data (a RST instead if received
    // data is unread or arrives later, or with linger 0); the slot is reused once the
    // connection is Closed (FIN-WAIT-2 is bounded by the socket's fin_wait2_timeout).
    t->socket.close();
    t->open = false;
  } else if (ListenerSlot* l = slot_of(listeners_, h, Handle::Kind::TcpListener)) {
    // Connections nobody accepted are reset, as Linux does when a listener closes.
    while (Optional<Handle> c = l->ready.pop()) {
      if (TcpSlot* t = slot_of(tcp_, *c, Handle::Kind::Tcp)) {
        t->socket.abort();
        t->open = false;
      }
    }
    l->listener.close();
    l->open = false;
  }
}

void Stack::poll_sockets(Instant now) {
  constexpr size_t kUdpHeader = wire::udp::kHeaderLen;
  for (UdpSlot& s : udp_) {
    if (!s.open) continue;
    socket::IDatagramQueue& q = s.socket.tx_queue();
    // Everything queued now; the socket buffer bounds it.
    for (size_t n = q.count(); n > 0; --n) {
      if (!s.socket.is_bound()) (void)udp_bind(Handle{Handle::Kind::Udp, uint8_t(&s - udp_), s.generation}, Endpoint{});
      socket::DatagramMeta m = *q.front();
      size_t len = m.length;
      (void)q.pop(MutBytes(l4_scratch_ + kUdpHeader, len));
      if (!m.remote.addr.is_v4()) continue;  // IPv6 arrives with its own issue
      Ipv4Out out;
      out.dst = m.remote.addr.v4();
      out.src = s.socket.local().addr.is_v4() ? s.socket.local().addr.v4() : Ipv4Address{};
      out.protocol = static_cast<uint8_t>(wire::IpProtocol::Udp);
      out.ttl = m.ttl;
      out.iface = s.bound_iface;
      Optional<RouteChoice> rc = route(out.dst, out.src, out.iface);
      if (!rc) {
        ++no_route_;
        continue;
      }
      wire::udp::Repr u;
      u.src_port = s.socket.local().port;
      u.dst_port = m.remote.port;
      u.payload = Bytes(l4_scratch_ + kUdpHeader, len);
      MutBytes l4(l4_scratch_, kUdpHeader + len);
      if (!u.emit(l4, rc->src, out.dst)) continue;
      if (send_routed(*rc, out, l4, now)) s.socket.count_sent();
    }
  }
  for (IcmpSlot& s : icmp_) {
    if (!s.open) continue;
    drain_ip_queue(s.socket.tx_queue(), static_cast<uint8_t>(wire::IpProtocol::Icmp), now,
                   [&s](MutBytes msg) {
                     // The socket's identifier replaces the application's (as Linux
                     // ping sockets do).
                     auto pk = wire::icmpv4::Packet::check(msg);
                     if (!pk) return false;
                     auto echo = wire::icmpv4::Repr::parse(*pk, false);
                     if (!echo || echo->type != wire::icmpv4::Type::EchoRequest) return false;
                     echo->ident = s.socket.ident();
                     return echo->emit(msg).ok();
                   });
  }
  for (RawSlot& s : raw_) {
    if (s.open) drain_ip_queue(s.socket.tx_queue(), s.socket.protocol(), now, [](MutBytes) { return true; });
  }
}

template <typename Prepare>
void Stack::drain_ip_queue(socket::IDatagramQueue& q, uint8_t protocol, Instant now, Prepare prepare) {
  // Everything queued now (the socket buffer bounds it); IPv6 comes with its issue.
  for (size_t n = q.count(); n > 0; --n) {
    socket::DatagramMeta m = *q.front();
    (void)q.pop(MutBytes(l4_scratch_, m.length));
    MutBytes msg(l4_scratch_, m.length);
    if (!m.remote.addr.is_v4() || !prepare(msg)) continue;
    Ipv4Out out;
    out.dst = m.remote.addr.v4();
    out.protocol = protocol;
    (void)send_ipv4(out, msg, now);
  }
}

}  // namespace keel
