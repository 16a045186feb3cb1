// tcp_sack_recovery_test.cpp — SACK-based loss recovery in tcp::Socket (RFC 6675):
// several holes repaired in one round trip, SACKed data never resent, duplicate ACKs
// counted by new SACK information whatever the window says (§2), the scoreboard's loss
// trigger (§5 step 2), retransmissions after a timeout skipping SACKed data (§5.1), and
// timestamp echoes older than a timeout kept out of the RTT estimate.
#include "tcp_sim.hpp"

namespace keel::test::tcp_sim {
namespace {

constexpr uint32_t kBase = 0x10000001u;  // the client's first data byte (ISN 0x10000000)
constexpr uint32_t kSeg = 1448;          // SMSS: MSS 1460 less 12 bytes of timestamps

std::vector<uint8_t> data_of(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = pattern(i);
  return v;
}

// seq_of — the first byte of data segment i (0-based) of the client's stream.
uint32_t seq_of(uint32_t i) { return kBase + i * kSeg; }

// data_from_a — the client's data segments, in the order sent.
std::vector<const Seg*> data_from_a(const Sim& sim) {
  std::vector<const Seg*> v;
  for (const Seg* g : sim.from('A'))
    if (g->len()) v.push_back(g);
  return v;
}

// Three segments of the first window (IW10) lost once each: segments 1, 3 and 5 of 20.
struct ThreeLosses {
  explicit ThreeLosses(bool sack) {
    p.client.options().sack = sack;
    p.listener.options().sack = sack;
  }
  bool run() {
    if (!p.connect()) return false;
    int lost[3] = {0, 0, 0};
    const uint32_t holes[3] = {seq_of(1), seq_of(3), seq_of(5)};
    p.sim.drop_if = [this, lost, holes](const Seg& s) mutable {
      if (s.from != 'A') return false;
      for (int i = 0; i < 3; ++i)
        if (s.repr.seq == holes[i] && !lost[i]) return bool(++lost[i]);
      return false;
    };
    d = data_of(20 * kSeg);
    if (*p.client.send(Bytes(d.data(), d.size())) != d.size()) return false;
    start = p.sim.now();
    if (!p.sim.run_until([&] { return p.server.recv_queue() == d.size(); }, secs(10))) return false;
    done = p.sim.now();
    p.sim.run_for(ms(100));  // the last ACK reaches the client
    return true;
  }
  // retransmissions — the resent data segments (sequence number sent before).
  std::vector<const Seg*> retransmissions() const {
    std::vector<const Seg*> out;
    std::vector<uint32_t> seen;
    for (const Seg* g : data_from_a(p.sim)) {
      bool again = false;
      for (uint32_t s : seen) again |= s == g->repr.seq;
      if (again) out.push_back(g);
      seen.push_back(g->repr.seq);
    }
    return out;
  }
  Pair<65536, 65536> p;
  std::vector<uint8_t> d;
  Instant start, done;
};

TEST(TcpSackRecovery, three_holes_in_one_window_are_resent_within_one_round_trip) {
  ThreeLosses t(true);
  ASSERT_TRUE(t.run());
  auto diag = t.p.client.diagnostics();
  EXPECT_TRUE(diag.sack);
  EXPECT_EQ(diag.fast_recoveries, 1u);
  EXPECT_EQ(diag.sack_recoveries, 1u);
  EXPECT_EQ(diag.timeouts, 0u);
  auto again = t.retransmissions();
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0]->repr.seq, seq_of(1));
  EXPECT_EQ(again[1]->repr.seq, seq_of(3));
  EXPECT_EQ(again[2]->repr.seq, seq_of(5));
  // The scoreboard shows every hole at once: all three go out before the first
  // retransmission can even be acknowledged (RTT 20 ms).
  EXPECT_LT(again[2]->at, again[0]->at + ms(20));
  std::vector<uint8_t> got(t.d.size());
  ASSERT_EQ(*t.p.server.recv(MutBytes(got.data(), got.size())), t.d.size());
  EXPECT_EQ(got, t.d);
}

