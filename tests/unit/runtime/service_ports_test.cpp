// service_ports_test.cpp — the DNS and SNTP services take their source ports from the
// stack's ephemeral allocator (RFC 6056 §3.3.1), so a port another socket holds is never
// chosen; and the resolver and SNTP client use a PortSource as documented.
//
// Whole-loop tests: keel's Loop (192.0.2.2, DnsService + SntpService) and a plain Stack
// (192.0.2.1) that answers DNS on 53 and NTP on 123 share an in-memory link, on a
// manual clock. Each clash test runs twice with one seed: the first run shows which port
// the service takes; the second holds that port in an application socket beforehand —
// a port drawn without the stack's knowledge would be the same one and its query lost.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/wire/dns.hpp"
#include "core/wire/ntp.hpp"
#include "ports/linux/mem_link.hpp"
#include "runtime/services.hpp"

using namespace keel;
namespace wd = keel::wire::dns;
namespace ntp = keel::wire::ntp;

namespace {

struct ManualClock final : runtime::Clock {
  Instant t = Instant::from_millis(1000);
  Instant now() override { return t; }
  int64_t wall_us() override { return 1700000000000000 + t.micros(); }
};
struct NoWaker final : runtime::Waker {
  void wait(Optional<Instant>) override {}
  void wake() override {}
};

const wire::Ipv4Address kServer = wire::Ipv4Address::of(192, 0, 2, 1);
const wire::Ipv4Address kKeel = wire::Ipv4Address::of(192, 0, 2, 2);
const wire::Ipv4Address kAnswer = wire::Ipv4Address::of(192, 0, 2, 80);

// Net — keel's loop with its services, the server stack, and the link between them.
struct Net {
  explicit Net(uint64_t seed) : rng(seed), server_rng(seed + 1) {
    loop = std::make_unique<runtime::Loop>(rng, clock, waker);
    id = *loop->attach(link.b(), wire::MacAddress{{0x02, 0, 0, 0, 0, 0x02}});
    EXPECT_TRUE(loop->stack().add_ipv4(id, Ipv4Cidr{kKeel, 24}));
    server = std::make_unique<Stack>(server_rng);
    server_id = *server->add_ethernet(link.a(), wire::MacAddress{{0x02, 0, 0, 0, 0, 0x01}});
    EXPECT_TRUE(server->add_ipv4(server_id, Ipv4Cidr{kServer, 24}));
    dns_sock = *server->udp_open();
    EXPECT_TRUE(server->udp_bind(dns_sock, Endpoint{wire::IpAddress(), 53}));
    ntp_sock = *server->udp_open();
    EXPECT_TRUE(server->udp_bind(ntp_sock, Endpoint{wire::IpAddress(), 123}));

    dns = std::make_unique<runtime::DnsService>(rng);
    wire::IpAddress s = kServer;
    dns->set_servers(Span<const wire::IpAddress>(&s, 1));
    EXPECT_TRUE(loop->add_service(*dns));
  }
  void start_sntp() {
    sntp = std::make_unique<runtime::SntpService>(sntp::Config{}, rng);
    sntp->on_sample([](const sntp::Sample&, void* ctx) { ++*static_cast<int*>(ctx); }, &samples);
    wire::IpAddress s = kServer;
    sntp->set_servers(Span<const wire::IpAddress>(&s, 1));
    EXPECT_TRUE(loop->add_service(*sntp));
  }

  // step — one pass of both sides, then 10 ms later.
  void step() {
    (void)loop->run_once();
    uint8_t frame[2048];
    for (size_t n; (n = link.a().receive(MutBytes(frame), clock.t)) != 0;)
      server->receive_frame(server_id, Bytes(frame, n), clock.t);
    serve_dns();
    serve_ntp();
    server->poll(clock.t);
    clock.t = clock.t + Duration::millis(10);
  }
  // run_until — steps until done() holds, at most limit of simulated time.
  template <typename Done>
  bool run_until(Done done, Duration limit) {
    Instant end = clock.t + limit;
    while (!done() && clock.t < end) step();
    return done();
  }

