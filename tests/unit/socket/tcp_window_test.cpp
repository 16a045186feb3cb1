// tcp_window_test.cpp — flow control: the receive window and its scaling (RFC 7323
// §2), zero window and the persist timer, receiver silly-window avoidance and window
// updates (RFC 9293 §3.8.6), delayed ACKs, Nagle and their interplay, and PAWS.
#include "tcp_sim.hpp"

namespace keel::test::tcp_sim {
namespace {

std::vector<uint8_t> data_of(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = pattern(i);
  return v;
}

TEST(TcpWindow, scaled_window_announces_the_free_receive_buffer) {
  Pair<262144, 16384> p;
  ASSERT_TRUE(p.connect());
  const Seg* ack = p.sim.from('A')[1];  // the handshake's final ACK
  EXPECT_EQ(uint32_t(ack->repr.window) << 3, 262144u);
  EXPECT_EQ(p.server.diagnostics().snd_wnd, 262144u);
}

TEST(TcpWindow, zero_window_is_probed_with_backoff_and_reopens) {
  Pair<4096, 16384> p;
  ASSERT_TRUE(p.connect());
  auto d = data_of(12000);
  ASSERT_EQ(*p.client.send(Bytes(d.data(), d.size())), d.size());
  // The server application reads nothing for a while: its window closes.
  p.sim.run_for(secs(8));
  EXPECT_EQ(p.server.recv_queue(), 4096u);
  EXPECT_EQ(p.client.diagnostics().snd_wnd, 0u);
  auto diag = p.client.diagnostics();
  EXPECT_GE(diag.zero_window_probes, 2u);
  EXPECT_EQ(diag.timeouts, 0u);
  std::vector<Instant> probes;
  for (auto* g : p.sim.from('A'))
    if (g->pure_ack() && g->repr.seq == diag.snd_una - 1) probes.push_back(g->at);
  ASSERT_GE(probes.size(), 2u);
  EXPECT_EQ(probes[1] - probes[0], secs(2));  // persist interval doubles from the RTO
  // Now read everything: window updates restart the flow, bytes arrive intact.
  std::vector<uint8_t> got;
  ASSERT_TRUE(p.sim.run_until([&] {
    uint8_t b[1000];
    for (;;) {
      auto r = p.server.recv(MutBytes(b, sizeof b));
      if (!r || !*r) break;
      got.insert(got.end(), b, b + *r);
    }
    return got.size() == d.size();
  }, secs(60)));
  EXPECT_EQ(got, d);
  EXPECT_EQ(p.client.state(), State::Established);
}

TEST(TcpWindow, receiver_does_not_announce_tiny_window_increases) {
  Pair<4096, 16384> p;
  p.client.options().mss = 536;
  ASSERT_TRUE(p.connect());
  auto d = data_of(8192);
  ASSERT_TRUE(p.client.send(Bytes(d.data(), d.size())));
  p.sim.run_for(secs(1));
  // 7 full segments of 524 (536 - 12 for timestamps); the last 428 bytes of window are
  // too little for the sender's SWS avoidance while data is outstanding.
  ASSERT_EQ(p.server.recv_queue(), 7u * 524u);
  size_t before = p.sim.from('B').size();
  uint8_t b[100];
  ASSERT_EQ(*p.server.recv(MutBytes(b, 100)), 100u);  // 100 bytes free: too little
  p.sim.flush();
  EXPECT_EQ(p.sim.from('B').size(), before);  // no window update sent
  std::vector<uint8_t> big(2000);
  ASSERT_EQ(*p.server.recv(MutBytes(big.data(), 1948)), 1948u);  // 2048 free: buffer/2
  p.sim.flush();
  ASSERT_GT(p.sim.from('B').size(), before);
  const Seg* upd = p.sim.from('B')[before];
  EXPECT_TRUE(upd->pure_ack());
  EXPECT_EQ(upd->repr.window, 4096u - 7u * 524u + 2048u);
}

TEST(TcpWindow, delayed_ack_fires_after_the_ack_delay) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().nodelay = true;
  ASSERT_TRUE(p.client.send(Bytes(reinterpret_cast<const uint8_t*>("x"), 1)));
  Instant t1 = p.sim.now();
  p.sim.run_for(ms(200));
  auto b = p.sim.from('B');
  const Seg* ack = b.back();
  EXPECT_TRUE(ack->pure_ack());
  EXPECT_EQ(ack->at, t1 + ms(10) + ms(40));  // arrival + 40 ms
}

TEST(TcpWindow, every_second_full_segment_is_acked_at_once) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto d = data_of(2 * 1448);
  ASSERT_TRUE(p.client.send(Bytes(d.data(), d.size())));
  Instant t1 = p.sim.now();
  p.sim.run_for(ms(200));
  const Seg* ack = p.sim.from('B').back();
  EXPECT_EQ(ack->at, t1 + ms(10));
  EXPECT_EQ(ack->repr.ack, 0x10000001u + 2 * 1448);
}

