// tcp_timers_test.cpp — every TCP timer at its exact simulated instants: the
// retransmission timer (RFC 6298: initial RTO, doubling, the max_rto cap, giving up
// after max_retries, SYN and FIN retransmissions, the backoff ending with new data
// acknowledged), the persist timer (RFC 9293 §3.8.6.1: probe schedule with backoff and
// cap, a zero window answered forever keeps the connection, a lost window update found
// by the next probe) and keepalive (RFC 9293 §3.8.4: off by default, the idle time
// counted from the last segment received). One-way delay is 10 ms, so RTT is 20 ms and
// the RTO sits at min_rto (1 s) unless a test says otherwise.
#include "tcp_scenarios.hpp"

namespace keel::test::tcp_sim {
namespace {

// times_of — when the segments matching pred were sent, relative to t0.
template <class Pred>
std::vector<Duration> times_of(const Sim& sim, char who, Instant t0, Pred pred) {
  std::vector<Duration> v;
  for (const Seg* g : sim.from(who))
    if (g->at >= t0 && pred(*g)) v.push_back(g->at - t0);
  return v;
}

std::vector<Duration> seconds_list(std::initializer_list<int64_t> s) {
  std::vector<Duration> v;
  for (int64_t x : s) v.push_back(secs(x));
  return v;
}

std::string show(const std::vector<Duration>& v) {
  std::string out;
  for (Duration d : v) out += std::to_string(d.as_millis()) + "ms ";
  return out;
}

// ---- retransmission timer ----

TEST(TcpTimers, rto_doubles_up_to_max_rto_and_stays_there_until_giving_up) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().tail_loss_probe = false;  // the timer alone
  p.client.options().max_rto = secs(4);
  p.client.options().max_retries = 6;
  p.sim.drop_if = [](const Seg& s) { return s.from == 'A' && s.len(); };
  Instant t0 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of("lost forever")), 12u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  auto at = times_of(p.sim, 'A', t0, [](const Seg& g) { return g.len() != 0; });
  // 1 s, 2 s, then 4 s (the cap) between sends; six retransmissions.
  EXPECT_EQ(at, seconds_list({0, 1, 3, 7, 11, 15, 19})) << show(at);
  EXPECT_EQ(p.sim.now() - t0, secs(23));  // the seventh expiry gives up
  EXPECT_EQ(p.client.error(), Error::TimedOut);
  EXPECT_EQ(p.client.diagnostics().timeouts, 7u);
  EXPECT_EQ(p.client.diagnostics().rto, secs(4));
}

TEST(TcpTimers, initial_rto_times_syn_retransmissions_before_any_rtt_sample) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  s.options().initial_rto = secs(3);
  s.options().syn_retries = 2;
  Instant t0 = sim.now();
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1000));
  ASSERT_TRUE(sim.run_until([&] { return s.state() == State::Closed; }, secs(100)));
  auto at = times_of(sim, 'A', t0, [](const Seg& g) { return g.has(flag::kSyn); });
  EXPECT_EQ(at, seconds_list({0, 3, 9})) << show(at);
  EXPECT_EQ(sim.now() - t0, secs(21));  // 3 + 6 + 12
  EXPECT_EQ(s.error(), Error::TimedOut);
}

TEST(TcpTimers, syn_retransmissions_are_capped_by_max_rto) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  s.options().max_rto = secs(3);
  s.options().syn_retries = 4;
  Instant t0 = sim.now();
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1000));
  ASSERT_TRUE(sim.run_until([&] { return s.state() == State::Closed; }, secs(100)));
  auto at = times_of(sim, 'A', t0, [](const Seg& g) { return g.has(flag::kSyn); });
  EXPECT_EQ(at, seconds_list({0, 1, 3, 6, 9})) << show(at);
  EXPECT_EQ(sim.now() - t0, secs(12));
}

TEST(TcpTimers, a_lost_fin_is_retransmitted_with_backoff_and_fin_wait_1_gives_up) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().max_retries = 3;
  p.sim.drop_if = [](const Seg& s) { return s.from == 'A' && s.has(flag::kFin); };
  Instant t0 = p.sim.now();
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  auto at = times_of(p.sim, 'A', t0, [](const Seg& g) { return g.has(flag::kFin); });
  EXPECT_EQ(at, seconds_list({0, 1, 3, 7})) << show(at);
  for (const Seg* g : p.sim.from('A')) {
    if (g->has(flag::kFin)) {
      EXPECT_EQ(g->repr.seq, 0x10000001u);
    }
  }
  EXPECT_EQ(p.sim.now() - t0, secs(15));
  EXPECT_EQ(p.client.error(), Error::TimedOut);
}

