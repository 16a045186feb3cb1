// main.cpp — keel-demo: keel on a TAP device. Brings keel up (static address or DHCP),
// answers ping, echoes UDP on port 7, resolves names, pings, joins multicast groups,
// keeps time with SNTP, and prints what happens; SIGINT/SIGTERM print the statistics.
#include <signal.h>

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

#include "common/linux_host.hpp"
#include "core/wire/icmpv4.hpp"
#include "options.hpp"
#include "runtime/services.hpp"
#include "tcp_apps.hpp"

using namespace keel;
using namespace keel::demo;

namespace {

void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void say(const char* fmt, ...) {
  std::printf("keel-demo: ");
  va_list ap;
  va_start(ap, fmt);
  std::vprintf(fmt, ap);
  va_end(ap);
  std::printf("\n");
  std::fflush(stdout);
}

std::string join_addrs(const IVec<wire::Ipv4Address>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : ",") + format_ipv4(a);
  return s.empty() ? "-" : s;
}

struct App {
  Options opt;
  runtime::DnsService* dns = nullptr;
  bool resolve_started = false;
  struct Lookup {
    std::string name;
    dns::QueryType type;
    dns::QueryHandle handle;
    bool started = false;
    bool done = false;
  };
  std::vector<Lookup> lookups;
};

void on_lease(const dhcp::Event& e, void* ctx) {
  App& app = *static_cast<App*>(ctx);
  const dhcp::Lease& l = e.lease;
  const char* kind = e.kind == dhcp::EventKind::Bound     ? "lease"
                     : e.kind == dhcp::EventKind::Renewed ? "lease-renewed"
                     : e.kind == dhcp::EventKind::Rebound ? "lease-rebound"
                     : e.kind == dhcp::EventKind::Lost    ? "lease-lost"
                     : e.kind == dhcp::EventKind::Nak     ? "lease-nak"
                                                          : "lease-declined";
  say("%s address=%s/%u router=%s dns=%s ntp=%s lease=%" PRId64 "s t1=%" PRId64 "s t2=%" PRId64
      "s server=%s",
      kind, format_ipv4(l.address).c_str(), l.prefix_len,
      l.router ? format_ipv4(*l.router).c_str() : "-", join_addrs(l.dns_servers).c_str(),
      join_addrs(l.ntp_servers).c_str(), l.lease_time.as_seconds(), l.t1.as_seconds(),
      l.t2.as_seconds(), format_ipv4(l.server_id).c_str());
  (void)app;
}

void on_sample(const sntp::Sample& s, void*) {
  say("sntp offset_us=%" PRId64 " delay_us=%" PRId64 " server=%s stratum=%u", s.offset_us,
      s.delay_us, format_ip(s.server).c_str(), s.stratum);
}

// start_lookups — an A and an AAAA lookup per --resolve name, started in order as the
// resolver has room (config::kDnsQueries in flight); the rest wait for a free slot.
void start_lookups(App& app, Instant now) {
  if (!app.resolve_started) {
    app.resolve_started = true;
    for (const std::string& name : app.opt.resolve)
      for (dns::QueryType t : {dns::QueryType::A, dns::QueryType::Aaaa})
        app.lookups.push_back({name, t, 0, false, false});
  }
  for (App::Lookup& l : app.lookups) {
    if (l.started) continue;
    auto h = app.dns->resolver().start(l.name.c_str(), l.name.size(), l.type, now);
    if (!h && h.error() == dns::Error::NoRoom) return;  // retried when a lookup ends
    l.started = true;
    if (!h) {
      l.done = true;
      say("resolve %s %s failed: %s", l.name.c_str(), l.type == dns::QueryType::A ? "A" : "AAAA",
          h.error() == dns::Error::BadName ? "bad-name" : "no-servers");
      continue;
    }
    l.handle = *h;
  }
}

