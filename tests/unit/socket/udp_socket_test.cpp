// udp_socket_test.cpp — UDP socket buffers and demultiplexing rules.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/socket/udp.hpp"

using namespace keel;
using keel::socket::DatagramMeta;
using keel::socket::Endpoint;
using wire::IpAddress;
using wire::Ipv4Address;

namespace {
Endpoint ep(uint8_t host, uint16_t port) { return {Ipv4Address::of(192, 0, 2, host), port}; }
DatagramMeta from(Endpoint e) {
  DatagramMeta m;
  m.remote = e;
  return m;
}
Bytes text(const char* s) { return Bytes(reinterpret_cast<const uint8_t*>(s), strlen(s)); }
}  // namespace

TEST(UdpSocket, delivers_in_order_with_sender_and_truncation) {
  udp::Socket s;
  s.set_local(ep(1, 7));
  ASSERT_TRUE(s.deliver(from(ep(2, 1000)), text("hello")));
  ASSERT_TRUE(s.deliver(from(ep(3, 2000)), text("world!")));
  uint8_t buf[3];
  auto r = s.recv_from(MutBytes(buf));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->remote, ep(2, 1000));
  EXPECT_EQ(r->length, 5u);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(memcmp(buf, "hel", 3), 0);
  uint8_t big[16];
  auto r2 = s.recv_from(MutBytes(big));
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->length, 6u);
  EXPECT_FALSE(r2->truncated);
  EXPECT_EQ(memcmp(big, "world!", 6), 0);
  EXPECT_EQ(s.recv_from(MutBytes(big)).error(), udp::RecvError::Exhausted);
}

TEST(UdpSocket, peek_never_consumes) {
  udp::Socket s;
  ASSERT_TRUE(s.deliver(from(ep(2, 1)), text("abc")));
  uint8_t buf[8];
  ASSERT_TRUE(s.peek_from(MutBytes(buf)));
  ASSERT_TRUE(s.peek_from(MutBytes(buf)));
  EXPECT_TRUE(s.can_recv());
  auto r = s.recv_from(MutBytes(buf));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->length, 3u);
  EXPECT_FALSE(s.can_recv());
}

TEST(UdpSocket, full_receive_queue_drops_and_counts) {
  udp::Socket s;
  std::vector<uint8_t> big(config::kUdpRxBytes / 2 + 1, 0x5a);
  EXPECT_TRUE(s.deliver(from(ep(2, 1)), Bytes(big.data(), big.size())));
  EXPECT_FALSE(s.deliver(from(ep(2, 1)), Bytes(big.data(), big.size())));
  EXPECT_EQ(s.stats().rx_dropped_full, 1u);
  EXPECT_EQ(s.stats().rx_datagrams, 1u);
}

TEST(UdpSocket, send_checks_destination_size_and_broadcast) {
  udp::Socket s;
  EXPECT_EQ(s.send_to(text("x"), Endpoint{}).error(), udp::SendError::Unaddressable);
  EXPECT_EQ(s.send_to(text("x"), ep(2, 0)).error(), udp::SendError::Unaddressable);
  Endpoint bcast{Ipv4Address::broadcast(), 9};
  EXPECT_EQ(s.send_to(text("x"), bcast).error(), udp::SendError::BroadcastNotAllowed);
  s.set_broadcast(true);
  EXPECT_TRUE(s.send_to(text("x"), bcast));
  std::vector<uint8_t> huge(config::kUdpTxBytes + 1);
  EXPECT_EQ(s.send_to(Bytes(huge.data(), huge.size()), ep(2, 9)).error(), udp::SendError::TooLarge);
  std::vector<uint8_t> most(config::kUdpTxBytes - 10);
  EXPECT_TRUE(s.send_to(Bytes(most.data(), most.size()), ep(2, 9)));
  auto full = s.send_to(Bytes(most.data(), most.size()), ep(2, 9));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error(), udp::SendError::BufferFull);
}

TEST(UdpSocket, accepts_by_port_address_connection_and_group) {
  udp::Socket s;
  s.set_local(Endpoint{IpAddress(), 5000});
  EXPECT_TRUE(s.accepts(ep(1, 5000), ep(2, 1), true));
  EXPECT_FALSE(s.accepts(ep(1, 5001), ep(2, 1), true));
  s.set_local(ep(1, 5000));
  EXPECT_FALSE(s.accepts(ep(9, 5000), ep(2, 1), true));
  s.connect(ep(2, 1));
  EXPECT_TRUE(s.accepts(ep(1, 5000), ep(2, 1), true));
  EXPECT_FALSE(s.accepts(ep(1, 5000), ep(2, 2), true));
  EXPECT_FALSE(s.accepts(ep(1, 5000), ep(3, 1), true));
  Endpoint group{Ipv4Address::of(239, 1, 2, 3), 5000};
  s.connect(Endpoint{});
  EXPECT_FALSE(s.accepts(group, ep(2, 1), false));
  ASSERT_TRUE(s.groups_mut().push_back(Ipv4Address::of(239, 1, 2, 3)));
  EXPECT_TRUE(s.accepts(group, ep(2, 1), false));
}

TEST(UdpSocket, queue_matches_a_model_under_random_traffic) {
  udp::Socket s;
  std::mt19937 rng(5);
  std::vector<std::vector<uint8_t>> model;
  for (int step = 0; step < 20000; ++step) {
    if (rng() % 2) {
      std::vector<uint8_t> d(rng() % 700);
      for (auto& b : d) b = static_cast<uint8_t>(rng());
      if (s.deliver(from(ep(2, 1)), Bytes(d.data(), d.size()))) model.push_back(d);
    } else {
      uint8_t buf[800];
      auto r = s.recv_from(MutBytes(buf));
      ASSERT_EQ(r.ok(), !model.empty());
      if (r) {
        ASSERT_EQ(r->length, model.front().size());
        ASSERT_EQ(std::vector<uint8_t>(buf, buf + r->length), model.front());
        model.erase(model.begin());
      }
    }
  }
}
