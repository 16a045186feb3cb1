// tap_device_test.cpp — a real TAP with the Linux kernel on the other side, inside a
// namespace this test creates (and removes): an ARP request written by the test gets
// the kernel's ARP reply back through the TAP; frames sent while the link is down are
// held and reach the kernel once it is up, or are dropped and counted after the hold
// limit; a frame the kernel rejects for another reason is refused and counted.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "ports/linux/tap_device.hpp"

using namespace keel;
using keel::linux_port::TapDevice;

namespace {

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

class TapDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(access("/dev/net/tun", R_OK | W_OK), 0) << "/dev/net/tun is required (run as root)";
    ASSERT_EQ(sh("ip netns add " + ns_), 0) << "ip netns is required (run as root)";
  }
  void TearDown() override { sh("ip netns del " + ns_); }
  std::string ns_ = "keeltap" + std::to_string(getpid());
  std::string tap_ = "ktap" + std::to_string(getpid() % 100000);
};

// arp_request — who has 192.0.2.1? tell 192.0.2.2 (02:00:00:00:00:01), padded to 60 bytes.
std::vector<uint8_t> arp_request() {
  std::vector<uint8_t> req = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,  // Ethernet
      0, 1, 0x08, 0, 6, 4, 0, 1,                                                 // ARP request
      0x02, 0, 0, 0, 0, 0x01, 192, 0, 2, 2,                                      // sender
      0, 0, 0, 0, 0, 0, 192, 0, 2, 1};                                           // target
  req.resize(60, 0);
  return req;
}

// is_arp_reply_to_us — an ARP reply (ethertype 0x0806, op 2) from 192.0.2.1 to us.
bool is_arp_reply_to_us(const uint8_t* buf, size_t n) {
  return n >= 42 && buf[12] == 0x08 && buf[13] == 0x06 && buf[21] == 2 &&
         std::vector<uint8_t>(buf + 28, buf + 32) == std::vector<uint8_t>{192, 0, 2, 1} &&
         std::vector<uint8_t>(buf + 0, buf + 6) == std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0x01};
}

}  // namespace

TEST_F(TapDeviceTest, rejects_bad_names) {
  TapDevice t;
  std::string err;
  EXPECT_FALSE(t.open("", &err));
  EXPECT_FALSE(t.open("a-name-far-too-long-for-linux", &err));
  EXPECT_NE(err.find("characters"), std::string::npos);
}

TEST_F(TapDeviceTest, kernel_answers_arp_through_the_tap) {
  TapDevice tap;
  std::string err;
  ASSERT_TRUE(tap.open(tap_, &err)) << err;
  ASSERT_EQ(sh("ip link set " + tap_ + " netns " + ns_), 0);
  ASSERT_EQ(sh("ip -n " + ns_ + " addr add 192.0.2.1/24 dev " + tap_), 0);
  ASSERT_EQ(sh("ip -n " + ns_ + " link set " + tap_ + " address 02:00:00:00:00:aa up"), 0);

  // ARP request: who has 192.0.2.1? tell 192.0.2.2 (02:00:00:00:00:01).
  std::vector<uint8_t> req = {
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,  // Ethernet
      0, 1, 0x08, 0, 6, 4, 0, 1,                                                 // ARP request
      0x02, 0, 0, 0, 0, 0x01, 192, 0, 2, 2,                                      // sender
      0, 0, 0, 0, 0, 0, 192, 0, 2, 1};                                           // target
  req.resize(60, 0);
  bool replied = false;
  uint8_t buf[1600];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!replied && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(tap.transmit(Bytes(req.data(), req.size()), Instant()));
    for (int i = 0; i < 50 && !replied; ++i) {
      size_t n = tap.receive(MutBytes(buf), Instant());
      if (n == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      // An ARP reply (ethertype 0x0806, op 2) from 192.0.2.1 to us.
      if (n >= 42 && buf[12] == 0x08 && buf[13] == 0x06 && buf[21] == 2) {
        EXPECT_EQ(std::vector<uint8_t>(buf + 22, buf + 28),
                  (std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0xaa}));
        EXPECT_EQ(std::vector<uint8_t>(buf + 28, buf + 32), (std::vector<uint8_t>{192, 0, 2, 1}));
        EXPECT_EQ(std::vector<uint8_t>(buf + 0, buf + 6),
                  (std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0x01}));
        replied = true;
      }
    }
  }
  EXPECT_TRUE(replied) << "no ARP reply from the kernel within 5 s";
  EXPECT_EQ(tap.tx_errors(), 0u);
}

