// dhcpv4_client_renew_test.cpp — dhcp::Client keeping a lease (RFC 2131 §4.4.5):
// RENEWING at T1 (unicast), REBINDING at T2 (broadcast), retransmission at half the
// time left (at least 60 s), expiry, NAK while renewing, infinite leases.
#include "dhcpv4_client_sim.hpp"

using namespace keel;
using namespace keel::test::dhcp_sim;

namespace {

// A Sim bound to kOffered by kServer with a 3600 s lease (T1 1800 s, T2 3150 s).
struct BoundSim {
  Sim sim;
  Server server;
  dhcp::Lease lease;
  explicit BoundSim(dhcp::Config cfg = config()) : sim(cfg) {
    lease = sim.acquire(server).ev.lease;
    sim.run_for(secs(10));  // the announcements
    sim.skip_sent();
  }
  Instant t1() const { return lease.acquired_at + lease.t1; }
  Instant t2() const { return lease.acquired_at + lease.t2; }
  Instant expiry() const { return lease.acquired_at + lease.lease_time; }
};

}  // namespace

TEST(DhcpClientRenew, renews_at_t1_with_a_unicast_request_to_the_server) {
  BoundSim b;
  b.sim.run_until(b.t1() - ms(1));
  EXPECT_EQ(b.sim.client.state(), State::Bound);
  Sent r = b.sim.next_sent();
  EXPECT_EQ(r.at, b.t1());
  EXPECT_EQ(b.sim.client.state(), State::Renewing);
  EXPECT_EQ(r.type(), MT::Request);
  EXPECT_EQ(r.tx.src, kOffered);
  EXPECT_EQ(r.tx.dst, kServer);
  auto q = r.repr();
  EXPECT_EQ(q.ciaddr, kOffered);  // Table 5: ciaddr in RENEWING
  EXPECT_FALSE(q.broadcast);
  EXPECT_FALSE(r.has(50));  // MUST NOT in RENEWING
  EXPECT_FALSE(r.has(54));  // MUST NOT in RENEWING
  EXPECT_TRUE(r.has(55));
  EXPECT_TRUE(r.has(61));
  EXPECT_NE(q.xid, b.sim.sent.at(0).xid());  // a new exchange, a new xid
  // The lease stays in use while renewing.
  ASSERT_TRUE(b.sim.client.lease());
  EXPECT_EQ(b.sim.client.lease()->address, kOffered);
}

TEST(DhcpClientRenew, renewal_ack_gives_a_renewed_event_with_new_times) {
  BoundSim b;
  Sent r = b.sim.next_sent();
  b.sim.now = b.sim.now + ms(40);
  Instant ack_at = b.sim.now;
  Server server = b.server;
  server.lease = 7200u;
  server.dns = {Ipv4Address::of(192, 0, 2, 99)};
  b.sim.deliver(server.ack(r));
  EXPECT_EQ(b.sim.client.state(), State::Bound);
  ASSERT_EQ(b.sim.events.size(), 2u);
  const dhcp::Lease& l = b.sim.events[1].ev.lease;
  EXPECT_EQ(b.sim.events[1].ev.kind, EventKind::Renewed);
  EXPECT_EQ(l.address, kOffered);
  EXPECT_EQ(l.lease_time, secs(7200));
  EXPECT_EQ(l.t1, secs(3600));
  EXPECT_EQ(l.t2, secs(6300));
  EXPECT_EQ(l.acquired_at, ack_at);
  ASSERT_EQ(l.dns_servers.size(), 1u);
  EXPECT_EQ(l.dns_servers[0], Ipv4Address::of(192, 0, 2, 99));
  EXPECT_EQ(b.sim.client.lease()->lease_time, secs(7200));
  EXPECT_TRUE(b.sim.arps.size() == 5u);  // no new probe or announcement
  // The next renewal counts from the new ACK.
  Sent r2 = b.sim.next_sent();
  EXPECT_EQ(r2.at, ack_at + secs(3600));
  EXPECT_EQ(r2.tx.dst, kServer);
}

