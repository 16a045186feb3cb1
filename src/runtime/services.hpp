// services.hpp — the loop's protocol services: DHCPv4 client, DNS resolver, SNTP
// client. Each wraps a sans-IO state machine from src/core/socket with the UDP sockets
// it needs and applies its results (a lease to the interface, servers to the other
// services, a time sample to the application's clock callback).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/socket/dhcpv4_client.hpp"
#include "core/socket/dns_resolver.hpp"
#include "core/socket/sntp_client.hpp"
#include "runtime/loop.hpp"

namespace keel::runtime {

// PortSockets — UDP sockets opened on demand for the random source ports a client
// picks (RFC 5452, RFC 6056), and closed when the client no longer owns the port.
template <size_t N>
class PortSockets {
 public:
  struct Entry {
    Handle handle;
    uint16_t port = 0;
  };
  // socket_for — the socket bound to port, opening one if needed (none: no room).
  Optional<Handle> socket_for(Stack& stack, uint16_t port);
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

// DnsService — the resolver, its sockets, and its servers (static or from DHCP).
class DnsService final : public Service {
 public:
  explicit DnsService(Random& rng) : resolver_(rng) {}
  dns::Resolver& resolver() { return resolver_; }
  void set_servers(Span<const wire::IpAddress> servers) { resolver_.set_servers(servers); }

  void poll(Loop& loop, Instant now) override;
  Optional<Instant> poll_at() const override { return resolver_.poll_at(); }

 private:
  dns::Resolver resolver_;
  PortSockets<config::kDnsQueries> sockets_;
};

// SntpService — the SNTP client; each accepted sample goes to the clock hook.
class SntpService final : public Service {
 public:
  using SampleHook = void (*)(const sntp::Sample& sample, void* context);

  SntpService(const sntp::Config& config, Random& rng) : client_(config, rng) {}
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

  sntp::Client client_;
  PortSockets<1> sockets_;
  Vec<wire::IpAddress, sntp::kMaxServers> servers_;
  Optional<Instant> blocked_until_;  // waiting for ARP: look again then
  SampleHook hook_ = nullptr;
  void* context_ = nullptr;
};

template <size_t N>
Optional<Handle> PortSockets<N>::socket_for(Stack& stack, uint16_t port) {
  Entry* free = nullptr;
  for (Entry& e : entries_) {
    if (e.port == port && e.handle.valid()) return e.handle;
    if (!e.handle.valid() && !free) free = &e;
  }
  if (!free) return none;
  auto h = stack.udp_open();
  if (!h) return none;
  if (!stack.udp_bind(*h, Endpoint{wire::IpAddress(), port})) {
    stack.close(*h);
    return none;
  }
  free->handle = *h;
  free->port = port;
  return *h;
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
