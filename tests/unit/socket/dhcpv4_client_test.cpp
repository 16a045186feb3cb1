// dhcpv4_client_test.cpp — dhcp::Client acquiring a lease (RFC 2131 §3.1, §3.2, §4.4.1):
// the bytes of DISCOVER and REQUEST, every lease field, NAK, retransmission backoff,
// INIT-REBOOT, the replies it must ignore (each counted), release and stop.
// Renewal and rebinding: dhcpv4_client_renew_test.cpp; ARP probe: dhcpv4_client_arp_test.cpp.
#include "dhcpv4_client_sim.hpp"

#include <set>

using namespace keel;
using namespace keel::test::dhcp_sim;
using keel::test::bytes_of;

namespace {

const std::vector<uint8_t> kParams = {1, 3, 6, 12, 15, 42, 51, 54, 58, 59};
const std::vector<uint8_t> kDefaultClientId = {1, 0x02, 0, 0, 0, 0, 0x0b};

uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}
uint16_t be16(const std::vector<uint8_t>& b, size_t at) { return uint16_t(b[at] << 8 | b[at + 1]); }

// expect_header — the fixed fields every client message has (Table 5): BOOTREQUEST,
// Ethernet, hops 0, yiaddr/siaddr/giaddr 0, our chaddr, the magic cookie, option 53 first.
void expect_header(const Sent& m, MT type) {
  const auto& b = m.bytes;
  ASSERT_GE(b.size(), 300u);
  EXPECT_EQ(m.tx.length, b.size());
  EXPECT_EQ(b[0], 1);  // op BOOTREQUEST
  EXPECT_EQ(b[1], 1);  // htype Ethernet
  EXPECT_EQ(b[2], 6);  // hlen
  EXPECT_EQ(b[3], 0);  // hops
  EXPECT_EQ(be32(b, 16), 0u);  // yiaddr
  EXPECT_EQ(be32(b, 20), 0u);  // siaddr
  EXPECT_EQ(be32(b, 24), 0u);  // giaddr
  EXPECT_EQ(std::vector<uint8_t>(b.begin() + 28, b.begin() + 34), std::vector<uint8_t>(kMac.bytes, kMac.bytes + 6));
  EXPECT_EQ(be32(b, 236), 0x63825363u);
  EXPECT_EQ(b[240], 53);
  EXPECT_EQ(b[241], 1);
  EXPECT_EQ(b[242], uint8_t(type));
  auto r = m.repr();
  EXPECT_EQ(r.op, wire::dhcpv4::Op::Request);
  EXPECT_EQ(r.message_type, type);
  EXPECT_EQ(r.chaddr, kMac);
}

// A Sim already in Requesting: returns the DISCOVER and the REQUEST.
struct Requesting {
  Sim sim;
  Server server;
  Sent discover, request;
  explicit Requesting(dhcp::Config cfg = config()) : sim(cfg) {
    sim.start();
    discover = sim.next_sent();
    sim.deliver(server.offer(discover));
    request = sim.next_sent();
  }
};

}  // namespace

// ---- the messages ----

TEST(DhcpClient, discover_is_broadcast_at_start_with_the_options_of_table_5) {
  Sim sim;
  EXPECT_EQ(sim.client.state(), State::Idle);
  EXPECT_FALSE(sim.client.poll_at());
  sim.start();
  ASSERT_EQ(sim.sent.size(), 1u);
  const Sent& d = sim.sent[0];
  EXPECT_EQ(d.at, kT0);
  EXPECT_EQ(sim.client.state(), State::Selecting);
  expect_header(d, MT::Discover);
  EXPECT_EQ(d.tx.src, kAny);
  EXPECT_EQ(d.tx.dst, kAll);
  EXPECT_EQ(be16(d.bytes, 8), 0u);       // secs: the exchange just began
  EXPECT_EQ(be16(d.bytes, 10), 0u);      // flags: we take unicast replies
  EXPECT_EQ(be32(d.bytes, 12), 0u);      // ciaddr
  EXPECT_EQ(be32(d.bytes, 4), d.xid());  // xid
  EXPECT_EQ(d.option(55), kParams);
  EXPECT_EQ(d.option(57), (std::vector<uint8_t>{0x05, 0xdc}));  // 1500
  EXPECT_EQ(d.option(61), kDefaultClientId);
  EXPECT_FALSE(d.has(12));  // no hostname configured
  EXPECT_FALSE(d.has(50));  // no address to suggest
  EXPECT_FALSE(d.has(54));  // MUST NOT
  EXPECT_FALSE(d.has(51));
  EXPECT_EQ(sim.client.stats().discovers, 1u);
}