TEST(DhcpClientRenew, renewing_retransmits_at_half_the_time_to_t2_but_at_least_60s) {
  BoundSim b;
  // T1 1800 s, T2 3150 s: waits of 675, 337.5, 168.75, 84.375, then 60 (floor), then
  // 60 again would pass T2 — at T2 the client rebinds instead.
  std::vector<Sent> renews;
  for (int i = 0; i < 6; ++i) renews.push_back(b.sim.next_sent());
  const int64_t expect_us[] = {1800000000, 2475000000, 2812500000, 2981250000, 3065625000,
                               3125625000};
  for (size_t i = 0; i < renews.size(); ++i) {
    EXPECT_EQ((renews[i].at - b.lease.acquired_at).as_micros(), expect_us[i]) << "renew " << i;
    EXPECT_EQ(renews[i].tx.dst, kServer);
    EXPECT_EQ(renews[i].xid(), renews[0].xid());
  }
  Sent rebind = b.sim.next_sent();
  EXPECT_EQ(rebind.at, b.t2());
  EXPECT_EQ(rebind.tx.dst, kAll);
  EXPECT_EQ(b.sim.client.stats().retransmits, 5u);
}

TEST(DhcpClientRenew, unanswered_renewal_rebinds_at_t2_with_a_broadcast_request) {
  BoundSim b;
  b.sim.run_until(b.t2() - ms(1));
  EXPECT_EQ(b.sim.client.state(), State::Renewing);
  b.sim.skip_sent();
  Sent r = b.sim.next_sent();
  EXPECT_EQ(r.at, b.t2());
  EXPECT_EQ(b.sim.client.state(), State::Rebinding);
  EXPECT_EQ(r.type(), MT::Request);
  EXPECT_EQ(r.tx.src, kOffered);
  EXPECT_EQ(r.tx.dst, kAll);
  EXPECT_EQ(r.repr().ciaddr, kOffered);
  EXPECT_FALSE(r.has(50));
  EXPECT_FALSE(r.has(54));
  ASSERT_TRUE(b.sim.client.lease());
}

TEST(DhcpClientRenew, rebinding_ack_from_any_server_gives_a_rebound_event) {
  BoundSim b;
  b.sim.run_until(b.t2());
  EXPECT_EQ(b.sim.client.state(), State::Rebinding);
  Sent r = b.sim.sent.back();
  Server other = b.server;
  other.id = kServer2;
  b.sim.deliver(other.ack(r), kServer2);
  EXPECT_EQ(b.sim.client.state(), State::Bound);
  ASSERT_EQ(b.sim.events.size(), 2u);
  EXPECT_EQ(b.sim.events[1].ev.kind, EventKind::Rebound);
  EXPECT_EQ(b.sim.events[1].ev.lease.server_id, kServer2);
  EXPECT_EQ(b.sim.events[1].ev.lease.acquired_at, b.t2());
  // The next renewal goes to the new server.
  b.sim.skip_sent();
  Sent r2 = b.sim.next_sent();
  EXPECT_EQ(r2.tx.dst, kServer2);
  EXPECT_EQ(r2.at, b.t2() + secs(1800));
}

TEST(DhcpClientRenew, rebinding_retransmits_at_half_the_time_to_expiry_but_at_least_60s) {
  BoundSim b;
  b.sim.run_until(b.t2() - ms(1));
  b.sim.skip_sent();
  // Expiry 3600 s, T2 3150 s: waits of 225, 112.5, 60 (56.25 floored), then 60 would
  // pass expiry.
  std::vector<Sent> rebinds;
  for (int i = 0; i < 4; ++i) rebinds.push_back(b.sim.next_sent());
  const int64_t expect_us[] = {3150000000, 3375000000, 3487500000, 3547500000};
  for (size_t i = 0; i < rebinds.size(); ++i) {
    EXPECT_EQ((rebinds[i].at - b.lease.acquired_at).as_micros(), expect_us[i]) << i;
    EXPECT_EQ(rebinds[i].tx.dst, kAll);
  }
}

TEST(DhcpClientRenew, nothing_answers_so_the_lease_is_lost_at_expiry) {
  BoundSim b;
  b.sim.run_until(b.expiry() - ms(1));
  EXPECT_EQ(b.sim.client.state(), State::Rebinding);
  ASSERT_EQ(b.sim.events.size(), 1u);
  auto lost = b.sim.run_until_event(EventKind::Lost);
  EXPECT_EQ(lost.at, b.expiry());
  EXPECT_EQ(lost.ev.lease.address, kOffered);
  EXPECT_EQ(lost.ev.lease.lease_time, secs(3600));
  EXPECT_FALSE(b.sim.client.lease());
  EXPECT_EQ(b.sim.client.stats().leases_lost, 1u);
  // Back to INIT at once, suggesting the address it had.
  EXPECT_EQ(b.sim.client.state(), State::Selecting);
  const Sent& d = b.sim.sent.back();
  EXPECT_EQ(d.type(), MT::Discover);
  EXPECT_EQ(d.at, b.expiry());
  EXPECT_EQ(d.tx.src, kAny);
  EXPECT_EQ(d.option(50), addr_bytes(kOffered));
}

