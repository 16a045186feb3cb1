// tcp_nagle_delayed_ack_test.cpp — Nagle (RFC 9293 §3.7.4) and delayed ACK (RFC 9293
// §3.8.6.3, RFC 5681 §4.2) and how they meet: small writes made while data is in flight
// coalesce into one segment sent when the (delayed) ACK arrives; a full-sized segment
// is never held; an ACK is delayed at most ack_delay, also when it is configured, and
// rides on response data when there is some; a second full segment and an out-of-order
// segment are acknowledged at once. (tcp_window_test holds the basic cases: the 40 ms
// timer, every second full segment, Nagle waiting for the delayed ACK, TCP_NODELAY.)
#include "tcp_scenarios.hpp"

namespace keel::test::tcp_sim {
namespace {

constexpr uint32_t kBase = 0x10000001u;  // the client's first data byte
constexpr uint32_t kSmss = 1448;         // 1460 - 12 bytes of timestamps

TEST(TcpNagle, small_writes_during_a_flight_coalesce_into_one_segment) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  Instant t0 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of("x")), 1u);  // goes at once: nothing in flight
  p.sim.flush();
  for (int i = 0; i < 50; ++i) {  // 50 writes of 10 bytes while it is unacknowledged
    ASSERT_EQ(*p.client.send(bytes_of("0123456789")), 10u);
    p.sim.flush();
  }
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 501; }, secs(1)));
  auto data = data_segments(p.sim, 'A');
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0]->len(), 1u);
  EXPECT_EQ(data[0]->at, t0);
  EXPECT_EQ(data[1]->len(), 500u);
  EXPECT_EQ(data[1]->repr.seq, kBase + 1);
  // After the ACK of the first byte, which the server delayed by 40 ms.
  EXPECT_EQ(data[1]->at, t0 + ms(10) + ms(40) + ms(10));
}

TEST(TcpNagle, full_sized_segments_are_not_held_behind_unacknowledged_data) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  Instant t0 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of("x")), 1u);
  p.sim.flush();
  auto d = data_of(2 * kSmss + 100);
  ASSERT_EQ(*p.client.send(bytes_of(d)), d.size());
  p.sim.flush();
  auto data = data_segments(p.sim, 'A');
  ASSERT_EQ(data.size(), 3u);  // the byte and two full segments, all at t0
  for (const Seg* g : data) EXPECT_EQ(g->at, t0);
  EXPECT_EQ(data[1]->len(), kSmss);
  EXPECT_EQ(data[2]->len(), kSmss);
  // The 100-byte tail waits for everything in flight to be acknowledged.
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 1 + d.size(); }, secs(1)));
  data = data_segments(p.sim, 'A');
  ASSERT_EQ(data.size(), 4u);
  EXPECT_EQ(data[3]->len(), 100u);
  EXPECT_EQ(data[3]->at, t0 + ms(20));  // two full segments: ACKed at once, one RTT
}

// After close() nothing more will come to fill a short last segment: the one that
// carries the FIN goes at once (as Linux's tcp_nagle_test()), or every response whose
// length is not a multiple of the MSS would end a round trip late.
TEST(TcpNagle, the_short_segment_carrying_the_fin_is_not_held) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  Instant t0 = p.sim.now();
  auto d = data_of(2 * kSmss + 100);
  ASSERT_EQ(*p.client.send(bytes_of(d)), d.size());
  p.client.close();
  p.sim.flush();
  auto data = data_segments(p.sim, 'A');
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[2]->len(), 100u);
  EXPECT_TRUE(data[2]->has(flag::kFin));
  EXPECT_EQ(data[2]->at, t0);
}

TEST(TcpNagle, a_small_write_on_an_idle_connection_goes_at_once) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.sim.run_for(secs(1));
  Instant t0 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of("hi")), 2u);
  p.sim.flush();
  auto data = data_segments(p.sim, 'A');
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0]->at, t0);
}

TEST(TcpDelayedAck, a_second_segment_is_acked_on_arrival_before_the_ack_delay) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.server.options().ack_delay = ms(150);
  p.client.options().nodelay = true;
  Instant t0 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of("a")), 1u);
  p.sim.run_for(ms(50));
  ASSERT_EQ(*p.client.send(bytes_of("b")), 1u);  // arrives at 60 ms: the second segment
  p.sim.run_for(ms(500));
  std::vector<const Seg*> acks;
  for (const Seg* g : p.sim.from('B'))
    if (g->at > t0) acks.push_back(g);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0]->repr.ack, kBase + 2);
  EXPECT_EQ(acks[0]->at, t0 + ms(60));  // two unacknowledged segments: at once
}

TEST(TcpDelayedAck, a_lone_segment_is_acked_exactly_ack_delay_after_it_arrived) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.server.options().ack_delay = ms(150);
  Instant t0 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of("a")), 1u);
  p.sim.run_for(ms(500));
  const Seg* ack = p.sim.from('B').back();
  EXPECT_TRUE(ack->pure_ack());
  EXPECT_EQ(ack->repr.ack, kBase + 1);
  EXPECT_EQ(ack->at, t0 + ms(10) + ms(150));
}

TEST(TcpDelayedAck, a_lone_full_sized_segment_is_delayed_too) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  Instant t0 = p.sim.now();
  auto d = data_of(kSmss);
  ASSERT_EQ(*p.client.send(bytes_of(d)), d.size());
  p.sim.run_for(ms(200));
  const Seg* ack = p.sim.from('B').back();
  EXPECT_EQ(ack->repr.ack, kBase + kSmss);
  EXPECT_EQ(ack->at, t0 + ms(10) + ms(40));
}

TEST(TcpDelayedAck, the_ack_rides_on_response_data) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  size_t mark = p.sim.log.size();
  ASSERT_EQ(*p.client.send(bytes_of("GET")), 3u);
  bool answered = false;
  ASSERT_TRUE(p.sim.run_until([&] {
    if (!answered && p.server.recv_queue() == 3) {
      read_all(p.server);
      answered = *p.server.send(bytes_of("200 OK")) == 6;
    }
    return p.client.recv_queue() == 6;
  }, secs(1)));
  p.sim.run_for(ms(200));
  size_t from_b = 0;
  for (size_t i = mark; i < p.sim.log.size(); ++i) {
    const Seg& g = p.sim.log[i];
    if (g.from != 'B') continue;
    ++from_b;
    EXPECT_EQ(g.len(), 6u) << "the server sent a segment besides its response";
    EXPECT_EQ(g.repr.ack, kBase + 3);
  }
  EXPECT_EQ(from_b, 1u);
}

TEST(TcpDelayedAck, an_out_of_order_segment_is_acked_at_once) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  bool lost = false;
  p.sim.drop_if = [&](const Seg& s) {
    if (s.from == 'A' && s.len() && !lost) return lost = true;
    return false;
  };
  p.client.options().nodelay = true;
  Instant t0 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of("a")), 1u);  // lost
  p.sim.flush();
  ASSERT_EQ(*p.client.send(bytes_of("b")), 1u);  // arrives out of order
  p.sim.run_for(ms(15));
  const Seg* dup = p.sim.from('B').back();
  EXPECT_EQ(dup->at, t0 + ms(10));
  EXPECT_EQ(dup->repr.ack, kBase);  // a duplicate ACK for the hole, not delayed
  ASSERT_EQ(dup->repr.sack_count, 1);
  EXPECT_EQ(dup->repr.sack[0].left, kBase + 1);
  EXPECT_EQ(dup->repr.sack[0].right, kBase + 2);
}

}  // namespace
}  // namespace keel::test::tcp_sim