  // serve_dns — answers every A query with kAnswer (TTL 60), noting its source port.
  void serve_dns() {
    uint8_t q[512], a[512];
    while (auto r = server->udp(dns_sock)->recv_from(MutBytes(q))) {
      dns_ports.push_back(r->remote.port);
      auto p = wd::Packet::check(Bytes(q, r->length));
      ASSERT_TRUE(p);
      auto query = wd::Repr::parse(*p);
      ASSERT_TRUE(query && query->question);
      wd::Repr head = *query;
      head.response = true;
      head.recursion_available = true;
      auto b = wd::Builder::start(MutBytes(a), head);
      ASSERT_TRUE(b);
      ASSERT_TRUE(b->add_question(query->question->name, query->question->type));
      ASSERT_TRUE(b->add_record(wd::Section::Answer, wd::NameRef::pointer(wd::kQuestionOffset),
                                wd::Type::A, wd::kClassIn, 60, Bytes(kAnswer.bytes, 4)));
      ASSERT_TRUE(server->udp(dns_sock)->send_to(b->message(), r->remote));
    }
  }
  // serve_ntp — answers every request as a stratum-2 server, noting its source port.
  void serve_ntp() {
    uint8_t q[128], a[ntp::kHeaderLen];
    while (auto r = server->udp(ntp_sock)->recv_from(MutBytes(q))) {
      ntp_ports.push_back(r->remote.port);
      auto p = ntp::Packet::check(Bytes(q, r->length));
      ASSERT_TRUE(p);
      ntp::Repr reply;
      reply.mode = ntp::Mode::Server;
      reply.stratum = 2;
      reply.origin_time = p->transmit_time();
      reply.receive_time = reply.transmit_time = sntp::unix_us_to_ntp(clock.wall_us());
      ASSERT_TRUE(reply.emit(MutBytes(a)));
      ASSERT_TRUE(server->udp(ntp_sock)->send_to(Bytes(a, sizeof a), r->remote));
    }
  }

  // hold — an application socket on port (explicit, so no random draw).
  Handle hold(uint16_t port) {
    Handle h = *loop->stack().udp_open();
    EXPECT_TRUE(loop->stack().udp_bind(h, Endpoint{wire::IpAddress(), port}));
    return h;
  }
  bool port_free(uint16_t port) {
    Handle h = *loop->stack().udp_open();
    bool ok = loop->stack().udp_bind(h, Endpoint{wire::IpAddress(), port}).ok();
    loop->stack().close(h);
    return ok;
  }

  ManualClock clock;
  NoWaker waker;
  Random rng, server_rng;
  linux_port::MemLink link;
  std::unique_ptr<runtime::Loop> loop;
  IfaceId id = 0, server_id = 0;
  std::unique_ptr<Stack> server;
  Handle dns_sock, ntp_sock;
  std::unique_ptr<runtime::DnsService> dns;
  std::unique_ptr<runtime::SntpService> sntp;
  int samples = 0;
  std::vector<uint16_t> dns_ports, ntp_ports;
};

// DnsRun — one lookup of www.example.test: its status and the ports its queries came from.
struct DnsRun {
  dns::Status status = dns::Status::Pending;
  std::vector<uint16_t> ports;
  uint64_t requests = 0, timeouts = 0, no_port = 0;
};

DnsRun run_dns(uint64_t seed, Optional<uint16_t> occupied) {
  Net net(seed);
  Handle app;
  if (occupied) app = net.hold(*occupied);
  auto h = net.dns->resolver().start("www.example.test", 16, dns::QueryType::A, net.clock.t);
  EXPECT_TRUE(h);
  dns::Resolver& r = net.dns->resolver();
  bool pending_port_held = false;
  (void)net.run_until(
      [&] {
        // While the query waits, its port is a socket of the stack's.
        if (!net.dns_ports.empty() && r.status(*h) == dns::Status::Pending)
          pending_port_held |= !net.port_free(net.dns_ports.back());
        return r.status(*h) != dns::Status::Pending;
      },
      Duration::seconds(30));
  DnsRun out;
  out.status = r.status(*h);
  out.ports = net.dns_ports;
  out.requests = r.stats().requests;
  out.timeouts = r.stats().timeouts;
  out.no_port = r.stats().no_port;
  if (out.status == dns::Status::Done) {
    EXPECT_EQ(r.answer(*h)->addresses.size(), 1u);
    EXPECT_EQ(r.answer(*h)->addresses[0], wire::IpAddress(kAnswer));
  }
  if (occupied) {
    uint8_t buf[64];
    EXPECT_FALSE(net.loop->stack().udp(app)->recv_from(MutBytes(buf)))
        << "the application's socket got the DNS answer";
  }
  r.release(*h);
  net.step();  // the service closes the query's socket
  for (uint16_t p : out.ports) EXPECT_TRUE(net.port_free(p)) << "port " << p << " still held";
  if (!out.ports.empty()) {
    EXPECT_TRUE(pending_port_held) << "the pending query's port was free";
  }
  return out;
}

}  // namespace