TEST(DhcpClientRenew, a_late_poll_past_expiry_loses_the_lease_without_renewing) {
  BoundSim b;
  size_t before = b.sim.sent.size();
  b.sim.now = b.expiry() + secs(5);  // the host slept through T1, T2 and expiry
  b.sim.drain();
  EXPECT_EQ(b.sim.event_kinds(), (std::vector<EventKind>{EventKind::Bound, EventKind::Lost}));
  ASSERT_EQ(b.sim.sent.size(), before + 1);
  EXPECT_EQ(b.sim.sent.back().type(), MT::Discover);
}

TEST(DhcpClientRenew, nak_while_renewing_gives_nak_then_lost_and_restarts) {
  BoundSim b;
  Sent r = b.sim.next_sent();
  b.sim.deliver(b.server.nak(r));
  EXPECT_EQ(b.sim.event_kinds(),
            (std::vector<EventKind>{EventKind::Bound, EventKind::Nak, EventKind::Lost}));
  EXPECT_EQ(b.sim.events[2].ev.lease.address, kOffered);
  EXPECT_FALSE(b.sim.client.lease());
  EXPECT_EQ(b.sim.client.state(), State::Selecting);
  EXPECT_EQ(b.sim.sent.back().type(), MT::Discover);
  EXPECT_FALSE(b.sim.sent.back().has(50));
}

TEST(DhcpClientRenew, renewal_answers_from_another_server_are_ignored_and_counted) {
  BoundSim b;
  Sent r = b.sim.next_sent();
  Server other = b.server;
  other.id = kServer2;
  b.sim.deliver(other.ack(r), kServer2);
  b.sim.deliver(other.nak(r), kServer2);
  EXPECT_EQ(b.sim.client.stats().wrong_server, 2u);
  EXPECT_EQ(b.sim.client.state(), State::Renewing);
  auto old = b.sim.sent.at(0);
  b.sim.deliver(b.server.ack(old));  // the old exchange's xid
  EXPECT_EQ(b.sim.client.stats().wrong_xid, 1u);
  EXPECT_EQ(b.sim.client.state(), State::Renewing);
}

TEST(DhcpClientRenew, renewal_that_moves_the_address_loses_the_old_and_probes_the_new) {
  BoundSim b;
  Sent r = b.sim.next_sent();
  b.sim.deliver(b.server.ack(r, kOffered2));
  EXPECT_EQ(b.sim.event_kinds(), (std::vector<EventKind>{EventKind::Bound, EventKind::Lost}));
  EXPECT_EQ(b.sim.client.state(), State::Probing);
  auto bound = b.sim.run_until_event(EventKind::Bound);
  EXPECT_EQ(bound.ev.lease.address, kOffered2);
  EXPECT_EQ(b.sim.arps.back().req.address, kOffered2);
}

TEST(DhcpClientRenew, an_infinite_lease_is_never_renewed) {
  Sim sim;
  Server server;
  server.lease = 0xffffffffu;
  auto b = sim.acquire(server);
  EXPECT_EQ(b.ev.lease.lease_time, secs(0xffffffffLL));
  EXPECT_EQ(b.ev.lease.t1, b.ev.lease.lease_time);
  EXPECT_EQ(b.ev.lease.t2, b.ev.lease.lease_time);
  sim.run_for(secs(10));  // the announcements
  EXPECT_FALSE(sim.client.poll_at());
  size_t before = sim.sent.size();
  sim.now = sim.now + secs(int64_t(1) << 33);
  sim.drain();
  EXPECT_EQ(sim.sent.size(), before);
  EXPECT_EQ(sim.client.state(), State::Bound);
}

TEST(DhcpClientRenew, release_while_renewing_still_sends_the_release) {
  BoundSim b;
  b.sim.next_sent();
  b.sim.client.release(b.sim.now);
  b.sim.drain();
  EXPECT_EQ(b.sim.sent.back().type(), MT::Release);
  EXPECT_EQ(b.sim.sent.back().tx.dst, kServer);
  EXPECT_EQ(b.sim.client.state(), State::Idle);
}
