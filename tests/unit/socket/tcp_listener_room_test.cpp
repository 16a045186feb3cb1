// tcp_listener_room_test.cpp — a tcp::Listener without room makes clients wait and never
// resets them: SYNs dropped (counted) when neither queue could take the connection, SYN
// cookies only when their ACK could be taken in, room checked before a stale half-open
// entry is evicted, unchecked cookie data dropped rather than reset; every SYN counted
// once as queued, cookie or drop.
#include "tcp_sim.hpp"

namespace keel::test::tcp_sim {
namespace {

// A codec for the tests: a tag, the client ISN's low byte and the MSS (any tuple, any
// time), so that a segment whose sequence number moved past ISN + 1 does not check.
struct TagCookies final : SynCookieCodec {
  static constexpr uint32_t kTag = 0xabc00000u;
  static uint32_t cookie(uint32_t client_isn, uint16_t mss = 1460) {
    return kTag | (client_isn & 0xff) << 12 | (mss & 0xfff);
  }
  uint32_t encode(const FourTuple&, uint32_t client_isn, uint16_t mss, Instant) override {
    return cookie(client_isn, mss);
  }
  Optional<uint16_t> decode(const FourTuple&, uint32_t client_isn, uint32_t c, Instant) override {
    if ((c & 0xfff00000u) != kTag || ((c >> 12) & 0xff) != (client_isn & 0xff)) return none;
    return uint16_t(c & 0xfff);
  }
};

// syn — a SYN from A's port to B:80 (a client that never answers unless a test says so).
wire::tcp::Repr syn(uint16_t port, uint32_t seq = 1000) {
  wire::tcp::Repr r;
  r.src_port = port;
  r.dst_port = 80;
  r.seq = seq;
  r.flags = flag::kSyn;
  r.window = 65535;
  r.mss = uint16_t(1460);
  return r;
}

// ack_of — A's ACK completing the handshake B answered with a SYN,ACK of number iss.
wire::tcp::Repr ack_of(uint16_t port, uint32_t client_isn, uint32_t iss, uint8_t extra = 0) {
  wire::tcp::Repr r;
  r.src_port = port;
  r.dst_port = 80;
  r.seq = client_isn + 1;
  r.ack = iss + 1;
  r.flags = uint8_t(flag::kAck | extra);
  r.window = 65535;
  return r;
}

size_t sent_by_b(const Sim& sim) { return sim.from('B').size(); }

void expect_every_syn_counted_once(const ListenerStats& st) {
  EXPECT_EQ(st.syns, st.syns_queued + st.cookies_sent + st.syns_dropped);
}

struct Fixture {
  Sim sim;
  FixedListener<4> listener;
  FixedIsn isn{0x20000000};
  TagCookies cookies;
  Fixture(size_t syn_backlog, size_t accept_backlog) : listener(syn_backlog, accept_backlog) {
    sim.b().listener = &listener;
    EXPECT_TRUE(listener.listen(kEpB, isn, &cookies));
  }
};

TEST(TcpListenerRoom, a_syn_no_cookie_could_serve_is_dropped_unanswered_and_counted) {
  Fixture f(4, 4);
  for (uint16_t port = 1; port <= 4; ++port) f.sim.inject('B', syn(port));
  EXPECT_EQ(f.listener.half_open(), 4u);
  size_t before = sent_by_b(f.sim);
  // Every slot holds a fresh half-open entry: a cookie's ACK could find no room.
  f.sim.inject('B', syn(5));
  EXPECT_EQ(sent_by_b(f.sim), before);
  const ListenerStats& st = f.listener.stats();
  EXPECT_EQ(st.syns, 5u);
  EXPECT_EQ(st.syns_queued, 4u);
  EXPECT_EQ(st.syn_queue_full, 1u);
  EXPECT_EQ(st.syns_dropped, 1u);
  EXPECT_EQ(st.cookies_sent, 0u);
  expect_every_syn_counted_once(st);
}

TEST(TcpListenerRoom, a_syn_gets_a_cookie_once_a_half_open_entry_went_unanswered_a_whole_rto) {
  Fixture f(4, 4);
  for (uint16_t port = 1; port <= 4; ++port) f.sim.inject('B', syn(port));
  f.sim.run_for(ms(1500));  // every SYN,ACK retransmitted once (1 s): the entries are stale
  EXPECT_EQ(f.listener.stats().synack_retransmits, 4u);
  f.sim.inject('B', syn(5, 7777));
  const Seg& cookie = f.sim.log.back();
  EXPECT_EQ(cookie.from, 'B');
  EXPECT_EQ(cookie.repr.flags, flag::kSyn | flag::kAck);
  EXPECT_EQ(cookie.repr.seq, TagCookies::cookie(7777));
  EXPECT_EQ(cookie.repr.ack, 7778u);
  EXPECT_EQ(f.listener.stats().cookies_sent, 1u);
  expect_every_syn_counted_once(f.listener.stats());
}

TEST(TcpListenerRoom, a_full_accept_queue_drops_syns_even_with_cookies_and_the_client_connects_later) {
  Fixture f(4, 2);
  FixedSocket<> c1, c2, c3, s1, s2, s3;
  f.sim.a().sockets = {&c1, &c2, &c3};
  ASSERT_TRUE(c1.connect(f.sim.now(), Endpoint{kAddrA, 40001}, kEpB, 100));
  ASSERT_TRUE(c2.connect(f.sim.now(), Endpoint{kAddrA, 40002}, kEpB, 200));
  ASSERT_TRUE(f.sim.run_until([&] { return f.listener.pending_accepts() == 2; }, secs(2)));
  // Nobody accepts: the accept queue is full. A third client's SYN is dropped, not
  // answered with a cookie although two slots are free.
  ASSERT_TRUE(c3.connect(f.sim.now(), Endpoint{kAddrA, 40003}, kEpB, 300));
  f.sim.run_for(ms(500));
  const ListenerStats& st = f.listener.stats();
  EXPECT_EQ(st.accept_queue_full, 1u);
  EXPECT_EQ(st.syns_dropped, 1u);
  EXPECT_EQ(st.cookies_sent, 0u);
  EXPECT_EQ(c3.state(), State::SynSent);
  // The application accepts; the client's retransmitted SYN (1 s) gets in.
  f.sim.b().accept_into = {&s1, &s2, &s3};
  ASSERT_TRUE(f.sim.run_until([&] { return c3.state() == State::Established && s3.state() == State::Established; },
                              secs(5)));
  EXPECT_EQ(st.resets_sent, 0u);
  for (const Seg* s : f.sim.from('B')) EXPECT_FALSE(s->has(flag::kRst));
  expect_every_syn_counted_once(st);
}

TEST(TcpListenerRoom, a_valid_cookie_without_accept_room_is_dropped_and_evicts_nothing) {
  Fixture f(3, 1);  // three SYN-queue entries, one accept-queue place, four slots
  for (uint16_t port = 1; port <= 3; ++port) f.sim.inject('B', syn(port));
  // The SYN queue is full but a slot is free: a cookie could be taken in.
  f.sim.inject('B', syn(10, 5000));
  f.sim.inject('B', syn(11, 6000));
  EXPECT_EQ(f.listener.stats().cookies_sent, 2u);
  // The first cookie comes back and takes the free slot: the accept queue is full.
  f.sim.inject('B', ack_of(10, 5000, TagCookies::cookie(5000)));
  EXPECT_EQ(f.listener.pending_accepts(), 1u);
  f.sim.run_for(ms(1500));  // the three half-open entries go stale
  size_t before = sent_by_b(f.sim);
  f.sim.inject('B', ack_of(11, 6000, TagCookies::cookie(6000)));
  const ListenerStats& st = f.listener.stats();
  EXPECT_EQ(st.cookies_accepted, 1u);
  EXPECT_EQ(st.cookie_acks_dropped, 1u);
  EXPECT_EQ(st.accept_queue_full, 1u);
  EXPECT_EQ(st.half_open_evicted, 0u);
  EXPECT_EQ(f.listener.half_open(), 3u);
  EXPECT_EQ(sent_by_b(f.sim), before);  // no RST
}

TEST(TcpListenerRoom, a_valid_cookie_takes_only_a_stale_half_open_entry) {
  Fixture f(4, 4);
  f.sim.inject('B', syn(1));
  f.sim.run_for(ms(1500));  // entry 1 stale
  for (uint16_t port = 2; port <= 4; ++port) f.sim.inject('B', syn(port));  // fresh
  f.sim.inject('B', syn(10, 5000));  // cookies: a stale entry could give its slot
  f.sim.inject('B', syn(11, 6000));
  ASSERT_EQ(f.listener.stats().cookies_sent, 2u);
  f.sim.inject('B', ack_of(10, 5000, TagCookies::cookie(5000)));
  EXPECT_EQ(f.listener.stats().half_open_evicted, 1u);
  EXPECT_EQ(f.listener.pending_accepts(), 1u);
  // The other cookie finds only fresh entries: it waits (dropped, counted), no eviction.
  f.sim.inject('B', ack_of(11, 6000, TagCookies::cookie(6000)));
  const ListenerStats& st = f.listener.stats();
  EXPECT_EQ(st.cookies_accepted, 1u);
  EXPECT_EQ(st.cookie_acks_dropped, 1u);
  EXPECT_EQ(st.half_open_evicted, 1u);
  EXPECT_EQ(f.listener.half_open(), 3u);
  EXPECT_EQ(st.resets_sent, 0u);
}

TEST(TcpListenerRoom, data_or_a_fin_whose_cookie_cannot_be_checked_is_dropped_not_reset) {
  Fixture f(4, 4);
  for (uint16_t port = 1; port <= 4; ++port) f.sim.inject('B', syn(port));
  f.sim.run_for(ms(1500));
  f.sim.inject('B', syn(10, 5000));
  ASSERT_EQ(f.listener.stats().cookies_sent, 1u);
  uint32_t cookie = TagCookies::cookie(5000);
  size_t before = sent_by_b(f.sim);
  // The client's second segment and its FIN: their sequence numbers are past ISN + 1.
  static const uint8_t kData[100] = {};
  wire::tcp::Repr data = ack_of(10, 5000 + 100, cookie);
  data.payload = Bytes(kData, sizeof kData);
  f.sim.inject('B', data);
  f.sim.inject('B', ack_of(10, 5000 + 200, cookie, flag::kFin));
  EXPECT_EQ(sent_by_b(f.sim), before);
  EXPECT_EQ(f.listener.stats().cookies_rejected, 2u);
  EXPECT_EQ(f.listener.pending_accepts(), 0u);
  // A bare ACK that does not check gets the RST RFC 9293 §3.10.7.2 asks for.
  f.sim.inject('B', ack_of(10, 5000 + 200, cookie));
  ASSERT_EQ(sent_by_b(f.sim), before + 1);
  EXPECT_EQ(f.sim.log.back().repr.flags, flag::kRst);
  EXPECT_EQ(f.sim.log.back().repr.seq, cookie + 1);
  EXPECT_EQ(f.listener.stats().resets_sent, 1u);
  // The first data segment (from ISN + 1) checks: the connection is taken in.
  wire::tcp::Repr first = ack_of(10, 5000, cookie);
  first.payload = Bytes(kData, sizeof kData);
  f.sim.inject('B', first);
  EXPECT_EQ(f.listener.pending_accepts(), 1u);
  EXPECT_EQ(f.listener.stats().cookies_accepted, 1u);
  EXPECT_EQ(f.listener.stats().dropped_before_accept, 1u);
}

TEST(TcpListenerRoom, without_cookies_out_data_to_no_connection_is_reset) {
  Fixture f(4, 4);
  static const uint8_t kData[10] = {};
  wire::tcp::Repr data = ack_of(10, 5000, 0x1234);
  data.payload = Bytes(kData, sizeof kData);
  f.sim.inject('B', data);
  ASSERT_FALSE(f.sim.log.empty());
  EXPECT_EQ(f.sim.log.back().repr.flags, flag::kRst);
  EXPECT_EQ(f.sim.log.back().repr.seq, 0x1235u);  // <SEQ=SEG.ACK>
  EXPECT_EQ(f.listener.stats().cookies_rejected, 0u);
}

TEST(TcpListenerRoom, syn_acks_wait_for_room_and_go_out_first_come_first_served) {
  Sim sim;
  FixedListener<4> l;
  FixedIsn isn(1);
  ASSERT_TRUE(l.listen(kEpB, isn));
  uint8_t buf[64];
  for (uint16_t port = 1; port <= 3; ++port) l.process(sim.now(), kAddrA, kAddrB, syn(port, port * 100));
  // No room (no free socket): the SYNs are queued, nothing is sent, nothing is due.
  EXPECT_FALSE(l.dispatch(sim.now(), MutBytes(buf), 0));
  EXPECT_EQ(l.poll_at(0), Optional<Instant>(sim.now() + l.options().synack_rto * 64));
  EXPECT_EQ(l.half_open(), 3u);
  EXPECT_EQ(l.stats().synacks_deferred, 3u);
  // Room for one: the oldest SYN is answered, then nothing more.
  EXPECT_EQ(l.poll_at(1), Optional<Instant>(Instant::from_micros(0)));
  auto out = l.dispatch(sim.now(), MutBytes(buf), 1);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->repr.dst_port, 1);
  EXPECT_FALSE(l.dispatch(sim.now(), MutBytes(buf), 1));
  // More room: the next two, in order.
  out = l.dispatch(sim.now(), MutBytes(buf), 3);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->repr.dst_port, 2);
  out = l.dispatch(sim.now(), MutBytes(buf), 3);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->repr.dst_port, 3);
  EXPECT_EQ(l.stats().synacks_deferred, 3u);
}

