// tcp_transfer_test.cpp — data transfer: byte-exact streams both ways under seeded loss,
// duplication and reordering (hashes compared at both ends), the zero-copy API, and
// sequence/ACK validation of received segments (RFC 9293 §3.10.7.4).
#include "tcp_sim.hpp"

namespace keel::test::tcp_sim {
namespace {

// Stream — writes `total` pattern bytes into `tx` and reads them out of `rx`, hashing.
struct Stream {
  Socket& tx;
  Socket& rx;
  uint64_t total;
  uint64_t sent = 0, got = 0;
  uint64_t h_sent = 1469598103934665603ull, h_got = 1469598103934665603ull;
  bool step() {
    uint8_t buf[4096];
    while (sent < total) {
      size_t n = size_t(std::min<uint64_t>(sizeof buf, total - sent));
      for (size_t i = 0; i < n; ++i) buf[i] = pattern(sent + i);
      auto r = tx.send(Bytes(buf, n));
      if (!r || *r == 0) break;
      h_sent = fnv1a(buf, *r, h_sent);
      sent += *r;
    }
    for (;;) {
      auto r = rx.recv(MutBytes(buf, sizeof buf));
      if (!r || *r == 0) break;
      h_got = fnv1a(buf, *r, h_got);
      got += *r;
    }
    return got == total;
  }
};

template <class P>
std::string dump(P& p) {
  std::string out;
  for (Socket* s : {static_cast<Socket*>(&p.client), static_cast<Socket*>(&p.server)}) {
    auto d = s->diagnostics();
    char b[400];
    snprintf(b, sizeof b, "\n%s una=%u nxt=%u max=%u rcv_nxt=%u snd_wnd=%u rcv_wnd=%u cwnd=%u ssth=%u rto=%lld sq=%zu rq=%zu poll=%lld",
             state_name(d.state), d.snd_una, d.snd_nxt, d.snd_max, d.rcv_nxt, d.snd_wnd, d.rcv_wnd,
             d.cwnd, d.ssthresh, (long long)d.rto.as_millis(), s->send_queue(), s->recv_queue(),
             s->poll_at() ? (long long)s->poll_at()->millis() : -1LL);
    out += b;
    const auto& sb = s->scoreboard();
    snprintf(b, sizeof b, "\n  sack: una=%u high_data=%u high_rxt=%u rp=%u rec=%d ranges=%zu",
             sb.snd_una(), sb.high_data(), sb.high_rxt(), sb.recovery_point(), sb.in_recovery(),
             sb.range_count());
    out += b;
    for (size_t i = 0; i < sb.range_count(); ++i) {
      snprintf(b, sizeof b, " [%u,%u)", sb.range(i).start, sb.range(i).end);
      out += b;
    }
  }
  size_t n = p.sim.log.size();
  for (size_t i = n > 12 ? n - 12 : 0; i < n; ++i) {
    const Seg& g = p.sim.log[i];
    char b[200];
    snprintf(b, sizeof b, "\n%lld %c%s fl=%02x seq=%u ack=%u win=%u len=%zu", (long long)g.at.millis(), g.from,
             g.dropped ? "(lost)" : "", g.repr.flags, g.repr.seq, g.repr.ack, g.repr.window, g.len());
    out += b;
  }
  return out;
}

void transfer_under(int loss, int dup, int reorder, uint64_t seed) {
  Pair<> p(seed);
  p.client.options().min_rto = ms(200);
  ASSERT_TRUE(p.connect());
  p.server.options().min_rto = ms(200);
  p.sim.faults = {loss, dup, reorder};
  const uint64_t kTotal = 1 << 20;
  Stream up{p.client, p.server, kTotal};
  Stream down{p.server, p.client, kTotal};
  ASSERT_TRUE(p.sim.run_until([&] { return up.step() & down.step(); }, secs(7200)))
      << "up " << up.got << " down " << down.got << dump(p);
  EXPECT_EQ(up.got, kTotal);
  EXPECT_EQ(up.h_got, up.h_sent);
  EXPECT_EQ(down.got, kTotal);
  EXPECT_EQ(down.h_got, down.h_sent);
  EXPECT_EQ(p.client.state(), State::Established);
  if (loss) EXPECT_GT(p.client.diagnostics().retransmissions, 0u);
  else EXPECT_EQ(p.client.diagnostics().retransmissions, 0u);
}

TEST(TcpTransfer, one_megabyte_each_way_without_loss) { transfer_under(0, 0, 0, 1); }
TEST(TcpTransfer, one_megabyte_each_way_with_1_percent_loss) { transfer_under(1, 0, 0, 2); }
TEST(TcpTransfer, one_megabyte_each_way_with_5_percent_loss) { transfer_under(5, 0, 0, 3); }
TEST(TcpTransfer, one_megabyte_each_way_with_20_percent_loss) { transfer_under(20, 0, 0, 4); }
TEST(TcpTransfer, one_megabyte_each_way_with_loss_duplication_and_reordering) {
  transfer_under(3, 5, 10, 5);
}

TEST(TcpTransfer, segments_respect_the_negotiated_mss) {
  Pair<> p;
  p.client.options().timestamps = false;
  p.client.options().mss = 1000;
  ASSERT_TRUE(p.connect());
  Stream s{p.server, p.client, 20000};
  ASSERT_TRUE(p.sim.run_until([&] { return s.step(); }, secs(10)));
  size_t data_segs = 0;
  for (auto* g : p.sim.from('B')) {
    EXPECT_LE(g->len(), 1000u);
    data_segs += g->len() != 0;
  }
  EXPECT_EQ(data_segs, 20u);
}

TEST(TcpTransfer, initial_window_is_ten_segments) {
  Pair<65536, 65536> p;
  ASSERT_TRUE(p.connect());
  std::vector<uint8_t> data(60000, 7);
  ASSERT_EQ(*p.client.send(Bytes(data.data(), data.size())), data.size());
  p.sim.flush();  // only what may be sent before any ACK comes back
  size_t segs = 0, bytes = 0;
  for (auto* g : p.sim.from('A'))
    if (g->len()) ++segs, bytes += g->len();
  EXPECT_EQ(segs, 10u);  // RFC 6928: min(10*MSS, max(2*MSS, 14600)) with MSS 1448
  EXPECT_EQ(bytes, 10u * 1448u);
  EXPECT_EQ(p.client.diagnostics().cwnd, 14480u);
}

TEST(TcpTransfer, zero_copy_send_and_receive_windows) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  MutBytes w = p.client.send_window();
  ASSERT_GE(w.size(), 5u);
  memcpy(w.data(), "hello", 5);
  ASSERT_EQ(*p.client.commit_send(5), 5u);
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 5; }, secs(1)));
  Bytes r = p.server.recv_window();
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(memcmp(r.data(), "hello", 5), 0);
  EXPECT_EQ(p.server.consume(5), 5u);
  EXPECT_EQ(p.server.recv_queue(), 0u);
}