TEST(DhcpClient, discover_carries_hostname_client_id_and_broadcast_flag_when_configured) {
  const std::string host = "sensor-7";
  const std::vector<uint8_t> cid = {0xff, 1, 2, 3, 4};
  dhcp::Config cfg = config();
  cfg.hostname = Bytes(reinterpret_cast<const uint8_t*>(host.data()), host.size());
  cfg.client_id = bytes_of(cid);
  cfg.broadcast_flag = true;
  Sim sim(cfg);
  sim.start();
  const Sent& d = sim.sent.at(0);
  EXPECT_EQ(be16(d.bytes, 10), 0x8000u);
  EXPECT_TRUE(d.repr().broadcast);
  EXPECT_EQ(d.option(12), std::vector<uint8_t>(host.begin(), host.end()));
  EXPECT_EQ(d.option(61), cid);
}

TEST(DhcpClient, request_in_selecting_keeps_xid_and_secs_and_names_the_server) {
  Sim sim;
  sim.start();
  Sent d = sim.next_sent();
  Sent d2 = sim.next_sent();  // a retransmission: secs now counts
  Server server;
  sim.now = sim.now + ms(300);
  sim.deliver(server.offer(d2));
  EXPECT_EQ(sim.client.state(), State::Requesting);
  ASSERT_EQ(sim.sent.size(), 3u);
  const Sent& r = sim.sent[2];
  EXPECT_EQ(r.at, sim.now);  // sent at once
  expect_header(r, MT::Request);
  EXPECT_EQ(r.tx.src, kAny);
  EXPECT_EQ(r.tx.dst, kAll);
  EXPECT_EQ(r.xid(), d.xid());  // 'xid' from the OFFER
  EXPECT_EQ(be16(r.bytes, 8), be16(d2.bytes, 8));  // 'secs' of the DISCOVER (§4.4.1)
  EXPECT_GE(be16(d2.bytes, 8), 3u);
  EXPECT_EQ(be32(r.bytes, 12), 0u);  // ciaddr 0 in SELECTING
  EXPECT_EQ(r.option(50), addr_bytes(kOffered));
  EXPECT_EQ(r.option(54), addr_bytes(kServer));
  EXPECT_EQ(r.option(55), kParams);
  EXPECT_EQ(r.option(61), kDefaultClientId);
  EXPECT_EQ(sim.client.stats().offers, 1u);
}

// ---- the lease ----

