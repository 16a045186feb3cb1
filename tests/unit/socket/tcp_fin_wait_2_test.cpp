// tcp_fin_wait_2_test.cpp — FIN-WAIT-2 does not last forever once the application has
// closed: a peer that acknowledged our FIN but never sends its own (a crashed or buggy
// application in CLOSE-WAIT) would hold the socket for good. After close() and the ACK
// of our FIN, the socket gives up after Options::fin_wait2_timeout (Linux
// tcp_fin_timeout, 60 s): Closed, TimedOut, counted, nothing sent. A half-close
// (shutdown_write) keeps reading and waits as long as the peer likes.
#include "tcp_scenarios.hpp"

namespace keel::test::tcp_sim {
namespace {

// Closes the client and returns when its FIN was acknowledged (FIN-WAIT-2 entered).
Instant close_until_fin_wait_2(Pair<>& p, bool full_close) {
  if (full_close)
    p.client.close();
  else
    p.client.shutdown_write();
  EXPECT_TRUE(p.sim.run_until([&] { return p.client.state() == State::FinWait2; }, secs(2)));
  return p.sim.now();
}

TEST(TcpFinWait2, after_close_the_socket_gives_up_fin_wait2_timeout_after_our_fin_was_acked) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().fin_wait2_timeout = secs(30);
  Instant acked = close_until_fin_wait_2(p, true);
  size_t mark = p.sim.log.size();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  EXPECT_EQ(p.sim.now() - acked, secs(30));
  EXPECT_EQ(p.client.error(), Error::TimedOut);
  EXPECT_EQ(p.client.diagnostics().fin_wait2_timeouts, 1u);
  EXPECT_EQ(sent_since(p.sim, 'A', mark), 0u);  // silently, as Linux does
  EXPECT_EQ(p.client.poll_at(), Optional<Instant>());
  EXPECT_EQ(p.server.state(), State::CloseWait);
}

TEST(TcpFinWait2, the_default_timeout_is_60_seconds) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  EXPECT_EQ(p.client.options().fin_wait2_timeout, secs(60));
  Instant acked = close_until_fin_wait_2(p, true);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  EXPECT_EQ(p.sim.now() - acked, secs(60));
}

TEST(TcpFinWait2, a_half_closed_socket_waits_for_the_peer_as_long_as_it_takes) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().fin_wait2_timeout = secs(30);
  close_until_fin_wait_2(p, false);
  p.sim.run_for(secs(3600));
  EXPECT_EQ(p.client.state(), State::FinWait2);
  EXPECT_EQ(p.client.diagnostics().fin_wait2_timeouts, 0u);
  // An hour later the peer still sends, and then closes.
  ASSERT_EQ(*p.server.send(bytes_of("late reply")), 10u);
  p.server.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::TimeWait; }, secs(2)));
  EXPECT_EQ(read_all(p.client).size(), 10u);
}

TEST(TcpFinWait2, close_after_a_half_close_starts_the_timeout_then) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().fin_wait2_timeout = secs(30);
  close_until_fin_wait_2(p, false);
  p.sim.run_for(secs(100));
  ASSERT_EQ(p.client.state(), State::FinWait2);
  Instant closed = p.sim.now();
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  EXPECT_EQ(p.sim.now() - closed, secs(30));
  EXPECT_EQ(p.client.error(), Error::TimedOut);
}

TEST(TcpFinWait2, the_peers_fin_before_the_timeout_leads_to_time_wait_as_usual) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().fin_wait2_timeout = secs(30);
  p.client.options().time_wait = secs(60);
  close_until_fin_wait_2(p, true);
  p.sim.run_for(secs(20));
  p.server.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::TimeWait; }, secs(1)));
  Instant tw = p.sim.now();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  EXPECT_EQ(p.sim.now() - tw, secs(60));  // TIME-WAIT's 2MSL, not the FIN-WAIT-2 timer
  EXPECT_EQ(p.client.error(), Error::None);
  EXPECT_EQ(p.client.diagnostics().fin_wait2_timeouts, 0u);
}

TEST(TcpFinWait2, a_zero_timeout_waits_forever) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().fin_wait2_timeout = Duration{};
  close_until_fin_wait_2(p, true);
  p.sim.run_for(secs(3600));
  EXPECT_EQ(p.client.state(), State::FinWait2);
}

TEST(TcpFinWait2, the_timer_does_not_run_while_our_fin_is_unacknowledged) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().fin_wait2_timeout = secs(5);
  p.client.options().max_retries = 4;
  p.sim.drop_if = [](const Seg& s) { return s.from == 'A' && s.has(flag::kFin); };
  Instant t0 = p.sim.now();
  p.client.close();  // FIN-WAIT-1 until the retransmissions give up: 1+2+4+8+16 s
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(100)));
  EXPECT_EQ(p.sim.now() - t0, secs(31));
  EXPECT_EQ(p.client.diagnostics().fin_wait2_timeouts, 0u);
}

}  // namespace
}  // namespace keel::test::tcp_sim