TEST(TcpSackRecovery, sacked_segments_are_never_resent) {
  ThreeLosses t(true);
  ASSERT_TRUE(t.run());
  EXPECT_EQ(t.p.client.diagnostics().retransmissions, 3u);  // exactly the lost ones
}

TEST(TcpSackRecovery, without_sack_newreno_needs_a_round_trip_per_hole) {
  ThreeLosses sack(true), plain(false);
  ASSERT_TRUE(sack.run());
  ASSERT_TRUE(plain.run());
  EXPECT_FALSE(plain.p.client.diagnostics().sack);
  EXPECT_EQ(plain.p.client.diagnostics().timeouts, 0u);
  auto again = plain.retransmissions();
  ASSERT_EQ(again.size(), 3u);
  // Each partial ACK reveals the next hole one RTT later (RFC 6582).
  EXPECT_GE(again[2]->at, again[0]->at + ms(40));
  EXPECT_LT(sack.done - sack.start, plain.done - plain.start);
}

// A client whose data segments never arrive; the test plays B's ACKs by hand.
struct HandAcked {
  HandAcked() {
    p.client.options().min_rto = ms(200);
  }
  bool start(size_t segments) {
    if (!p.connect()) return false;
    // B's SYN,ACK gives ports and timestamps; the ACKs are plain ones at B's next byte.
    template_ack = p.sim.from('B').back()->repr;
    template_ack.seq = p.client.diagnostics().rcv_nxt;
    template_ack.mss = none;
    template_ack.window_scale = none;
    template_ack.sack_permitted = false;
    p.sim.drop_if = [](const Seg& s) { return s.from == 'A' && s.len(); };
    d = data_of(segments * kSeg);
    return *p.client.send(Bytes(d.data(), d.size())) == d.size();
  }
  // ack — B's ACK of `ack` with the given SACK blocks and window field.
  void ack(uint32_t ack, std::initializer_list<wire::tcp::SackBlock> blocks, uint16_t window,
           Optional<uint32_t> tsecr = none) {
    wire::tcp::Repr r = template_ack;
    r.flags = flag::kAck;
    r.ack = ack;
    r.window = window;
    r.payload = Bytes();
    r.sack_count = 0;
    for (const auto& b : blocks) r.sack[r.sack_count++] = b;
    if (r.timestamps) r.timestamps->tsval = ++tsval;
    if (r.timestamps && tsecr) r.timestamps->tsecr = *tsecr;
    p.sim.inject('A', r);
  }
  Pair<65536, 65536> p;
  wire::tcp::Repr template_ack;
  std::vector<uint8_t> d;
  uint32_t tsval = 0x7000'0000;
};

TEST(TcpSackRecovery, acks_with_new_sack_blocks_are_duplicates_even_when_the_window_changes) {
  HandAcked h;
  ASSERT_TRUE(h.start(10));
  h.p.sim.run_for(ms(1));
  h.tsval = h.template_ack.timestamps->tsval;
  h.ack(kBase, {{seq_of(1), seq_of(2)}}, 30000);
  h.ack(kBase, {{seq_of(1), seq_of(3)}}, 29000);
  EXPECT_EQ(h.p.client.diagnostics().fast_recoveries, 0u);
  Instant third = h.p.sim.now();
  h.ack(kBase, {{seq_of(1), seq_of(4)}}, 28000);
  auto diag = h.p.client.diagnostics();
  EXPECT_EQ(diag.dup_acks, 3u);
  EXPECT_EQ(diag.fast_recoveries, 1u);
  EXPECT_EQ(diag.timeouts, 0u);
  // The first segment went out again at once.
  auto sent = data_from_a(h.p.sim);
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back()->repr.seq, kBase);
  EXPECT_EQ(sent.back()->at, third);
}