TEST(DhcpClient, full_exchange_binds_with_every_lease_field) {
  Sim sim;
  Server server;
  server.t1 = 1000u;
  server.t2 = 2000u;
  sim.start();
  Sent d = sim.next_sent();
  sim.deliver(server.offer(d));
  Sent r = sim.next_sent();
  sim.now = sim.now + ms(20);
  Instant ack_at = sim.now;
  sim.deliver(server.ack(r));
  EXPECT_EQ(sim.client.state(), State::Probing);
  EXPECT_FALSE(sim.client.lease());  // not in use before the probe ends
  auto bound = sim.run_until_event(EventKind::Bound);
  EXPECT_EQ(sim.client.state(), State::Bound);
  ASSERT_TRUE(sim.client.lease());
  for (const dhcp::Lease* l : std::vector<const dhcp::Lease*>{&bound.ev.lease, &*sim.client.lease()}) {
    EXPECT_EQ(l->address, kOffered);
    EXPECT_EQ(l->prefix_len, 24);
    ASSERT_TRUE(l->router);
    EXPECT_EQ(*l->router, Ipv4Address::of(192, 0, 2, 254));  // the first of option 3
    ASSERT_EQ(l->dns_servers.size(), 3u);  // 4 offered, 3 kept
    EXPECT_EQ(l->dns_servers[0], Ipv4Address::of(192, 0, 2, 53));
    EXPECT_EQ(l->dns_servers[1], Ipv4Address::of(192, 0, 2, 54));
    EXPECT_EQ(l->dns_servers[2], Ipv4Address::of(192, 0, 2, 55));
    ASSERT_EQ(l->ntp_servers.size(), 2u);  // 3 offered, 2 kept
    EXPECT_EQ(l->ntp_servers[0], Ipv4Address::of(192, 0, 2, 123));
    EXPECT_EQ(l->ntp_servers[1], Ipv4Address::of(192, 0, 2, 124));
    EXPECT_EQ(l->server_id, kServer);
    EXPECT_EQ(l->lease_time, secs(3600));
    EXPECT_EQ(l->t1, secs(1000));
    EXPECT_EQ(l->t2, secs(2000));
    EXPECT_EQ(l->acquired_at, ack_at);
    EXPECT_STREQ(l->hostname, "keel-node");
    EXPECT_STREQ(l->domain, "example.net");
  }
  EXPECT_EQ(sim.event_kinds(), std::vector<EventKind>{EventKind::Bound});
  EXPECT_EQ(sim.client.stats().acks, 1u);
  EXPECT_EQ(sim.client.stats().requests, 1u);
  // Until T1, nothing but the second announcement.
  sim.run_until(ack_at + secs(1000) - ms(1));
  EXPECT_EQ(sim.sent.size(), 2u);
  EXPECT_EQ(sim.arps.size(), 5u);
  EXPECT_EQ(sim.client.state(), State::Bound);
  EXPECT_EQ(*sim.client.poll_at(), ack_at + secs(1000));
}

TEST(DhcpClient, t1_and_t2_default_to_half_and_seven_eighths_of_the_lease) {
  Sim sim;
  Server server;
  server.lease = 1000u;
  auto b = sim.acquire(server);
  EXPECT_EQ(b.ev.lease.lease_time, secs(1000));
  EXPECT_EQ(b.ev.lease.t1, secs(500));
  EXPECT_EQ(b.ev.lease.t2, secs(875));
}

TEST(DhcpClient, t1_and_t2_out_of_order_are_replaced_so_t1_le_t2_le_lease) {
  {
    Sim sim;
    Server server;
    server.lease = 1000u;
    server.t1 = 900u;
    server.t2 = 5000u;  // past the lease: default 875, then T1 900 > T2: default 500
    auto b = sim.acquire(server);
    EXPECT_EQ(b.ev.lease.t2, secs(875));
    EXPECT_EQ(b.ev.lease.t1, secs(500));
  }
  {
    Sim sim;
    Server server;
    server.lease = 1000u;
    server.t1 = 800u;
    server.t2 = 300u;  // T1 > T2 and the default T1 (500) too: T1 = T2
    auto b = sim.acquire(server);
    EXPECT_EQ(b.ev.lease.t2, secs(300));
    EXPECT_EQ(b.ev.lease.t1, secs(300));
  }
}

TEST(DhcpClient, prefix_comes_from_the_mask_or_the_address_class) {
  {
    Sim sim;
    Server server;
    server.mask = Ipv4Address::of(255, 255, 255, 128);
    EXPECT_EQ(sim.acquire(server).ev.lease.prefix_len, 25);
  }
  {
    Sim sim;
    Server server;
    server.mask = none;
    EXPECT_EQ(sim.acquire(server).ev.lease.prefix_len, 24);  // 192.0.2.x: class C
  }
}

TEST(DhcpClient, missing_router_names_and_servers_leave_the_lease_fields_empty) {
  Sim sim;
  Server server;
  server.routers.clear();
  server.dns.clear();
  server.ntp.clear();
  server.hostname.clear();
  server.domain.clear();
  auto b = sim.acquire(server);
  EXPECT_FALSE(b.ev.lease.router);
  EXPECT_TRUE(b.ev.lease.dns_servers.empty());
  EXPECT_TRUE(b.ev.lease.ntp_servers.empty());
  EXPECT_STREQ(b.ev.lease.hostname, "");
  EXPECT_STREQ(b.ev.lease.domain, "");
}