TEST(TcpTimers, backoff_ends_when_new_data_is_acknowledged) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().tail_loss_probe = false;  // the timer alone
  // The first segment is lost twice (RTO 1 s, then 2 s); the second once.
  int lost_first = 0, lost_second = 0;
  p.sim.drop_if = [&](const Seg& s) {
    if (s.from != 'A' || !s.len()) return false;
    if (s.repr.seq == 0x10000001u && lost_first < 2) return bool(++lost_first);
    if (s.repr.seq == 0x10000002u && lost_second < 1) return bool(++lost_second);
    return false;
  };
  Instant t0 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of("a")), 1u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 1; }, secs(10)));
  EXPECT_EQ(p.sim.now() - t0, secs(3) + ms(10));
  p.sim.run_for(ms(100));  // the ACK comes back: snd_una advances, the backoff ends
  EXPECT_EQ(p.client.diagnostics().rto, secs(1));
  Instant t1 = p.sim.now();
  ASSERT_EQ(*p.client.send(bytes_of("b")), 1u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 2; }, secs(10)));
  auto at = times_of(p.sim, 'A', t1, [](const Seg& g) { return g.len() != 0; });
  EXPECT_EQ(at, seconds_list({0, 1})) << show(at);  // 1 s again, not 4 s
}

// ---- persist timer ----

// ZeroWindow — a client with 12000 bytes to send to a server whose 4096-byte buffer is
// never read: the window closes after 4096 bytes.
struct ZeroWindow {
  Pair<4096, 16384> p;
  std::vector<uint8_t> d = data_of(12000);
  Instant closed_at;  // when the client learnt of the zero window
  bool setup() {
    if (!p.connect()) return false;
    if (*p.client.send(bytes_of(d)) != d.size()) return false;
    bool ok = p.sim.run_until([&] {
      return p.client.diagnostics().snd_wnd == 0 &&
             p.client.diagnostics().snd_una == 0x10000001u + 4096;
    }, secs(5));
    closed_at = p.sim.now();
    return ok;
  }
  bool is_probe(const Seg& g) const {
    return g.pure_ack() && g.repr.seq == p.client.diagnostics().snd_una - 1;
  }
};

TEST(TcpTimers, zero_window_probes_back_off_from_the_rto_to_max_rto) {
  ZeroWindow z;
  z.p.client.options().max_rto = secs(10);
  ASSERT_TRUE(z.setup());
  z.p.sim.run_for(secs(60));
  auto at = times_of(z.p.sim, 'A', z.closed_at, [&](const Seg& g) { return z.is_probe(g); });
  // 1, 2, 4, 8 s, then every 10 s (max_rto).
  EXPECT_EQ(at, seconds_list({1, 3, 7, 15, 25, 35, 45, 55})) << show(at);
  EXPECT_EQ(z.p.client.diagnostics().zero_window_probes, at.size());
  EXPECT_EQ(z.p.server.recv_queue(), 4096u);
}

TEST(TcpTimers, a_zero_window_answered_for_an_hour_never_times_out) {
  ZeroWindow z;
  z.p.client.options().max_retries = 3;
  z.p.client.options().user_timeout = secs(30);
  ASSERT_TRUE(z.setup());
  z.p.sim.run_for(secs(3600));
  EXPECT_EQ(z.p.client.state(), State::Established);
  EXPECT_EQ(z.p.client.diagnostics().timeouts, 0u);
  EXPECT_GE(z.p.client.diagnostics().zero_window_probes, 60u);  // every max_rto (60 s)
  // Then the application reads, and everything arrives intact.
  std::vector<uint8_t> got;
  ASSERT_TRUE(z.p.sim.run_until([&] {
    auto more = read_all(z.p.server);
    got.insert(got.end(), more.begin(), more.end());
    return got.size() == z.d.size();
  }, secs(300)));
  EXPECT_EQ(got, z.d);
}

TEST(TcpTimers, a_lost_window_update_is_found_by_the_next_probe) {
  ZeroWindow z;
  ASSERT_TRUE(z.setup());
  z.p.sim.run_for(ms(1500));  // the first probe (at 1 s) was answered with window 0
  // The server reads everything; its window update is lost.
  z.p.sim.drop_if = [](const Seg& s) { return s.from == 'B' && s.pure_ack() && s.repr.window != 0; };
  auto got = read_all(z.p.server);
  ASSERT_EQ(got.size(), 4096u);
  z.p.sim.flush();
  size_t lost_updates = 0;
  for (const Seg* g : z.p.sim.from('B')) lost_updates += g->dropped;
  ASSERT_EQ(lost_updates, 1u);
  z.p.sim.drop_if = nullptr;
  // The next probe, 3 s after the window closed, draws an ACK with the open window.
  ASSERT_TRUE(z.p.sim.run_until([&] {
    auto more = read_all(z.p.server);
    got.insert(got.end(), more.begin(), more.end());
    return got.size() == z.d.size();
  }, secs(30)));
  EXPECT_EQ(got, z.d);
  const Seg* resumed = nullptr;
  for (const Seg* g : z.p.sim.from('A'))
    if (g->len() && g->repr.seq == 0x10000001u + 4096 && !resumed) resumed = g;
  ASSERT_NE(resumed, nullptr);
  EXPECT_EQ(resumed->at, z.closed_at + secs(3) + ms(20));  // probe + one RTT
  EXPECT_EQ(z.p.client.diagnostics().timeouts, 0u);
}

