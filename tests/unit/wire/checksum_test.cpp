// checksum_test.cpp — the word-at-a-time Internet checksum against known values and a
// byte-at-a-time reference, at every length and alignment and split into pieces.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/wire/checksum.hpp"
#include "support/bytes.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::hex;

namespace {
// reference — RFC 1071's byte-pair loop, the obvious way.
uint16_t reference(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(p[i]) << 8 | p[i + 1];
  if (n & 1) sum += uint32_t(p[n - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}
}  // namespace

TEST(Checksum, rfc1071_example) {
  // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
  auto b = hex("0001f203f4f5f6f7");
  Checksum c;
  c.add(test::bytes_of(b));
  EXPECT_EQ(c.folded(), 0xddf2);
  EXPECT_EQ(c.finish(), 0x220d);
}

TEST(Checksum, a_real_ipv4_header_verifies_to_zero) {
  // An IPv4 header from the kernel (udp.pcap, frame 1), checksum included.
  auto h = hex("4500 001d ac33 4000 4011 0a99 c000 0202 c000 0201");
  uint16_t stored = static_cast<uint16_t>(h[10] << 8 | h[11]);
  EXPECT_EQ(checksum(test::bytes_of(h)), reference(h.data(), h.size()));
  h[10] = h[11] = 0;
  EXPECT_EQ(checksum(test::bytes_of(h)), stored);
}

TEST(Checksum, empty_and_single_byte) {
  EXPECT_EQ(checksum(Bytes()), 0xffff);
  uint8_t one = 0xab;
  EXPECT_EQ(checksum(Bytes(&one, 1)), static_cast<uint16_t>(~0xab00));
}

TEST(Checksum, all_ones_data_folds_correctly) {
  std::vector<uint8_t> b(1001, 0xff);
  EXPECT_EQ(checksum(test::bytes_of(b)), reference(b.data(), b.size()));
}

TEST(Checksum, matches_reference_at_every_length_and_alignment) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(2100);
  for (auto& x : buf) x = static_cast<uint8_t>(rng());
  for (size_t align = 0; align < 8; ++align)
    for (size_t len = 0; len < 300; ++len)
      ASSERT_EQ(checksum(Bytes(buf.data() + align, len)), reference(buf.data() + align, len))
          << "align " << align << " len " << len;
  for (size_t align = 0; align < 8; ++align)
    ASSERT_EQ(checksum(Bytes(buf.data() + align, 2000)), reference(buf.data() + align, 2000));
}

TEST(Checksum, pieces_of_any_length_sum_like_the_whole) {
  std::mt19937 rng(11);
  for (int round = 0; round < 500; ++round) {
    std::vector<uint8_t> buf(rng() % 600);
    for (auto& x : buf) x = static_cast<uint8_t>(rng());
    Checksum c;
    size_t off = 0;
    while (off < buf.size()) {
      size_t n = std::min<size_t>(rng() % 40, buf.size() - off);
      c.add(Bytes(buf.data() + off, n));
      off += n;
    }
    ASSERT_EQ(c.finish(), reference(buf.data(), buf.size()));
  }
}

TEST(Checksum, ipv4_pseudo_header_layout) {
  Ipv4Address src = Ipv4Address::of(192, 0, 2, 2), dst = Ipv4Address::of(192, 0, 2, 1);
  Checksum c;
  c.add_ipv4_pseudo(src, dst, 17, 9);
  auto manual = hex("c0000202 c0000201 0011 0009");
  EXPECT_EQ(c.finish(), reference(manual.data(), manual.size()));
}

TEST(Checksum, ipv6_pseudo_header_layout) {
  Ipv6Address src{}, dst{};
  src.bytes[0] = 0x20; src.bytes[1] = 0x01; src.bytes[2] = 0x0d; src.bytes[3] = 0xb8; src.bytes[15] = 2;
  dst = src;
  dst.bytes[15] = 1;
  Checksum c;
  c.add_ipv6_pseudo(src, dst, 58, 0x10008);
  auto manual = hex("20010db8000000000000000000000002 20010db8000000000000000000000001"
                    "00010008 000000 3a");
  EXPECT_EQ(c.finish(), reference(manual.data(), manual.size()));
}
