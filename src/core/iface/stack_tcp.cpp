// stack_tcp.cpp — TCP in the stack: demultiplexing segments to connections, the
// TIME-WAIT table and listeners, resets for segments nobody wants (RFC 9293 §3.10.7.1),
// the socket API (open, connect from an ephemeral port, listen, accept), sending what
// sockets and listeners dispatch, and moving closed connections in TIME-WAIT out of
// their sockets into the table.
#include "core/base/bits.hpp"
#include "core/iface/stack.hpp"
#include "core/iface/stack_slots.hpp"
#include "core/wire/numbers.hpp"
#include "core/wire/tcp.hpp"

namespace keel {

using iface::Drop;
using wire::Ipv4Address;

using stack_slots::kEphemeralHigh;
using stack_slots::kEphemeralLow;
using stack_slots::open_slot;
using stack_slots::slot_of;

uint16_t Stack::tcp_mss_to(const Ipv4Address& dst) {
  Optional<RouteChoice> rc = route(dst, Ipv4Address{}, 0xff);
  size_t mtu = rc ? rc->ifc->mtu : 576;
  return static_cast<uint16_t>(min_of<size_t>(mtu, 0xffff) - 40);  // IPv4 + TCP headers
}

bool Stack::tcp_port_in_use(uint16_t port) const {
  for (const TcpSlot& s : tcp_)
    if (s.socket.local().port == port && s.socket.state() != tcp::State::Closed) return true;
  for (const ListenerSlot& s : listeners_)
    if (s.open && s.listener.local().port == port) return true;
  return false;
}

// tcp_slot_free — a slot is free when its user closed it and the connection has finished
// (a closed socket still sends its FIN; in TIME-WAIT it moves to the table and is free).
// A socket whose RST (abort, close with unread data) is still to go out is not free
// yet: reusing it would lose the RST.
bool Stack::tcp_slot_free(const TcpSlot& s) {
  return !s.open && s.socket.state() == tcp::State::Closed && !s.socket.poll_at();
}

Result<Handle, StackError> Stack::tcp_open() {
  auto h = open_slot(tcp_, Handle::Kind::Tcp, [](const TcpSlot& s) { return tcp_slot_free(s); });
  if (!h) return h;
  TcpSlot& s = tcp_[h->index];
  s.socket.options() = tcp::Options{};
  s.socket.options().min_rto = config_.tcp_min_rto;
  return h;
}

tcp::Socket* Stack::tcp(Handle h) {
  TcpSlot* s = slot_of(tcp_, h, Handle::Kind::Tcp);
  return s ? &s->socket : nullptr;
}

Result<void, StackError> Stack::tcp_connect(Handle h, const Endpoint& remote, Instant now,
                                            uint16_t local_port) {
  TcpSlot* s = slot_of(tcp_, h, Handle::Kind::Tcp);
  if (!s) return Err(StackError::NotFound);
  if (!remote.addr.is_v4() || remote.port == 0) return Err(StackError::BadArgument);
  Optional<RouteChoice> rc = route(remote.addr.v4(), Ipv4Address{}, 0xff);
  if (!rc || rc->src.is_unspecified()) return Err(StackError::NotFound);
  auto port_free = [this](uint16_t p) { return !tcp_port_in_use(p) && !time_wait_.holds_local_port(p); };
  Optional<uint16_t> port;
  if (local_port != 0) {
    if (!port_free(local_port)) return Err(StackError::InUse);
    port = local_port;
  }
  // RFC 6056 §3.3.1: a random start, then the next port free for TCP.
  uint32_t span = kEphemeralHigh - kEphemeralLow + 1, start = port ? 0 : rng_.below(span);
  for (uint32_t i = 0; i < span && !port; ++i) {
    uint16_t p = static_cast<uint16_t>(kEphemeralLow + (start + i) % span);
    if (port_free(p)) port = p;
  }
  if (!port) return Err(StackError::InUse);
  s->socket.options().mss = tcp_mss_to(remote.addr.v4());
  if (!s->socket.connect(now, Endpoint{rc->src, *port}, remote, isn_)) return Err(StackError::InUse);
  ++rc->ifc->stats.tcp.active_opens;
  return {};
}

Result<Handle, StackError> Stack::tcp_listen(const Endpoint& local) {
  if (local.port == 0) return Err(StackError::BadArgument);
  if (!local.addr.is_unspecified() && (!local.addr.is_v4() || !iface_owning(local.addr.v4())))
    return Err(StackError::BadArgument);
  if (tcp_port_in_use(local.port)) return Err(StackError::InUse);
  auto h = open_slot(listeners_, Handle::Kind::TcpListener);
  if (!h) return h;
  ListenerSlot& s = listeners_[h->index];
  s.listener.options().mss = static_cast<uint16_t>(
      ethernet_count_ ? find_iface(0)->mtu - 40 : 1460);
  s.listener.options().rx_capacity = config::kTcpRxBytes;
  if (!s.listener.listen(local, isn_, &cookies_)) {
    s.open = false;
    return Err(StackError::BadArgument);
  }
  return h;
}

tcp::Listener* Stack::tcp_listener(Handle h) {
  ListenerSlot* s = slot_of(listeners_, h, Handle::Kind::TcpListener);
  return s ? &s->listener : nullptr;
}

void Stack::adopt_established(ListenerSlot& l, Instant now) {
  while (l.listener.pending_accepts() != 0 && !l.ready.full()) {
    auto h = tcp_open();
    if (!h) return;  // no socket free: the connection waits in the listener's queue
    if (!l.listener.accept(now, tcp_[h->index].socket)) {
      tcp_[h->index].open = false;
      return;
    }
    (void)l.ready.push(*h);
    const tcp::Socket& s = tcp_[h->index].socket;
    if (Interface* ifc = s.local().addr.is_v4() ? iface_owning(s.local().addr.v4()) : nullptr)
      ++ifc->stats.tcp.passive_opens;
  }
}

Result<Handle, StackError> Stack::tcp_accept(Handle listener, Instant now) {
  ListenerSlot* l = slot_of(listeners_, listener, Handle::Kind::TcpListener);
  if (!l) return Err(StackError::NotFound);
  adopt_established(*l, now);
  Optional<Handle> h = l->ready.pop();
  if (!h) return Err(StackError::NotFound);
  return *h;
}

// count_close — tcpAttemptFails / tcpEstabResets: what a segment did to a connection.
void Stack::count_close(Interface& ifc, tcp::State before, const tcp::Socket& s) {
  if (s.state() != tcp::State::Closed || before == tcp::State::Closed) return;
  if (before == tcp::State::SynSent || before == tcp::State::SynReceived)
    ++ifc.stats.tcp.attempt_fails;
  else if ((before == tcp::State::Established || before == tcp::State::CloseWait) &&
           s.error() == tcp::Error::Reset)
    ++ifc.stats.tcp.estab_resets;
}

void Stack::receive_tcp(Interface& ifc, const Ipv4Info& ip, Instant now) {
  ++ifc.stats.tcp.in_segs;
  auto p = wire::tcp::Packet::check(ip.payload);
  if (!p) {
    ++ifc.stats.tcp.in_errs;
    return ifc.stats.drop(Drop::Malformed);
  }
  auto seg = wire::tcp::Repr::parse(*p, ip.src, ip.dst);
  if (!seg) {
    ++ifc.stats.tcp.in_errs;
    return ifc.stats.drop(seg.error() == wire::Error::BadChecksum ? Drop::BadChecksum : Drop::Malformed);
  }
  // TCP is unicast only (RFC 9293 §3.9.1).
  if (!ip.dst_unicast) return ifc.stats.drop(Drop::NotForUs);
  wire::IpAddress src = ip.src, dst = ip.dst;
  for (TcpSlot& s : tcp_) {
    if (!s.socket.accepts(src, dst, *seg)) continue;
    tcp::State before = s.socket.state();
    s.socket.process(now, src, dst, *seg);
    count_close(ifc, before, s.socket);
    return;
  }
  ListenerSlot* l = find_listener(src, dst, *seg);
  // TIME-WAIT: answered by the table, or a SYN reopening the 4-tuple (RFC 6191) that
  // goes on to the listener with an ISN beyond the old connection's.
  bool new_ts = l && l->listener.options().timestamps && seg->timestamps.has_value();
  tcp::TimeWaitResult tw = time_wait_.process(now, src, dst, *seg, new_ts);
  Optional<uint32_t> iss;
  if (tw.verdict == tcp::TimeWaitVerdict::Consumed) {
    if (tw.reply) send_tcp(*tw.reply, now);
    return;
  }
  if (tw.verdict == tcp::TimeWaitVerdict::Reopen) iss = tw.iss;
  if (l) {
    bool rest = l->listener.process(now, src, dst, *seg, iss);
    adopt_established(*l, now);
    if (!rest) return;
    // The segment that completed the handshake carries data or a FIN: it belongs to the
    // socket that took the connection, if one could.
    for (TcpSlot& s : tcp_) {
      if (!s.socket.accepts(src, dst, *seg)) continue;
      s.socket.process(now, src, dst, *seg);
      return;
    }
    l->listener.dropped_before_accept();
    return;
  }
  ifc.stats.drop(Drop::NoListener);
  tcp_reset_for(ip, *seg, now);
}

Stack::ListenerSlot* Stack::find_listener(const wire::IpAddress& src, const wire::IpAddress& dst,
                                          const wire::tcp::Repr& seg) {
  for (ListenerSlot& s : listeners_)
    if (s.open && s.listener.accepts(src, dst, seg)) return &s;
  return nullptr;
}

void Stack::tcp_reset_for(const Ipv4Info& ip, const wire::tcp::Repr& seg, Instant now) {
  // RFC 9293 §3.10.7.1: no RST for a RST; otherwise seq = their ACK (if any) and an
  // ACK of everything the segment occupied.
  if (seg.flags & wire::tcp::flag::kRst) return;
  wire::tcp::Repr rst;
  rst.src_port = seg.dst_port;
  rst.dst_port = seg.src_port;
  if (seg.flags & wire::tcp::flag::kAck) {
    rst.seq = seg.ack;
    rst.flags = wire::tcp::flag::kRst;
  } else {
    uint32_t len = static_cast<uint32_t>(seg.payload.size()) + ((seg.flags & wire::tcp::flag::kSyn) ? 1 : 0) +
                   ((seg.flags & wire::tcp::flag::kFin) ? 1 : 0);
    rst.seq = 0;
    rst.ack = seg.seq + len;
    rst.flags = wire::tcp::flag::kRst | wire::tcp::flag::kAck;
  }
  send_tcp(tcp::Outgoing{ip.dst, ip.src, rst}, now);
}

void Stack::send_tcp(const tcp::Outgoing& out, Instant now) {
  if (!out.dst.is_v4()) return;  // IPv6 comes with its issue
  MutBytes l4(l4_scratch_, out.repr.buffer_len());
  if (l4.size() > sizeof l4_scratch_ || !out.repr.emit(l4, out.src, out.dst)) return;
  Ipv4Out ip;
  ip.src = out.src.v4();
  ip.dst = out.dst.v4();
  ip.protocol = static_cast<uint8_t>(wire::IpProtocol::Tcp);
  ip.dont_fragment = true;  // RFC 1191: PMTU discovery; TCP sizes segments to the MSS
  if (Optional<RouteChoice> rc = route(ip.dst, ip.src, 0xff)) {
    iface::TcpCounters& c = rc->ifc->stats.tcp;
    ++(out.retransmission ? c.retrans_segs : c.out_segs);
    if (out.repr.flags & wire::tcp::flag::kRst) ++c.out_rsts;
  }
  (void)send_ipv4(ip, l4, now);
}

void Stack::poll_tcp(Instant now) {
  // The payload of a segment is copied from the socket's ring into frame-sized scratch;
  // send_tcp then emits header + payload into l4_scratch_.
  uint8_t payload[config::kFrameBytes];
  time_wait_.expire(now);
  for (TcpSlot& s : tcp_) {
    // Closed-by-user sockets still finish their connection here. Bounded per poll so
    // one busy connection cannot starve the loop; poll_at() says "now" while it has more.
    bool drained = false;
    tcp::State before = s.socket.state();
    for (int i = 0; i < 256 && !drained; ++i) {
      Optional<tcp::Outgoing> out = s.socket.dispatch(now, MutBytes(payload, sizeof payload));
      if (out) send_tcp(*out, now);
      drained = !out;
    }
    if (before != s.socket.state() && s.socket.local().addr.is_v4()) {  // a timer gave up
      if (Interface* ifc = iface_owning(s.socket.local().addr.v4())) count_close(*ifc, before, s.socket);
    }
    // A connection its user closed that reached TIME-WAIT, with everything sent (the
    // ACK of the peer's FIN included): its entry takes over and the socket is free.
    if (drained && !s.open && s.socket.state() == tcp::State::TimeWait) {
      time_wait_.insert(tcp::time_wait_entry(s.socket, now), now);
      s.socket.leave_time_wait();
    }
  }
  // Listeners last, so that sockets freed above count as room: a SYN,ACK goes out only
  // for a connection a free socket can take (the others wait in the SYN queue).
  for (ListenerSlot& s : listeners_) {
    if (!s.open) continue;
    for (int i = 0; i < 64; ++i) {
      Optional<tcp::Outgoing> out =
          s.listener.dispatch(now, MutBytes(payload, sizeof payload), tcp_room(s));
      if (!out) break;
      send_tcp(*out, now);
    }
  }
}

size_t Stack::tcp_room(const ListenerSlot& l) const {
  size_t free = 0, others = 0;
  for (const TcpSlot& s : tcp_) free += tcp_slot_free(s);
  for (const ListenerSlot& o : listeners_)
    if (o.open && &o != &l) others += o.listener.committed();
  return free > others ? free - others : 0;
}

}  // namespace keel