TEST(ServicePorts, dns_query_goes_out_from_an_ephemeral_port_and_is_answered) {
  DnsRun run = run_dns(11, none);
  EXPECT_EQ(run.status, dns::Status::Done);
  ASSERT_EQ(run.ports.size(), 1u);
  EXPECT_GE(run.ports[0], 49152);
  EXPECT_EQ(run.requests, 1u);
  EXPECT_EQ(run.timeouts, 0u);
}

TEST(ServicePorts, dns_query_never_takes_a_port_an_application_holds) {
  for (uint64_t seed : {11u, 12u, 13u}) {
    DnsRun first = run_dns(seed, none);
    ASSERT_EQ(first.ports.size(), 1u);
    // Same seed, the port of the first run taken by an application before the lookup.
    DnsRun second = run_dns(seed, first.ports[0]);
    EXPECT_EQ(second.status, dns::Status::Done) << "seed " << seed;
    // Its first attempt went out and was answered: nothing lost to a taken port.
    EXPECT_EQ(second.timeouts, 0u) << "seed " << seed;
    EXPECT_EQ(second.no_port, 0u) << "seed " << seed;
    EXPECT_EQ(second.requests, 1u) << "seed " << seed;
    ASSERT_EQ(second.ports.size(), 1u) << "seed " << seed;
    EXPECT_NE(second.ports[0], first.ports[0]) << "seed " << seed;
    EXPECT_GE(second.ports[0], 49152);
  }
}

TEST(ServicePorts, dns_queries_in_flight_each_hold_their_own_port) {
  Net net(21);
  dns::Resolver& r = net.dns->resolver();
  std::vector<dns::QueryHandle> hs;
  for (const char* name : {"a.example.test", "b.example.test", "c.example.test"})
    hs.push_back(*r.start(name, 14, dns::QueryType::A, net.clock.t));
  ASSERT_TRUE(net.run_until(
      [&] {
        for (auto h : hs)
          if (r.status(h) == dns::Status::Pending) return false;
        return true;
      },
      Duration::seconds(10)));
  for (auto h : hs) EXPECT_EQ(r.status(h), dns::Status::Done);
  ASSERT_EQ(net.dns_ports.size(), 3u);
  EXPECT_NE(net.dns_ports[0], net.dns_ports[1]);
  EXPECT_NE(net.dns_ports[1], net.dns_ports[2]);
  EXPECT_NE(net.dns_ports[0], net.dns_ports[2]);
  EXPECT_EQ(r.stats().requests, 3u);
  EXPECT_EQ(r.stats().no_port, 0u);
}

TEST(ServicePorts, dns_without_a_free_udp_socket_counts_no_port_and_times_out) {
  Net net(31);
  // Fill every UDP socket of keel's stack.
  std::vector<Handle> held;
  while (auto h = net.loop->stack().udp_open()) held.push_back(*h);
  ASSERT_FALSE(held.empty());
  dns::Resolver& r = net.dns->resolver();
  auto h = *r.start("www.example.test", 16, dns::QueryType::A, net.clock.t);
  ASSERT_TRUE(net.run_until([&] { return r.status(h) != dns::Status::Pending; }, Duration::seconds(60)));
  EXPECT_EQ(r.status(h), dns::Status::TimedOut);
  EXPECT_TRUE(net.dns_ports.empty());
  EXPECT_EQ(r.stats().requests, 0u);
  EXPECT_EQ(r.stats().no_port, 3u);  // one per round (tries = 3, one server)
}

TEST(ServicePorts, sntp_request_never_takes_a_port_an_application_holds) {
  for (uint64_t seed : {41u, 42u, 43u}) {
    uint16_t first_port = 0;
    {
      Net net(seed);
      net.start_sntp();
      ASSERT_TRUE(net.run_until([&] { return net.samples == 1; }, Duration::seconds(30)));
      ASSERT_EQ(net.ntp_ports.size(), 1u);
      first_port = net.ntp_ports[0];
      EXPECT_GE(first_port, 49152);
    }
    Net net(seed);
    Handle app = net.hold(first_port);
    net.start_sntp();
    ASSERT_TRUE(net.run_until([&] { return net.samples == 1; }, Duration::seconds(30)));
    // The first request was answered: no retry after a lost one, from another port.
    EXPECT_EQ(net.sntp->client().stats().timeouts, 0u) << "seed " << seed;
    EXPECT_EQ(net.sntp->client().stats().requests, 1u) << "seed " << seed;
    ASSERT_EQ(net.ntp_ports.size(), 1u);
    EXPECT_NE(net.ntp_ports[0], first_port) << "seed " << seed;
    uint8_t buf[64];
    EXPECT_FALSE(net.loop->stack().udp(app)->recv_from(MutBytes(buf)));
    // After the sample the request's socket is closed again.
    net.step();
    EXPECT_TRUE(net.port_free(net.ntp_ports[0]));
  }
}

