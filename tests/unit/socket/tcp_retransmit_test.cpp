// tcp_retransmit_test.cpp — loss recovery: the RFC 6298 timer (backoff at exact
// simulated times, give-up count, user timeout), fast retransmit and NewReno fast
// recovery (RFC 5681 §3.2, RFC 6582) with limited transmit (RFC 3042), and keepalive.
#include "tcp_sim.hpp"

namespace keel::test::tcp_sim {
namespace {

std::vector<uint8_t> data_of(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = pattern(i);
  return v;
}

TEST(TcpRetransmit, rto_backs_off_exponentially_then_gives_up) {
  Pair<> p;
  p.client.options().tail_loss_probe = false;  // the timer alone
  ASSERT_TRUE(p.connect());
  p.client.options().max_retries = 3;
  p.sim.drop_if = [](const Seg& s) { return s.from == 'A' && s.len(); };
  Instant t1 = p.sim.now();
  auto d = data_of(100);
  ASSERT_EQ(*p.client.send(Bytes(d.data(), d.size())), 100u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  std::vector<Instant> at;
  for (auto* g : p.sim.from('A'))
    if (g->len()) at.push_back(g->at);
  // RTO 1 s (the RFC 6298 minimum; the measured RTT is 20 ms), doubled each time.
  EXPECT_EQ(at, (std::vector<Instant>{t1, t1 + secs(1), t1 + secs(3), t1 + secs(7)}));
  EXPECT_EQ(p.sim.now(), t1 + secs(15));
  EXPECT_EQ(p.client.error(), Error::TimedOut);
  EXPECT_EQ(p.client.diagnostics().timeouts, 4u);
  EXPECT_EQ(p.client.diagnostics().retransmissions, 3u);
}

TEST(TcpRetransmit, min_rto_is_configurable) {
  Pair<> p;
  p.client.options().tail_loss_probe = false;  // the timer alone
  p.client.options().min_rto = ms(200);
  ASSERT_TRUE(p.connect());
  int drops = 0;
  p.sim.drop_if = [&](const Seg& s) { return s.from == 'A' && s.len() && drops++ < 2; };
  Instant t1 = p.sim.now();
  auto d = data_of(10);
  ASSERT_TRUE(p.client.send(Bytes(d.data(), d.size())));
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 10; }, secs(5)));
  std::vector<Instant> at;
  for (auto* g : p.sim.from('A'))
    if (g->len()) at.push_back(g->at);
  EXPECT_EQ(at, (std::vector<Instant>{t1, t1 + ms(200), t1 + ms(600)}));
}

TEST(TcpRetransmit, srtt_and_rto_follow_rfc6298) {
  Pair<> p;
  p.client.options().min_rto = ms(1);
  ASSERT_TRUE(p.connect());
  auto d = p.client.diagnostics();
  // First sample R = 20 ms (SYN,ACK timestamp echo): SRTT = R, RTTVAR = R/2.
  EXPECT_EQ(d.srtt, ms(20));
  EXPECT_EQ(d.rttvar, ms(10));
  EXPECT_EQ(d.rto, ms(60));  // SRTT + 4 * RTTVAR
}

TEST(TcpRetransmit, user_timeout_ends_the_connection_before_the_retry_count) {
  Pair<> p;
  p.client.options().tail_loss_probe = false;  // the timer alone
  ASSERT_TRUE(p.connect());
  p.client.options().user_timeout = secs(5);
  p.sim.drop_if = [](const Seg& s) { return s.from == 'A' && s.len(); };
  Instant t1 = p.sim.now();
  auto d = data_of(100);
  ASSERT_TRUE(p.client.send(Bytes(d.data(), d.size())));
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  EXPECT_EQ(p.sim.now(), t1 + secs(7));  // the first RTO at or after 5 s without progress
  EXPECT_EQ(p.client.error(), Error::TimedOut);
}

TEST(TcpRetransmit, user_timeout_counts_from_the_first_unacked_send_not_from_idle_time) {
  Pair<> p;
  p.client.options().tail_loss_probe = false;  // the timer alone
  ASSERT_TRUE(p.connect());
  p.client.options().user_timeout = secs(5);
  p.sim.run_for(secs(100));  // idle long past the user timeout
  p.sim.drop_if = [](const Seg& s) { return s.from == 'A' && s.len(); };
  Instant t1 = p.sim.now();
  auto d = data_of(100);
  ASSERT_TRUE(p.client.send(Bytes(d.data(), d.size())));
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  EXPECT_EQ(p.sim.now(), t1 + secs(7));
}

TEST(TcpRetransmit, lost_fin_is_retransmitted) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  int drops = 0;
  p.sim.drop_if = [&](const Seg& s) { return s.from == 'A' && s.has(flag::kFin) && drops++ < 1; };
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.state() == State::CloseWait; }, secs(5)));
  size_t fins = 0;
  for (auto* g : p.sim.from('A')) fins += g->has(flag::kFin);
  EXPECT_EQ(fins, 2u);
}