TEST(TcpTransfer, out_of_order_segments_are_reassembled_and_sacked) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  // Lose the first data segment once.
  bool lost = false;
  p.sim.drop_if = [&](const Seg& s) {
    if (s.from == 'A' && s.len() && !lost) return lost = true;
    return false;
  };
  std::vector<uint8_t> data(4 * 1448);
  for (size_t i = 0; i < data.size(); ++i) data[i] = pattern(i);
  ASSERT_EQ(*p.client.send(Bytes(data.data(), data.size())), data.size());
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == data.size(); }, secs(5)));
  std::vector<uint8_t> got(data.size());
  ASSERT_EQ(*p.server.recv(MutBytes(got.data(), got.size())), data.size());
  EXPECT_EQ(got, data);
  // The server's duplicate ACKs carried SACK blocks for the data past the hole.
  uint32_t base = 0x10000001u;
  bool saw_sack = false;
  for (auto* g : p.sim.from('B'))
    if (g->repr.sack_count) {
      saw_sack = true;
      EXPECT_EQ(g->repr.ack, base);
      EXPECT_EQ(g->repr.sack[0].left, base + 1448u);
    }
  EXPECT_TRUE(saw_sack);
}

TEST(TcpTransfer, data_beyond_the_window_is_not_accepted) {
  Pair<4096, 4096> p;
  p.client.options().window_scaling = false;
  ASSERT_TRUE(p.connect());
  auto d0 = p.server.diagnostics();
  wire::tcp::Repr r;
  r.src_port = kEpA.port;
  r.dst_port = kEpB.port;
  r.seq = d0.rcv_nxt + d0.rcv_wnd;  // first byte past the window
  r.ack = d0.snd_nxt;
  r.flags = flag::kAck;
  r.window = 4096;
  uint8_t x[100] = {};
  r.payload = Bytes(x, sizeof x);
  size_t before = p.sim.log.size();
  p.sim.inject('B', r);
  EXPECT_EQ(p.server.recv_queue(), 0u);
  EXPECT_EQ(p.server.diagnostics().dropped_unacceptable, 1u);
  // answered with an ACK for rcv_nxt
  ASSERT_GT(p.sim.log.size(), before);
  EXPECT_TRUE(p.sim.log.back().pure_ack());
  EXPECT_EQ(p.sim.log.back().repr.ack, d0.rcv_nxt);
}

