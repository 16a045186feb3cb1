// ipv4_sim_test.cpp — two keel stacks on an in-memory link, simulated time: ARP,
// ICMP echo, fragmentation and reassembly, UDP, ICMP errors, loopback, IGMP.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/icmpv4.hpp"
#include "support/sim.hpp"

using namespace keel;
using keel::test::sim_ip;
using keel::test::SimNet;
using iface::Drop;

namespace {

std::vector<uint8_t> echo_request(uint16_t seq, size_t data_len) {
  wire::icmpv4::Repr r;
  r.type = wire::icmpv4::Type::EchoRequest;
  r.seq = seq;
  std::vector<uint8_t> data(data_len);
  for (size_t i = 0; i < data_len; ++i) data[i] = static_cast<uint8_t>(i * 7 + seq);
  r.data = Bytes(data.data(), data.size());
  std::vector<uint8_t> out(r.buffer_len());
  EXPECT_TRUE(r.emit(MutBytes(out.data(), out.size())).ok());
  return out;
}

// ping — sends one echo of data_len bytes from a to dst and waits for the reply.
bool ping(SimNet& net, Stack& from, const wire::Ipv4Address& dst, uint16_t seq, size_t data_len,
          std::vector<uint8_t>* reply_out = nullptr) {
  auto h = from.icmp_open();
  if (!h) return false;
  auto req = echo_request(seq, data_len);
  if (!from.icmp(*h)->send_to(Bytes(req.data(), req.size()), dst)) return false;
  std::vector<uint8_t> buf(70000);
  bool got = net.run_until([&] {
    auto r = from.icmp(*h)->recv_from(MutBytes(buf.data(), buf.size()));
    if (!r) return false;
    buf.resize(r->length);
    return true;
  }, Duration::seconds(5));
  from.close(*h);
  if (!got) return false;
  auto p = wire::icmpv4::Packet::check(Bytes(buf.data(), buf.size()));
  if (!p) return false;
  auto rep = wire::icmpv4::Repr::parse(*p);
  if (!rep || rep->type != wire::icmpv4::Type::EchoReply || rep->seq != seq) return false;
  // The reply carries the request's data unchanged.
  std::vector<uint8_t> want(req.begin() + 8, req.end());
  if (std::vector<uint8_t>(rep->data.begin(), rep->data.end()) != want) return false;
  if (reply_out) *reply_out = buf;
  return true;
}

}  // namespace

TEST(Ipv4Sim, ping_resolves_arp_and_gets_the_same_data_back) {
  SimNet net;
  ASSERT_TRUE(ping(net, *net.a().stack, sim_ip(2), 1, 56));
  EXPECT_EQ(net.a().stack->neighbors(net.a().id).state(sim_ip(2)), iface::NeighborCache::State::Reachable);
  EXPECT_EQ(net.a().stack->neighbors(net.a().id).stats().requests, 1u);
}

TEST(Ipv4Sim, large_ping_is_fragmented_and_reassembled_both_ways) {
  SimNet net;
  ASSERT_TRUE(ping(net, *net.a().stack, sim_ip(2), 7, 8000));
  EXPECT_EQ(net.b().stack->reassembler().stats().complete, 1u);
  EXPECT_EQ(net.a().stack->reassembler().stats().complete, 1u);
  // 8008 ICMP bytes in 1480-byte pieces: 6 fragments each way.
  EXPECT_GE(net.b().stack->stats(net.b().id).rx_frames, 6u);
}

TEST(Ipv4Sim, pings_of_every_size_to_8000_get_replies) {
  SimNet net;
  for (size_t len : {0u, 1u, 1471u, 1472u, 1473u, 2952u, 2953u, 4000u, 8000u})
    EXPECT_TRUE(ping(net, *net.a().stack, sim_ip(2), static_cast<uint16_t>(len), len)) << len;
}

TEST(Ipv4Sim, fragments_survive_reordering_and_duplication) {
  linux_port::FaultConfig f;
  f.reorder_pct = 30;
  f.dup_pct = 20;
  SimNet net(f, 3);
  int ok = 0;
  for (uint16_t seq = 1; seq <= 20; ++seq) ok += ping(net, *net.a().stack, sim_ip(2), seq, 5000);
  EXPECT_EQ(ok, 20);
  EXPECT_GT(net.b().stack->reassembler().stats().duplicates, 0u);
}