TEST_F(TapDeviceTest, frames_sent_while_the_link_is_down_reach_the_kernel_once_it_is_up) {
  TapDevice tap;
  std::string err;
  ASSERT_TRUE(tap.open(tap_, &err)) << err;
  ASSERT_EQ(sh("ip link set " + tap_ + " netns " + ns_), 0);  // there, and down
  std::vector<uint8_t> req = arp_request();
  Instant t0 = Instant::from_millis(1000);
  // Down: the kernel refuses the write (EIO); the device holds the frame.
  ASSERT_TRUE(tap.transmit(Bytes(req.data(), req.size()), t0));
  EXPECT_EQ(tap.holding(), 1u);
  EXPECT_EQ(tap.held(), 1u);
  EXPECT_EQ(tap.tx_errors(), 0u);
  ASSERT_TRUE(tap.poll_at().has_value());
  EXPECT_EQ(*tap.poll_at(), t0 + TapDevice::kRetry);
  uint8_t buf[1600];
  EXPECT_EQ(tap.receive(MutBytes(buf), t0 + Duration::millis(10)), 0u);
  EXPECT_EQ(tap.holding(), 1u);  // still down: still held

  ASSERT_EQ(sh("ip -n " + ns_ + " addr add 192.0.2.1/24 dev " + tap_), 0);
  ASSERT_EQ(sh("ip -n " + ns_ + " link set " + tap_ + " address 02:00:00:00:00:aa up"), 0);
  // The request is written only by the device's retry: the kernel's reply proves it
  // arrived. (Simulated time stays within the hold limit; the wall-clock bound is a
  // hang guard.)
  bool replied = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!replied && std::chrono::steady_clock::now() < deadline) {
    size_t n = tap.receive(MutBytes(buf), t0 + Duration::millis(20));
    if (n == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    replied = is_arp_reply_to_us(buf, n);
  }
  EXPECT_TRUE(replied) << "no ARP reply to the held request within 5 s";
  EXPECT_EQ(tap.held_sent(), 1u);
  EXPECT_EQ(tap.held_dropped(), 0u);
  EXPECT_EQ(tap.holding(), 0u);
  EXPECT_FALSE(tap.poll_at().has_value());
  EXPECT_EQ(tap.tx_errors(), 0u);
}

TEST_F(TapDeviceTest, held_frames_are_dropped_and_counted_after_the_hold_limit) {
  TapDevice tap;
  std::string err;
  ASSERT_TRUE(tap.open(tap_, &err)) << err;
  ASSERT_EQ(sh("ip link set " + tap_ + " netns " + ns_), 0);  // down, never brought up
  std::vector<uint8_t> req = arp_request();
  Instant t0 = Instant::from_millis(1000);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(tap.transmit(Bytes(req.data(), req.size()), t0));
  EXPECT_EQ(tap.holding(), 3u);
  uint8_t buf[1600];
  (void)tap.receive(MutBytes(buf), t0 + TapDevice::kHoldLimit);  // at the limit: kept
  EXPECT_EQ(tap.holding(), 3u);
  (void)tap.receive(MutBytes(buf), t0 + TapDevice::kHoldLimit + Duration::millis(1));
  EXPECT_EQ(tap.holding(), 0u);
  EXPECT_EQ(tap.held(), 3u);
  EXPECT_EQ(tap.held_dropped(), 3u);
  EXPECT_EQ(tap.held_sent(), 0u);
  EXPECT_FALSE(tap.poll_at().has_value());
}

TEST_F(TapDeviceTest, a_full_hold_refuses_further_frames_and_counts_them) {
  TapDevice tap;
  std::string err;
  ASSERT_TRUE(tap.open(tap_, &err)) << err;
  ASSERT_EQ(sh("ip link set " + tap_ + " netns " + ns_), 0);
  std::vector<uint8_t> req = arp_request();
  Instant t0 = Instant::from_millis(1000);
  for (size_t i = 0; i < TapDevice::kHoldFrames; ++i)
    ASSERT_TRUE(tap.transmit(Bytes(req.data(), req.size()), t0));
  EXPECT_FALSE(tap.transmit(Bytes(req.data(), req.size()), t0));
  EXPECT_EQ(tap.tx_errors(), 1u);
  EXPECT_EQ(tap.holding(), TapDevice::kHoldFrames);
  EXPECT_EQ(tap.held(), TapDevice::kHoldFrames);
  // Once the hold is empty again, a frame larger than a hold slot is refused all the same.
  uint8_t buf[1600];
  (void)tap.receive(MutBytes(buf), t0 + TapDevice::kHoldLimit + Duration::millis(1));
  EXPECT_EQ(tap.holding(), 0u);
  std::vector<uint8_t> big(TapDevice::kHeldFrameMax + 1, 0);
  EXPECT_FALSE(tap.transmit(Bytes(big.data(), big.size()), t0 + TapDevice::kHoldLimit));
  EXPECT_EQ(tap.tx_errors(), 2u);
}

TEST_F(TapDeviceTest, a_frame_the_kernel_rejects_while_up_is_refused_and_counted_not_held) {
  TapDevice tap;
  std::string err;
  ASSERT_TRUE(tap.open(tap_, &err)) << err;
  ASSERT_EQ(sh("ip link set " + tap_ + " netns " + ns_), 0);
  ASSERT_EQ(sh("ip -n " + ns_ + " link set " + tap_ + " up"), 0);
  uint8_t runt[10] = {};  // shorter than an Ethernet header: EINVAL
  EXPECT_FALSE(tap.transmit(Bytes(runt, sizeof runt), Instant::from_millis(1000)));
  EXPECT_EQ(tap.tx_errors(), 1u);
  EXPECT_EQ(tap.held(), 0u);
  EXPECT_EQ(tap.holding(), 0u);
  std::vector<uint8_t> req = arp_request();
  EXPECT_TRUE(tap.transmit(Bytes(req.data(), req.size()), Instant::from_millis(1000)));
  EXPECT_EQ(tap.held(), 0u);  // up: written at once
}