TEST(TcpSackRecovery, a_single_ack_sacking_three_segments_starts_recovery) {
  HandAcked h;
  ASSERT_TRUE(h.start(10));
  h.p.sim.run_for(ms(1));
  h.tsval = h.template_ack.timestamps->tsval;
  // One ACK, but more than (DupThresh - 1) * SMSS bytes SACKed above the first byte:
  // IsLost(HighACK + 1) holds (RFC 6675 §5 step 2).
  h.ack(kBase, {{seq_of(1), seq_of(4)}}, 30000);
  auto diag = h.p.client.diagnostics();
  EXPECT_EQ(diag.dup_acks, 1u);
  EXPECT_EQ(diag.fast_recoveries, 1u);
  EXPECT_EQ(data_from_a(h.p.sim).back()->repr.seq, kBase);
}

TEST(TcpSackRecovery, resending_after_a_timeout_skips_sacked_data) {
  HandAcked h;
  ASSERT_TRUE(h.start(10));
  h.p.sim.run_for(ms(1));
  h.tsval = h.template_ack.timestamps->tsval;
  // Segments 1 and 2 SACKed: not enough for fast retransmit, so the timer fires.
  h.ack(kBase, {{seq_of(1), seq_of(3)}}, 30000);
  ASSERT_TRUE(h.p.sim.run_until([&] { return h.p.client.diagnostics().timeouts == 1; }, secs(5)));
  h.p.sim.run_for(ms(1));
  EXPECT_EQ(data_from_a(h.p.sim).back()->repr.seq, kBase);  // the first segment again
  size_t before = data_from_a(h.p.sim).size();
  h.ack(seq_of(1), {{seq_of(1), seq_of(3)}}, 30000);  // the resent segment 0 arrived
  auto sent = data_from_a(h.p.sim);
  ASSERT_GT(sent.size(), before);
  for (size_t i = before; i < sent.size(); ++i) {
    EXPECT_NE(sent[i]->repr.seq, seq_of(1)) << "SACKed segment 1 resent";
    EXPECT_NE(sent[i]->repr.seq, seq_of(2)) << "SACKed segment 2 resent";
  }
  EXPECT_EQ(sent[before]->repr.seq, seq_of(3));
}

TEST(TcpSackRecovery, echoes_older_than_a_timeout_do_not_inflate_the_rto) {
  HandAcked h;
  ASSERT_TRUE(h.start(1));
  h.p.sim.run_for(ms(1));
  h.tsval = h.template_ack.timestamps->tsval;
  Duration rto_before = h.p.client.diagnostics().rto;
  uint32_t first_tsval = data_from_a(h.p.sim).front()->repr.timestamps->tsval;
  // Five timeouts in a row (backoff 0.2, 0.4, ... s), then the peer's ACK arrives echoing
  // the original transmission's timestamp, as a receiver that dropped the duplicates does.
  ASSERT_TRUE(h.p.sim.run_until([&] { return h.p.client.diagnostics().timeouts == 5; }, secs(60)));
  h.ack(kBase + kSeg, {}, 30000, first_tsval);
  auto diag = h.p.client.diagnostics();
  EXPECT_EQ(diag.snd_una, kBase + kSeg);
  EXPECT_EQ(diag.rto, rto_before);  // the backoff ended, no multi-second "sample" taken
}

TEST(TcpSackRecovery, a_lost_last_segment_is_probed_after_two_rtts_not_after_the_rto) {
  Pair<65536, 65536> p;
  ASSERT_TRUE(p.connect());  // SRTT 20 ms; RTO 1 s
  bool lost = false;
  p.sim.drop_if = [&](const Seg& s) {
    if (s.from == 'A' && s.repr.seq == seq_of(2) && !lost) return lost = true;
    return false;
  };
  auto d = data_of(3 * kSeg);
  ASSERT_EQ(*p.client.send(Bytes(d.data(), d.size())), d.size());
  Instant t1 = p.sim.now();
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == d.size(); }, secs(10)));
  auto diag = p.client.diagnostics();
  EXPECT_EQ(diag.timeouts, 0u);
  EXPECT_EQ(diag.tail_loss_probes, 1u);
  // The ACK of segments 0-1 came at t1 + 20 ms and restarted the probe timer: 2 * SRTT,
  // plus the worst-case delayed ACK time as a single segment is out (RFC 8985 §7.2).
  auto sent = data_from_a(p.sim);
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[3]->repr.seq, seq_of(2));
  EXPECT_EQ(sent[3]->at, t1 + ms(20) + ms(40) + ms(200));
}

