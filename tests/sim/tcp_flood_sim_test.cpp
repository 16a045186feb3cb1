// tcp_flood_sim_test.cpp — a SYN flood against a listener of a whole stack (RFC 4987),
// simulated time: spoofed SYNs fill the SYN queue to exactly its size and every other
// one is counted and answered with a cookie; an established connection keeps moving
// data byte-exact through a continuous flood; a real client still connects through a
// SYN cookie while the queue is full (taking the place of the oldest half-open entry),
// and its connection carries data both ways; once the flood's half-open entries have
// used up their SYN,ACK retransmissions the queue is empty and new clients get full
// handshakes (timestamps, window scaling) again.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/ethernet.hpp"
#include "core/wire/ipv4.hpp"
#include "core/wire/tcp.hpp"
#include "support/sim.hpp"

using namespace keel;
using keel::test::sim_ip;
using keel::test::SimNet;
using keel::test::pattern;

namespace {

constexpr size_t kBacklog = config::kTcpBacklog;

// Flooder — forges SYNs from 192.0.2.99 (which does not exist, so nobody answers the
// SYN,ACKs) to B:80, each from a new source port, straight into B's receive path.
struct Flooder {
  SimNet& net;
  uint32_t sent = 0;
  void syn() {
    const wire::Ipv4Address src = sim_ip(99), dst = sim_ip(2);
    wire::tcp::Repr syn;
    syn.src_port = static_cast<uint16_t>(1024 + sent % 60000);
    syn.dst_port = 80;
    syn.seq = sent * 7919u + 1;
    syn.flags = wire::tcp::flag::kSyn;
    syn.window = 64240;
    syn.mss = uint16_t(1460);
    std::vector<uint8_t> l4(syn.buffer_len());
    EXPECT_TRUE(syn.emit(MutBytes(l4.data(), l4.size()), src, dst).ok());
    wire::ipv4::Repr ip;
    ip.src = src;
    ip.dst = dst;
    ip.protocol = wire::IpProtocol::Tcp;
    ip.payload_len = static_cast<uint16_t>(l4.size());
    Stack& b = *net.b().stack;
    wire::ethernet::Repr eth{wire::MacAddress{{0x02, 0, 0, 0, 0, 0x99}}, b.mac(net.b().id),
                             wire::EtherType::Ipv4, none};
    std::vector<uint8_t> frame(14 + ip.buffer_len());
    EXPECT_TRUE(eth.emit(MutBytes(frame.data(), 14)).ok());
    EXPECT_TRUE(ip.emit(MutBytes(frame.data() + 14, ip.buffer_len())).ok());
    std::copy(l4.begin(), l4.end(), frame.begin() + 14 + 20);
    b.receive_frame(net.b().id, Bytes(frame.data(), frame.size()), net.now());
    ++sent;
  }
  void burst(uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) syn();
  }
};

struct Flood : ::testing::Test {
  SimNet net;
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  Handle lst{};
  Flooder flood{net};
  void SetUp() override {
    auto l = b.tcp_listen(Endpoint{wire::IpAddress(), 80});
    ASSERT_TRUE(l.ok());
    lst = *l;
  }
  tcp::Listener& listener() { return *b.tcp_listener(lst); }
  // connect — a client on A and its accepted server socket on B (while `each_tick` runs).
  bool connect(Handle* client, Handle* server, const std::function<void()>& each_tick = [] {}) {
    auto c = a.tcp_open();
    if (!c) return false;
    *client = *c;
    if (!a.tcp_connect(*client, Endpoint{sim_ip(2), 80}, net.now()).ok()) return false;
    return net.run_until([&] {
      each_tick();
      auto h = b.tcp_accept(lst, net.now());
      if (h) *server = *h;
      return h.ok() && a.tcp(*client)->state() == tcp::State::Established;
    }, Duration::seconds(10));
  }
  // exchange — n bytes each way at once, read as they arrive; true if both byte-exact.
  bool exchange(Handle c, Handle s, size_t n, const std::function<void()>& each_tick = [] {}) {
    auto up = pattern(n, 1), down = pattern(n, 2);
    size_t up_sent = 0, down_sent = 0;
    std::vector<uint8_t> up_got, down_got, buf(8192);
    auto pump = [&](tcp::Socket& from, tcp::Socket& to, const std::vector<uint8_t>& d, size_t& sent,
                    std::vector<uint8_t>& got) {
      if (sent < d.size()) {
        auto r = from.send(Bytes(d.data() + sent, d.size() - sent));
        if (r) sent += *r;
      }
      for (;;) {
        auto r = to.recv(MutBytes(buf.data(), buf.size()));
        if (!r || *r == 0) break;
        got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(*r));
      }
    };
    net.run_until([&] {
      each_tick();
      pump(*a.tcp(c), *b.tcp(s), up, up_sent, up_got);
      pump(*b.tcp(s), *a.tcp(c), down, down_sent, down_got);
      return up_got.size() >= n && down_got.size() >= n;
    }, Duration::seconds(120));
    EXPECT_EQ(up_got.size(), n);
    EXPECT_EQ(down_got.size(), n);
    return up_got == up && down_got == down;
  }
};

