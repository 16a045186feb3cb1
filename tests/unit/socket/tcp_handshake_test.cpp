// tcp_handshake_test.cpp — opening connections (RFC 9293 §3.5): active open to a
// Listener, options negotiated (MSS, window scale, SACK-permitted, timestamps),
// simultaneous open, refused connections and bad ACKs in SYN-SENT / LISTEN.
#include "tcp_sim.hpp"

namespace keel::test::tcp_sim {
namespace {

TEST(TcpHandshake, three_way_handshake_reaches_established_on_both_sides) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto a = p.sim.from('A'), b = p.sim.from('B');
  ASSERT_GE(a.size(), 2u);
  ASSERT_GE(b.size(), 1u);
  EXPECT_EQ(a[0]->repr.flags, flag::kSyn);
  EXPECT_EQ(a[0]->repr.seq, 0x10000000u);
  EXPECT_EQ(b[0]->repr.flags, flag::kSyn | flag::kAck);
  EXPECT_EQ(b[0]->repr.seq, 0x20000000u);
  EXPECT_EQ(b[0]->repr.ack, 0x10000001u);
  EXPECT_TRUE(a[1]->pure_ack());
  EXPECT_EQ(a[1]->repr.seq, 0x10000001u);
  EXPECT_EQ(a[1]->repr.ack, 0x20000001u);
  EXPECT_EQ(p.client.remote(), kEpB);
  EXPECT_EQ(p.server.remote(), kEpA);
  EXPECT_EQ(p.server.local(), kEpB);
}

TEST(TcpHandshake, syn_carries_mss_window_scale_sack_permitted_and_timestamps) {
  Pair<65536 * 4, 16384> p;
  p.client.options().mss = 1400;
  ASSERT_TRUE(p.connect());
  const Seg* syn = p.sim.from('A')[0];
  EXPECT_EQ(syn->repr.mss, Optional<uint16_t>(1400));
  EXPECT_EQ(syn->repr.window_scale, Optional<uint8_t>(3));  // 256 KiB >> 3 fits 16 bits
  EXPECT_TRUE(syn->repr.sack_permitted);
  ASSERT_TRUE(syn->repr.timestamps.has_value());
  EXPECT_EQ(syn->repr.timestamps->tsecr, 0u);
  EXPECT_EQ(syn->repr.window, 0xffff);  // a SYN's window is never scaled
  auto d = p.client.diagnostics();
  EXPECT_TRUE(d.window_scaling);
  EXPECT_TRUE(d.sack);
  EXPECT_TRUE(d.timestamps);
  EXPECT_EQ(d.rcv_wscale, 3);
  EXPECT_EQ(d.snd_wscale, 3);
  // min(1400, 1460) minus the 12 bytes of timestamps in every segment
  EXPECT_EQ(d.smss, 1388u);
  EXPECT_EQ(p.server.diagnostics().smss, 1388u);
}

TEST(TcpHandshake, options_not_offered_are_not_used) {
  Pair<> p;
  p.client.options().window_scaling = false;
  p.client.options().timestamps = false;
  p.client.options().sack = false;
  ASSERT_TRUE(p.connect());
  const Seg* synack = p.sim.from('B')[0];
  EXPECT_FALSE(synack->repr.window_scale.has_value());
  EXPECT_FALSE(synack->repr.timestamps.has_value());
  EXPECT_FALSE(synack->repr.sack_permitted);
  auto d = p.server.diagnostics();
  EXPECT_FALSE(d.window_scaling || d.timestamps || d.sack);
  EXPECT_EQ(d.smss, 1460u);
}

TEST(TcpHandshake, missing_mss_option_means_536) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1000));
  sim.flush();
  wire::tcp::Repr r;
  r.src_port = 80;
  r.dst_port = 40000;
  r.seq = 5000;
  r.ack = 1001;
  r.flags = flag::kSyn | flag::kAck;
  r.window = 8192;
  sim.inject('A', r);
  EXPECT_EQ(s.state(), State::Established);
  EXPECT_EQ(s.diagnostics().smss, 536u);
  EXPECT_EQ(s.diagnostics().snd_wnd, 8192u);
}