TEST(DhcpClient, long_host_and_domain_names_are_truncated_to_63_bytes) {
  Sim sim;
  Server server;
  server.hostname = std::string(200, 'h');
  server.domain = std::string("abc\0def", 7);  // an embedded NUL ends the string
  auto b = sim.acquire(server);
  EXPECT_EQ(std::string(b.ev.lease.hostname), std::string(63, 'h'));
  EXPECT_STREQ(b.ev.lease.domain, "abc");
}

TEST(DhcpClient, ack_without_server_id_keeps_the_chosen_server) {
  Requesting q;
  Server silent = q.server;
  silent.send_server_id = false;
  q.sim.deliver(silent.ack(q.request), kServer2);  // even from another IP source
  auto b = q.sim.run_until_event(EventKind::Bound);
  EXPECT_EQ(b.ev.lease.server_id, kServer);
}

// ---- NAK and restarts ----

TEST(DhcpClient, nak_in_requesting_restarts_with_a_new_discover) {
  Requesting q;
  q.sim.now = q.sim.now + ms(5);
  q.sim.deliver(q.server.nak(q.request));
  ASSERT_EQ(q.sim.event_kinds(), std::vector<EventKind>{EventKind::Nak});
  EXPECT_EQ(q.sim.events[0].ev.lease.address, kOffered);  // what was asked for
  EXPECT_EQ(q.sim.client.stats().naks, 1u);
  EXPECT_EQ(q.sim.client.state(), State::Selecting);
  ASSERT_EQ(q.sim.sent.size(), 3u);  // the DISCOVER goes out at once
  const Sent& d = q.sim.sent[2];
  EXPECT_EQ(d.type(), MT::Discover);
  EXPECT_EQ(d.at, q.sim.now);
  EXPECT_NE(d.xid(), q.discover.xid());  // a new exchange, a new xid
  EXPECT_FALSE(d.has(50));
  EXPECT_FALSE(q.sim.client.lease());
  // The new exchange completes.
  q.sim.deliver(q.server.offer(d, kOffered2));
  Sent r = q.sim.next_sent();
  q.sim.deliver(q.server.ack(r, kOffered2));
  EXPECT_EQ(q.sim.run_until_event(EventKind::Bound).ev.lease.address, kOffered2);
}

// ---- retransmission ----

TEST(DhcpClient, discover_retransmits_with_doubling_backoff_and_jitter_capped_at_64s) {
  Sim sim(config(), 12345);
  sim.start();
  for (int i = 0; i < 10; ++i) (void)sim.next_sent();
  ASSERT_EQ(sim.sent.size(), 10u);
  const int64_t base[] = {4, 8, 16, 32, 64, 64, 64, 64, 64};
  std::set<int64_t> gaps;
  for (size_t i = 1; i < sim.sent.size(); ++i) {
    int64_t gap = (sim.sent[i].at - sim.sent[i - 1].at).as_micros();
    EXPECT_GE(gap, (base[i - 1] - 1) * 1000000) << "retransmission " << i;
    EXPECT_LE(gap, (base[i - 1] + 1) * 1000000) << "retransmission " << i;
    gaps.insert(gap - base[i - 1] * 1000000);
    EXPECT_EQ(sim.sent[i].type(), MT::Discover);
    EXPECT_EQ(sim.sent[i].xid(), sim.sent[0].xid());  // one exchange, one xid
    EXPECT_EQ(sim.sent[i].repr().secs, (sim.sent[i].at - sim.sent[0].at).as_seconds());
  }
  EXPECT_GE(gaps.size(), 8u);  // the jitter is random, not a constant offset
  EXPECT_EQ(sim.client.stats().retransmits, 9u);
}

TEST(DhcpClient, discover_keeps_retransmitting_every_64s_for_hours) {
  Sim sim;
  sim.start();
  for (int i = 0; i < 300; ++i) (void)sim.next_sent();
  ASSERT_EQ(sim.sent.size(), 300u);
  for (size_t i = 6; i < sim.sent.size(); ++i) {
    int64_t gap = (sim.sent[i].at - sim.sent[i - 1].at).as_micros();
    ASSERT_GE(gap, 63 * 1000000) << i;
    ASSERT_LE(gap, 65 * 1000000) << i;
  }
  // One exchange all along: 'secs' counts from the first DISCOVER, the xid never changes.
  EXPECT_EQ(sim.sent.back().xid(), sim.sent.front().xid());
  EXPECT_EQ(sim.sent.back().repr().secs, (sim.sent.back().at - kT0).as_seconds());
}