void report_lookups(App& app) {
  dns::Resolver& r = app.dns->resolver();
  for (App::Lookup& l : app.lookups) {
    if (!l.started || l.done) continue;
    dns::Status st = r.status(l.handle);
    if (st == dns::Status::Pending) continue;
    l.done = true;
    const char* type = l.type == dns::QueryType::A ? "A" : "AAAA";
    if (st == dns::Status::Done) {
      std::string addrs;
      for (const auto& a : r.answer(l.handle)->addresses) addrs += " " + format_ip(a);
      say("resolved %s %s%s", l.name.c_str(), type, addrs.c_str());
    } else {
      const char* why = st == dns::Status::NotFound   ? "not-found"
                        : st == dns::Status::TimedOut ? "timed-out"
                        : st == dns::Status::NoServers ? "no-servers"
                                                       : "failed";
      say("resolve %s %s failed: %s", l.name.c_str(), type, why);
    }
    r.release(l.handle);
  }
}

void print_stats(Stack& stack, IfaceId id, runtime::Loop& loop, const dns::Resolver& resolver,
                 const linux_port::TapDevice& tap, const linux_port::FaultInjector* faults) {
  for (IfaceId i : {id, Stack::kLoopback}) {
    const iface::InterfaceStats& s = stack.stats(i);
    const char* name = i == Stack::kLoopback ? "lo" : "tap";
    say("stats iface=%s rx_frames=%" PRIu64 " rx_bytes=%" PRIu64 " tx_frames=%" PRIu64
        " tx_bytes=%" PRIu64 " drops=%" PRIu64,
        name, s.rx_frames, s.rx_bytes, s.tx_frames, s.tx_bytes, s.total_drops());
    std::string drops;
    for (size_t d = 0; d < static_cast<size_t>(iface::Drop::Count); ++d)
      drops += std::string(" ") + iface::drop_name(static_cast<iface::Drop>(d)) + "=" +
               std::to_string(s.drops[d]);
    say("drops iface=%s%s", name, drops.c_str());
    say("tcp iface=%s %s", name, tcp_counters_text(s.tcp).c_str());
  }
  const auto& n = stack.neighbors(id).stats();
  say("arp requests=%" PRIu64 " failures=%" PRIu64 " rate_limited=%" PRIu64 " ignored_unsolicited=%" PRIu64,
      n.requests, n.failures, n.rate_limited, n.ignored_unsolicited);
  const auto& r = stack.reassembler().stats();
  say("reassembly complete=%" PRIu64 " timeouts=%" PRIu64 " overlaps=%" PRIu64 " duplicates=%" PRIu64
      " no_slot=%" PRIu64 " over_budget=%" PRIu64,
      r.complete, r.timeouts, r.overlaps, r.duplicates + r.late_duplicates, r.no_slot, r.over_budget);
  say("frame_pool_drops=%" PRIu64 " frame_pool_high_water=%zu no_route=%" PRIu64,
      loop.frame_pool_drops(), loop.frame_pool().high_water(), stack.no_route_drops());
  const auto& d = resolver.stats();
  say("dns queries=%" PRIu64 " requests=%" PRIu64 " timeouts=%" PRIu64 " answers=%" PRIu64
      " not_found=%" PRIu64 " requeries=%" PRIu64 " addresses_dropped=%" PRIu64,
      d.queries, d.requests, d.timeouts, d.answers, d.not_found, d.requeries, d.addresses_dropped);
  // The TAP's own account: frames held while its link was down, and what became of them.
  say("tap held=%" PRIu64 " held_sent=%" PRIu64 " held_dropped=%" PRIu64 " tx_errors=%" PRIu64
      " rx_oversize=%" PRIu64,
      tap.held(), tap.held_sent(), tap.held_dropped(), tap.tx_errors(), tap.rx_oversize());
  if (faults) {
    for (const auto* f : {&faults->rx_stats(), &faults->tx_stats()}) {
      say("faults dir=%s passed=%" PRIu64 " lost=%" PRIu64 " duplicated=%" PRIu64
          " reordered=%" PRIu64 " corrupted=%" PRIu64 " queue_drops=%" PRIu64,
          f == &faults->rx_stats() ? "rx" : "tx", f->passed, f->lost, f->duplicated, f->reordered,
          f->corrupted, f->queue_drops);
    }
  }
}