// RFC 9293 §3.8.6.1 lets a sender give up on a peer that stops answering probes (Linux
// does after tcp_retries2): a peer that announced a zero window and vanished must not
// hold the socket and its buffers for good.
TEST(TcpTimers, unanswered_zero_window_probes_give_up_after_max_retries) {
  ZeroWindow z;
  z.p.client.options().max_retries = 3;
  ASSERT_TRUE(z.setup());
  z.p.sim.drop_if = [](const Seg& s) { return s.from == 'B'; };  // the peer vanishes
  ASSERT_TRUE(z.p.sim.run_until([&] { return z.p.client.state() == State::Closed; }, secs(3600)));
  EXPECT_EQ(z.p.client.error(), Error::TimedOut);
  // Probes at 1, 3 and 7 s go unanswered; when the fourth is due, the socket gives up.
  EXPECT_EQ(z.p.client.diagnostics().zero_window_probes, 3u);
  EXPECT_EQ(z.p.sim.now() - z.closed_at, secs(15));
}

// ---- keepalive ----

TEST(TcpTimers, keepalive_is_off_by_default) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  size_t mark = p.sim.log.size();
  p.sim.run_for(secs(4 * 3600));
  EXPECT_EQ(sent_since(p.sim, 'A', mark), 0u);
  EXPECT_EQ(p.client.state(), State::Established);
  EXPECT_EQ(p.client.poll_at(), Optional<Instant>());
}

TEST(TcpTimers, keepalive_idle_time_counts_from_the_last_segment_received) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto& o = p.client.options();
  o.keepalive = true;
  o.keepalive_idle = secs(10);
  o.keepalive_interval = secs(1);
  p.sim.run_for(secs(6));
  ASSERT_EQ(*p.server.send(bytes_of("x")), 1u);  // arrives 10 ms later
  Instant arrival = p.sim.now() + ms(10);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.diagnostics().keepalive_probes == 1; },
                              secs(30)));
  const Seg* probe = p.sim.from('A').back();
  EXPECT_EQ(probe->at, arrival + secs(10));
  EXPECT_EQ(probe->repr.seq, p.client.diagnostics().snd_una - 1);
  EXPECT_EQ(probe->len(), 0u);
}

TEST(TcpTimers, an_answered_keepalive_resets_the_probe_count) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto& o = p.client.options();
  o.keepalive = true;
  o.keepalive_idle = secs(10);
  o.keepalive_interval = secs(1);
  o.keepalive_count = 3;
  // The first two answers are lost, the third arrives: the count starts over.
  int answers = 0;
  p.sim.drop_if = [&](const Seg& s) { return s.from == 'B' && ++answers <= 2; };
  Instant t0 = p.sim.now() - ms(10);  // the last segment the client received
  p.sim.run_for(secs(13));
  ASSERT_EQ(p.client.diagnostics().keepalive_probes, 3u);
  EXPECT_EQ(p.client.state(), State::Established);
  Instant answered = t0 + secs(12) + ms(20);
  // Then the peer goes silent: a full idle time and three unanswered probes again.
  p.sim.drop_if = [](const Seg& s) { return s.from == 'B'; };
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  EXPECT_EQ(p.sim.now(), answered + secs(10) + secs(3));
  EXPECT_EQ(p.client.diagnostics().keepalive_probes, 6u);
  EXPECT_EQ(p.client.error(), Error::TimedOut);
}

TEST(TcpTimers, keepalive_expiry_in_close_wait_times_the_connection_out) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto& o = p.client.options();
  o.keepalive = true;
  o.keepalive_idle = secs(20);
  o.keepalive_interval = secs(2);
  o.keepalive_count = 2;
  p.server.shutdown_write();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::CloseWait; }, secs(1)));
  Instant fin_at = p.sim.now();  // the FIN arrived: the last segment received
  p.sim.drop_if = [](const Seg& s) { return s.from == 'B'; };
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  EXPECT_EQ(p.sim.now() - fin_at, secs(24));  // idle 20 s + 2 unanswered probes of 2 s
  EXPECT_EQ(p.client.error(), Error::TimedOut);
  EXPECT_EQ(p.client.diagnostics().keepalive_probes, 2u);
}

}  // namespace
}  // namespace keel::test::tcp_sim