TEST(DhcpClient, different_seeds_give_different_xids_and_jitter) {
  Sim a(config(), 1), b(config(), 2);
  a.start();
  b.start();
  for (Sim* s : {&a, &b}) {
    s->next_sent();
    s->next_sent();
  }
  ASSERT_EQ(a.sent.size(), 2u);
  ASSERT_EQ(b.sent.size(), 2u);
  EXPECT_NE(a.sent[0].xid(), b.sent[0].xid());
  EXPECT_NE(a.sent[1].at, b.sent[1].at);
}

TEST(DhcpClient, backoff_follows_configured_initial_and_maximum) {
  dhcp::Config cfg = config();
  cfg.initial_retransmit = secs(2);
  cfg.max_retransmit = secs(10);
  Sim sim(cfg);
  sim.start();
  for (int i = 0; i < 6; ++i) (void)sim.next_sent();
  ASSERT_EQ(sim.sent.size(), 6u);
  const int64_t base[] = {2, 4, 8, 10, 10};
  for (size_t i = 1; i < sim.sent.size(); ++i) {
    int64_t gap = (sim.sent[i].at - sim.sent[i - 1].at).as_micros();
    EXPECT_GE(gap, (base[i - 1] - 1) * 1000000);
    EXPECT_LE(gap, (base[i - 1] + 1) * 1000000);
  }
}

TEST(DhcpClient, max_discover_tries_then_gives_up_to_idle) {
  dhcp::Config cfg = config();
  cfg.max_discover_tries = 3;
  Sim sim(cfg);
  sim.start();
  for (int i = 0; i < 3; ++i) sim.next_sent();
  // It gives up after the third DISCOVER's wait (16 ± 1 s), not at once.
  sim.run_until(sim.sent.at(2).at + secs(15) - ms(1));
  EXPECT_EQ(sim.client.state(), State::Selecting);
  sim.run_until(sim.sent.at(2).at + secs(17));
  EXPECT_EQ(sim.client.state(), State::Idle);
  EXPECT_EQ(sim.client.stats().gave_up, 1u);
  EXPECT_FALSE(sim.client.poll_at());
  sim.run_for(secs(3600));
  EXPECT_EQ(sim.sent.size(), 3u);
  EXPECT_EQ(sim.client.stats().discovers, 3u);
}

TEST(DhcpClient, request_unanswered_four_times_restarts_init_after_about_60s) {
  Requesting q;
  Sent d2 = q.sim.next_sent();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(d2.type(), MT::Request);
    EXPECT_EQ(d2.xid(), q.discover.xid());
    d2 = q.sim.next_sent();
  }
  // Four REQUESTs (4 + 8 + 16 + 32 s of waiting), then a new DISCOVER.
  EXPECT_EQ(d2.type(), MT::Discover);
  EXPECT_NE(d2.xid(), q.discover.xid());
  int64_t waited = (d2.at - q.request.at).as_seconds();
  EXPECT_GE(waited, 60 - 4);
  EXPECT_LE(waited, 60 + 4);
  EXPECT_EQ(q.sim.client.stats().timeouts, 1u);
  EXPECT_EQ(q.sim.client.stats().requests, 4u);
}

TEST(DhcpClient, start_delay_waits_a_random_time_before_the_first_discover) {
  dhcp::Config cfg = config();
  cfg.start_delay_max = secs(10);
  Sim sim(cfg);
  sim.start();
  EXPECT_TRUE(sim.sent.empty());
  Sent d = sim.next_sent();
  EXPECT_GT(d.at, kT0);
  EXPECT_LE(d.at, kT0 + secs(10));
}

// ---- INIT-REBOOT ----