TEST(TcpSackRecovery, early_retransmit_repairs_a_small_window_after_the_probe) {
  Pair<65536, 65536> p;
  ASSERT_TRUE(p.connect());
  int lost1 = 0, lost3 = 0;
  p.sim.drop_if = [&](const Seg& s) {
    if (s.from != 'A') return false;
    if (s.repr.seq == seq_of(1) && !lost1) return bool(++lost1);
    if (s.repr.seq == seq_of(3) && !lost3) return bool(++lost3);
    return false;
  };
  auto d = data_of(4 * kSeg);
  ASSERT_EQ(*p.client.send(Bytes(d.data(), d.size())), d.size());
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == d.size(); }, secs(10)));
  auto diag = p.client.diagnostics();
  // Segment 2's SACK alone is not enough (three segments out: two SACKed needed); the
  // probe resends segment 3, its ACK SACKs the second, and segment 1 goes again.
  EXPECT_EQ(diag.timeouts, 0u);
  EXPECT_EQ(diag.tail_loss_probes, 1u);
  EXPECT_EQ(diag.fast_recoveries, 1u);
  EXPECT_EQ(diag.retransmissions, 2u);
  std::vector<uint8_t> got(d.size());
  ASSERT_EQ(*p.server.recv(MutBytes(got.data(), got.size())), d.size());
  EXPECT_EQ(got, d);
}

TEST(TcpSackRecovery, a_recovery_undone_when_the_original_arrives_first_and_dupthresh_grows) {
  Pair<65536, 65536> p;
  ASSERT_TRUE(p.connect());
  // Segment 1 is held back (reordered): the first copy is kept aside, the fast
  // retransmission is lost, and the held original then arrives.
  std::vector<uint8_t> held;
  bool held_once = false, rexmit_dropped = false;
  p.sim.drop_if = [&](const Seg& s) {
    if (s.from != 'A' || s.repr.seq != seq_of(1)) return false;
    if (!held_once) {
      held = s.bytes;
      return held_once = true;
    }
    if (!rexmit_dropped) return rexmit_dropped = true;
    return false;
  };
  auto d = data_of(10 * kSeg);
  ASSERT_EQ(*p.client.send(Bytes(d.data(), d.size())), d.size());
  auto before = p.client.diagnostics();
  ASSERT_TRUE(p.sim.run_until([&] { return rexmit_dropped; }, secs(5)));
  EXPECT_EQ(p.client.diagnostics().fast_recoveries, 1u);
  auto packet = wire::tcp::Packet::check(Bytes(held.data(), held.size()));
  ASSERT_TRUE(packet);
  auto original = wire::tcp::Repr::parse(*packet, kAddrA, kAddrB, true);
  ASSERT_TRUE(original);
  p.sim.inject('B', *original);
  ASSERT_TRUE(p.sim.run_until([&] { return p.server.recv_queue() == d.size(); }, secs(5)));
  p.sim.run_for(ms(100));
  auto diag = p.client.diagnostics();
  EXPECT_EQ(diag.spurious_recoveries, 1u);
  EXPECT_EQ(diag.timeouts, 0u);
  // The congestion window was not halved: it grew from where it was (slow start).
  EXPECT_GT(diag.cwnd, before.cwnd);
  EXPECT_EQ(diag.ssthresh, before.ssthresh);
  // Eight segments had been SACKed above segment 1 when it came: DupThresh follows.
  EXPECT_EQ(diag.dup_thresh, 9u);
}

}  // namespace
}  // namespace keel::test::tcp_sim