TEST(TcpWindow, nagle_holds_small_segments_until_the_delayed_ack) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  Instant t1 = p.sim.now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(p.client.send(Bytes(reinterpret_cast<const uint8_t*>("abc") + i, 1)));
    p.sim.flush();
  }
  p.sim.run_for(ms(300));
  std::vector<const Seg*> data;
  for (auto* g : p.sim.from('A'))
    if (g->len()) data.push_back(g);
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0]->at, t1);
  EXPECT_EQ(data[0]->len(), 1u);
  // The second waits for the ACK of the first, which the peer delays by 40 ms.
  EXPECT_EQ(data[1]->at, t1 + ms(10) + ms(40) + ms(10));
  EXPECT_EQ(data[1]->len(), 2u);
  EXPECT_EQ(p.server.recv_queue(), 3u);
}

TEST(TcpWindow, nodelay_sends_small_segments_at_once) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  p.client.options().nodelay = true;
  Instant t1 = p.sim.now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(p.client.send(Bytes(reinterpret_cast<const uint8_t*>("abc") + i, 1)));
    p.sim.flush();
  }
  std::vector<const Seg*> data;
  for (auto* g : p.sim.from('A'))
    if (g->len()) data.push_back(g);
  ASSERT_EQ(data.size(), 3u);
  for (auto* g : data) EXPECT_EQ(g->at, t1);
}

TEST(TcpWindow, paws_drops_a_segment_with_an_old_timestamp) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  ASSERT_TRUE(p.client.send(Bytes(reinterpret_cast<const uint8_t*>("abc"), 3)));
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 3; }, secs(1)));
  const Seg* data = nullptr;
  for (auto* g : p.sim.from('A'))
    if (g->len()) data = g;
  ASSERT_NE(data, nullptr);
  wire::tcp::Repr r = data->repr;
  r.seq += 3;  // new data, but an old timestamp
  r.timestamps->tsval -= 1000;
  r.payload = Bytes(reinterpret_cast<const uint8_t*>("def"), 3);
  p.sim.inject('B', r);
  EXPECT_EQ(p.server.recv_queue(), 3u);
  EXPECT_EQ(p.server.diagnostics().dropped_unacceptable, 1u);
  EXPECT_TRUE(p.sim.log.back().pure_ack());
  r.timestamps->tsval += 2000;  // a fresh timestamp is taken
  p.sim.inject('B', r);
  EXPECT_EQ(p.server.recv_queue(), 6u);
}

TEST(TcpWindow, every_segment_carries_timestamps_once_negotiated) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  ASSERT_TRUE(p.client.send(Bytes(reinterpret_cast<const uint8_t*>("abc"), 3)));
  p.sim.run_for(secs(1));
  for (auto& g : p.sim.log) {
    ASSERT_TRUE(g.repr.timestamps.has_value());
    if (g.has(flag::kAck) && !g.has(flag::kSyn)) {
      EXPECT_NE(g.repr.timestamps->tsecr, 0u);
    }
  }
}

}  // namespace
}  // namespace keel::test::tcp_sim