TEST(TcpHandshake, rst_answering_syn_refuses_the_connection) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1000));
  sim.flush();
  wire::tcp::Repr r;
  r.src_port = 80;
  r.dst_port = 40000;
  r.ack = 1001;
  r.flags = flag::kRst | flag::kAck;
  sim.inject('A', r);
  EXPECT_EQ(s.state(), State::Closed);
  EXPECT_EQ(s.error(), Error::Refused);
}

TEST(TcpHandshake, rst_without_acceptable_ack_is_ignored_in_syn_sent) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1000));
  sim.flush();
  wire::tcp::Repr r;
  r.src_port = 80;
  r.dst_port = 40000;
  r.ack = 1234;  // does not acknowledge our SYN
  r.flags = flag::kRst | flag::kAck;
  sim.inject('A', r);
  EXPECT_EQ(s.state(), State::SynSent);
  r.flags = flag::kRst;  // no ACK at all (RFC 9293 §3.10.7.3)
  sim.inject('A', r);
  EXPECT_EQ(s.state(), State::SynSent);
}

TEST(TcpHandshake, bad_ack_in_syn_sent_is_answered_with_rst) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1000));
  sim.flush();
  wire::tcp::Repr r;
  r.src_port = 80;
  r.dst_port = 40000;
  r.seq = 77;
  r.ack = 5555;
  r.flags = flag::kSyn | flag::kAck;
  sim.inject('A', r);
  EXPECT_EQ(s.state(), State::SynSent);
  const Seg& rst = sim.log.back();
  EXPECT_EQ(rst.repr.flags, flag::kRst);
  EXPECT_EQ(rst.repr.seq, 5555u);
}

TEST(TcpHandshake, simultaneous_open_goes_through_syn_received) {
  Sim sim;
  FixedSocket<> a, b;
  sim.a().sockets.push_back(&a);
  sim.b().sockets.push_back(&b);
  ASSERT_TRUE(a.connect(sim.now(), kEpA, kEpB, 100));
  ASSERT_TRUE(b.connect(sim.now(), kEpB, kEpA, 900));
  std::vector<State> seen_a;
  sim.run_until([&] {
    if (seen_a.empty() || seen_a.back() != a.state()) seen_a.push_back(a.state());
    return a.state() == State::Established && b.state() == State::Established;
  }, secs(5));
  EXPECT_EQ(a.state(), State::Established);
  EXPECT_EQ(b.state(), State::Established);
  EXPECT_EQ(seen_a, (std::vector<State>{State::SynSent, State::SynReceived, State::Established}));
  // both sent SYN then SYN,ACK with the same ISN
  auto fa = sim.from('A');
  EXPECT_EQ(fa[0]->repr.flags, flag::kSyn);
  EXPECT_EQ(fa[1]->repr.flags, flag::kSyn | flag::kAck);
  EXPECT_EQ(fa[1]->repr.seq, 100u);
  EXPECT_EQ(fa[1]->repr.ack, 901u);
  // and data flows afterwards
  ASSERT_TRUE(a.send(Bytes(reinterpret_cast<const uint8_t*>("hi"), 2)));
  sim.run_until([&] { return b.recv_queue() == 2; }, secs(2));
  EXPECT_EQ(b.recv_queue(), 2u);
}

TEST(TcpHandshake, listener_answers_ack_without_connection_with_rst) {
  Sim sim;
  FixedListener<4> l;
  FixedIsn isn(1);
  sim.b().listener = &l;
  ASSERT_TRUE(l.listen(kEpB, isn));
  wire::tcp::Repr r;
  r.src_port = 40000;
  r.dst_port = 80;
  r.seq = 10;
  r.ack = 4242;
  r.flags = flag::kAck;
  sim.inject('B', r);
  const Seg& rst = sim.log.back();
  EXPECT_EQ(rst.from, 'B');
  EXPECT_EQ(rst.repr.flags, flag::kRst);
  EXPECT_EQ(rst.repr.seq, 4242u);
  EXPECT_EQ(l.stats().resets_sent, 1u);
}