TEST(TcpTransfer, old_duplicate_data_is_acked_not_delivered_again) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  ASSERT_TRUE(p.client.send(Bytes(reinterpret_cast<const uint8_t*>("abc"), 3)));
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == 3; }, secs(1)));
  wire::tcp::Repr r;
  r.src_port = kEpA.port;
  r.dst_port = kEpB.port;
  r.seq = 0x10000001u;
  r.ack = p.server.diagnostics().snd_nxt;
  r.flags = flag::kAck;
  r.window = 1000;
  r.payload = Bytes(reinterpret_cast<const uint8_t*>("abc"), 3);
  p.sim.inject('B', r);
  EXPECT_EQ(p.server.recv_queue(), 3u);
  EXPECT_TRUE(p.sim.log.back().pure_ack());
  EXPECT_EQ(p.sim.log.back().repr.ack, 0x10000004u);
}

TEST(TcpTransfer, ack_for_unsent_data_is_answered_and_dropped) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  auto d = p.server.diagnostics();
  wire::tcp::Repr r;
  r.src_port = kEpA.port;
  r.dst_port = kEpB.port;
  r.seq = d.rcv_nxt;
  r.ack = d.snd_nxt + 1000;
  r.flags = flag::kAck;
  r.window = 1000;
  r.payload = Bytes(reinterpret_cast<const uint8_t*>("zz"), 2);
  p.sim.inject('B', r);
  EXPECT_EQ(p.server.recv_queue(), 0u);  // dropped
  EXPECT_EQ(p.server.diagnostics().snd_una, d.snd_una);
  EXPECT_TRUE(p.sim.log.back().pure_ack());
}

}  // namespace
}  // namespace keel::test::tcp_sim

namespace keel::test::tcp_sim {
namespace {

TEST(TcpTransfer, a_batch_of_in_order_segments_gets_one_cumulative_ack_not_duplicates) {
  Pair<> p;
  ASSERT_TRUE(p.connect());
  std::vector<uint8_t> d(6 * 1448, 1);
  ASSERT_TRUE(p.client.send(Bytes(d.data(), d.size())));  // all six arrive at one instant
  p.sim.run_for(ms(300));
  size_t acks = 0;
  for (auto* g : p.sim.from('B'))
    if (g->pure_ack() && g->repr.ack == 0x10000001u + d.size()) ++acks;
  EXPECT_EQ(acks, 1u);
  EXPECT_EQ(p.client.diagnostics().dup_acks, 0u);
  EXPECT_EQ(p.client.diagnostics().retransmissions, 0u);
}

}  // namespace
}  // namespace keel::test::tcp_sim
