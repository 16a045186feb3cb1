// tcp_close_sim_test.cpp — closing connections through whole stacks (Stack::close on a
// TCP handle), simulated time: a handle closed with received data unread resets the
// peer instead of a FIN, so does data arriving after the close; a handle closed after
// reading everything ends gracefully; a peer that never closes its side no longer holds
// the closed socket's slot past the FIN-WAIT-2 timeout — and its late FIN is answered
// with a RST by the stack, since no socket is left.
#include <gtest/gtest.h>

#include <vector>

#include "support/sim.hpp"

using namespace keel;
using keel::test::sim_ip;
using keel::test::SimNet;

namespace {

struct Closing : ::testing::Test {
  SimNet net;
  Stack& a = *net.a().stack;
  Stack& b = *net.b().stack;
  Handle client{}, server{};
  void SetUp() override {
    Handle lst = *b.tcp_listen(Endpoint{wire::IpAddress(), 80});
    client = *a.tcp_open();
    ASSERT_TRUE(a.tcp_connect(client, Endpoint{sim_ip(2), 80}, net.now()).ok());
    ASSERT_TRUE(net.run_until([&] {
      auto h = b.tcp_accept(lst, net.now());
      if (h) server = *h;
      return h.ok() && a.tcp(client)->state() == tcp::State::Established;
    }, Duration::seconds(5)));
  }
  bool send(Stack& s, Handle h, const char* text) {
    auto r = s.tcp(h)->send(Bytes(reinterpret_cast<const uint8_t*>(text), strlen(text)));
    return r && *r == strlen(text);
  }
};

TEST_F(Closing, closing_a_handle_with_unread_data_resets_the_peer) {
  ASSERT_TRUE(send(a, client, "request nobody reads"));
  ASSERT_TRUE(net.run_until([&] { return b.tcp(server)->recv_queue() == 20; }, Duration::seconds(1)));
  b.close(server);
  ASSERT_TRUE(net.run_until([&] { return a.tcp(client)->state() == tcp::State::Closed; },
                            Duration::seconds(1)));
  EXPECT_EQ(a.tcp(client)->error(), tcp::Error::Reset);
  // B's slot is free at once: no FIN-WAIT or TIME-WAIT for an aborted connection.
  for (size_t i = 0; i < config::kTcpSockets; ++i) EXPECT_TRUE(b.tcp_open().ok()) << i;
}

TEST_F(Closing, closing_a_handle_after_reading_everything_ends_gracefully) {
  ASSERT_TRUE(send(a, client, "request"));
  uint8_t buf[64];
  ASSERT_TRUE(net.run_until([&] { return b.tcp(server)->recv_queue() == 7; }, Duration::seconds(1)));
  ASSERT_EQ(*b.tcp(server)->recv(MutBytes(buf, sizeof buf)), 7u);
  ASSERT_TRUE(send(b, server, "response"));
  b.close(server);
  ASSERT_TRUE(net.run_until([&] { return a.tcp(client)->state() == tcp::State::CloseWait; },
                            Duration::seconds(1)));
  ASSERT_EQ(*a.tcp(client)->recv(MutBytes(buf, sizeof buf)), 8u);
  EXPECT_EQ(a.tcp(client)->recv(MutBytes(buf, sizeof buf)).error(), tcp::RecvError::Finished);
  a.close(client);
  ASSERT_TRUE(net.run_until([&] { return a.tcp(client) == nullptr; }, Duration::seconds(1)));
  net.run_for(Duration::millis(100));
  EXPECT_EQ(a.stats(net.a().id).dropped(iface::Drop::NoListener), 0u);  // no RST anywhere
  EXPECT_EQ(b.stats(net.b().id).dropped(iface::Drop::NoListener), 0u);
}

TEST_F(Closing, data_arriving_after_the_handle_was_closed_resets_the_peer) {
  a.close(client);
  net.run_for(Duration::millis(50));
  ASSERT_TRUE(send(b, server, "nobody is listening"));
  ASSERT_TRUE(net.run_until([&] { return b.tcp(server)->state() == tcp::State::Closed; },
                            Duration::seconds(1)));
  EXPECT_EQ(b.tcp(server)->error(), tcp::Error::Reset);
}

TEST_F(Closing, a_peer_that_never_closes_does_not_hold_the_slot_past_fin_wait_2) {
  tcp::Socket* s = a.tcp(client);
  a.close(client);
  ASSERT_TRUE(net.run_until([&] { return s->state() == tcp::State::FinWait2; }, Duration::seconds(1)));
  ASSERT_EQ(b.tcp(server)->state(), tcp::State::CloseWait);
  net.run_for(Duration::seconds(59), Duration::millis(100));
  EXPECT_EQ(s->state(), tcp::State::FinWait2);
  net.run_for(Duration::seconds(2), Duration::millis(100));
  EXPECT_EQ(s->state(), tcp::State::Closed);
  EXPECT_EQ(s->diagnostics().fin_wait2_timeouts, 1u);
  for (size_t i = 0; i < config::kTcpSockets; ++i) EXPECT_TRUE(a.tcp_open().ok()) << i;
  // B finally closes: nobody at A holds the connection, so A's stack resets it.
  b.close(server);
  net.run_for(Duration::millis(100));
  EXPECT_EQ(a.stats(net.a().id).dropped(iface::Drop::NoListener), 1u);
}

}  // namespace
