// tcp_close_test.cpp — closing (RFC 9293 §3.6, §3.10.4, §3.10.7.4): active, passive and
// simultaneous close through every state, half-close, TIME-WAIT with its configured
// 2MSL, RST received in each synchronized state (RFC 5961 §3.2) and abort().
#include "tcp_sim.hpp"

namespace keel::test::tcp_sim {
namespace {

const Bytes kHello(reinterpret_cast<const uint8_t*>("hello"), 5);

// Track — records the distinct states a socket passes through.
struct Track {
  Socket& s;
  std::vector<State> seen;
  void operator()() {
    if (seen.empty() || seen.back() != s.state()) seen.push_back(s.state());
  }
};

TEST(TcpClose, active_close_passes_fin_wait_states_and_time_wait) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().time_wait = secs(10);
  Track tc{p.client, {}}, ts{p.server, {}};
  p.client.close();
  // The server reads EOF and closes too.
  Instant closed_at;
  ASSERT_TRUE(p.sim.run_until([&] {
    tc();
    ts();
    uint8_t b[8];
    if (p.server.state() == State::CloseWait && p.client.state() == State::FinWait2 &&
        p.server.recv(MutBytes(b, 8)).error() == RecvError::Finished)
      p.server.close();
    if (p.client.state() == State::TimeWait && closed_at == Instant()) closed_at = p.sim.now();
    return p.client.state() == State::Closed && p.server.state() == State::Closed;
  }, secs(30)));
  EXPECT_EQ(tc.seen, (std::vector<State>{State::FinWait1, State::FinWait2, State::TimeWait,
                                         State::Closed}));
  EXPECT_EQ(ts.seen, (std::vector<State>{State::Established, State::CloseWait, State::LastAck,
                                         State::Closed}));
  EXPECT_EQ(p.client.error(), Error::None);
  EXPECT_EQ(p.server.error(), Error::None);
  EXPECT_EQ(p.sim.now() - closed_at, secs(10));  // exactly 2MSL in TIME-WAIT
}

TEST(TcpClose, fin_follows_all_queued_data) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  std::vector<uint8_t> data(10000, 0x5a);
  ASSERT_EQ(*p.client.send(Bytes(data.data(), data.size())), data.size());
  p.client.close();
  EXPECT_EQ(p.client.send(kHello).error(), SendError::WriteClosed);
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.state() == State::CloseWait; }, secs(5)));
  EXPECT_EQ(p.server.recv_queue(), data.size());
  const Seg* fin = nullptr;
  for (auto* g : p.sim.from('A'))
    if (g->has(flag::kFin)) fin = g;
  ASSERT_NE(fin, nullptr);
  EXPECT_EQ(fin->repr.seq + fin->len(), 0x10000001u + data.size());
}

TEST(TcpClose, half_close_keeps_the_other_direction_open) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.shutdown_write();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::FinWait2; }, secs(5)));
  EXPECT_FALSE(p.client.may_send());
  EXPECT_TRUE(p.client.may_recv());
  EXPECT_TRUE(p.server.may_send());
  ASSERT_EQ(*p.server.send(kHello), 5u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.recv_queue() == 5; }, secs(5)));
  p.server.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::TimeWait; }, secs(5)));
  uint8_t b[8];
  EXPECT_EQ(*p.client.recv(MutBytes(b, 8)), 5u);
  EXPECT_EQ(p.client.recv(MutBytes(b, 8)).error(), RecvError::Finished);
}

TEST(TcpClose, simultaneous_close_goes_through_closing) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().time_wait = secs(1);
  p.server.options().time_wait = secs(1);
  Track tc{p.client, {}}, ts{p.server, {}};
  p.client.close();
  p.server.close();
  ASSERT_TRUE(p.sim.run_until([&] {
    tc();
    ts();
    return p.client.state() == State::Closed && p.server.state() == State::Closed;
  }, secs(10)));
  std::vector<State> want{State::FinWait1, State::Closing, State::TimeWait, State::Closed};
  EXPECT_EQ(tc.seen, want);
  EXPECT_EQ(ts.seen, want);
}

TEST(TcpClose, time_wait_acks_a_retransmitted_fin_and_restarts_2msl) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().time_wait = secs(10);
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::FinWait2; }, secs(5)));
  p.server.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::TimeWait; }, secs(5)));
  p.sim.run_for(secs(5));
  // The server's FIN again (as if our ACK had been lost).
  const Seg* fin = nullptr;
  for (auto* g : p.sim.from('B'))
    if (g->has(flag::kFin)) fin = g;
  ASSERT_NE(fin, nullptr);
  wire::tcp::Repr r = fin->repr;
  r.timestamps.reset();
  p.sim.b().listener = nullptr;  // else its RST for our ACK ends TIME-WAIT (RFC 1337)
  size_t before = p.sim.log.size();
  Instant t = p.sim.now();
  p.sim.inject('A', r);
  ASSERT_GT(p.sim.log.size(), before);
  EXPECT_TRUE(p.sim.log.back().pure_ack());
  EXPECT_EQ(p.sim.log.back().repr.ack, fin->repr.seq + 1);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(30)));
  EXPECT_EQ((p.sim.now() - t).as_millis(), 10000);
}

// Reset — sends the client a RST at exactly rcv_nxt.
void reset_client(Pair<>& p) {
  auto d = p.client.diagnostics();
  wire::tcp::Repr r;
  r.src_port = kEpB.port;
  r.dst_port = kEpA.port;
  r.seq = d.rcv_nxt;
  r.flags = flag::kRst;
  p.sim.inject('A', r);
}

