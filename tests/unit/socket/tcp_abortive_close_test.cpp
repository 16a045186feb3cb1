// tcp_abortive_close_test.cpp — when close() must reset instead of finishing gracefully
// (RFC 9293 §3.10.4, RFC 1122 §4.2.2.13, RFC 2525 §2.17): received data the application
// never read, or data arriving after it closed, would otherwise be lost while the peer
// believes it delivered — so the socket sends RST, not FIN, and is Closed (Aborted).
// Options::linger of zero makes every close() abortive (SO_LINGER 0). A half-close
// (shutdown_write) and a close after reading everything stay graceful.
#include "tcp_scenarios.hpp"

namespace keel::test::tcp_sim {
namespace {

// fins_from — how many segments with FIN `who` sent.
size_t fins_from(const Sim& sim, char who) {
  size_t n = 0;
  for (const Seg* g : sim.from(who)) n += g->has(flag::kFin);
  return n;
}

const Seg* first_rst_from(const Sim& sim, char who) {
  for (const Seg* g : sim.from(who))
    if (g->has(flag::kRst)) return g;
  return nullptr;
}

TEST(TcpAbortiveClose, close_with_unread_data_sends_rst_instead_of_fin) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  ASSERT_EQ(*p.client.send(bytes_of("unread")), 6u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 6; }, secs(1)));
  auto d = p.server.diagnostics();
  p.server.close();
  EXPECT_EQ(p.server.state(), State::Closed);
  EXPECT_EQ(p.server.error(), Error::Aborted);
  EXPECT_EQ(p.server.diagnostics().aborts_on_close, 1u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(1)));
  EXPECT_EQ(p.client.error(), Error::Reset);
  const Seg* rst = first_rst_from(p.sim, 'B');
  ASSERT_NE(rst, nullptr);
  EXPECT_EQ(rst->repr.seq, d.snd_nxt);  // RFC 9293 §3.10.5: <SEQ=SND.NXT><CTL=RST>
  EXPECT_EQ(fins_from(p.sim, 'B'), 0u);
}

TEST(TcpAbortiveClose, close_after_reading_everything_is_graceful) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  ASSERT_EQ(*p.client.send(bytes_of("read me")), 7u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 7; }, secs(1)));
  EXPECT_EQ(read_all(p.server).size(), 7u);
  p.server.close();
  ASSERT_TRUE(p.sim.run_until([&] {
    return p.client.state() == State::CloseWait && p.server.state() == State::FinWait2;
  }, secs(1)));
  EXPECT_EQ(p.server.diagnostics().aborts_on_close, 0u);
  EXPECT_EQ(first_rst_from(p.sim, 'B'), nullptr);
}

TEST(TcpAbortiveClose, close_in_close_wait_with_unread_data_sends_rst) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  ASSERT_EQ(*p.client.send(bytes_of("last words")), 10u);
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.state() == State::CloseWait; }, secs(1)));
  p.server.close();  // the ten bytes were never read
  EXPECT_EQ(p.server.state(), State::Closed);
  EXPECT_EQ(p.server.error(), Error::Aborted);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(1)));
  EXPECT_EQ(p.client.error(), Error::Reset);  // reset in FIN-WAIT-2, not a TIME-WAIT
  EXPECT_EQ(fins_from(p.sim, 'B'), 0u);
}

TEST(TcpAbortiveClose, data_arriving_after_close_is_answered_with_rst) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::FinWait2; }, secs(1)));
  ASSERT_EQ(*p.server.send(bytes_of("too late")), 8u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(1)));
  EXPECT_EQ(p.client.error(), Error::Aborted);
  EXPECT_EQ(p.client.diagnostics().aborts_on_data, 1u);
  const Seg* rst = first_rst_from(p.sim, 'A');
  ASSERT_NE(rst, nullptr);
  EXPECT_EQ(rst->repr.seq, p.client.diagnostics().snd_nxt);  // the data's ACK: our FIN + 1
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.state() == State::Closed; }, secs(1)));
  EXPECT_EQ(p.server.error(), Error::Reset);
}