// ---- the clients with a PortSource of their own ----

namespace {

// ListSource — hands out the ports given, then none; counts the calls.
struct ListSource final : PortSource {
  std::vector<uint16_t> ports;
  int calls = 0;
  Optional<uint16_t> acquire() override {
    ++calls;
    if (ports.empty()) return none;
    uint16_t p = ports.front();
    ports.erase(ports.begin());
    return p;
  }
};

Instant ms(int64_t m) { return Instant::from_millis(m); }

}  // namespace

TEST(ServicePorts, resolver_takes_its_port_from_the_source_when_first_sent_and_keeps_it) {
  Random rng(5);
  dns::Resolver r(rng);
  ListSource src;
  src.ports = {40000, 40001};
  r.set_port_source(&src);
  wire::IpAddress servers[2] = {kServer, wire::Ipv4Address::of(192, 0, 2, 3)};
  r.set_servers(Span<const wire::IpAddress>(servers, 2));
  auto h = *r.start("www.example.test", 16, dns::QueryType::A, ms(0));
  EXPECT_EQ(src.calls, 0);  // not before it is sent
  EXPECT_FALSE(r.owns_port(0));
  uint8_t buf[dns::kMaxQueryLen];
  auto t = r.poll_transmit(ms(0), MutBytes(buf));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->src_port, 40000);
  EXPECT_TRUE(r.owns_port(40000));
  // The retry to the second server keeps the port.
  auto t2 = r.poll_transmit(ms(1000), MutBytes(buf));
  ASSERT_TRUE(t2);
  EXPECT_EQ(t2->dst, servers[1]);
  EXPECT_EQ(t2->src_port, 40000);
  EXPECT_EQ(src.calls, 1);
  r.release(h);
  EXPECT_FALSE(r.owns_port(40000));
}

TEST(ServicePorts, resolver_with_an_empty_source_sends_nothing_counts_and_times_out) {
  Random rng(6);
  dns::Config cfg;
  cfg.tries = 2;
  dns::Resolver r(rng, cfg);
  ListSource src;
  r.set_port_source(&src);
  wire::IpAddress server = kServer;
  r.set_servers(Span<const wire::IpAddress>(&server, 1));
  auto h = *r.start("www.example.test", 16, dns::QueryType::A, ms(0));
  uint8_t buf[dns::kMaxQueryLen];
  int64_t t = 0;
  for (; t <= 20000 && r.status(h) == dns::Status::Pending; t += 100)
    EXPECT_FALSE(r.poll_transmit(ms(t), MutBytes(buf)));
  EXPECT_EQ(r.status(h), dns::Status::TimedOut);
  EXPECT_EQ(r.stats().no_port, 2u);
  EXPECT_EQ(r.stats().requests, 0u);
  EXPECT_EQ(src.calls, 2);
  // A port once more: the next query goes out from it.
  src.ports = {50000};
  r.release(h);
  (void)*r.start("www.example.test", 16, dns::QueryType::A, ms(t));
  auto tx = r.poll_transmit(ms(t), MutBytes(buf));
  ASSERT_TRUE(tx);
  EXPECT_EQ(tx->src_port, 50000);
}

TEST(ServicePorts, sntp_client_takes_a_port_per_request_from_the_source) {
  Random rng(7);
  sntp::Client c(sntp::Config{}, rng);
  ListSource src;
  src.ports = {41000};
  c.set_port_source(&src);
  wire::IpAddress server = kServer;
  c.set_servers(Span<const wire::IpAddress>(&server, 1));
  uint8_t buf[ntp::kHeaderLen];
  auto t = c.poll_transmit(ms(0), 1700000000000000, MutBytes(buf));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->src_port, 41000);
  EXPECT_TRUE(c.owns_port(41000));
  // The retry finds the source empty: nothing sent, counted, tried again later.
  EXPECT_FALSE(c.poll_transmit(ms(5000), 1700000005000000, MutBytes(buf)));
  EXPECT_EQ(c.stats().no_port, 1u);
  EXPECT_EQ(c.stats().requests, 1u);
  EXPECT_FALSE(c.owns_port(41000));
  EXPECT_FALSE(c.owns_port(0));
  src.ports = {41001};
  auto t3 = c.poll_transmit(ms(10000), 1700000010000000, MutBytes(buf));
  ASSERT_TRUE(t3);
  EXPECT_EQ(t3->src_port, 41001);
  EXPECT_EQ(src.calls, 3);
}