TEST(Ipv4Sim, udp_datagram_reaches_the_bound_socket_with_its_sender) {
  SimNet net;
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  auto hb = b.udp_open();
  ASSERT_TRUE(hb);
  ASSERT_TRUE(b.udp_bind(*hb, Endpoint{wire::IpAddress(), 7}).ok());
  auto ha = a.udp_open();
  ASSERT_TRUE(ha);
  ASSERT_TRUE(a.udp_bind(*ha, Endpoint{wire::IpAddress(), 4444}).ok());
  const uint8_t msg[] = {'h', 'i'};
  ASSERT_TRUE(a.udp(*ha)->send_to(Bytes(msg, 2), Endpoint{sim_ip(2), 7}));
  uint8_t buf[16];
  udp::RecvMeta meta;
  ASSERT_TRUE(net.run_until([&] {
    auto r = b.udp(*hb)->recv_from(MutBytes(buf));
    if (r) meta = *r;
    return r.ok();
  }, Duration::seconds(3)));
  EXPECT_EQ(meta.length, 2u);
  EXPECT_EQ(meta.remote, (Endpoint{sim_ip(1), 4444}));
  EXPECT_EQ(meta.local, wire::IpAddress(sim_ip(2)));
}

TEST(Ipv4Sim, udp_to_a_closed_port_gets_port_unreachable_quoting_the_datagram) {
  SimNet net;
  Stack& a = *net.a().stack;
  auto raw = a.raw_open(1);
  ASSERT_TRUE(raw);
  auto ha = a.udp_open();
  ASSERT_TRUE(a.udp_bind(*ha, Endpoint{wire::IpAddress(), 5555}).ok());
  const uint8_t msg[] = {1, 2, 3};
  ASSERT_TRUE(a.udp(*ha)->send_to(Bytes(msg, 3), Endpoint{sim_ip(2), 9}));
  std::vector<uint8_t> pkt(1600);
  size_t len = 0;
  ASSERT_TRUE(net.run_until([&] {
    auto r = a.raw(*raw)->recv_from(MutBytes(pkt.data(), pkt.size()));
    if (r) len = r->length;
    return r.ok();
  }, Duration::seconds(3)));
  ASSERT_GE(len, 20u + 8 + 20 + 8);
  auto p = wire::icmpv4::Packet::check(Bytes(pkt.data() + 20, len - 20));
  ASSERT_TRUE(p);
  auto r = wire::icmpv4::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, wire::icmpv4::Type::DestUnreachable);
  EXPECT_EQ(r->code, 3);
  auto q = wire::icmpv4::Quote::parse(r->data);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->dst, sim_ip(2));
  EXPECT_EQ(q->protocol, wire::IpProtocol::Udp);
  EXPECT_EQ(net.b().stack->stats(net.b().id).dropped(Drop::NoListener), 1u);
}

TEST(Ipv4Sim, icmp_errors_are_rate_limited_and_counted) {
  SimNet net;
  Stack& a = *net.a().stack;
  auto ha = a.udp_open();
  ASSERT_TRUE(a.udp_bind(*ha, Endpoint{wire::IpAddress(), 5555}).ok());
  ASSERT_TRUE(ping(net, a, sim_ip(2), 1, 8));  // resolve ARP both ways first
  const uint8_t msg[] = {1};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(a.udp(*ha)->send_to(Bytes(msg, 1), Endpoint{sim_ip(2), 9}));
  net.step();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(a.udp(*ha)->send_to(Bytes(msg, 1), Endpoint{sim_ip(2), 9}));
  net.step();  // 20 datagrams within the same millisecond
  const auto& st = net.b().stack->stats(net.b().id);
  EXPECT_EQ(st.dropped(Drop::NoListener), 20u);
  EXPECT_EQ(st.dropped(Drop::IcmpRateLimited), 10u);  // burst of 10 sent, 10 suppressed
}

TEST(Ipv4Sim, arp_to_a_silent_host_retries_three_times_then_drops_and_counts) {
  SimNet net;
  Stack& a = *net.a().stack;
  auto ha = a.udp_open();
  ASSERT_TRUE(a.udp_bind(*ha, Endpoint{wire::IpAddress(), 5555}).ok());
  const uint8_t msg[] = {1};
  ASSERT_TRUE(a.udp(*ha)->send_to(Bytes(msg, 1), Endpoint{sim_ip(99), 9}));
  net.run_for(Duration::seconds(5), Duration::millis(10));
  EXPECT_EQ(a.neighbors(net.a().id).stats().requests, 3u);
  EXPECT_EQ(a.neighbors(net.a().id).stats().failures, 1u);
  EXPECT_EQ(a.stats(net.a().id).dropped(Drop::NeighborFailed), 1u);
  // Meanwhile the live neighbour is reachable at once.
  EXPECT_TRUE(ping(net, a, sim_ip(2), 2, 8));
}

