// tcp_blind_injection_test.cpp — an off-path attacker who knows the 4-tuple but not the
// sequence numbers (RFC 5961): a blind RST or SYN never ends the connection (a RST
// must hit RCV.NXT exactly; anything else in the window draws a challenge ACK of
// <SEQ=SND.NXT><ACK=RCV.NXT>), blind data must carry an acceptable ACK (§5.2:
// SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT) or it is dropped with a challenge ACK,
// and challenge ACKs are limited per second across all their causes (§7).
#include "tcp_scenarios.hpp"

namespace keel::test::tcp_sim {
namespace {

// A connected pair where the server has sent (and the client acknowledged) 64 KB, so
// that the server's SND.UNA lies more than MAX.SND.WND past its ISS.
struct Moved {
  Pair<> p;
  bool setup() {
    if (!p.connect()) return false;
    auto d = data_of(65536);
    size_t sent = 0, got = 0;
    return p.sim.run_until([&] {
      if (sent < d.size()) sent += *p.server.send(Bytes(d.data() + sent, d.size() - sent));
      got += read_all(p.client).size();
      return got == d.size() && p.server.diagnostics().snd_una == p.server.diagnostics().snd_max;
    }, secs(10));
  }
};

TEST(TcpBlindInjection, challenge_ack_carries_snd_nxt_and_rcv_nxt) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto d = p.client.diagnostics();
  wire::tcp::Repr r = peer_segment(p.client, flag::kRst);
  r.seq = d.rcv_nxt + 5000;
  size_t mark = p.sim.log.size();
  p.sim.inject('A', r);
  ASSERT_EQ(sent_since(p.sim, 'A', mark), 1u);
  const Seg& ack = p.sim.log.back();
  EXPECT_EQ(ack.repr.flags, flag::kAck);
  EXPECT_EQ(ack.repr.seq, d.snd_nxt);
  EXPECT_EQ(ack.repr.ack, d.rcv_nxt);
  EXPECT_EQ(p.client.state(), State::Established);
}

TEST(TcpBlindInjection, a_rst_sweep_across_the_window_never_resets) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().challenge_ack_limit = 255;
  auto d = p.client.diagnostics();
  wire::tcp::Repr r = peer_segment(p.client, flag::kRst);
  // Every 128th sequence number from RCV.NXT+1 to the end of the window, and beyond.
  for (uint32_t off = 1; off < d.rcv_wnd + 4096; off += 128) {
    r.seq = d.rcv_nxt + off;
    p.sim.inject('A', r);
  }
  EXPECT_EQ(p.client.state(), State::Established);
  EXPECT_EQ(p.client.error(), Error::None);
  // One challenge ACK per RST inside the window, none for the rest.
  uint32_t in_window = (d.rcv_wnd - 1 + 127) / 128;
  ASSERT_LT(in_window, 255u);
  EXPECT_EQ(p.client.diagnostics().challenge_acks, in_window);
  // The connection still carries data.
  ASSERT_EQ(*p.server.send(bytes_of("still here")), 10u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.recv_queue() == 10; }, secs(1)));
}

TEST(TcpBlindInjection, a_syn_anywhere_in_the_window_draws_a_challenge_ack) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto d = p.client.diagnostics();
  for (uint8_t flags : {uint8_t(flag::kSyn), uint8_t(flag::kSyn | flag::kAck)}) {
    wire::tcp::Repr r = peer_segment(p.client, flags);
    r.seq = d.rcv_nxt + 777;
    r.ack = 12345;  // a guess
    size_t mark = p.sim.log.size();
    p.sim.inject('A', r);
    ASSERT_EQ(sent_since(p.sim, 'A', mark), 1u);
    const Seg& ack = p.sim.log.back();
    EXPECT_EQ(ack.repr.flags, flag::kAck);
    EXPECT_EQ(ack.repr.ack, d.rcv_nxt);
  }
  EXPECT_EQ(p.client.state(), State::Established);
  EXPECT_EQ(p.client.diagnostics().challenge_acks, 2u);
  EXPECT_EQ(p.client.diagnostics().snd_wnd, d.snd_wnd);  // nothing taken from the SYNs
}

TEST(TcpBlindInjection, data_with_an_ack_older_than_the_max_window_is_dropped_with_a_challenge_ack) {
  Moved m;
  ASSERT_TRUE(m.setup());
  Socket& s = m.p.server;
  auto d = s.diagnostics();
  ASSERT_GT(d.snd_una - 0x20000001u, 16384u + 1);  // far past ISS + 1
  wire::tcp::Repr r = peer_segment(s, flag::kAck | flag::kPsh, bytes_of("evil"));
  r.ack = 0x20000001u;  // the ISN + 1 an attacker might guess: too old
  size_t mark = m.p.sim.log.size();
  m.p.sim.inject('B', r);
  EXPECT_EQ(s.recv_queue(), 0u);
  EXPECT_EQ(s.diagnostics().rcv_nxt, d.rcv_nxt);
  EXPECT_EQ(s.diagnostics().challenge_acks, d.challenge_acks + 1);
  ASSERT_EQ(sent_since(m.p.sim, 'B', mark), 1u);
  EXPECT_EQ(m.p.sim.log.back().repr.ack, d.rcv_nxt);
}

