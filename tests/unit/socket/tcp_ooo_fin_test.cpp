// tcp_ooo_fin_test.cpp — a FIN that arrives out of order (RFC 9293 §3.10.7.4: segments
// beyond RCV.NXT may be held for later processing) is remembered at its sequence number
// and takes effect the moment the hole before it fills — the peer need not send it
// again — and nothing the peer sends past its own FIN is delivered.
#include "tcp_scenarios.hpp"

namespace keel::test::tcp_sim {
namespace {

TEST(TcpOutOfOrderFin, a_fin_beyond_a_hole_takes_effect_when_the_hole_fills) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  // 2000 bytes and the FIN: [0, 1448) and [1448, 2000)+FIN; the first is lost once.
  bool lost = false;
  p.sim.drop_if = [&](const Seg& s) {
    if (s.from == 'A' && s.len() && s.repr.seq == 0x10000001u && !lost) return lost = true;
    return false;
  };
  auto d = data_of(2000);
  Instant t0 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of(d)), d.size());
  p.client.shutdown_write();
  p.sim.flush();
  auto sent = data_segments(p.sim, 'A');
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_TRUE(sent[1]->has(flag::kFin));
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.state() == State::CloseWait; }, secs(10)));
  // The first segment's retransmission (whatever sent it: SACK recovery, a probe or the
  // RTO) completes the stream, FIN included, the moment it arrives.
  const Seg* resent = nullptr;
  for (const Seg* g : p.sim.from('A'))
    if (g->len() && g->repr.seq == 0x10000001u && !g->dropped) resent = g;
  ASSERT_NE(resent, nullptr);
  EXPECT_GT(resent->at, t0);
  EXPECT_EQ(p.sim.now(), resent->at + p.sim.delay);
  size_t fins = 0;
  for (const Seg* g : p.sim.from('A')) fins += g->has(flag::kFin);
  EXPECT_EQ(fins, 1u);
  EXPECT_EQ(read_all(p.server), d);
  uint8_t b[4];
  EXPECT_EQ(p.server.recv(MutBytes(b, 4)).error(), RecvError::Finished);
  // The server's ACK covers the data and the FIN.
  p.sim.run_for(ms(20));
  EXPECT_EQ(p.client.state(), State::FinWait2);
  EXPECT_EQ(p.sim.from('B').back()->repr.ack, 0x10000001u + 2000 + 1);
}

TEST(TcpOutOfOrderFin, a_bare_fin_ahead_of_missing_data_is_kept) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  wire::tcp::Repr fin = peer_segment(p.client, flag::kAck | flag::kFin);
  uint32_t base = fin.seq;
  fin.seq = base + 5;
  p.sim.inject('A', fin);
  EXPECT_EQ(p.client.state(), State::Established);
  EXPECT_EQ(p.sim.log.back().repr.ack, base);  // a duplicate ACK for the hole
  wire::tcp::Repr data = peer_segment(p.client, flag::kAck, bytes_of("hello"));
  p.sim.inject('A', data);
  EXPECT_EQ(p.client.state(), State::CloseWait);
  EXPECT_EQ(p.client.diagnostics().rcv_nxt, base + 6);
  EXPECT_EQ(p.sim.log.back().repr.ack, base + 6);
  EXPECT_EQ(read_all(p.client), (std::vector<uint8_t>{'h', 'e', 'l', 'l', 'o'}));
}

TEST(TcpOutOfOrderFin, an_out_of_order_fin_in_fin_wait_2_leads_to_time_wait) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.shutdown_write();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::FinWait2; }, secs(1)));
  wire::tcp::Repr late = peer_segment(p.client, flag::kAck, bytes_of("late"));
  wire::tcp::Repr fin = peer_segment(p.client, flag::kAck | flag::kFin, bytes_of("!"));
  fin.seq += 4;
  p.sim.inject('A', fin);
  EXPECT_EQ(p.client.state(), State::FinWait2);
  p.sim.inject('A', late);
  EXPECT_EQ(p.client.state(), State::TimeWait);
  EXPECT_EQ(read_all(p.client), (std::vector<uint8_t>{'l', 'a', 't', 'e', '!'}));
}

TEST(TcpOutOfOrderFin, data_past_a_known_fin_is_not_delivered) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  wire::tcp::Repr fin = peer_segment(p.client, flag::kAck | flag::kFin);
  uint32_t base = fin.seq;
  fin.seq = base + 3;
  p.sim.inject('A', fin);
  // A segment claiming bytes on both sides of the FIN: only those before it count.
  wire::tcp::Repr data = peer_segment(p.client, flag::kAck, bytes_of("abcdefgh"));
  p.sim.inject('A', data);
  EXPECT_EQ(p.client.state(), State::CloseWait);
  EXPECT_EQ(p.client.diagnostics().rcv_nxt, base + 4);
  EXPECT_EQ(read_all(p.client), (std::vector<uint8_t>{'a', 'b', 'c'}));
}

TEST(TcpOutOfOrderFin, a_retransmitted_fin_segment_after_the_hole_fills_changes_nothing) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  wire::tcp::Repr first = peer_segment(p.client, flag::kAck, bytes_of("ab"));
  wire::tcp::Repr last = peer_segment(p.client, flag::kAck | flag::kFin, bytes_of("cd"));
  last.seq += 2;
  p.sim.inject('A', last);
  p.sim.inject('A', first);
  ASSERT_EQ(p.client.state(), State::CloseWait);
  uint32_t rcv_nxt = p.client.diagnostics().rcv_nxt;
  p.sim.inject('A', last);  // the peer's retransmission crossing our ACK
  EXPECT_EQ(p.client.state(), State::CloseWait);
  EXPECT_EQ(p.client.diagnostics().rcv_nxt, rcv_nxt);
  EXPECT_EQ(read_all(p.client), (std::vector<uint8_t>{'a', 'b', 'c', 'd'}));
}

}  // namespace
}  // namespace keel::test::tcp_sim
