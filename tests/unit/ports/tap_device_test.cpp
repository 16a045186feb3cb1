// tap_device_test.cpp — a real TAP with the Linux kernel on the other side, inside a
// namespace this test creates (and removes): an ARP request written by the test gets
// the kernel's ARP reply back through the TAP.
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