TEST(Ipv4Sim, arp_entries_expire_and_are_resolved_again) {
  SimNet net;
  Stack& a = *net.a().stack;
  ASSERT_TRUE(ping(net, a, sim_ip(2), 1, 8));
  net.run_for(Duration::seconds(65), Duration::millis(100));  // past B's last announcement + 60 s
  EXPECT_EQ(a.neighbors(net.a().id).stats().requests, 1u);
  ASSERT_TRUE(ping(net, a, sim_ip(2), 2, 8));
  EXPECT_EQ(a.neighbors(net.a().id).stats().requests, 2u);
}

TEST(Ipv4Sim, unsolicited_arp_replies_create_no_entries) {
  SimNet net;
  // B announces itself twice (gratuitous ARP on address set); A never asked.
  net.run_for(Duration::seconds(3), Duration::millis(10));
  EXPECT_EQ(net.a().stack->neighbors(net.a().id).size(), 0u);
  EXPECT_EQ(net.a().stack->stats(net.a().id).dropped(Drop::ArpIgnored), 2u);
}

TEST(Ipv4Sim, loopback_ping_never_reaches_the_link) {
  SimNet net;
  Stack& a = *net.a().stack;
  net.run_for(Duration::seconds(3), Duration::millis(10));  // past the address announcements
  uint64_t tx_before = a.stats(net.a().id).tx_frames;
  ASSERT_TRUE(ping(net, a, wire::Ipv4Address::of(127, 0, 0, 1), 1, 100));
  ASSERT_TRUE(ping(net, a, wire::Ipv4Address::of(127, 1, 2, 3), 2, 3000));
  ASSERT_TRUE(ping(net, a, sim_ip(1), 3, 64));  // our own address goes through loopback too
  EXPECT_EQ(a.stats(net.a().id).tx_frames, tx_before);
  EXPECT_GT(a.stats(Stack::kLoopback).rx_frames, 0u);
}

TEST(Ipv4Sim, multicast_reaches_members_and_joining_sends_an_igmp_report) {
  SimNet net;
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  auto igmp = a.raw_open(2);
  ASSERT_TRUE(igmp);
  auto hb = b.udp_open();
  ASSERT_TRUE(b.udp_bind(*hb, Endpoint{wire::IpAddress(), 5000}).ok());
  const auto group = wire::Ipv4Address::of(239, 1, 2, 3);
  ASSERT_TRUE(b.udp_join(*hb, group).ok());
  std::vector<uint8_t> pkt(256);
  ASSERT_TRUE(net.run_until([&] { return a.raw(*igmp)->recv_from(MutBytes(pkt.data(), pkt.size())).ok(); },
                            Duration::seconds(1)));
  // IPv4 header with Router Alert (24 bytes), then a v2 report for the group.
  EXPECT_EQ(pkt[0], 0x46);
  EXPECT_EQ(pkt[24], 0x16);
  EXPECT_EQ(wire::Ipv4Address::from(Bytes(pkt.data() + 28, 4)), group);

  auto ha = a.udp_open();
  ASSERT_TRUE(a.udp_bind(*ha, Endpoint{wire::IpAddress(), 6000}).ok());
  const uint8_t msg[] = {'m'};
  ASSERT_TRUE(a.udp(*ha)->send_to(Bytes(msg, 1), Endpoint{group, 5000}));
  uint8_t buf[8];
  EXPECT_TRUE(net.run_until([&] { return b.udp(*hb)->recv_from(MutBytes(buf)).ok(); }, Duration::seconds(1)));
  // A group B did not join is filtered.
  ASSERT_TRUE(a.udp(*ha)->send_to(Bytes(msg, 1), Endpoint{wire::Ipv4Address::of(239, 9, 9, 9), 5000}));
  net.run_for(Duration::millis(50));
  EXPECT_FALSE(b.udp(*hb)->recv_from(MutBytes(buf)).ok());
  EXPECT_EQ(b.stats(net.b().id).dropped(Drop::NotForUs), 1u);
}

TEST(Ipv4Sim, ephemeral_ports_are_random_and_distinct) {
  SimNet net;
  Stack& a = *net.a().stack;
  std::vector<uint16_t> ports;
  for (int i = 0; i < 4; ++i) {
    auto h = a.udp_open();
    ASSERT_TRUE(h);
    ASSERT_TRUE(a.udp_bind(*h, Endpoint{}).ok());
    uint16_t p = a.udp(*h)->local().port;
    EXPECT_GE(p, 49152);
    for (uint16_t q : ports) EXPECT_NE(p, q);
    ports.push_back(p);
  }
  auto h = a.udp_open();
  ASSERT_TRUE(a.udp_bind(*h, Endpoint{wire::IpAddress(), ports[0]}).error() == StackError::InUse);
}