TEST(TcpBlindInjection, data_with_an_ack_ahead_of_snd_nxt_is_dropped) {
  Moved m;
  ASSERT_TRUE(m.setup());
  Socket& s = m.p.server;
  auto d = s.diagnostics();
  wire::tcp::Repr r = peer_segment(s, flag::kAck | flag::kPsh, bytes_of("evil"));
  r.ack = d.snd_nxt + 1;
  m.p.sim.inject('B', r);
  EXPECT_EQ(s.recv_queue(), 0u);
  EXPECT_EQ(s.diagnostics().snd_una, d.snd_una);
  EXPECT_EQ(s.diagnostics().challenge_acks, d.challenge_acks + 1);
}

TEST(TcpBlindInjection, data_with_an_old_but_acceptable_ack_is_taken) {
  Moved m;
  ASSERT_TRUE(m.setup());
  Socket& s = m.p.server;
  auto d = s.diagnostics();
  // A peer's segment delayed in the network: its ACK lies within MAX.SND.WND below SND.UNA.
  wire::tcp::Repr r = peer_segment(s, flag::kAck | flag::kPsh, bytes_of("late"));
  r.ack = d.snd_una - 1000;
  m.p.sim.inject('B', r);
  EXPECT_EQ(s.recv_queue(), 4u);
  EXPECT_EQ(s.diagnostics().snd_una, d.snd_una);  // an old ACK moves nothing back
  EXPECT_EQ(s.diagnostics().challenge_acks, d.challenge_acks);
}

TEST(TcpBlindInjection, data_without_the_ack_flag_is_dropped) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  wire::tcp::Repr r = peer_segment(p.client, flag::kPsh, bytes_of("no ack"));
  p.sim.inject('A', r);
  EXPECT_EQ(p.client.recv_queue(), 0u);
  EXPECT_EQ(p.client.diagnostics().rcv_nxt, r.seq);
}

TEST(TcpBlindInjection, data_outside_the_receive_window_is_not_taken) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto d = p.client.diagnostics();
  wire::tcp::Repr r = peer_segment(p.client, flag::kAck | flag::kPsh, bytes_of("far away"));
  r.seq = d.rcv_nxt + d.rcv_wnd + 100000;
  p.sim.inject('A', r);
  r.seq = d.rcv_nxt - 100000;
  p.sim.inject('A', r);
  EXPECT_EQ(p.client.recv_queue(), 0u);
  EXPECT_EQ(p.client.diagnostics().rcv_nxt, d.rcv_nxt);
  EXPECT_EQ(p.client.diagnostics().dropped_unacceptable, d.dropped_unacceptable + 2);
  // The real stream is unaffected.
  ASSERT_EQ(*p.server.send(bytes_of("real")), 4u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.recv_queue() == 4; }, secs(1)));
  EXPECT_EQ(read_all(p.client), (std::vector<uint8_t>{'r', 'e', 'a', 'l'}));
}

TEST(TcpBlindInjection, challenge_acks_share_one_limit_per_second_across_rst_syn_and_ack) {
  Moved m;
  ASSERT_TRUE(m.setup());
  Socket& s = m.p.server;
  s.options().challenge_ack_limit = 4;
  auto d = s.diagnostics();
  wire::tcp::Repr rst = peer_segment(s, flag::kRst);
  rst.seq += 10;
  wire::tcp::Repr syn = peer_segment(s, flag::kSyn);
  syn.seq += 10;
  wire::tcp::Repr old = peer_segment(s, flag::kAck | flag::kPsh, bytes_of("x"));
  old.ack = 0x20000001u;
  size_t mark = m.p.sim.log.size();
  for (int i = 0; i < 3; ++i) {
    m.p.sim.inject('B', rst);
    m.p.sim.inject('B', syn);
    m.p.sim.inject('B', old);
  }
  EXPECT_EQ(s.diagnostics().challenge_acks, d.challenge_acks + 4);
  EXPECT_EQ(sent_since(m.p.sim, 'B', mark), 4u);
  // A second later the budget is back.
  m.p.sim.run_for(ms(1001));
  m.p.sim.inject('B', rst);
  EXPECT_EQ(s.diagnostics().challenge_acks, d.challenge_acks + 5);
  EXPECT_EQ(s.state(), State::Established);
  EXPECT_EQ(s.recv_queue(), 0u);
}

}  // namespace
}  // namespace keel::test::tcp_sim
