// mem_link_test.cpp — the in-memory link, the pcap wrapper and the fault injector.
#include <gtest/gtest.h>

#include <cstdio>
#include <algorithm>
#include <string>
#include <unistd.h>
#include <vector>

#include "ports/linux/fault_injector.hpp"
#include "ports/linux/mem_link.hpp"
#include "ports/linux/pcap_writer.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::linux_port;

namespace {
std::vector<uint8_t> frame_with(uint32_t id, size_t len = 60) {
  std::vector<uint8_t> f(len, 0);
  f[12] = 0x08;
  for (int i = 0; i < 4; ++i) f[20 + i] = static_cast<uint8_t>(id >> (8 * i));
  return f;
}
uint32_t id_of(const uint8_t* f) {
  uint32_t id = 0;
  for (int i = 0; i < 4; ++i) id |= uint32_t(f[20 + i]) << (8 * i);
  return id;
}
std::vector<uint32_t> drain(iface::Device& d, Instant now) {
  std::vector<uint32_t> ids;
  uint8_t buf[2048];
  while (d.receive(MutBytes(buf), now) != 0) ids.push_back(id_of(buf));
  return ids;
}
}  // namespace

TEST(MemLink, frames_cross_in_order_both_ways) {
  MemLink link;
  Instant t;
  for (uint32_t i = 0; i < 5; ++i) {
    auto f = frame_with(i);
    ASSERT_TRUE(link.a().transmit(Bytes(f.data(), f.size()), t));
  }
  auto back = frame_with(99);
  ASSERT_TRUE(link.b().transmit(Bytes(back.data(), back.size()), t));
  EXPECT_EQ(drain(link.b(), t), (std::vector<uint32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(drain(link.a(), t), (std::vector<uint32_t>{99}));
}

TEST(MemLink, full_direction_drops_and_counts) {
  MemLink link(3);
  auto f = frame_with(1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(link.a().transmit(Bytes(f.data(), f.size()), Instant()));
  EXPECT_EQ(link.b().pending(), 3u);
  EXPECT_EQ(link.b().dropped(), 2u);
}

TEST(PcapDevice, records_both_directions_readably) {
  MemLink link;
  std::string path = "/tmp/keel_pcap_test_" + std::to_string(getpid()) + ".pcap";
  {
    PcapWriter w;
    ASSERT_TRUE(w.open(path));
    PcapDevice dev(link.a(), w, 1000000);
    auto out = frame_with(7, 64);
    ASSERT_TRUE(dev.transmit(Bytes(out.data(), out.size()), Instant::from_micros(5)));
    auto in = frame_with(8, 70);
    ASSERT_TRUE(link.b().transmit(Bytes(in.data(), in.size()), Instant()));
    uint8_t buf[2048];
    ASSERT_EQ(dev.receive(MutBytes(buf), Instant::from_micros(9)), 70u);
  }
  auto f = test::read_pcap(path);
  std::remove(path.c_str());
  ASSERT_EQ(f.link_type, 1u);
  ASSERT_EQ(f.frames.size(), 2u);
  EXPECT_EQ(f.frames[0].ts_us, 1000005u);
  EXPECT_EQ(f.frames[0].bytes, frame_with(7, 64));
  EXPECT_EQ(f.frames[1].bytes, frame_with(8, 70));
  EXPECT_EQ(f.frames[1].ts_us, 1000009u);
}

TEST(FaultInjector, no_faults_is_a_pass_through) {
  MemLink link;
  FaultInjector fi(link.a(), FaultConfig{});
  auto f = frame_with(3);
  ASSERT_TRUE(fi.transmit(Bytes(f.data(), f.size()), Instant()));
  EXPECT_EQ(drain(link.b(), Instant()), (std::vector<uint32_t>{3}));
  EXPECT_FALSE(fi.poll_at().has_value());
}

TEST(FaultInjector, loss_rate_is_near_the_configured_rate_and_replays_from_the_seed) {
  auto run = [](uint64_t seed) {
    MemLink link(100000);
    FaultConfig c;
    c.loss_pct = 20;
    c.seed = seed;
    FaultInjector fi(link.a(), c);
    for (uint32_t i = 0; i < 10000; ++i) {
      auto f = frame_with(i);
      (void)fi.transmit(Bytes(f.data(), f.size()), Instant());
    }
    return drain(link.b(), Instant());
  };
  auto first = run(42);
  EXPECT_GT(first.size(), 7700u);
  EXPECT_LT(first.size(), 8300u);
  EXPECT_EQ(first, run(42));
  EXPECT_NE(first, run(43));
}

TEST(FaultInjector, delay_holds_frames_until_due_and_reports_poll_at) {
  MemLink link;
  FaultConfig c;
  c.delay = Duration::millis(10);
  FaultInjector fi(link.a(), c);
  auto f = frame_with(5);
  ASSERT_TRUE(fi.transmit(Bytes(f.data(), f.size()), Instant::from_millis(100)));
  EXPECT_TRUE(drain(link.b(), Instant::from_millis(100)).empty());
  ASSERT_TRUE(fi.poll_at().has_value());
  EXPECT_EQ(fi.poll_at()->millis(), 110);
  uint8_t buf[2048];
  EXPECT_EQ(fi.receive(MutBytes(buf), Instant::from_millis(109)), 0u);
  EXPECT_TRUE(link.b().pending() == 0);
  EXPECT_EQ(fi.receive(MutBytes(buf), Instant::from_millis(110)), 0u);  // flushes tx
  EXPECT_EQ(drain(link.b(), Instant::from_millis(110)), (std::vector<uint32_t>{5}));
}

TEST(FaultInjector, receive_direction_is_impaired_too) {
  MemLink link;
  FaultConfig c;
  c.dup_pct = 100;
  FaultInjector fi(link.b(), c);
  auto f = frame_with(4);
  ASSERT_TRUE(link.a().transmit(Bytes(f.data(), f.size()), Instant()));
  EXPECT_EQ(drain(fi, Instant()), (std::vector<uint32_t>{4, 4}));
  EXPECT_EQ(fi.rx_stats().duplicated, 1u);
}

TEST(FaultInjector, reordering_lets_later_frames_pass) {
  MemLink link;
  FaultConfig c;
  c.reorder_pct = 30;
  c.seed = 9;
  FaultInjector fi(link.a(), c);
  for (uint32_t i = 0; i < 200; ++i) {
    auto f = frame_with(i);
    (void)fi.transmit(Bytes(f.data(), f.size()), Instant::from_micros(i * 100));
  }
  uint8_t buf[64];
  (void)fi.receive(MutBytes(buf), Instant::from_millis(1000));  // flush the held ones
  auto ids = drain(link.b(), Instant());
  ASSERT_EQ(ids.size(), 200u);
  EXPECT_FALSE(std::is_sorted(ids.begin(), ids.end()));
  std::sort(ids.begin(), ids.end());
  for (uint32_t i = 0; i < 200; ++i) EXPECT_EQ(ids[i], i);
}

TEST(FaultInjector, corruption_flips_exactly_one_bit_past_the_ethernet_header) {
  MemLink link;
  FaultConfig c;
  c.corrupt_pct = 100;
  FaultInjector fi(link.a(), c);
  auto f = frame_with(1, 200);
  ASSERT_TRUE(fi.transmit(Bytes(f.data(), f.size()), Instant()));
  uint8_t buf[256];
  ASSERT_EQ(link.b().receive(MutBytes(buf), Instant()), 200u);
  int flipped = 0;
  for (size_t i = 0; i < 200; ++i) {
    flipped += __builtin_popcount(buf[i] ^ f[i]);
    if (i < 14) {
      EXPECT_EQ(buf[i], f[i]);
    }
  }
  EXPECT_EQ(flipped, 1);
}

TEST(FaultInjector, rate_limit_spaces_frames_by_their_serialisation_time) {
  MemLink link;
  FaultConfig c;
  c.rate_mbit = 8;  // one byte per microsecond
  FaultInjector fi(link.a(), c);
  auto f = frame_with(1, 976);  // 976 + 24 bytes of preamble/FCS/gap = 1000 us
  ASSERT_TRUE(fi.transmit(Bytes(f.data(), f.size()), Instant()));
  ASSERT_TRUE(fi.transmit(Bytes(f.data(), f.size()), Instant()));
  EXPECT_EQ(fi.poll_at()->micros(), 1000);
  uint8_t buf[16];
  (void)fi.receive(MutBytes(buf), Instant::from_micros(1000));
  EXPECT_EQ(link.b().pending(), 1u);
  (void)fi.receive(MutBytes(buf), Instant::from_micros(2000));
  EXPECT_EQ(link.b().pending(), 2u);
}