TEST(DhcpClient, init_reboot_requests_the_previous_address_without_server_id) {
  dhcp::Config cfg = config();
  cfg.previous_address = kOffered;
  Sim sim(cfg);
  sim.client.start(sim.now);
  EXPECT_EQ(sim.client.state(), State::InitReboot);
  sim.drain();
  EXPECT_EQ(sim.client.state(), State::Rebooting);
  ASSERT_EQ(sim.sent.size(), 1u);
  const Sent& r = sim.sent[0];
  expect_header(r, MT::Request);
  EXPECT_EQ(r.tx.src, kAny);
  EXPECT_EQ(r.tx.dst, kAll);
  EXPECT_EQ(be32(r.bytes, 12), 0u);  // ciaddr 0
  EXPECT_EQ(r.option(50), addr_bytes(kOffered));
  EXPECT_FALSE(r.has(54));  // MUST NOT after INIT-REBOOT
  EXPECT_EQ(r.option(55), kParams);
}

TEST(DhcpClient, init_reboot_ack_probes_then_binds) {
  dhcp::Config cfg = config();
  cfg.previous_address = kOffered;
  Sim sim(cfg);
  sim.start();
  Server server;
  server.id = kServer2;
  sim.deliver(server.ack(sim.sent.at(0)), kServer2);
  EXPECT_EQ(sim.client.state(), State::Probing);
  auto b = sim.run_until_event(EventKind::Bound);
  EXPECT_EQ(b.ev.lease.address, kOffered);
  EXPECT_EQ(b.ev.lease.server_id, kServer2);  // any server may answer a reboot
  EXPECT_EQ(sim.arps.size(), 4u);             // 3 probes, 1 announcement so far
}

TEST(DhcpClient, init_reboot_nak_goes_to_init_without_the_old_address) {
  dhcp::Config cfg = config();
  cfg.previous_address = kOffered;
  Sim sim(cfg);
  sim.start();
  Server server;
  sim.deliver(server.nak(sim.sent.at(0)));
  EXPECT_EQ(sim.event_kinds(), std::vector<EventKind>{EventKind::Nak});
  EXPECT_EQ(sim.events[0].ev.lease.address, kOffered);
  EXPECT_EQ(sim.client.state(), State::Selecting);
  ASSERT_EQ(sim.sent.size(), 2u);
  EXPECT_EQ(sim.sent[1].type(), MT::Discover);
  EXPECT_FALSE(sim.sent[1].has(50));
}

TEST(DhcpClient, init_reboot_unanswered_goes_to_init_suggesting_the_old_address) {
  dhcp::Config cfg = config();
  cfg.previous_address = kOffered;
  Sim sim(cfg);
  sim.start();
  Sent m = sim.sent.at(0);
  while (m.type() == MT::Request) m = sim.next_sent();
  EXPECT_EQ(sim.client.stats().requests, 3u);  // max_reboot_tries
  EXPECT_EQ(sim.client.stats().timeouts, 1u);
  EXPECT_EQ(m.type(), MT::Discover);
  EXPECT_EQ(m.option(50), addr_bytes(kOffered));  // a MAY of Table 5
  EXPECT_GE((m.at - kT0).as_seconds(), 4 + 8 + 16 - 3);
  EXPECT_LE((m.at - kT0).as_seconds(), 4 + 8 + 16 + 3);
}

// ---- replies that must be ignored ----

TEST(DhcpClient, offer_with_wrong_xid_is_ignored_and_counted) {
  Sim sim;
  sim.start();
  Server server;
  auto o = server.offer(sim.sent.at(0));
  o[7] ^= 1;
  sim.deliver(o);
  EXPECT_EQ(sim.client.state(), State::Selecting);
  EXPECT_EQ(sim.client.stats().wrong_xid, 1u);
  EXPECT_EQ(sim.sent.size(), 1u);
}

TEST(DhcpClient, offer_for_another_chaddr_is_ignored_and_counted) {
  Sim sim;
  sim.start();
  Server server;
  auto o = server.offer(sim.sent.at(0));
  for (size_t i = 0; i < 6; ++i) o[28 + i] = kOtherMac.bytes[i];
  sim.deliver(o);
  EXPECT_EQ(sim.client.state(), State::Selecting);
  EXPECT_EQ(sim.client.stats().wrong_chaddr, 1u);
}