TEST_F(Flood, spoofed_syns_fill_the_syn_queue_exactly_and_are_all_counted) {
  flood.burst(300);
  net.run_for(Duration::millis(100));
  const tcp::ListenerStats& st = listener().stats();
  EXPECT_EQ(st.syns, 300u);
  EXPECT_EQ(listener().half_open(), kBacklog);
  EXPECT_EQ(st.syn_queue_full, 300u - kBacklog);
  // No half-open entry is stale yet (its SYN,ACK timeout has not passed), so a cookie's
  // ACK could not be taken in: every SYN beyond the queue is dropped, none cookied.
  EXPECT_EQ(st.cookies_sent, 0u);
  EXPECT_EQ(st.syns_dropped, 300u - kBacklog);
  EXPECT_EQ(st.resets_sent, 0u);
  EXPECT_EQ(listener().pending_accepts(), 0u);
}

TEST_F(Flood, an_established_connection_keeps_moving_data_through_a_continuous_flood) {
  Handle c{}, s{};
  ASSERT_TRUE(connect(&c, &s));
  // Fifty forged SYNs every simulated millisecond for the whole exchange.
  ASSERT_TRUE(exchange(c, s, 4 << 20, [&] { flood.burst(50); }));
  EXPECT_GT(flood.sent, 1000u);
  EXPECT_EQ(listener().half_open(), kBacklog);
  EXPECT_EQ(listener().stats().syn_queue_full, flood.sent - kBacklog);
  EXPECT_EQ(a.tcp(c)->state(), tcp::State::Established);
  EXPECT_EQ(b.tcp(s)->state(), tcp::State::Established);
}

TEST_F(Flood, a_new_client_connects_through_a_syn_cookie_while_the_queue_is_full) {
  flood.burst(100);
  net.run_for(Duration::millis(10));
  ASSERT_EQ(listener().half_open(), kBacklog);
  Handle c{}, s{};
  ASSERT_TRUE(connect(&c, &s, [&] { flood.burst(2); }));  // the flood goes on
  const tcp::ListenerStats& st = listener().stats();
  EXPECT_EQ(st.cookies_accepted, 1u);
  EXPECT_EQ(st.cookies_rejected, 0u);
  EXPECT_EQ(st.half_open_evicted, 1u);  // the real client took the oldest slot
  auto d = b.tcp(s)->diagnostics();
  EXPECT_FALSE(d.timestamps);  // a cookie carries only the MSS
  EXPECT_FALSE(d.window_scaling);
  EXPECT_EQ(d.smss, 1460u);
  EXPECT_TRUE(exchange(c, s, 200000, [&] { flood.burst(2); }));
}

TEST_F(Flood, after_the_flood_ages_out_new_clients_get_full_handshakes_again) {
  flood.burst(100);
  // SYN,ACKs at 1, 2, 4, 8 and 16 s intervals (5 retries), then 32 s more: gone by 64 s.
  net.run_for(Duration::seconds(65), Duration::millis(100));
  EXPECT_EQ(listener().half_open(), 0u);
  EXPECT_EQ(listener().stats().synack_timeouts, kBacklog);
  Handle c{}, s{};
  ASSERT_TRUE(connect(&c, &s));
  EXPECT_EQ(listener().stats().cookies_accepted, 0u);
  auto d = b.tcp(s)->diagnostics();
  EXPECT_TRUE(d.timestamps);
  EXPECT_TRUE(d.window_scaling);
  EXPECT_TRUE(d.sack);
  EXPECT_TRUE(exchange(c, s, 100000));
}

}  // namespace