TEST(TcpHandshake, listener_retransmits_syn_ack_and_gives_up) {
  Sim sim;
  FixedListener<4> l;
  FixedIsn isn(1);
  sim.b().listener = &l;
  ASSERT_TRUE(l.listen(kEpB, isn));
  l.options().synack_retries = 2;
  wire::tcp::Repr r;
  r.src_port = 40000;
  r.dst_port = 80;
  r.seq = 10;
  r.flags = flag::kSyn;
  r.window = 1000;
  Instant t0 = sim.now();
  sim.inject('B', r);
  EXPECT_EQ(l.half_open(), 1u);
  sim.run_for(secs(30));
  auto b = sim.from('B');
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0]->at, t0);
  EXPECT_EQ(b[1]->at, t0 + secs(1));
  EXPECT_EQ(b[2]->at, t0 + secs(3));  // 1 s, then doubled
  EXPECT_EQ(l.half_open(), 0u);
  EXPECT_EQ(l.stats().synack_timeouts, 1u);
}

TEST(TcpHandshake, full_syn_queue_drops_syns_and_counts_them) {
  Sim sim;
  FixedListener<4> l(2, 2);
  FixedIsn isn(1);
  sim.b().listener = &l;
  ASSERT_TRUE(l.listen(kEpB, isn));
  for (uint16_t port = 1; port <= 3; ++port) {
    wire::tcp::Repr r;
    r.src_port = port;
    r.dst_port = 80;
    r.seq = 10;
    r.flags = flag::kSyn;
    sim.inject('B', r);
  }
  EXPECT_EQ(l.half_open(), 2u);
  EXPECT_EQ(l.stats().syn_queue_full, 1u);
}

// A codec for the test: the cookie is the MSS xor a constant.
struct XorCookies final : SynCookieCodec {
  uint32_t encode(const FourTuple&, uint32_t, uint16_t mss, Instant) override { return 0xabcd0000u ^ mss; }
  Optional<uint16_t> decode(const FourTuple&, uint32_t, uint32_t c, Instant) override {
    if ((c & 0xffff0000u) != 0xabcd0000u) return none;
    return uint16_t(c & 0xffff);
  }
};

TEST(TcpHandshake, full_syn_queue_falls_back_to_syn_cookies) {
  Sim sim;
  FixedListener<4> l(0, 2);  // no SYN queue at all: every SYN gets a cookie
  FixedIsn isn(1);
  XorCookies cookies;
  FixedSocket<> client, server;
  sim.a().sockets.push_back(&client);
  sim.b().listener = &l;
  sim.b().accept_into.push_back(&server);
  ASSERT_TRUE(l.listen(kEpB, isn, &cookies));
  client.options().mss = 1200;
  ASSERT_TRUE(client.connect(sim.now(), kEpA, kEpB, 77));
  ASSERT_TRUE(sim.run_until([&] { return server.state() == State::Established; }, secs(3)));
  EXPECT_EQ(l.stats().cookies_sent, 1u);
  EXPECT_EQ(l.stats().cookies_accepted, 1u);
  EXPECT_EQ(server.diagnostics().smss, 1200u);
  EXPECT_FALSE(server.diagnostics().timestamps);
  ASSERT_TRUE(client.send(Bytes(reinterpret_cast<const uint8_t*>("cookie"), 6)));
  ASSERT_TRUE(sim.run_until([&] { return server.recv_queue() == 6; }, secs(3)));
}

TEST(TcpHandshake, syn_is_retransmitted_with_backoff_then_times_out) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  s.options().syn_retries = 3;
  Instant t0 = sim.now();
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1000));
  sim.run_for(secs(60));
  auto a = sim.from('A');
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0]->at, t0);
  EXPECT_EQ(a[1]->at, t0 + secs(1));
  EXPECT_EQ(a[2]->at, t0 + secs(3));
  EXPECT_EQ(a[3]->at, t0 + secs(7));
  for (auto* g : a) EXPECT_EQ(g->repr.seq, 1000u);
  EXPECT_EQ(s.state(), State::Closed);
  EXPECT_EQ(s.error(), Error::TimedOut);
  EXPECT_EQ(s.poll_at(), Optional<Instant>());
}

TEST(TcpHandshake, connect_rejects_bad_arguments_and_states) {
  FixedSocket<> s;
  EXPECT_EQ(s.connect(kT0, kEpA, Endpoint{kAddrB, 0}, 1).error(), ConnectError::Unaddressable);
  ASSERT_TRUE(s.connect(kT0, kEpA, kEpB, 1));
  EXPECT_EQ(s.connect(kT0, kEpA, kEpB, 1).error(), ConnectError::InvalidState);
}

}  // namespace
}  // namespace keel::test::tcp_sim