TEST(DhcpClient, ack_from_a_server_we_did_not_choose_is_ignored_and_counted) {
  Requesting q;
  Server other = q.server;
  other.id = kServer2;
  q.sim.deliver(other.ack(q.request), kServer2);
  q.sim.deliver(other.nak(q.request), kServer2);
  EXPECT_EQ(q.sim.client.state(), State::Requesting);
  EXPECT_EQ(q.sim.client.stats().wrong_server, 2u);
  EXPECT_TRUE(q.sim.events.empty());
  q.sim.deliver(q.server.ack(q.request));  // the chosen server's ACK still counts
  EXPECT_EQ(q.sim.client.state(), State::Probing);
}

TEST(DhcpClient, malformed_datagrams_are_ignored_and_counted) {
  Sim sim;
  sim.start();
  Server server;
  auto o = server.offer(sim.sent.at(0));
  std::vector<std::vector<uint8_t>> bad = {
      {},                                                 // empty
      std::vector<uint8_t>(o.begin(), o.begin() + 239),   // truncated header
      std::vector<uint8_t>(o.begin(), o.begin() + 243),   // options without End
  };
  auto cookie = o;
  cookie[236] = 0;  // not the magic cookie
  bad.push_back(cookie);
  auto len = o;
  len[241] = 200;  // option 53's length runs past the message
  bad.push_back(len);
  auto no_type = o;
  no_type[240] = 0, no_type[241] = 0, no_type[242] = 0;  // option 53 padded out
  bad.push_back(no_type);
  for (const auto& m : bad) sim.deliver(m);
  EXPECT_EQ(sim.client.stats().malformed, bad.size());
  EXPECT_EQ(sim.client.state(), State::Selecting);
  sim.deliver(o);
  EXPECT_EQ(sim.client.state(), State::Requesting);  // a good one still gets through
}

TEST(DhcpClient, bootrequests_and_wrong_message_types_are_ignored_and_counted) {
  Sim sim;
  sim.start();
  Server server;
  const Sent& d = sim.sent.at(0);
  sim.deliver(d.bytes);  // our own DISCOVER looped back: op BOOTREQUEST
  EXPECT_EQ(sim.client.stats().not_reply, 1u);
  sim.deliver(server.ack(d));  // an ACK in Selecting
  sim.deliver(server.nak(d));
  EXPECT_EQ(sim.client.stats().wrong_type, 2u);
  EXPECT_EQ(sim.client.state(), State::Selecting);
  EXPECT_TRUE(sim.events.empty());
  // In Requesting, another OFFER is not taken.
  sim.deliver(server.offer(d));
  sim.deliver(server.offer(d, kOffered2));
  EXPECT_EQ(sim.client.stats().wrong_type, 3u);
  EXPECT_EQ(sim.sent.back().option(50), addr_bytes(kOffered));
}

TEST(DhcpClient, offer_without_server_id_or_unicast_address_is_ignored_and_counted) {
  Sim sim;
  sim.start();
  const Sent& d = sim.sent.at(0);
  Server anonymous;
  anonymous.send_server_id = false;
  sim.deliver(anonymous.offer(d));
  EXPECT_EQ(sim.client.stats().missing_option, 1u);
  Server server;
  sim.deliver(server.offer(d, kAny));
  sim.deliver(server.offer(d, kAll));
  sim.deliver(server.offer(d, Ipv4Address::of(224, 0, 0, 1)));
  EXPECT_EQ(sim.client.stats().bad_address, 3u);
  EXPECT_EQ(sim.client.state(), State::Selecting);
}

TEST(DhcpClient, ack_without_lease_time_or_with_zero_yiaddr_is_ignored_and_counted) {
  Requesting q;
  Server no_lease = q.server;
  no_lease.lease = none;
  q.sim.deliver(no_lease.ack(q.request));
  EXPECT_EQ(q.sim.client.stats().missing_option, 1u);
  q.sim.deliver(q.server.ack(q.request, kAny));
  EXPECT_EQ(q.sim.client.stats().bad_address, 1u);
  EXPECT_EQ(q.sim.client.state(), State::Requesting);
  EXPECT_EQ(q.sim.client.stats().acks, 0u);
}

