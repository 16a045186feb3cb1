// tcp_sim_test.cpp — TCP through two whole stacks on an in-memory link, simulated
// time: connect, transfer byte-exact both ways (also under seeded faults), graceful
// close, RST for a closed port, slot reuse after close.
#include <gtest/gtest.h>

#include <vector>

#include "support/sim.hpp"

using namespace keel;
using keel::test::sim_ip;
using keel::test::SimNet;

namespace {

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return v;
}

struct Connected {
  Handle client, server;
};

Connected connect_pair(SimNet& net, uint16_t port = 80) {
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  Handle lst = *b.tcp_listen(Endpoint{wire::IpAddress(), port});
  Handle c = *a.tcp_open();
  EXPECT_TRUE(a.tcp_connect(c, Endpoint{sim_ip(2), port}, net.now()).ok());
  Handle s{};
  EXPECT_TRUE(net.run_until([&] {
    auto h = b.tcp_accept(lst, net.now());
    if (h) s = *h;
    return h.ok();
  }, Duration::seconds(10)));
  EXPECT_TRUE(net.run_until([&] { return a.tcp(c)->state() == tcp::State::Established; },
                            Duration::seconds(10)));
  return {c, s};
}

// transfer — sends data from (from, hf) to (to, ht) and returns what arrived.
std::vector<uint8_t> transfer(SimNet& net, Stack& from, Handle hf, Stack& to, Handle ht,
                              const std::vector<uint8_t>& data, Duration limit) {
  size_t sent = 0;
  std::vector<uint8_t> got;
  std::vector<uint8_t> buf(8192);
  net.run_until([&] {
    if (sent < data.size()) {
      auto n = from.tcp(hf)->send(Bytes(data.data() + sent, data.size() - sent));
      if (n) sent += *n;
    }
    for (;;) {
      auto r = to.tcp(ht)->recv(MutBytes(buf.data(), buf.size()));
      if (!r || *r == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(*r));
    }
    return got.size() >= data.size();
  }, limit);
  return got;
}

}  // namespace

TEST(TcpSim, connects_and_moves_a_megabyte_each_way_byte_exact) {
  SimNet net;
  auto p = connect_pair(net);
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  auto up = pattern(1 << 20, 1);
  EXPECT_EQ(transfer(net, a, p.client, b, p.server, up, Duration::seconds(60)), up);
  auto down = pattern(1 << 20, 2);
  EXPECT_EQ(transfer(net, b, p.server, a, p.client, down, Duration::seconds(60)), down);
  EXPECT_EQ(a.tcp(p.client)->diagnostics().retransmissions, 0u);
}

TEST(TcpSim, survives_loss_duplication_and_reordering_byte_exact) {
  linux_port::FaultConfig f;
  f.loss_pct = 2;
  f.dup_pct = 2;
  f.reorder_pct = 5;
  SimNet net(f, 11);
  auto p = connect_pair(net);
  auto data = pattern(300000, 3);
  EXPECT_EQ(transfer(net, *net.a().stack, p.client, *net.b().stack, p.server, data, Duration::seconds(300)),
            data);
}

TEST(TcpSim, graceful_close_reaches_both_ends_and_frees_the_slots) {
  SimNet net;
  auto p = connect_pair(net);
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  a.close(p.client);  // FIN from A
  uint8_t buf[16];
  ASSERT_TRUE(net.run_until([&] {
    auto r = b.tcp(p.server)->recv(MutBytes(buf));
    return !r && r.error() == tcp::RecvError::Finished;
  }, Duration::seconds(5)));
  b.close(p.server);
  net.run_for(Duration::seconds(2), Duration::millis(10));
  EXPECT_EQ(b.tcp(p.server), nullptr);  // the handle is gone
  // A waits in TIME-WAIT; after 2MSL every slot is reusable.
  net.run_for(Duration::seconds(65), Duration::millis(100));
  for (size_t i = 0; i < config::kTcpSockets; ++i) EXPECT_TRUE(a.tcp_open().ok()) << i;
}

TEST(TcpSim, a_closed_port_answers_rst_and_connect_fails_refused) {
  SimNet net;
  Stack& a = *net.a().stack;
  Handle c = *a.tcp_open();
  ASSERT_TRUE(a.tcp_connect(c, Endpoint{sim_ip(2), 81}, net.now()).ok());
  ASSERT_TRUE(net.run_until([&] { return a.tcp(c)->state() == tcp::State::Closed; }, Duration::seconds(5)));
  EXPECT_EQ(a.tcp(c)->error(), tcp::Error::Refused);
  EXPECT_EQ(net.b().stack->stats(net.b().id).dropped(iface::Drop::NoListener), 1u);
}
