// tcp_time_wait_table_test.cpp — tcp::TimeWaitTable: a connection that closed first
// leaves its socket for a small entry that ACKs the peer's retransmitted FIN (2MSL
// restarted), answers per RFC 9293 §3.10.7.4, ends on a RST at RCV.NXT, lets a new SYN
// reopen the 4-tuple under RFC 6191 and expires at exactly 2MSL; a full table evicts
// its oldest entry, counted.
#include "core/socket/tcp/time_wait.hpp"

#include "tcp_sim.hpp"

namespace keel::test::tcp_sim {
namespace {

constexpr Duration kMsl2 = Duration::seconds(10);

// Closed — B (the server) closed first and is in TIME-WAIT; A's FIN is kept, and the
// entry B's socket becomes.
struct Closed {
  Pair<> p;
  wire::tcp::Repr client_fin;
  TimeWaitEntry entry;
  Instant entered;  // when B entered TIME-WAIT

  explicit Closed(bool timestamps = true) {
    p.client.options().timestamps = timestamps;
    p.server.options().time_wait = kMsl2;
    EXPECT_TRUE(p.connect());
    EXPECT_TRUE(p.server.send(Bytes(reinterpret_cast<const uint8_t*>("response"), 8)));
    p.server.close();
    uint8_t buf[64];
    EXPECT_TRUE(p.sim.run_until([&] {
      auto r = p.client.recv(MutBytes(buf));
      return !r && r.error() == RecvError::Finished;
    }, secs(5)));
    p.client.close();
    EXPECT_TRUE(p.sim.run_until([&] {
      if (p.server.state() == State::TimeWait && entered == Instant()) entered = p.sim.now();
      return p.server.state() == State::TimeWait && p.client.state() == State::Closed;
    }, secs(5)));
    for (const Seg* s : p.sim.from('A'))
      if (s->has(flag::kFin)) client_fin = s->repr;
    entry = time_wait_entry(p.server, p.sim.now());
  }
  Instant now() const { return p.sim.now(); }
  FourTuple tuple() const { return FourTuple{kEpB, kEpA}; }
  // syn — a new SYN from A's old port.
  wire::tcp::Repr syn(uint32_t seq, Optional<uint32_t> tsval) const {
    wire::tcp::Repr r;
    r.src_port = kEpA.port;
    r.dst_port = kEpB.port;
    r.seq = seq;
    r.flags = flag::kSyn;
    r.window = 65535;
    r.mss = uint16_t(1460);
    if (tsval) r.timestamps = wire::tcp::Timestamps{*tsval, 0};
    return r;
  }
};

TimeWaitResult offer(TimeWaitTable& t, Instant now, const wire::tcp::Repr& seg, bool new_ts = true) {
  return t.process(now, kAddrA, kAddrB, seg, new_ts);
}

TEST(TcpTimeWaitTable, an_entry_keeps_the_connections_numbers_and_its_2msl_deadline) {
  Closed c;
  Diagnostics d = c.p.server.diagnostics();
  EXPECT_TRUE(c.entry.tuple.local == kEpB && c.entry.tuple.remote == kEpA);
  EXPECT_EQ(c.entry.snd_nxt, d.snd_nxt);
  EXPECT_EQ(c.entry.rcv_nxt, d.rcv_nxt);
  EXPECT_EQ(c.entry.rcv_nxt, c.client_fin.seq + 1);
  EXPECT_TRUE(c.entry.timestamps);
  EXPECT_EQ(c.entry.ts_recent, c.client_fin.timestamps->tsval);
  EXPECT_EQ(c.entry.expires, c.entered + kMsl2);
  EXPECT_EQ(c.entry.msl2_ms, 10000u);
  // The socket lets go: Closed, no error, nothing more to send.
  c.p.server.leave_time_wait();
  EXPECT_EQ(c.p.server.state(), State::Closed);
  EXPECT_EQ(c.p.server.error(), Error::None);
  EXPECT_EQ(c.p.server.poll_at(), Optional<Instant>());
}

TEST(TcpTimeWaitTable, a_retransmitted_fin_is_acked_and_restarts_2msl) {
  Closed c;
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  Instant later = c.entered + secs(3);
  wire::tcp::Repr fin = c.client_fin;
  fin.timestamps->tsval += 3000;  // the peer's clock moved on
  TimeWaitResult r = offer(t, later, fin);
  ASSERT_EQ(r.verdict, TimeWaitVerdict::Consumed);
  ASSERT_TRUE(r.reply);
  EXPECT_EQ(r.reply->src, kAddrB);
  EXPECT_EQ(r.reply->dst, kAddrA);
  EXPECT_EQ(r.reply->repr.src_port, 80);
  EXPECT_EQ(r.reply->repr.dst_port, kEpA.port);
  EXPECT_EQ(r.reply->repr.flags, flag::kAck);
  EXPECT_EQ(r.reply->repr.seq, c.entry.snd_nxt);
  EXPECT_EQ(r.reply->repr.ack, c.entry.rcv_nxt);
  ASSERT_TRUE(r.reply->repr.timestamps);
  EXPECT_EQ(r.reply->repr.timestamps->tsval, uint32_t(later.millis()) + c.entry.ts_offset);
  EXPECT_EQ(r.reply->repr.timestamps->tsecr, c.entry.ts_recent);
  ASSERT_NE(t.find(c.tuple(), later), nullptr);
  EXPECT_EQ(t.find(c.tuple(), later)->expires, later + kMsl2);
  EXPECT_EQ(t.stats().acks, 1u);
  EXPECT_EQ(t.stats().fin_restarts, 1u);
  // The ACK the socket would have sent is the same segment (numbers and window).
  EXPECT_EQ(r.reply->repr.window, c.p.sim.from('B').back()->repr.window);
}

TEST(TcpTimeWaitTable, an_entry_expires_at_exactly_2msl) {
  Closed c;
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  Instant end = c.entered + kMsl2;
  EXPECT_NE(t.find(c.tuple(), end - Duration::micros(1)), nullptr);
  EXPECT_EQ(offer(t, end - Duration::micros(1), c.client_fin).verdict, TimeWaitVerdict::Consumed);
  // The FIN restarted 2MSL from end - 1 µs; at exactly that deadline the entry is gone.
  Instant end2 = end - Duration::micros(1) + kMsl2;
  EXPECT_EQ(offer(t, end2 - Duration::micros(1), wire::tcp::Repr(c.client_fin)).verdict,
            TimeWaitVerdict::Consumed);
  Instant end3 = end2 - Duration::micros(1) + kMsl2;
  EXPECT_NE(t.find(c.tuple(), end3 - Duration::micros(1)), nullptr);
  EXPECT_EQ(t.find(c.tuple(), end3), nullptr);
  EXPECT_EQ(offer(t, end3, c.client_fin).verdict, TimeWaitVerdict::NotOurs);
  EXPECT_EQ(t.stats().expired, 1u);
  EXPECT_EQ(t.stats().in_use, 0u);
  EXPECT_FALSE(t.holds_local_port(80));
}

TEST(TcpTimeWaitTable, expire_reclaims_entries_whose_2msl_is_over) {
  Closed c;
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  EXPECT_TRUE(t.holds_local_port(80));
  t.expire(c.entry.expires - Duration::micros(1));
  EXPECT_EQ(t.stats().in_use, 1u);
  t.expire(c.entry.expires);
  EXPECT_EQ(t.stats().in_use, 0u);
  EXPECT_EQ(t.stats().expired, 1u);
  EXPECT_FALSE(t.holds_local_port(80));
}

TEST(TcpTimeWaitTable, a_rst_at_rcv_nxt_ends_the_entry_others_in_window_are_challenged_the_rest_ignored) {
  Closed c;
  ASSERT_GT(c.entry.rcv_wnd, 100u);
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  wire::tcp::Repr rst;
  rst.src_port = kEpA.port;
  rst.dst_port = 80;
  rst.flags = flag::kRst;
  rst.seq = c.entry.rcv_nxt + 100;  // in the window, not exact: challenge ACK
  TimeWaitResult r = offer(t, c.now(), rst);
  ASSERT_TRUE(r.reply);
  EXPECT_EQ(r.reply->repr.flags, flag::kAck);
  rst.seq = c.entry.rcv_nxt - 1;  // out of the window: ignored
  EXPECT_FALSE(offer(t, c.now(), rst).reply);
  EXPECT_EQ(t.stats().ignored, 1u);
  EXPECT_NE(t.find(c.tuple(), c.now()), nullptr);
  rst.seq = c.entry.rcv_nxt;
  r = offer(t, c.now(), rst);
  EXPECT_EQ(r.verdict, TimeWaitVerdict::Consumed);
  EXPECT_FALSE(r.reply);
  EXPECT_EQ(t.find(c.tuple(), c.now()), nullptr);
  EXPECT_EQ(t.stats().resets, 1u);
}

TEST(TcpTimeWaitTable, an_old_duplicate_fails_paws_and_draws_an_ack_without_restarting_2msl) {
  Closed c;
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  wire::tcp::Repr old = c.client_fin;
  old.seq = c.entry.rcv_nxt;  // in the window, but from before the FIN by its clock
  old.flags = flag::kAck | flag::kFin;
  old.timestamps->tsval = c.entry.ts_recent - 1;
  TimeWaitResult r = offer(t, c.now() + secs(1), old);
  ASSERT_TRUE(r.reply);
  EXPECT_EQ(r.reply->repr.ack, c.entry.rcv_nxt);
  EXPECT_EQ(t.find(c.tuple(), c.now())->expires, c.entry.expires);
  EXPECT_EQ(t.stats().fin_restarts, 0u);
}

TEST(TcpTimeWaitTable, a_duplicate_ack_is_absorbed_and_data_is_acked) {
  Closed c;
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  wire::tcp::Repr ack = c.client_fin;
  ack.flags = flag::kAck;
  ack.seq = c.entry.rcv_nxt;
  EXPECT_FALSE(offer(t, c.now(), ack).reply);
  EXPECT_EQ(t.stats().ignored, 1u);
  static const uint8_t kData[10] = {};
  ack.payload = Bytes(kData, sizeof kData);
  TimeWaitResult r = offer(t, c.now(), ack);
  ASSERT_TRUE(r.reply);
  EXPECT_EQ(r.reply->repr.ack, c.entry.rcv_nxt);  // nothing after the FIN is taken
}

TEST(TcpTimeWaitTable, a_syn_with_a_newer_timestamp_reopens_the_tuple_past_the_old_sequence_space) {
  Closed c;
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  // RFC 6191: a newer timestamp is enough, whatever the sequence number.
  TimeWaitResult r = offer(t, c.now(), c.syn(c.entry.rcv_nxt - 5000, c.entry.ts_recent + 1));
  EXPECT_EQ(r.verdict, TimeWaitVerdict::Reopen);
  EXPECT_FALSE(r.reply);
  EXPECT_EQ(r.iss, c.entry.snd_nxt + 65537u);
  EXPECT_EQ(t.find(c.tuple(), c.now()), nullptr);
  EXPECT_EQ(t.stats().reopened, 1u);
  EXPECT_EQ(t.stats().in_use, 0u);
}

TEST(TcpTimeWaitTable, an_equal_timestamp_reopens_only_with_a_sequence_number_beyond_rcv_nxt) {
  Closed c;
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  uint32_t ts = c.entry.ts_recent;
  TimeWaitResult r = offer(t, c.now(), c.syn(c.entry.rcv_nxt, ts));
  EXPECT_EQ(r.verdict, TimeWaitVerdict::Consumed);
  EXPECT_EQ(offer(t, c.now(), c.syn(c.entry.rcv_nxt + 1, ts)).verdict, TimeWaitVerdict::Reopen);
}

TEST(TcpTimeWaitTable, a_syn_with_an_older_timestamp_is_refused_with_a_challenge_ack) {
  Closed c;
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  TimeWaitResult r = offer(t, c.now(), c.syn(c.entry.rcv_nxt + 100000, c.entry.ts_recent - 1));
  EXPECT_EQ(r.verdict, TimeWaitVerdict::Consumed);
  ASSERT_TRUE(r.reply);
  EXPECT_EQ(r.reply->repr.flags, flag::kAck);
  EXPECT_EQ(r.reply->repr.seq, c.entry.snd_nxt);
  EXPECT_EQ(r.reply->repr.ack, c.entry.rcv_nxt);
  EXPECT_NE(t.find(c.tuple(), c.now()), nullptr);
  EXPECT_EQ(t.stats().syns_refused, 1u);
}

TEST(TcpTimeWaitTable, a_new_connection_without_timestamps_reopens_by_sequence_number) {
  Closed c;  // the old connection used timestamps
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  EXPECT_EQ(offer(t, c.now(), c.syn(c.entry.rcv_nxt, none), false).verdict, TimeWaitVerdict::Consumed);
  // A SYN with the option to a listener that would not use timestamps: sequence rule.
  EXPECT_EQ(offer(t, c.now(), c.syn(c.entry.rcv_nxt, c.entry.ts_recent + 1), false).verdict,
            TimeWaitVerdict::Consumed);
  EXPECT_EQ(offer(t, c.now(), c.syn(c.entry.rcv_nxt + 1, none), false).verdict, TimeWaitVerdict::Reopen);
}

TEST(TcpTimeWaitTable, without_timestamps_a_syn_beyond_rcv_nxt_reopens_and_one_below_is_refused) {
  Closed c(false);
  ASSERT_FALSE(c.entry.timestamps);
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  TimeWaitResult r = offer(t, c.now(), c.syn(c.entry.rcv_nxt - 1, none), false);
  EXPECT_EQ(r.verdict, TimeWaitVerdict::Consumed);
  ASSERT_TRUE(r.reply);
  EXPECT_FALSE(r.reply->repr.timestamps);
  EXPECT_EQ(offer(t, c.now(), c.syn(c.entry.rcv_nxt, none), false).verdict, TimeWaitVerdict::Consumed);
  EXPECT_EQ(t.stats().syns_refused, 2u);
  EXPECT_EQ(offer(t, c.now(), c.syn(c.entry.rcv_nxt + 1, none), false).verdict, TimeWaitVerdict::Reopen);
}

TEST(TcpTimeWaitTable, an_old_connection_without_timestamps_reopens_for_one_that_will_use_them) {
  Closed c(false);
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  EXPECT_EQ(offer(t, c.now(), c.syn(c.entry.rcv_nxt - 1, 1u), true).verdict, TimeWaitVerdict::Reopen);
}

TEST(TcpTimeWaitTable, challenge_acks_are_rate_limited_per_second) {
  Closed c;
  FixedTimeWaitTable<4> t;
  t.insert(c.entry, c.now());
  int replies = 0;
  for (int i = 0; i < 25; ++i)
    replies += offer(t, c.now() + ms(i), c.syn(c.entry.rcv_nxt, c.entry.ts_recent - 1)).reply.has_value();
  EXPECT_EQ(replies, int(TimeWaitTable::kChallengeLimit));
  EXPECT_EQ(t.stats().syns_refused, 25u);
  EXPECT_TRUE(offer(t, c.now() + secs(2), c.syn(c.entry.rcv_nxt, c.entry.ts_recent - 1)).reply);
}

TEST(TcpTimeWaitTable, a_full_table_evicts_the_entry_closest_to_expiry) {
  FixedTimeWaitTable<2> t;
  TimeWaitEntry e;
  e.tuple = FourTuple{kEpB, kEpA};
  e.expires = kT0 + secs(60);
  t.insert(e, kT0);
  e.tuple.remote.port = 40001;
  e.expires = kT0 + secs(30);  // restarted less recently: expires first
  t.insert(e, kT0);
  e.tuple.remote.port = 40002;
  e.expires = kT0 + secs(61);
  t.insert(e, kT0 + secs(1));
  EXPECT_EQ(t.stats().evicted, 1u);
  EXPECT_EQ(t.stats().entered, 3u);
  EXPECT_EQ(t.stats().in_use, 2u);
  EXPECT_EQ(t.stats().high_water, 2u);
  EXPECT_NE(t.find(FourTuple{kEpB, kEpA}, kT0), nullptr);
  EXPECT_EQ(t.find(FourTuple{kEpB, Endpoint{kAddrA, 40001}}, kT0), nullptr);
  EXPECT_NE(t.find(FourTuple{kEpB, Endpoint{kAddrA, 40002}}, kT0), nullptr);
}

TEST(TcpTimeWaitTable, a_new_entry_for_the_same_tuple_replaces_the_old_one) {
  FixedTimeWaitTable<2> t;
  TimeWaitEntry e;
  e.tuple = FourTuple{kEpB, kEpA};
  e.expires = kT0 + secs(60);
  e.rcv_nxt = 1;
  t.insert(e, kT0);
  e.rcv_nxt = 2;
  t.insert(e, kT0);
  EXPECT_EQ(t.stats().in_use, 1u);
  EXPECT_EQ(t.stats().evicted, 1u);
  EXPECT_EQ(t.find(e.tuple, kT0)->rcv_nxt, 2u);
}

}  // namespace
}  // namespace keel::test::tcp_sim