TEST(DhcpClient, replies_while_no_exchange_is_open_are_ignored_and_counted) {
  Sim sim, other;
  Server server;
  other.start();
  sim.deliver(server.offer(other.sent.at(0)));  // Idle: any well-formed reply
  EXPECT_EQ(sim.client.stats().unexpected, 1u);
  sim.start();
  Sent dis = sim.next_sent();
  sim.deliver(server.offer(dis));
  Sent r = sim.next_sent();
  sim.deliver(server.ack(r));
  sim.deliver(server.ack(r));  // a duplicate ACK while Probing
  EXPECT_EQ(sim.client.stats().unexpected, 2u);
  sim.run_until_event(EventKind::Bound);
  sim.deliver(server.ack(r));  // and while Bound
  EXPECT_EQ(sim.client.stats().unexpected, 3u);
  EXPECT_EQ(sim.client.stats().acks, 1u);
  EXPECT_EQ(sim.event_kinds(), std::vector<EventKind>{EventKind::Bound});
}

// ---- release, stop, buffers ----

TEST(DhcpClient, release_unicasts_a_release_and_goes_idle) {
  Sim sim;
  Server server;
  sim.acquire(server);
  sim.now = sim.now + secs(30);
  size_t before = sim.sent.size();
  sim.client.release(sim.now);
  EXPECT_EQ(sim.client.state(), State::Idle);
  EXPECT_FALSE(sim.client.lease());
  sim.drain();
  ASSERT_EQ(sim.sent.size(), before + 1);
  const Sent& m = sim.sent.back();
  expect_header(m, MT::Release);
  EXPECT_EQ(m.tx.src, kOffered);
  EXPECT_EQ(m.tx.dst, kServer);
  EXPECT_EQ(be32(m.bytes, 12), kOffered.to_u32());  // ciaddr
  EXPECT_EQ(be16(m.bytes, 8), 0u);                  // secs 0
  EXPECT_EQ(be16(m.bytes, 10), 0u);                 // flags 0
  EXPECT_EQ(m.option(54), addr_bytes(kServer));
  EXPECT_EQ(m.option(61), kDefaultClientId);
  EXPECT_FALSE(m.has(50));  // MUST NOT in RELEASE
  EXPECT_FALSE(m.has(55));
  EXPECT_FALSE(m.has(57));
  EXPECT_EQ(sim.client.stats().releases, 1u);
  EXPECT_EQ(sim.event_kinds(), std::vector<EventKind>{EventKind::Bound});  // no event
  EXPECT_FALSE(sim.client.poll_at());
  sim.run_for(secs(100000));
  EXPECT_EQ(sim.sent.size(), before + 1);
}

TEST(DhcpClient, release_without_a_lease_sends_nothing) {
  Requesting q;
  q.sim.client.release(q.sim.now);
  q.sim.run_for(secs(1000));
  EXPECT_EQ(q.sim.sent.size(), 2u);
  EXPECT_EQ(q.sim.client.state(), State::Idle);
  EXPECT_EQ(q.sim.client.stats().releases, 0u);
}

TEST(DhcpClient, stop_forgets_everything_silently_and_start_begins_again) {
  Sim sim;
  Server server;
  sim.acquire(server);
  size_t before = sim.sent.size();
  sim.client.stop();
  EXPECT_EQ(sim.client.state(), State::Idle);
  EXPECT_FALSE(sim.client.lease());
  EXPECT_FALSE(sim.client.poll_at());
  sim.run_for(secs(10000));
  EXPECT_EQ(sim.sent.size(), before);
  sim.start();
  EXPECT_EQ(sim.sent.back().type(), MT::Discover);
}

TEST(DhcpClient, a_buffer_too_small_is_counted_and_nothing_is_written_past_it) {
  Sim sim;
  sim.buf_size = 200;  // less than the 300-byte minimum message
  sim.start();
  EXPECT_TRUE(sim.sent.empty());
  EXPECT_EQ(sim.client.stats().tx_errors, 1u);
  sim.buf_size = 576;
  Sent d = sim.next_sent();  // the retransmission goes out
  EXPECT_EQ(d.type(), MT::Discover);
}
