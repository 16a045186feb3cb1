// tcp_states_test.cpp — the state machine of RFC 9293 §3.3.2 transition by transition
// (the common paths are in tcp_handshake_test and tcp_close_test; here the rarer ones:
// FIN-WAIT-1 straight to TIME-WAIT, close() during SYN-RECEIVED, sending in CLOSE-WAIT),
// and what a RST does in every state (§3.10.7, RFC 5961 §3.2): LISTEN and SYN-SENT
// ignore the ones they must, a RST at exactly RCV.NXT ends every synchronized state
// (SYN-RECEIVED refused, ESTABLISHED to CLOSE-WAIT reset, CLOSING to TIME-WAIT without
// error) and the socket sends nothing after it, an in-window one draws a challenge ACK,
// an out-of-window one is dropped silently.
#include "tcp_scenarios.hpp"

namespace keel::test::tcp_sim {
namespace {

TEST(TcpStates, fin_wait_1_goes_straight_to_time_wait_when_the_peers_fin_acks_ours) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  // The server's pure ACK of our FIN is lost; its own FIN then acknowledges ours.
  p.sim.drop_if = [](const Seg& s) { return s.from == 'B' && s.pure_ack(); };
  Track tc{p.client, {}};
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] {
    tc();
    if (p.server.state() == State::CloseWait) p.server.close();
    return p.client.state() == State::TimeWait;
  }, secs(5)));
  EXPECT_EQ(tc.seen, (std::vector<State>{State::FinWait1, State::TimeWait})) << names(tc.seen);
  const Seg* fin = nullptr;
  for (const Seg* g : p.sim.from('B'))
    if (g->has(flag::kFin)) fin = g;
  ASSERT_NE(fin, nullptr);
  EXPECT_EQ(fin->repr.ack, 0x10000002u);  // covers our FIN
}

TEST(TcpStates, close_in_syn_received_sends_the_fin_only_after_the_handshake) {
  Sim sim;
  FixedSocket<> a, b;
  sim.a().sockets.push_back(&a);
  sim.b().sockets.push_back(&b);
  ASSERT_TRUE(a.connect(sim.now(), kEpA, kEpB, 100));
  ASSERT_TRUE(b.connect(sim.now(), kEpB, kEpA, 900));
  Track ta{a, {}}, tb{b, {}};
  bool closed = false;
  ASSERT_TRUE(sim.run_until([&] {
    ta();
    tb();
    if (a.state() == State::SynReceived && !closed) {
      a.close();
      closed = true;
    }
    if (b.state() == State::CloseWait && a.state() == State::FinWait2) b.close();
    return a.state() == State::TimeWait && b.state() == State::Closed;
  }, secs(10)));
  EXPECT_EQ(ta.seen, (std::vector<State>{State::SynSent, State::SynReceived, State::FinWait1,
                                         State::FinWait2, State::TimeWait}))
      << names(ta.seen);
  EXPECT_EQ(tb.seen, (std::vector<State>{State::SynSent, State::SynReceived, State::Established,
                                         State::CloseWait, State::LastAck, State::Closed}))
      << names(tb.seen);
  for (const Seg* g : sim.from('A')) {
    EXPECT_FALSE(g->has(flag::kSyn) && g->has(flag::kFin));
    if (g->has(flag::kFin)) {
      EXPECT_EQ(g->repr.seq, 101u);
    }
  }
}

TEST(TcpStates, close_wait_keeps_sending_until_the_application_closes) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.server.shutdown_write();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::CloseWait; }, secs(2)));
  EXPECT_TRUE(p.client.may_send());
  auto d = data_of(20000);
  size_t sent = 0;
  std::vector<uint8_t> got;
  ASSERT_TRUE(p.sim.run_until([&] {
    if (sent < d.size()) sent += *p.client.send(Bytes(d.data() + sent, d.size() - sent));
    auto more = read_all(p.server);
    got.insert(got.end(), more.begin(), more.end());
    return got.size() == d.size();
  }, secs(10)));
  EXPECT_EQ(got, d);
  EXPECT_EQ(p.client.state(), State::CloseWait);
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(5)));
  EXPECT_EQ(p.client.error(), Error::None);
  EXPECT_EQ(p.server.state(), State::TimeWait);
}

TEST(TcpStates, close_twice_and_close_when_closed_change_nothing) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.close();
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::FinWait2; }, secs(2)));
  size_t fins = 0;
  for (const Seg* g : p.sim.from('A')) fins += g->has(flag::kFin);
  EXPECT_EQ(fins, 1u);
  FixedSocket<> idle;
  idle.close();
  EXPECT_EQ(idle.state(), State::Closed);
  EXPECT_EQ(idle.poll_at(), Optional<Instant>());
}

// ---- RST in every state ----

struct RstCase {
  State state;
  State after_exact;  // the state after a RST at exactly RCV.NXT
  Error error;        // and the error it leaves
};

class TcpRstInState : public ::testing::TestWithParam<RstCase> {};

TEST_P(TcpRstInState, rst_at_rcv_nxt_ends_the_connection_and_nothing_follows) {
  const RstCase c = GetParam();
  auto p = std::make_unique<Pair<>>();
  ASSERT_TRUE(bring_client_to(*p, c.state)) << state_name(c.state);
  wire::tcp::Repr r = peer_segment(p->client, flag::kRst);
  size_t mark = p->sim.log.size();
  p->sim.inject('A', r);
  EXPECT_EQ(p->client.state(), c.after_exact);
  EXPECT_EQ(p->client.error(), c.error);
  p->sim.run_for(secs(60));
  EXPECT_EQ(sent_since(p->sim, 'A', mark), 0u) << "a reset socket answered or retransmitted";
  EXPECT_EQ(p->client.poll_at(), Optional<Instant>());
}