TEST(TcpClose, rst_in_established_resets_the_connection) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  reset_client(p);
  EXPECT_EQ(p.client.state(), State::Closed);
  EXPECT_EQ(p.client.error(), Error::Reset);
  uint8_t b[4];
  EXPECT_FALSE(p.client.recv(MutBytes(b, 4)));
  EXPECT_EQ(p.client.send(kHello).error(), SendError::InvalidState);
}

TEST(TcpClose, rst_in_fin_wait_1_fin_wait_2_and_close_wait_resets) {
  for (int which = 0; which < 3; ++which) {
    Pair<> p;
    ASSERT_TRUE(p.connect());
    State want;
    if (which == 0) {
      p.sim.drop_if = [](const Seg& s) { return s.from == 'A' && s.has(flag::kFin); };
      p.client.close();
      want = State::FinWait1;
    } else if (which == 1) {
      p.client.close();
      want = State::FinWait2;
    } else {
      p.server.close();
      want = State::CloseWait;
    }
    ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == want; }, secs(2)));
    p.sim.run_for(ms(100));
    ASSERT_EQ(p.client.state(), want);
    reset_client(p);
    EXPECT_EQ(p.client.state(), State::Closed) << which;
    EXPECT_EQ(p.client.error(), Error::Reset) << which;
  }
}

TEST(TcpClose, rst_in_closing_last_ack_and_time_wait_closes_without_error) {
  for (int which = 0; which < 3; ++which) {
    Pair<> p;
    ASSERT_TRUE(p.connect());
    State want;
    if (which == 0) {  // CLOSING: both FINs sent, the server's ACK of ours is lost
      p.sim.drop_if = [](const Seg& s) { return s.from == 'B' && !s.has(flag::kFin); };
      p.client.close();
      p.server.close();
      want = State::Closing;
    } else if (which == 1) {
      p.server.close();
      ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::CloseWait; }, secs(2)));
      p.sim.drop_if = [](const Seg& s) { return s.from == 'B'; };
      p.client.close();
      want = State::LastAck;
    } else {
      p.client.close();
      p.server.close();
      want = State::TimeWait;
    }
    ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == want; }, secs(2))) << which;
    reset_client(p);
    EXPECT_EQ(p.client.state(), State::Closed) << which;
    EXPECT_EQ(p.client.error(), Error::None) << which;
  }
}

TEST(TcpClose, rst_in_window_but_not_at_rcv_nxt_draws_a_challenge_ack) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto d = p.client.diagnostics();
  wire::tcp::Repr r;
  r.src_port = kEpB.port;
  r.dst_port = kEpA.port;
  r.seq = d.rcv_nxt + 100;
  r.flags = flag::kRst;
  p.sim.inject('A', r);
  EXPECT_EQ(p.client.state(), State::Established);
  EXPECT_TRUE(p.sim.log.back().pure_ack());
  EXPECT_EQ(p.sim.log.back().from, 'A');
  EXPECT_EQ(p.client.diagnostics().challenge_acks, 1u);
  r.seq = d.rcv_nxt + 1000000;  // outside the window: silently dropped
  size_t before = p.sim.log.size();
  p.sim.inject('A', r);
  EXPECT_EQ(p.client.state(), State::Established);
  EXPECT_EQ(p.sim.log.size(), before);
}

TEST(TcpClose, syn_in_established_draws_a_rate_limited_challenge_ack) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().challenge_ack_limit = 3;
  auto d = p.client.diagnostics();
  wire::tcp::Repr r;
  r.src_port = kEpB.port;
  r.dst_port = kEpA.port;
  r.seq = d.rcv_nxt;
  r.flags = flag::kSyn;
  for (int i = 0; i < 5; ++i) p.sim.inject('A', r);
  EXPECT_EQ(p.client.state(), State::Established);
  EXPECT_EQ(p.client.diagnostics().challenge_acks, 3u);
  p.sim.run_for(secs(2));
  p.sim.inject('A', r);
  EXPECT_EQ(p.client.diagnostics().challenge_acks, 4u);
}

TEST(TcpClose, abort_sends_rst_and_the_peer_resets) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.abort();
  EXPECT_EQ(p.client.state(), State::Closed);
  EXPECT_EQ(p.client.error(), Error::Aborted);
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.state() == State::Closed; }, secs(1)));
  EXPECT_EQ(p.server.error(), Error::Reset);
  EXPECT_TRUE(p.sim.from('A').back()->has(flag::kRst));
}

TEST(TcpClose, rst_in_syn_received_refuses_a_simultaneous_open) {
  Sim sim;
  FixedSocket<> a;
  sim.a().sockets.push_back(&a);
  ASSERT_TRUE(a.connect(sim.now(), kEpA, kEpB, 100));
  sim.flush();
  wire::tcp::Repr r;  // the peer's own SYN crosses ours
  r.src_port = kEpB.port;
  r.dst_port = kEpA.port;
  r.seq = 900;
  r.flags = flag::kSyn;
  r.window = 1000;
  sim.inject('A', r);
  ASSERT_EQ(a.state(), State::SynReceived);
  r.seq = 901;
  r.flags = flag::kRst;
  sim.inject('A', r);
  EXPECT_EQ(a.state(), State::Closed);
  EXPECT_EQ(a.error(), Error::Refused);
}

TEST(TcpClose, close_in_syn_sent_just_closes) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1));
  sim.flush();
  s.close();
  EXPECT_EQ(s.state(), State::Closed);
  EXPECT_EQ(s.error(), Error::None);
  sim.run_for(secs(10));
  EXPECT_EQ(sim.from('A').size(), 1u);  // the SYN only, never retransmitted
}

}  // namespace
}  // namespace keel::test::tcp_sim
