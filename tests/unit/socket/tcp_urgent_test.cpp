// tcp_urgent_test.cpp — urgent data (RFC 9293 §3.8.5, RFC 6093): keel has no
// out-of-band channel; the URG flag and the urgent pointer are ignored and every byte is
// delivered inline, in order, exactly once — whatever the pointer says (inside the
// segment, zero, far beyond it, on a segment without data, on a FIN, without the flag)
// and also when urgent segments arrive out of order or twice. keel never sends URG.
#include <random>

#include "tcp_scenarios.hpp"

namespace keel::test::tcp_sim {
namespace {

// urgent_segment — data from the server at `off` bytes past the client's current
// rcv_nxt, flagged URG with the given pointer.
wire::tcp::Repr urgent_segment(const Socket& client, uint32_t off, Bytes data, uint16_t ptr,
                               uint8_t extra = 0) {
  wire::tcp::Repr r = peer_segment(client, flag::kAck | flag::kUrg | extra, data);
  r.seq += off;
  r.urgent = ptr;
  return r;
}

struct Urgent : ::testing::Test {
  Pair<> p;
  void SetUp() override { ASSERT_TRUE(p.connect()); }
  void expect_stream(const char* want) {
    std::vector<uint8_t> w(want, want + strlen(want));
    EXPECT_EQ(read_all(p.client), w);
  }
};

TEST_F(Urgent, pointer_inside_the_segment_delivers_every_byte_inline) {
  p.sim.inject('A', urgent_segment(p.client, 0, bytes_of("abcdef"), 3));
  expect_stream("abcdef");
  EXPECT_EQ(p.client.state(), State::Established);
}

TEST_F(Urgent, pointer_zero_delivers_the_data_unchanged) {
  p.sim.inject('A', urgent_segment(p.client, 0, bytes_of("zero"), 0));
  expect_stream("zero");
}

TEST_F(Urgent, pointer_far_beyond_the_segment_delivers_the_data_unchanged) {
  p.sim.inject('A', urgent_segment(p.client, 0, bytes_of("far"), 0xffff));
  p.sim.inject('A', urgent_segment(p.client, 0, bytes_of(" away"), 60000));
  expect_stream("far away");
  EXPECT_EQ(p.client.diagnostics().rcv_nxt, 0x20000001u + 8);
}

TEST_F(Urgent, urg_on_a_segment_without_data_changes_nothing) {
  auto d = p.client.diagnostics();
  p.sim.inject('A', urgent_segment(p.client, 0, Bytes(), 100));
  EXPECT_EQ(p.client.recv_queue(), 0u);
  EXPECT_EQ(p.client.diagnostics().rcv_nxt, d.rcv_nxt);
  p.sim.inject('A', urgent_segment(p.client, 0, bytes_of("next"), 1));
  expect_stream("next");
}

TEST_F(Urgent, a_pointer_without_the_urg_flag_is_ignored) {
  wire::tcp::Repr r = peer_segment(p.client, flag::kAck, bytes_of("plain"));
  r.urgent = 2;
  p.sim.inject('A', r);
  expect_stream("plain");
}

TEST_F(Urgent, urg_on_a_fin_delivers_the_data_then_the_end) {
  p.sim.inject('A', urgent_segment(p.client, 0, bytes_of("bye"), 3, flag::kFin));
  EXPECT_EQ(p.client.state(), State::CloseWait);
  expect_stream("bye");
  uint8_t b[4];
  EXPECT_EQ(p.client.recv(MutBytes(b, 4)).error(), RecvError::Finished);
}

TEST_F(Urgent, urgent_segments_out_of_order_and_duplicated_reassemble_byte_exact) {
  // 40 segments of 100 bytes, every one URG with a seeded random pointer, delivered in
  // a seeded shuffled order with some twice; then all again in order, as the peer's
  // retransmissions would (only kMaxOooRanges holes are kept from the first pass).
  auto d = data_of(4000);
  std::vector<uint32_t> order;
  for (uint32_t i = 0; i < 40; ++i) order.push_back(i);
  std::mt19937 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  for (uint32_t i = 0; i < 10; ++i) order.push_back(order[rng() % 40]);
  for (uint32_t i = 0; i < 40; ++i) order.push_back(i);
  wire::tcp::Repr base = peer_segment(p.client, flag::kAck);
  std::vector<uint8_t> got;
  for (uint32_t i : order) {
    wire::tcp::Repr r = base;
    r.flags = flag::kAck | flag::kUrg;
    r.seq = base.seq + i * 100;
    r.urgent = uint16_t(rng());
    r.payload = Bytes(d.data() + i * 100, 100);
    p.sim.inject('A', r);
    auto more = read_all(p.client);
    got.insert(got.end(), more.begin(), more.end());
  }
  EXPECT_EQ(got, d);
  EXPECT_EQ(p.client.diagnostics().rcv_nxt, base.seq + 4000);
  EXPECT_EQ(p.client.state(), State::Established);
}

TEST_F(Urgent, keel_never_sends_urg) {
  auto d = data_of(50000);
  size_t sent = 0, got = 0;
  ASSERT_TRUE(p.sim.run_until([&] {
    if (sent < d.size()) sent += *p.client.send(Bytes(d.data() + sent, d.size() - sent));
    got += read_all(p.server).size();
    return got == d.size();
  }, secs(10)));
  p.client.close();
  p.server.close();
  p.sim.run_for(secs(1));
  for (const Seg& g : p.sim.log) {
    EXPECT_FALSE(g.has(flag::kUrg));
    EXPECT_EQ(g.repr.urgent, 0u);
  }
}

}  // namespace
}  // namespace keel::test::tcp_sim