TEST(TcpAbortiveClose, data_crossing_our_fin_in_fin_wait_1_is_answered_with_rst) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  ASSERT_EQ(*p.server.send(bytes_of("crossing")), 8u);  // in flight while we close
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::Closed; }, secs(1)));
  EXPECT_EQ(p.client.error(), Error::Aborted);
  EXPECT_EQ(p.client.diagnostics().aborts_on_data, 1u);
  EXPECT_NE(first_rst_from(p.sim, 'A'), nullptr);
}

TEST(TcpAbortiveClose, a_half_closed_socket_keeps_receiving_data) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.shutdown_write();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::FinWait2; }, secs(1)));
  ASSERT_EQ(*p.server.send(bytes_of("welcome")), 7u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.recv_queue() == 7; }, secs(1)));
  EXPECT_EQ(p.client.state(), State::FinWait2);
  EXPECT_EQ(first_rst_from(p.sim, 'A'), nullptr);
}

TEST(TcpAbortiveClose, only_new_data_after_close_resets_a_retransmitted_old_segment_does_not) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  ASSERT_EQ(*p.server.send(bytes_of("old")), 3u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.recv_queue() == 3; }, secs(1)));
  const Seg* old = data_segments(p.sim, 'B').back();
  wire::tcp::Repr again = old->repr;
  std::vector<uint8_t> payload(old->repr.payload.data(), old->repr.payload.data() + old->len());
  again.payload = bytes_of(payload);
  read_all(p.client);
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] { return p.client.state() == State::FinWait2; }, secs(1)));
  again.ack = p.client.diagnostics().snd_nxt;
  again.timestamps.reset();
  p.sim.inject('A', again);  // a duplicate of data already read: ACKed, no reset
  EXPECT_EQ(p.client.state(), State::FinWait2);
  EXPECT_EQ(first_rst_from(p.sim, 'A'), nullptr);
}

TEST(TcpAbortiveClose, linger_zero_makes_close_send_rst) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().linger = Duration{};
  p.client.close();
  EXPECT_EQ(p.client.state(), State::Closed);
  EXPECT_EQ(p.client.error(), Error::Aborted);
  EXPECT_EQ(p.client.diagnostics().aborts_on_close, 1u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.state() == State::Closed; }, secs(1)));
  EXPECT_EQ(p.server.error(), Error::Reset);
  EXPECT_EQ(fins_from(p.sim, 'A'), 0u);
}

TEST(TcpAbortiveClose, linger_zero_discards_unsent_data) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.sim.drop_if = [](const Seg& s) { return s.from == 'B'; };  // nothing gets acknowledged
  auto d = data_of(100000);
  ASSERT_GT(*p.client.send(bytes_of(d)), 0u);
  p.sim.flush();
  size_t data_before = data_segments(p.sim, 'A').size();
  p.client.options().linger = Duration{};
  p.client.close();
  p.sim.run_for(secs(10));
  EXPECT_EQ(data_segments(p.sim, 'A').size(), data_before);  // nothing more, not resent
  EXPECT_EQ(p.client.state(), State::Closed);
}

TEST(TcpAbortiveClose, a_nonzero_linger_closes_gracefully) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().linger = secs(5);
  ASSERT_EQ(*p.client.send(bytes_of("data first")), 10u);
  p.client.close();
  ASSERT_TRUE(p.sim.run_until([&] {
    return p.server.state() == State::CloseWait && p.client.state() == State::FinWait2;
  }, secs(1)));
  EXPECT_EQ(read_all(p.server).size(), 10u);
  EXPECT_EQ(fins_from(p.sim, 'A'), 1u);
  EXPECT_EQ(first_rst_from(p.sim, 'A'), nullptr);
}

TEST(TcpAbortiveClose, linger_zero_in_syn_sent_just_closes) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  s.options().linger = Duration{};
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1));
  sim.flush();
  s.close();
  sim.run_for(secs(5));
  EXPECT_EQ(s.state(), State::Closed);
  EXPECT_EQ(sim.from('A').size(), 1u);  // the SYN only: nothing to reset yet
}

}  // namespace
}  // namespace keel::test::tcp_sim
