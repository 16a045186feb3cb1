// services.hpp — the loop's protocol services: DHCPv4 client, DNS resolver, SNTP
// client. Each wraps a sans-IO state machine from src/core/socket with the UDP sockets
// it needs and applies its results (a lease to the interface, servers to the other
// services, a time sample to the application's clock callback).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/socket/dhcpv4_client.hpp"
#include "core/socket/dns_resolver.hpp"
#include "core/socket/port_source.hpp"
#include "core/socket/sntp_client.hpp"
#include "runtime/loop.hpp"

namespace keel::runtime {

// PortSockets — the UDP sockets of a client's source ports (RFC 5452, RFC 6056): each
// bound by the stack's ephemeral allocator (random, never a port another socket holds),
// and closed when the client no longer owns its port.
template <size_t N>
class PortSockets {
 public:
  struct Entry {
    Handle handle;
    uint16_t port = 0;
  };
  // acquire — closes the sockets whose port owns() no longer claims, then opens one on a
  // free ephemeral port; that port, or none (no entry, UDP socket or port free).
  template <typename Owns>
  Optional<uint16_t> acquire(Stack& stack, Owns owns);
  // socket_for — the socket bound to port, or none if it is not one of these.
  Optional<Handle> socket_for(uint16_t port) const;
  // prune — closes sockets whose port is no longer wanted.
  template <typename Owns>
  void prune(Stack& stack, Owns owns);
  Entry* begin() { return entries_; }
  Entry* end() { return entries_ + N; }

 private:
  Entry entries_[N];
};

class DnsService;
class SntpService;

// DhcpService — runs a DHCP client on one interface and applies its lease: address,
// prefix, default route; DNS and NTP servers go to the services given.
class DhcpService final : public Service {
 public:
  using EventHook = void (*)(const dhcp::Event& event, void* context);

  DhcpService(IfaceId id, const dhcp::Config& config, Random& rng)
      : id_(id), client_(config, rng) {}
  void set_dns(DnsService* dns) { dns_ = dns; }
  void set_sntp(SntpService* sntp) { sntp_ = sntp; }
  // on_event — called for each lease event, after it was applied.
  void on_event(EventHook hook, void* context) {
    hook_ = hook;
    context_ = context;
  }
  void start(Loop& loop);
  void release(Loop& loop);
  const dhcp::Client& client() const { return client_; }

  void poll(Loop& loop, Instant now) override;
  Optional<Instant> poll_at() const override { return client_.poll_at(); }

 private:
  void apply(Loop& loop, const dhcp::Event& e);

  IfaceId id_;
  dhcp::Client client_;
  Handle socket_;
  bool started_ = false;
  Instant arp_checked_;
  DnsService* dns_ = nullptr;
  SntpService* sntp_ = nullptr;
  EventHook hook_ = nullptr;
  void* context_ = nullptr;
};

// DnsService — the resolver, its sockets, and its servers (static or from DHCP). The
// resolver's source ports come from the stack's ephemeral allocator (acquire()).
class DnsService final : public Service, private PortSource {
 public:
  explicit DnsService(Random& rng) : resolver_(rng) { resolver_.set_port_source(this); }
  DnsService(const DnsService&) = delete;
  DnsService& operator=(const DnsService&) = delete;
  dns::Resolver& resolver() { return resolver_; }
  void set_servers(Span<const wire::IpAddress> servers) { resolver_.set_servers(servers); }

  void poll(Loop& loop, Instant now) override;
  Optional<Instant> poll_at() const override { return resolver_.poll_at(); }

 private:
  // acquire — PortSource, called by the resolver from within poll() only.
  Optional<uint16_t> acquire() override;

  dns::Resolver resolver_;
  PortSockets<config::kDnsQueries> sockets_;
  Stack* stack_ = nullptr;  // the polling loop's stack while poll() runs
};

// SntpService — the SNTP client; each accepted sample goes to the clock hook. The
// client's source ports come from the stack's ephemeral allocator (acquire()).
class SntpService final : public Service, private PortSource {
 public:
  using SampleHook = void (*)(const sntp::Sample& sample, void* context);

  SntpService(const sntp::Config& config, Random& rng) : client_(config, rng) {
    client_.set_port_source(this);
  }
  SntpService(const SntpService&) = delete;
  SntpService& operator=(const SntpService&) = delete;
  void set_servers(Span<const wire::IpAddress> servers);
  void on_sample(SampleHook hook, void* context) {
    hook_ = hook;
    context_ = context;
  }
  const sntp::Client& client() const { return client_; }

  void poll(Loop& loop, Instant now) override;
  Optional<Instant> poll_at() const override;

 private:
  // ready — whether every server's next hop is resolved (or known unreachable): a request
  // carries the time it was built, so it must not wait in the ARP queue (its offset
  // would be off by half the wait).
  bool ready(Stack& stack, Instant now);
  // acquire — PortSource, called by the client from within poll() only.
  Optional<uint16_t> acquire() override;

  sntp::Client client_;
  PortSockets<1> sockets_;
  Stack* stack_ = nullptr;  // the polling loop's stack while poll() runs
  Vec<wire::IpAddress, sntp::kMaxServers> servers_;
  Optional<Instant> blocked_until_;  // waiting for ARP: look again then
  SampleHook hook_ = nullptr;
  void* context_ = nullptr;
};

template <size_t N>
template <typename Owns>
Optional<uint16_t> PortSockets<N>::acquire(Stack& stack, Owns owns) {
  prune(stack, owns);
  for (Entry& e : entries_) {
    if (e.handle.valid()) continue;
    auto h = stack.udp_open();
    if (!h) return none;
    // Port 0: the stack picks a random free ephemeral port (RFC 6056 §3.3.1).
    if (!stack.udp_bind(*h, Endpoint{wire::IpAddress(), 0})) {
      stack.close(*h);
      return none;
    }
    e.handle = *h;
    e.port = stack.udp(*h)->local().port;
    return e.port;
  }
  return none;
}

template <size_t N>
Optional<Handle> PortSockets<N>::socket_for(uint16_t port) const {
  for (const Entry& e : entries_)
    if (e.port == port && e.handle.valid()) return e.handle;
  return none;
}

template <size_t N>
template <typename Owns>
void PortSockets<N>::prune(Stack& stack, Owns owns) {
  for (Entry& e : entries_) {
    if (!e.handle.valid() || owns(e.port)) continue;
    stack.close(e.handle);
    e = Entry{};
  }
}

}  // namespace keel::runtime