TEST(TcpListenerRoom, an_answer_unanswered_for_a_whole_timeout_no_longer_holds_room) {
  Sim sim;
  FixedListener<4> l;
  FixedIsn isn(1);
  ASSERT_TRUE(l.listen(kEpB, isn));
  uint8_t buf[64];
  l.process(sim.now(), kAddrA, kAddrB, syn(1, 100));  // a client that never answers
  l.process(sim.now(), kAddrA, kAddrB, syn(2, 200));
  auto out = l.dispatch(sim.now(), MutBytes(buf), 1);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->repr.dst_port, 1);
  EXPECT_EQ(l.committed(), 1u);
  EXPECT_FALSE(l.dispatch(sim.now(), MutBytes(buf), 1));  // port 2 waits
  // After the SYN,ACK timeout port 1's answer is retransmitted and stops holding the
  // room: port 2 is answered too (a flood of spoofed SYNs cannot hold the room).
  Instant t = sim.now() + l.options().synack_rto;
  out = l.dispatch(t, MutBytes(buf), 1);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->repr.dst_port, 1);  // the retransmission
  out = l.dispatch(t, MutBytes(buf), 1);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->repr.dst_port, 2);
  EXPECT_EQ(l.committed(), 1u);
}

TEST(TcpListenerRoom, a_waiting_syn_lives_while_the_client_retransmits_it) {
  Sim sim;
  FixedListener<4> l;
  FixedIsn isn(1);
  ASSERT_TRUE(l.listen(kEpB, isn));
  uint8_t buf[64];
  Duration limit = l.options().synack_rto * 64;  // the SYN,ACK schedule's length
  l.process(sim.now(), kAddrA, kAddrB, syn(1, 100));
  EXPECT_FALSE(l.dispatch(sim.now() + limit - ms(1), MutBytes(buf), 0));
  l.process(sim.now() + limit - ms(1), kAddrA, kAddrB, syn(1, 100));  // the SYN again
  EXPECT_FALSE(l.dispatch(sim.now() + limit, MutBytes(buf), 0));
  EXPECT_EQ(l.half_open(), 1u);
  // The client gave up: the entry goes (counted), never answered.
  EXPECT_FALSE(l.dispatch(sim.now() + limit * 2 - ms(1), MutBytes(buf), 0));
  EXPECT_EQ(l.half_open(), 0u);
  EXPECT_EQ(l.stats().deferred_expired, 1u);
  EXPECT_EQ(l.stats().synack_timeouts, 0u);
}

TEST(TcpListenerRoom, a_given_iss_is_the_syn_acks_sequence_number) {
  Sim sim;
  FixedListener<4> l;
  FixedIsn isn(1);
  ASSERT_TRUE(l.listen(kEpB, isn));
  l.process(sim.now(), kAddrA, kAddrB, syn(40000, 9), 0xfedcba98u);
  uint8_t buf[64];
  auto out = l.dispatch(sim.now(), MutBytes(buf));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->repr.flags, flag::kSyn | flag::kAck);
  EXPECT_EQ(out->repr.seq, 0xfedcba98u);
  EXPECT_EQ(out->repr.ack, 10u);
}

}  // namespace
}  // namespace keel::test::tcp_sim
