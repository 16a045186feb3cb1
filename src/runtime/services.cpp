// services.cpp — DHCP, DNS and SNTP wired to the stack's sockets.
#include "runtime/services.hpp"

namespace keel::runtime {

namespace {
constexpr uint16_t kDhcpClientPort = 68;
constexpr uint16_t kDhcpServerPort = 67;
constexpr size_t kDatagramBuf = 1500;
}  // namespace

// ---- DHCP ----

void DhcpService::start(Loop& loop) {
  Stack& stack = loop.stack();
  if (!socket_.valid()) {
    auto h = stack.udp_open();
    if (!h) return;
    if (!stack.udp_bind(*h, Endpoint{wire::IpAddress(), kDhcpClientPort})) {
      stack.close(*h);
      return;
    }
    stack.udp_bind_device(*h, id_);
    stack.udp(*h)->set_broadcast(true);
    socket_ = *h;
  }
  client_.start(loop.clock().now());
  started_ = true;
}

void DhcpService::release(Loop& loop) {
  client_.release(loop.clock().now());
  poll(loop, loop.clock().now());  // sends the RELEASE
  loop.stack().poll(loop.clock().now());
  loop.stack().clear_ipv4(id_);
}

void DhcpService::apply(Loop& loop, const dhcp::Event& e) {
  Stack& stack = loop.stack();
  switch (e.kind) {
    case dhcp::EventKind::Bound:
    case dhcp::EventKind::Renewed:
    case dhcp::EventKind::Rebound: {
      Optional<Ipv4Cidr> cur = stack.ipv4(id_);
      if (!cur || !(cur->address == e.lease.address) || cur->prefix_len != e.lease.prefix_len) {
        stack.clear_ipv4(id_);
        // The client probed and announces the address itself (RFC 5227).
        (void)stack.add_ipv4(id_, Ipv4Cidr{e.lease.address, e.lease.prefix_len}, false);
      }
      (void)stack.set_gateway(id_, e.lease.router ? *e.lease.router : wire::Ipv4Address{});
      wire::IpAddress servers[3];
      size_t n = 0;
      for (const wire::Ipv4Address& a : e.lease.dns_servers) servers[n++] = a;
      if (dns_ && n != 0) dns_->set_servers(Span<const wire::IpAddress>(servers, n));
      n = 0;
      for (const wire::Ipv4Address& a : e.lease.ntp_servers) servers[n++] = a;
      if (sntp_ && n != 0) sntp_->set_servers(Span<const wire::IpAddress>(servers, n));
      break;
    }
    case dhcp::EventKind::Lost:
    case dhcp::EventKind::Declined:
    case dhcp::EventKind::Nak:
      stack.clear_ipv4(id_);
      break;
  }
}

void DhcpService::poll(Loop& loop, Instant now) {
  if (!started_) return;
  Stack& stack = loop.stack();
  udp::Socket* sock = stack.udp(socket_);
  if (!sock) return;
  uint8_t buf[kDatagramBuf];
  for (int i = 0; i < 16; ++i) {
    auto r = sock->recv_from(MutBytes(buf, sizeof buf));
    if (!r) break;
    if (r->remote.port != kDhcpServerPort || !r->remote.addr.is_v4() || r->truncated) continue;
    client_.on_datagram(now, Bytes(buf, r->length), r->remote.addr.v4());
  }
  // RFC 5227: anyone else claiming the address we probe or hold is a conflict.
  if (Optional<ArpSeen> seen = stack.arp_seen(id_)) {
    if (seen->at > arp_checked_) {
      arp_checked_ = seen->at;
      client_.on_arp_conflict(now, seen->address);
    }
  }
  while (Optional<dhcp::ArpRequest> a = client_.poll_arp(now)) {
    if (a->kind == dhcp::ArpKind::Probe)
      stack.arp_probe(id_, a->address, now);
    else
      stack.arp_announce(id_, a->address, now);
  }
  // Events first: a lease given up (Lost) is removed before its DECLINE leaves, so the
  // DECLINE goes from 0.0.0.0 as RFC 2131 §4.4.1 wants.
  while (Optional<dhcp::Event> e = client_.poll_event()) {
    apply(loop, *e);
    if (hook_) hook_(*e, context_);
  }
  while (Optional<dhcp::Transmit> t = client_.poll_transmit(now, MutBytes(buf, sizeof buf))) {
    (void)sock->send_to(Bytes(buf, t->length), Endpoint{t->dst, kDhcpServerPort});
  }
}

// ---- DNS ----

Optional<uint16_t> DnsService::acquire() {
  if (!stack_) return none;
  return sockets_.acquire(*stack_, [this](uint16_t port) { return resolver_.owns_port(port); });
}

void DnsService::poll(Loop& loop, Instant now) {
  Stack& stack = loop.stack();
  stack_ = &stack;
  uint8_t buf[kDatagramBuf];
  for (auto& e : sockets_) {
    if (!e.handle.valid()) continue;
    udp::Socket* sock = stack.udp(e.handle);
    for (int i = 0; sock && i < 16; ++i) {
      auto r = sock->recv_from(MutBytes(buf, sizeof buf));
      if (!r) break;
      if (r->truncated) continue;  // larger than any answer we asked for
      resolver_.on_datagram(now, Bytes(buf, r->length), r->remote.addr, r->remote.port, e.port);
    }
  }
  while (Optional<dns::Transmit> t = resolver_.poll_transmit(now, MutBytes(buf, sizeof buf))) {
    Optional<Handle> h = sockets_.socket_for(t->src_port);  // bound by acquire()
    if (!h) continue;
    (void)stack.udp(*h)->send_to(Bytes(buf, t->length), Endpoint{t->dst, 53});
  }
  sockets_.prune(stack, [this](uint16_t port) { return resolver_.owns_port(port); });
  stack_ = nullptr;
}

// ---- SNTP ----

void SntpService::set_servers(Span<const wire::IpAddress> servers) {
  servers_.clear();
  for (const wire::IpAddress& a : servers)
    if (!a.is_unspecified()) (void)servers_.push_back(a);
  client_.set_servers(servers);
}

Optional<uint16_t> SntpService::acquire() {
  if (!stack_) return none;
  return sockets_.acquire(*stack_, [this](uint16_t port) { return client_.owns_port(port); });
}

bool SntpService::ready(Stack& stack, Instant now) {
  bool ok = true;
  for (const wire::IpAddress& a : servers_)
    ok &= stack.prepare_next_hop(a, now) != Stack::NextHopState::Resolving;
  return ok;
}

Optional<Instant> SntpService::poll_at() const {
  Optional<Instant> at = client_.poll_at();
  if (at && blocked_until_ && *at < *blocked_until_) at = blocked_until_;
  return at;
}

void SntpService::poll(Loop& loop, Instant now) {
  Stack& stack = loop.stack();
  int64_t wall = loop.clock().wall_us();
  uint8_t buf[kDatagramBuf];
  for (auto& e : sockets_) {
    if (!e.handle.valid()) continue;
    udp::Socket* sock = stack.udp(e.handle);
    for (int i = 0; sock && i < 8; ++i) {
      auto r = sock->recv_from(MutBytes(buf, sizeof buf));
      if (!r) break;
      client_.on_datagram(now, wall, Bytes(buf, r->length), r->remote.addr, r->remote.port, e.port);
    }
  }
  while (Optional<sntp::Sample> s = client_.poll_sample())
    if (hook_) hook_(*s, context_);
  auto owns = [this](uint16_t port) { return client_.owns_port(port); };
  blocked_until_.reset();
  Optional<Instant> due = client_.poll_at();
  if (due && *due <= now && !ready(stack, now)) {
    blocked_until_ = now + Duration::millis(20);  // ARP is at work; no busy loop meanwhile
    sockets_.prune(stack, owns);
    return;
  }
  stack_ = &stack;
  while (Optional<sntp::Transmit> t = client_.poll_transmit(now, wall, MutBytes(buf, sizeof buf))) {
    Optional<Handle> h = sockets_.socket_for(t->src_port);  // bound by acquire()
    if (!h) continue;
    (void)stack.udp(*h)->send_to(Bytes(buf, t->length), Endpoint{t->dst, 123});
  }
  stack_ = nullptr;
  sockets_.prune(stack, owns);
}

}  // namespace keel::runtime