TEST(TcpRetransmit, three_dupacks_trigger_fast_retransmit_before_the_rto) {
  Pair<65536, 65536> p;
  ASSERT_TRUE(p.connect());
  const uint32_t base = 0x10000001u;
  bool lost = false;
  p.sim.drop_if = [&](const Seg& s) {
    if (s.from == 'A' && s.repr.seq == base + 1448 && !lost) return lost = true;
    return false;
  };
  auto d = data_of(20 * 1448);
  ASSERT_EQ(*p.client.send(Bytes(d.data(), d.size())), d.size());
  Instant t1 = p.sim.now();
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == d.size(); }, secs(10)));
  auto diag = p.client.diagnostics();
  EXPECT_EQ(diag.fast_recoveries, 1u);
  EXPECT_EQ(diag.sack_recoveries, 1u);
  EXPECT_EQ(diag.timeouts, 0u);
  EXPECT_GE(diag.dup_acks, 3u);
  // The retransmission went out one RTT after the loss, and after limited transmit
  // had sent segment 11 on the first duplicate ACK (RFC 3042).
  const Seg* rexmit = nullptr;
  const Seg* seg11 = nullptr;
  for (auto* g : p.sim.from('A')) {
    if (g->repr.seq == base + 1448 && !g->dropped) rexmit = g;
    if (g->repr.seq == base + 10 * 1448 && !seg11) seg11 = g;
  }
  ASSERT_NE(rexmit, nullptr);
  ASSERT_NE(seg11, nullptr);
  EXPECT_EQ(rexmit->at, t1 + ms(20));
  EXPECT_LE(seg11->at, rexmit->at);
  EXPECT_LT(p.sim.log.size(), 200u);
  std::vector<uint8_t> got(d.size());
  ASSERT_EQ(*p.server.recv(MutBytes(got.data(), got.size())), d.size());
  EXPECT_EQ(got, d);
}

TEST(TcpRetransmit, newreno_partial_ack_repairs_a_second_loss_without_timeout) {
  Pair<65536, 65536> p;
  ASSERT_TRUE(p.connect());
  const uint32_t base = 0x10000001u;
  int lost2 = 0, lost5 = 0;
  p.sim.drop_if = [&](const Seg& s) {
    if (s.from != 'A') return false;
    if (s.repr.seq == base + 1448 && !lost2) return bool(++lost2);
    if (s.repr.seq == base + 4 * 1448 && !lost5) return bool(++lost5);
    return false;
  };
  auto d = data_of(10 * 1448);
  ASSERT_EQ(*p.client.send(Bytes(d.data(), d.size())), d.size());
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == d.size(); }, secs(10)));
  p.sim.run_for(ms(100));  // the final ACK reaches the client
  auto diag = p.client.diagnostics();
  EXPECT_EQ(diag.fast_recoveries, 1u);
  EXPECT_EQ(diag.timeouts, 0u);
  EXPECT_EQ(diag.retransmissions, 2u);
  // FlightSize at the third dupack: 9 segments; after the full ACK cwnd = ssthresh
  // = FlightSize/2 (RFC 5681 eq. 4, RFC 6582 §3.2 step 3)
  EXPECT_EQ(diag.ssthresh, 9u * 1448u / 2);
  EXPECT_EQ(diag.cwnd, 9u * 1448u / 2);
}

TEST(TcpRetransmit, rto_collapses_cwnd_to_one_segment) {
  Pair<65536, 65536> p;
  ASSERT_TRUE(p.connect());
  p.sim.drop_if = [](const Seg& s) { return s.from == 'B'; };  // every ACK lost
  auto d = data_of(5 * 1448);
  ASSERT_TRUE(p.client.send(Bytes(d.data(), d.size())));
  p.sim.run_for(ms(1500));
  auto diag = p.client.diagnostics();
  EXPECT_EQ(diag.timeouts, 1u);
  EXPECT_EQ(diag.cwnd, 1448u);
  EXPECT_EQ(diag.ssthresh, 5u * 1448u / 2);  // max(FlightSize/2, 2*SMSS)
  EXPECT_EQ(diag.rto, secs(2));
}

TEST(TcpRetransmit, keepalive_probes_then_times_out_a_silent_peer) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto& o = p.client.options();
  o.keepalive = true;
  o.keepalive_idle = secs(10);
  o.keepalive_interval = secs(1);
  o.keepalive_count = 3;
  Instant t1 = p.sim.now() - ms(10);  // the last segment the client received
  p.sim.drop_if = [](const Seg& s) { return s.from == 'B'; };
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  std::vector<Instant> at;
  for (auto* g : p.sim.from('A'))
    if (g->at > t1 + secs(1)) at.push_back(g->at);
  EXPECT_EQ(at, (std::vector<Instant>{t1 + secs(10), t1 + secs(11), t1 + secs(12)}));
  EXPECT_EQ(p.sim.now(), t1 + secs(13));
  EXPECT_EQ(p.client.error(), Error::TimedOut);
  EXPECT_EQ(p.client.diagnostics().keepalive_probes, 3u);
}

TEST(TcpRetransmit, answered_keepalives_keep_the_connection) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto& o = p.client.options();
  o.keepalive = true;
  o.keepalive_idle = secs(10);
  o.keepalive_interval = secs(1);
  o.keepalive_count = 2;
  p.sim.run_for(secs(60));
  EXPECT_EQ(p.client.state(), State::Established);
  EXPECT_EQ(p.client.diagnostics().keepalive_probes, 5u);  // one per 10 s + RTT of silence
  const Seg* probe = p.sim.from('A').back();
  EXPECT_EQ(probe->repr.seq, p.client.diagnostics().snd_una - 1);
}

}  // namespace
}  // namespace keel::test::tcp_sim

namespace keel::test::tcp_sim {
namespace {

TEST(TcpRetransmit, a_timed_out_syn_leaves_an_rto_of_three_seconds_for_the_data) {
  Pair<> p;
  int drops = 0;
  p.sim.drop_if = [&](const Seg& s) { return s.from == 'A' && s.has(flag::kSyn) && drops++ < 2; };
  ASSERT_TRUE(p.connect());  // SYN at 0, 1 s, 3 s: the third gets through
  auto d = p.client.diagnostics();
  EXPECT_EQ(d.timeouts, 2u);
  EXPECT_EQ(d.rto, secs(3));  // RFC 6298 (5.7), not the backed-off 4 s
}

}  // namespace
}  // namespace keel::test::tcp_sim