std::vector<uint8_t> echo_request(uint16_t seq) {
  std::vector<uint8_t> data(56);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  wire::icmpv4::Repr r;
  r.type = wire::icmpv4::Type::EchoRequest;
  r.seq = seq;
  r.data = Bytes(data.data(), data.size());
  std::vector<uint8_t> out(r.buffer_len());
  (void)r.emit(MutBytes(out.data(), out.size()));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  App app;
  std::string error;
  bool help = false;
  auto parsed = parse_options(argc, argv, &error, &help);
  if (!parsed) {
    if (help) {
      std::fputs(usage(), stdout);
      return 0;
    }
    std::fprintf(stderr, "keel-demo: %s\n%s", error.c_str(), usage());
    return 2;
  }
  app.opt = *parsed;
  Options& opt = app.opt;

  apps::LinuxHost host;
  apps::HostConfig host_config;
  host_config.tap = opt.tap;
  host_config.mtu = opt.mtu;
  host_config.faults = opt.faults;
  host_config.pcap = opt.pcap;
  host_config.pcap_limit = opt.pcap_limit;
  host_config.mac = opt.mac;
  host_config.seed = opt.seed;
  if (!host.open(host_config, &error)) {
    std::fprintf(stderr, "keel-demo: %s\n", error.c_str());
    return 1;
  }
  Random& rng = host.rng();
  linux_port::LinuxClock& clock = host.clock();
  linux_port::EpollWaker& waker = host.waker();
  runtime::Loop& loop = host.loop();
  Stack& stack = host.stack();
  IfaceId id = host.iface();
  const wire::MacAddress& mac = host.mac();
  linux_port::PcapWriter& pcap_writer = host.pcap();
  say("ready tap=%s mac=%s", host.tap().name().c_str(), format_mac(mac).c_str());

  runtime::DnsService dns(rng);
  app.dns = &dns;
  (void)loop.add_service(dns);
  sntp::Config sntp_cfg;
  sntp_cfg.poll_interval = Duration::seconds(64);
  runtime::SntpService sntp(sntp_cfg, rng);
  sntp.on_sample(on_sample, &app);
  (void)loop.add_service(sntp);
  std::vector<wire::IpAddress> servers;
  for (auto& a : opt.dns) servers.push_back(a);
  if (!servers.empty()) dns.set_servers(Span<const wire::IpAddress>(servers.data(), servers.size()));
  servers.clear();
  for (auto& a : opt.sntp) servers.push_back(a);
  if (!servers.empty()) sntp.set_servers(Span<const wire::IpAddress>(servers.data(), servers.size()));

  dhcp::Config dcfg;
  dcfg.mac = mac;
  static const char kHostname[] = "keel-demo";
  dcfg.hostname = Bytes(reinterpret_cast<const uint8_t*>(kHostname), sizeof kHostname - 1);
  dcfg.start_delay_max = Duration::millis(500);
  runtime::DhcpService dhcp_service(id, dcfg, rng);
  dhcp_service.set_dns(&dns);
  dhcp_service.set_sntp(&sntp);
  dhcp_service.on_event(on_lease, &app);
  if (opt.dhcp) {
    (void)loop.add_service(dhcp_service);
    dhcp_service.start(loop);
    say("dhcp started");
  } else {
    if (!stack.add_ipv4(id, Ipv4Cidr{*opt.ip, opt.prefix_len})) {
      std::fprintf(stderr, "keel-demo: --ip %s/%u cannot be used\n", format_ipv4(*opt.ip).c_str(), opt.prefix_len);
      return 1;
    }
    if (opt.gateway && !stack.set_gateway(id, *opt.gateway)) {
      std::fprintf(stderr, "keel-demo: --gw %s cannot be used\n", format_ipv4(*opt.gateway).c_str());
      return 1;
    }
    say("address %s/%u (static)", format_ipv4(*opt.ip).c_str(), opt.prefix_len);
  }

  // UDP echo on port 7.
  Handle echo = *stack.udp_open();
  (void)stack.udp_bind(echo, Endpoint{wire::IpAddress(), 7});
  // Multicast receivers.
  std::vector<Handle> groups;
  if (!opt.join.empty()) {
    Handle h = *stack.udp_open();
    (void)stack.udp_bind(h, Endpoint{wire::IpAddress(), opt.join_port});
    for (auto& g : opt.join) {
      if (stack.udp_join(h, g)) say("joined %s port %u", format_ipv4(g).c_str(), opt.join_port);
    }
    groups.push_back(h);
  }
  // Pings.
  Handle pinger = *stack.icmp_open();
  int pings_sent = 0;
  Instant next_ping = clock.now() + Duration::millis(200);

  // TCP: echo on 7, discard on 9, HTTP on 80.
  TcpApps tcp_apps(stack, [&stack, &loop, id]() {
    const iface::InterfaceStats& st = stack.stats(id);
    std::string j = "{\"rx_frames\": " + std::to_string(st.rx_frames) +
                    ", \"rx_bytes\": " + std::to_string(st.rx_bytes) +
                    ", \"tx_frames\": " + std::to_string(st.tx_frames) +
                    ", \"tx_bytes\": " + std::to_string(st.tx_bytes) +
                    ", \"frame_pool_drops\": " + std::to_string(loop.frame_pool_drops()) + ", \"drops\": {";
    for (size_t d = 0; d < static_cast<size_t>(iface::Drop::Count); ++d)
      j += std::string(d ? ", " : "") + "\"" + iface::drop_name(static_cast<iface::Drop>(d)) +
           "\": " + std::to_string(st.drops[d]);
    return j + "}, \"tcp\": " + tcp_counters_json(st.tcp) + "}";
  });
  if (!tcp_apps.start(&error)) {
    std::fprintf(stderr, "keel-demo: %s\n", error.c_str());
    return 1;
  }

  std::vector<uint8_t> buf(65536);
  for (;;) {
    if (int sig = host.take_signal()) {
      say("signal %s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
      print_stats(stack, id, loop, dns.resolver(), host.tap(), host.faults());
      for (const std::string& l : tcp_apps.stats_lines()) say("%s", l.c_str());
      pcap_writer.flush();
      if (pcap_writer.skipped() != 0)
        say("pcap written=%" PRIu64 " skipped=%" PRIu64 " (--pcap-limit)", pcap_writer.written(),
            pcap_writer.skipped());
      return 0;
    }
    loop.run_once();
    Instant now = clock.now();
    tcp_apps.poll(now);
    bool have_dns = !opt.dns.empty() || (dhcp_service.client().lease() && !dhcp_service.client().lease()->dns_servers.empty());
    if (have_dns) start_lookups(app, now);
    report_lookups(app);
    if (have_dns) start_lookups(app, now);  // into the slots just freed
    // UDP echo: every datagram back to its sender.
    for (int i = 0; i < 64; ++i) {
      auto r = stack.udp(echo)->recv_from(MutBytes(buf.data(), buf.size()));
      if (!r) break;
      (void)stack.udp(echo)->send_to(Bytes(buf.data(), r->length), r->remote);
    }
    for (Handle h : groups) {
      for (int i = 0; i < 64; ++i) {
        auto r = stack.udp(h)->recv_from(MutBytes(buf.data(), buf.size()));
        if (!r) break;
        say("multicast to=%s:%u from=%s:%u bytes=%zu", format_ip(r->local).c_str(), opt.join_port,
            format_ip(r->remote.addr).c_str(), r->remote.port, r->length);
      }
    }
    bool addressed = stack.ipv4(id).has_value();
    if (!opt.ping.empty() && addressed && pings_sent < opt.ping_count && now >= next_ping) {
      ++pings_sent;
      auto req = echo_request(static_cast<uint16_t>(pings_sent));
      for (auto& dst : opt.ping) (void)stack.icmp(pinger)->send_to(Bytes(req.data(), req.size()), dst);
      next_ping = now + Duration::seconds(1);
    }
    for (int i = 0; i < 64; ++i) {
      auto r = stack.icmp(pinger)->recv_from(MutBytes(buf.data(), buf.size()));
      if (!r) break;
      auto p = wire::icmpv4::Packet::check(Bytes(buf.data(), r->length));
      if (p) say("ping reply from=%s seq=%u bytes=%zu", format_ip(r->remote).c_str(), p->seq(), r->length);
    }
    uint64_t rx_before = stack.stats(id).rx_frames;
    Optional<Instant> at = loop.run_once();  // send what the application queued
    // Frames taken in by that pass (data, a FIN, a new connection) must reach the
    // applications now, not when the next timer happens to wake the loop.
    if (stack.stats(id).rx_frames != rx_before) continue;
    if (!opt.ping.empty() && pings_sent < opt.ping_count && (!at || next_ping < *at)) at = next_ping;
    if (at && *at <= clock.now()) continue;
    waker.wait(at);
  }
}