TEST_P(TcpRstInState, rst_in_window_but_not_at_rcv_nxt_draws_a_challenge_ack) {
  const RstCase c = GetParam();
  auto p = std::make_unique<Pair<>>();
  ASSERT_TRUE(bring_client_to(*p, c.state)) << state_name(c.state);
  auto d = p->client.diagnostics();
  ASSERT_GT(d.rcv_wnd, 1u);
  wire::tcp::Repr r = peer_segment(p->client, flag::kRst);
  r.seq += 1;
  size_t before = p->sim.log.size();
  p->sim.inject('A', r);
  EXPECT_EQ(p->client.state(), c.state);
  EXPECT_EQ(p->client.diagnostics().challenge_acks, d.challenge_acks + 1);
  ASSERT_EQ(p->sim.log.size(), before + 1);
  const Seg& ack = p->sim.log.back();
  EXPECT_EQ(ack.from, 'A');
  EXPECT_FALSE(ack.has(flag::kRst));
  EXPECT_TRUE(ack.has(flag::kAck));
  EXPECT_EQ(ack.repr.ack, d.rcv_nxt);  // RFC 5961 §3.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
}

TEST_P(TcpRstInState, rst_outside_the_window_is_dropped_silently) {
  const RstCase c = GetParam();
  auto p = std::make_unique<Pair<>>();
  ASSERT_TRUE(bring_client_to(*p, c.state)) << state_name(c.state);
  auto d = p->client.diagnostics();
  wire::tcp::Repr r = peer_segment(p->client, flag::kRst);
  r.seq += d.rcv_wnd + 1000;
  size_t before = p->sim.log.size();
  p->sim.inject('A', r);
  EXPECT_EQ(p->client.state(), c.state);
  EXPECT_EQ(p->sim.log.size(), before);
  r.seq = d.rcv_nxt - 1;  // just before the window
  p->sim.inject('A', r);
  EXPECT_EQ(p->client.state(), c.state);
  EXPECT_EQ(p->sim.log.size(), before);
  EXPECT_EQ(p->client.diagnostics().challenge_acks, d.challenge_acks);
}

INSTANTIATE_TEST_SUITE_P(
    States, TcpRstInState,
    ::testing::Values(RstCase{State::SynReceived, State::Closed, Error::Refused},
                      RstCase{State::Established, State::Closed, Error::Reset},
                      RstCase{State::FinWait1, State::Closed, Error::Reset},
                      RstCase{State::FinWait2, State::Closed, Error::Reset},
                      RstCase{State::CloseWait, State::Closed, Error::Reset},
                      RstCase{State::Closing, State::Closed, Error::None},
                      RstCase{State::LastAck, State::Closed, Error::None},
                      RstCase{State::TimeWait, State::Closed, Error::None}),
    [](const auto& info) {
      std::string n = state_name(info.param.state);
      for (char& ch : n) ch = ch == '-' ? '_' : char(tolower(ch));
      return n;
    });

TEST(TcpStates, rst_in_listen_is_ignored_and_not_answered) {
  Sim sim;
  FixedListener<4> l;
  FixedIsn isn(1);
  sim.b().listener = &l;
  ASSERT_TRUE(l.listen(kEpB, isn));
  wire::tcp::Repr r;
  r.src_port = 40000;
  r.dst_port = 80;
  r.seq = 10;
  r.flags = flag::kRst;
  sim.inject('B', r);
  r.flags = flag::kRst | flag::kAck;
  r.ack = 77;
  sim.inject('B', r);
  EXPECT_TRUE(sim.log.empty());
  EXPECT_EQ(l.stats().resets_sent, 0u);
  EXPECT_TRUE(l.is_listening());
}

TEST(TcpStates, rst_for_a_half_open_connection_removes_it_only_at_the_exact_sequence) {
  Sim sim;
  FixedListener<4> l;
  FixedIsn isn(1);
  sim.b().listener = &l;
  ASSERT_TRUE(l.listen(kEpB, isn));
  wire::tcp::Repr syn;
  syn.src_port = 40000;
  syn.dst_port = 80;
  syn.seq = 10;
  syn.flags = flag::kSyn;
  syn.window = 1000;
  sim.inject('B', syn);
  ASSERT_EQ(l.half_open(), 1u);
  wire::tcp::Repr rst = syn;
  rst.flags = flag::kRst;
  rst.seq = 15;  // in the window, not exact
  sim.inject('B', rst);
  EXPECT_EQ(l.half_open(), 1u);
  rst.seq = 11;
  sim.inject('B', rst);
  EXPECT_EQ(l.half_open(), 0u);
  size_t synacks = 0;
  for (const Seg* g : sim.from('B')) synacks += g->has(flag::kSyn);
  sim.run_for(secs(30));
  size_t later = 0;
  for (const Seg* g : sim.from('B')) later += g->has(flag::kSyn);
  EXPECT_EQ(later, synacks);  // no SYN,ACK retransmission for the removed entry
}

}  // namespace
}  // namespace keel::test::tcp_sim
