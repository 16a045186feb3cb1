// tcp_window_scale_test.cpp — window scaling with large buffers (RFC 7323 §2): a 1 MiB
// receive ring chooses shift 5 (the smallest that fits 16 bits), each side scales the
// windows it announces by its own shift and reads the peer's by the peer's, so a sender
// that the application never drains fills exactly the receiver's buffer — no byte more
// (which would be dropped) and none fewer (which would mean a misread window); more
// than 64 KiB flies at once; a peer that does not scale keeps every window under 64 KiB.
#include "tcp_scenarios.hpp"

namespace keel::test::tcp_sim {
namespace {

constexpr size_t kMiB = 1 << 20;

// Two sockets with separate ring sizes: the client (CRX/CTX) on A, the server
// (SRX/STX) accepted from a listener on B.
template <size_t CRX, size_t CTX, size_t SRX, size_t STX>
struct AsymPair {
  Sim sim;
  FixedSocket<CRX, CTX> client;
  FixedSocket<SRX, STX> server;
  FixedListener<4> listener;
  FixedIsn isn_b{0x20000000};
  AsymPair() {
    sim.a().sockets.push_back(&client);
    sim.b().listener = &listener;
    sim.b().accept_into.push_back(&server);
    listener.options().rx_capacity = SRX;
    EXPECT_TRUE(listener.listen(kEpB, isn_b));
  }
  bool connect() {
    EXPECT_TRUE(client.connect(sim.now(), kEpA, kEpB, 0x10000000));
    return sim.run_until([&] {
      return client.state() == State::Established && server.state() == State::Established;
    }, secs(5));
  }
};

// Flow — `from` sends `total` pattern bytes to `to`. fill(): `to`'s application reads
// nothing; runs until the sender is stuck on a zero window with everything acknowledged.
// stream(): `to` reads as data arrives; runs until all of it arrived. Both record the
// largest flight and whether the sender ever passed the right edge of the window it had.
struct Flow {
  Flow(Socket& f, Socket& t, size_t n) : from(f), to(t), total(n) {}
  Socket& from;
  Socket& to;
  size_t total;
  uint32_t max_flight = 0;
  bool past_edge = false;
  size_t queued = 0;
  std::vector<uint8_t> got;
  void step(const std::vector<uint8_t>& d) {
    if (queued < d.size()) queued += *from.send(Bytes(d.data() + queued, d.size() - queued));
    auto x = from.diagnostics();
    max_flight = std::max(max_flight, x.snd_max - x.snd_una);
    if (seq_lt(x.snd_una + x.snd_wnd, x.snd_max) && x.snd_wnd != 0) past_edge = true;
  }
  bool fill(Sim& sim) {
    auto d = data_of(total);
    Instant start = sim.now();
    return sim.run_until([&] {
      step(d);
      auto x = from.diagnostics();
      return x.snd_wnd == 0 && x.snd_una == x.snd_max && sim.now() > start + secs(1);
    }, secs(60));
  }
  bool stream(Sim& sim) {
    auto d = data_of(total);
    bool done = sim.run_until([&] {
      step(d);
      auto more = read_all(to);
      got.insert(got.end(), more.begin(), more.end());
      return got.size() == d.size();
    }, secs(120));
    return done && got == d;
  }
};

TEST(TcpWindowScale, one_mebibyte_rings_choose_shift_5_on_both_sides) {
  auto p = std::make_unique<AsymPair<kMiB, kMiB, kMiB, kMiB>>();
  ASSERT_TRUE(p->connect());
  const Seg* syn = p->sim.from('A')[0];
  const Seg* synack = p->sim.from('B')[0];
  EXPECT_EQ(syn->repr.window_scale, Optional<uint8_t>(5));     // 1 MiB >> 4 is 65536: too big
  EXPECT_EQ(synack->repr.window_scale, Optional<uint8_t>(5));
  EXPECT_EQ(syn->repr.window, 0xffff);  // a SYN's own window is never scaled
  EXPECT_EQ(synack->repr.window, 0xffff);
  for (Socket* s : {static_cast<Socket*>(&p->client), static_cast<Socket*>(&p->server)}) {
    auto d = s->diagnostics();
    EXPECT_TRUE(d.window_scaling);
    EXPECT_EQ(d.rcv_wscale, 5);
    EXPECT_EQ(d.snd_wscale, 5);
  }
  const Seg* ack = p->sim.from('A')[1];
  EXPECT_EQ(ack->repr.window, kMiB >> 5);
  EXPECT_EQ(p->server.diagnostics().snd_wnd, kMiB);
}

TEST(TcpWindowScale, a_sender_fills_exactly_a_one_mebibyte_receive_buffer_each_way) {
  auto p = std::make_unique<AsymPair<kMiB, kMiB, kMiB, kMiB>>();
  ASSERT_TRUE(p->connect());
  Flow up{p->client, p->server, 2 * kMiB};
  ASSERT_TRUE(up.fill(p->sim));
  EXPECT_EQ(p->server.recv_queue(), kMiB);
  EXPECT_EQ(p->client.diagnostics().snd_una, 0x10000001u + kMiB);
  EXPECT_FALSE(up.past_edge);
  Flow down{p->server, p->client, 2 * kMiB};
  ASSERT_TRUE(down.fill(p->sim));
  EXPECT_EQ(p->client.recv_queue(), kMiB);
  EXPECT_EQ(p->server.diagnostics().snd_una, 0x20000001u + kMiB);
  EXPECT_FALSE(down.past_edge);
  for (Socket* s : {static_cast<Socket*>(&p->client), static_cast<Socket*>(&p->server)})
    EXPECT_EQ(s->diagnostics().dropped_ooo, 0u);
  // Reading drains both buffers byte-exact.
  auto want = data_of(kMiB);
  EXPECT_EQ(read_all(p->server), want);
  EXPECT_EQ(read_all(p->client), want);
}

TEST(TcpWindowScale, more_than_64_kib_fly_at_once_in_both_directions) {
  auto p = std::make_unique<AsymPair<kMiB, kMiB, kMiB, kMiB>>();
  ASSERT_TRUE(p->connect());
  Flow up{p->client, p->server, 4 * kMiB};
  ASSERT_TRUE(up.stream(p->sim));
  EXPECT_GT(up.max_flight, 65535u);  // only possible with a scaled window
  EXPECT_FALSE(up.past_edge);
  Flow down{p->server, p->client, 4 * kMiB};
  ASSERT_TRUE(down.stream(p->sim));
  EXPECT_GT(down.max_flight, 65535u);
  EXPECT_FALSE(down.past_edge);
  EXPECT_EQ(p->client.diagnostics().retransmissions, 0u);
  EXPECT_EQ(p->server.diagnostics().retransmissions, 0u);
}

TEST(TcpWindowScale, each_side_uses_its_own_shift_and_honours_the_peers) {
  // Client: 1 MiB receive ring (shift 5). Server: 16 KiB (shift 0, but scaling is on).
  auto p = std::make_unique<AsymPair<kMiB, 16384, 16384, kMiB>>();
  ASSERT_TRUE(p->connect());
  auto c = p->client.diagnostics(), s = p->server.diagnostics();
  EXPECT_TRUE(c.window_scaling && s.window_scaling);
  EXPECT_EQ(c.rcv_wscale, 5);
  EXPECT_EQ(c.snd_wscale, 0);
  EXPECT_EQ(s.rcv_wscale, 0);
  EXPECT_EQ(s.snd_wscale, 5);
  Flow up{p->client, p->server, 100000};
  ASSERT_TRUE(up.fill(p->sim));
  EXPECT_EQ(p->server.recv_queue(), 16384u);
  EXPECT_FALSE(up.past_edge);
  Flow down{p->server, p->client, 4 * kMiB};
  ASSERT_TRUE(down.fill(p->sim));
  EXPECT_EQ(p->client.recv_queue(), kMiB);
  EXPECT_FALSE(down.past_edge);
  // The application reads: the other 3 MiB follow, more than 64 KiB at a time.
  down.max_flight = 0;
  ASSERT_TRUE(down.stream(p->sim));
  EXPECT_GT(down.max_flight, 65535u);
  EXPECT_FALSE(down.past_edge);
}

TEST(TcpWindowScale, without_the_peers_agreement_no_window_exceeds_16_bits) {
  auto p = std::make_unique<AsymPair<kMiB, kMiB, kMiB, kMiB>>();
  p->listener.options().window_scaling = false;
  ASSERT_TRUE(p->connect());
  const Seg* synack = p->sim.from('B')[0];
  EXPECT_FALSE(synack->repr.window_scale.has_value());
  EXPECT_FALSE(p->client.diagnostics().window_scaling);
  EXPECT_EQ(p->client.diagnostics().rcv_wscale, 0);
  Flow down{p->server, p->client, 4 * kMiB};
  ASSERT_TRUE(down.stream(p->sim));
  EXPECT_LE(down.max_flight, 65535u);
  EXPECT_GT(down.max_flight, 60000u);  // the window, not the congestion window, limited it
  EXPECT_FALSE(down.past_edge);
}

TEST(TcpWindowScale, the_largest_shift_14_is_applied_to_the_peers_windows) {
  Sim sim;
  FixedSocket<> s;
  sim.a().sockets.push_back(&s);
  ASSERT_TRUE(s.connect(sim.now(), kEpA, kEpB, 1000));
  sim.flush();
  wire::tcp::Repr r;
  r.src_port = kEpB.port;
  r.dst_port = kEpA.port;
  r.seq = 5000;
  r.ack = 1001;
  r.flags = flag::kSyn | flag::kAck;
  r.window = 1000;  // unscaled on a SYN
  r.window_scale = 14;
  sim.inject('A', r);
  ASSERT_EQ(s.state(), State::Established);
  EXPECT_EQ(s.diagnostics().snd_wscale, 14);
  EXPECT_EQ(s.diagnostics().snd_wnd, 1000u);
  r.flags = flag::kAck;
  r.window_scale.reset();
  r.seq = 5001;
  r.window = 4;
  sim.inject('A', r);
  EXPECT_EQ(s.diagnostics().snd_wnd, 4u << 14);
}

}  // namespace
}  // namespace keel::test::tcp_sim
