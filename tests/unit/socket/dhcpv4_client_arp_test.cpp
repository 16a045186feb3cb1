// dhcpv4_client_arp_test.cpp — dhcp::Client and ARP (RFC 5227): the probe schedule
// before an offered address is used, DECLINE on conflict (RFC 2131 §3.1.5), the
// restart wait and its rate limit, and defending the address once bound (§2.4).
#include "dhcpv4_client_sim.hpp"

using namespace keel;
using namespace keel::test::dhcp_sim;

namespace {

// A Sim whose ACK for kOffered just arrived: Probing.
struct ProbingSim {
  Sim sim;
  Server server;
  Instant ack_at;
  explicit ProbingSim(dhcp::Config cfg = config(), uint64_t seed = 7) : sim(cfg, seed) {
    sim.start();
    Sent d = sim.next_sent();
    sim.deliver(server.offer(d));
    Sent r = sim.next_sent();
    ack_at = sim.now;
    sim.deliver(server.ack(r));
  }
};

}  // namespace

TEST(DhcpClientArp, probes_three_times_then_binds_and_announces_twice) {
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    ProbingSim p(config(), seed);
    Sim& sim = p.sim;
    EXPECT_EQ(sim.client.state(), State::Probing);
    sim.run_until(p.ack_at + secs(20));
    ASSERT_EQ(sim.arps.size(), 5u);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(sim.arps[i].req.kind, ArpKind::Probe);
      EXPECT_EQ(sim.arps[i].req.address, kOffered);
    }
    // PROBE_WAIT: the first probe 0–1 s after the ACK; PROBE_MIN..PROBE_MAX apart.
    EXPECT_GE(sim.arps[0].at, p.ack_at);
    EXPECT_LE(sim.arps[0].at, p.ack_at + secs(1));
    for (int i = 1; i < 3; ++i) {
      EXPECT_GE(sim.arps[i].at - sim.arps[i - 1].at, secs(1));
      EXPECT_LE(sim.arps[i].at - sim.arps[i - 1].at, secs(2));
    }
    // ANNOUNCE_WAIT after the last probe: Bound, then ANNOUNCE_NUM announcements
    // ANNOUNCE_INTERVAL apart.
    ASSERT_EQ(sim.events.size(), 1u);
    EXPECT_EQ(sim.events[0].ev.kind, EventKind::Bound);
    EXPECT_EQ(sim.events[0].at, sim.arps[2].at + secs(2));
    EXPECT_EQ(sim.events[0].ev.lease.acquired_at, p.ack_at);  // times count from the ACK
    EXPECT_EQ(sim.arps[3].req.kind, ArpKind::Announce);
    EXPECT_EQ(sim.arps[3].at, sim.events[0].at);
    EXPECT_EQ(sim.arps[4].req.kind, ArpKind::Announce);
    EXPECT_EQ(sim.arps[4].at, sim.arps[3].at + secs(2));
    EXPECT_EQ(sim.arps[4].req.address, kOffered);
  }
}

TEST(DhcpClientArp, the_lease_is_not_in_use_while_probing) {
  ProbingSim p;
  p.sim.run_until(p.ack_at + secs(3));
  EXPECT_EQ(p.sim.client.state(), State::Probing);
  EXPECT_FALSE(p.sim.client.lease());
  EXPECT_TRUE(p.sim.events.empty());
}

TEST(DhcpClientArp, conflict_while_probing_declines_waits_10s_then_takes_another_address) {
  ProbingSim p;
  Sim& sim = p.sim;
  sim.run_until(p.ack_at + secs(2));
  size_t probes = sim.arps.size();
  Instant conflict_at = sim.now;
  sim.client.on_arp_conflict(sim.now, kOffered);
  sim.drain();
  // The DECLINE goes out at once (RFC 2131 §3.1.5, Table 5).
  Sent decline = sim.next_sent();
  EXPECT_EQ(decline.at, conflict_at);
  EXPECT_EQ(decline.type(), MT::Decline);
  EXPECT_EQ(decline.tx.src, kAny);
  EXPECT_EQ(decline.tx.dst, kAll);
  auto r = decline.repr();
  EXPECT_EQ(r.ciaddr, kAny);
  EXPECT_EQ(r.secs, 0);
  EXPECT_FALSE(r.broadcast);
  EXPECT_EQ(decline.option(50), addr_bytes(kOffered));  // MUST
  EXPECT_EQ(decline.option(54), addr_bytes(kServer));   // MUST
  EXPECT_TRUE(decline.has(61));
  EXPECT_FALSE(decline.has(55));  // MUST NOT
  EXPECT_FALSE(decline.has(57));  // MUST NOT
  EXPECT_FALSE(decline.has(51));
  EXPECT_EQ(sim.client.stats().declines, 1u);
  EXPECT_EQ(sim.client.stats().conflicts, 1u);
  ASSERT_EQ(sim.event_kinds(), std::vector<EventKind>{EventKind::Declined});
  EXPECT_EQ(sim.events[0].ev.lease.address, kOffered);
  EXPECT_FALSE(sim.client.lease());
  EXPECT_EQ(sim.client.state(), State::Selecting);
  // No more probes; 10 s of silence, then a new exchange.
  Sent d = sim.next_sent();
  EXPECT_EQ(d.type(), MT::Discover);
  EXPECT_EQ(d.at, conflict_at + secs(10));
  EXPECT_EQ(sim.arps.size(), probes);
  EXPECT_NE(d.xid(), decline.xid());
  EXPECT_NE(d.xid(), sim.sent.at(0).xid());
  EXPECT_FALSE(d.has(50));  // never suggest the declined address
  // The server offers another address: it is probed and bound.
  sim.deliver(p.server.offer(d, kOffered2));
  Sent req = sim.next_sent();
  EXPECT_EQ(req.option(50), addr_bytes(kOffered2));
  sim.deliver(p.server.ack(req, kOffered2));
  auto b = sim.run_until_event(EventKind::Bound);
  EXPECT_EQ(b.ev.lease.address, kOffered2);
  EXPECT_EQ(sim.arps[probes].req.address, kOffered2);
}

TEST(DhcpClientArp, conflict_for_another_address_is_ignored) {
  ProbingSim p;
  p.sim.client.on_arp_conflict(p.sim.now, kOffered2);
  p.sim.drain();
  EXPECT_EQ(p.sim.client.state(), State::Probing);
  EXPECT_EQ(p.sim.client.stats().conflicts, 0u);
  EXPECT_EQ(p.sim.run_until_event(EventKind::Bound).ev.lease.address, kOffered);
}

TEST(DhcpClientArp, after_ten_conflicts_restarts_are_rate_limited_to_60s) {
  ProbingSim p;
  Sim& sim = p.sim;
  std::vector<Duration> waits;
  for (int i = 0; i < 11; ++i) {
    Instant at = sim.now;
    sim.client.on_arp_conflict(sim.now, kOffered);
    Sent decline = sim.next_sent();
    EXPECT_EQ(decline.type(), MT::Decline);
    Sent d = sim.next_sent();
    EXPECT_EQ(d.type(), MT::Discover);
    waits.push_back(d.at - at);
    sim.deliver(p.server.offer(d));
    Sent r = sim.next_sent();
    sim.deliver(p.server.ack(r));
    ASSERT_EQ(sim.client.state(), State::Probing);
  }
  for (int i = 0; i < 9; ++i) EXPECT_EQ(waits[i], secs(10)) << i;
  EXPECT_EQ(waits[9], secs(60));  // the tenth conflict in a row (RFC 5227 MAX_CONFLICTS)
  EXPECT_EQ(waits[10], secs(60));
  EXPECT_EQ(sim.client.stats().conflicts, 11u);
  // A successful bind resets the count.
  sim.run_until_event(EventKind::Bound);
}

TEST(DhcpClientArp, conflict_after_bound_is_defended_once_with_an_announcement) {
  dhcp::Config cfg = config();
  Sim sim(cfg);
  Server server;
  sim.acquire(server);
  sim.run_for(secs(30));
  size_t arps = sim.arps.size();
  sim.client.on_arp_conflict(sim.now, kOffered);
  sim.drain();
  ASSERT_EQ(sim.arps.size(), arps + 1);
  EXPECT_EQ(sim.arps.back().req.kind, ArpKind::Announce);
  EXPECT_EQ(sim.arps.back().at, sim.now);
  EXPECT_EQ(sim.client.state(), State::Bound);
  EXPECT_EQ(sim.client.stats().defended, 1u);
  EXPECT_EQ(sim.event_kinds(), std::vector<EventKind>{EventKind::Bound});
  // Another conflict more than DEFEND_INTERVAL later is defended again.
  sim.run_for(secs(11));
  sim.client.on_arp_conflict(sim.now, kOffered);
  sim.drain();
  EXPECT_EQ(sim.client.stats().defended, 2u);
  EXPECT_EQ(sim.client.state(), State::Bound);
}

TEST(DhcpClientArp, second_conflict_within_10s_after_bound_gives_the_address_up) {
  Sim sim;
  Server server;
  sim.acquire(server);
  sim.run_for(secs(30));
  sim.skip_sent();
  sim.client.on_arp_conflict(sim.now, kOffered);
  sim.run_for(secs(5));
  Instant second = sim.now;
  sim.client.on_arp_conflict(sim.now, kOffered);
  sim.drain();
  EXPECT_EQ(sim.event_kinds(),
            (std::vector<EventKind>{EventKind::Bound, EventKind::Lost, EventKind::Declined}));
  EXPECT_EQ(sim.events[1].ev.lease.address, kOffered);
  EXPECT_FALSE(sim.client.lease());
  EXPECT_EQ(sim.client.stats().leases_lost, 1u);
  Sent decline = sim.next_sent();
  EXPECT_EQ(decline.type(), MT::Decline);
  EXPECT_EQ(decline.option(50), addr_bytes(kOffered));
  EXPECT_EQ(decline.tx.src, kAny);
  Sent d = sim.next_sent();
  EXPECT_EQ(d.type(), MT::Discover);
  EXPECT_EQ(d.at, second + secs(10));
}

TEST(DhcpClientArp, without_probing_the_ack_binds_at_once_and_nothing_is_announced) {
  dhcp::Config cfg = config();
  cfg.arp_probe = false;
  Sim sim(cfg);
  sim.start();
  Server server;
  Sent d = sim.next_sent();
  sim.deliver(server.offer(d));
  Sent r = sim.next_sent();
  sim.deliver(server.ack(r));
  EXPECT_EQ(sim.client.state(), State::Bound);
  EXPECT_EQ(sim.event_kinds(), std::vector<EventKind>{EventKind::Bound});
  EXPECT_EQ(sim.events[0].at, r.at);
  sim.run_for(secs(60));
  EXPECT_TRUE(sim.arps.empty());
}
