// ntp_test.cpp — NTP on real packets (ntp.pcap: chronyd at stratum 3 answering an
// NTPv4 client chronyd, and SNTP requests of versions 3 and 4 over IPv4 and IPv6), and
// on every truncation, version and mode.
#include <gtest/gtest.h>

#include <vector>

#include "core/wire/ntp.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::wire;
using keel::test::bytes_of;
using keel::test::hex;
using keel::test::to_hex;

namespace {

// Frame indexes (0-based) in ntp.pcap; values below are tshark's reading of them.
constexpr size_t kChronyRequest = 0;  // NTPv4 client (chronyd -Q), IPv4
constexpr size_t kChronyReply = 1;    // chronyd's answer
constexpr size_t kV3Request = 2;      // SNTP version 3, IPv4
constexpr size_t kV3Reply = 3;
constexpr size_t kV6Request = 4;      // SNTP version 4, IPv6
constexpr size_t kV6Reply = 5;

// ntp_payload(index) — the UDP payload of a captured frame (found by offset: the test
// must not depend on wire/ipv4, ipv6 or udp to find its input).
std::vector<uint8_t> ntp_payload(size_t index) {
  auto f = test::capture("ntp").frames.at(index).bytes;
  uint16_t type = 0;
  size_t l4 = test::l3_offset(f, &type);
  l4 += type == 0x0800 ? (f[l4] & 15) * 4u : 40u;
  size_t udp_len = f[l4 + 4] << 8 | f[l4 + 5];
  return std::vector<uint8_t>(f.begin() + static_cast<long>(l4 + 8),
                              f.begin() + static_cast<long>(l4 + udp_len));
}

wire::Result<ntp::Repr> parse(const std::vector<uint8_t>& b) {
  auto p = ntp::Packet::check(bytes_of(b));
  if (!p) return Err(p.error());
  return ntp::Repr::parse(*p);
}

}  // namespace

TEST(Ntp, parses_chrony_server_reply_field_by_field) {
  auto b = ntp_payload(kChronyReply);
  ASSERT_EQ(b.size(), 48u);
  auto p = ntp::Packet::check(bytes_of(b));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->leap(), ntp::Leap::None);
  EXPECT_EQ(p->version(), 4);
  EXPECT_EQ(p->mode(), ntp::Mode::Server);
  EXPECT_EQ(p->stratum(), 3);
  EXPECT_EQ(p->poll(), 6);
  EXPECT_EQ(p->precision(), -26);
  EXPECT_EQ(p->root_delay(), 0u);
  EXPECT_EQ(p->root_dispersion(), 0u);
  EXPECT_EQ(p->reference_id(), 0x7f7f0101u);  // 127.127.1.1: chrony's local reference
  EXPECT_EQ(p->reference_time(), (ntp::Timestamp{0xeeb2daf1, 0x6088d152}));
  EXPECT_EQ(p->origin_time(), (ntp::Timestamp{0x1f5bb4d1, 0x538c6338}));
  EXPECT_EQ(p->receive_time(), (ntp::Timestamp{0xeeb2daf2, 0xf0b284df}));
  EXPECT_EQ(p->transmit_time(), (ntp::Timestamp{0xeeb2daf2, 0xf0b8a602}));
  EXPECT_TRUE(p->trailing().empty());
  auto r = ntp::Repr::parse(*p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, 4);
  EXPECT_EQ(r->mode, ntp::Mode::Server);
  EXPECT_EQ(r->stratum, 3);
  EXPECT_EQ(r->precision, -26);
  EXPECT_EQ(r->reference_id, 0x7f7f0101u);
  EXPECT_EQ(r->transmit_time, (ntp::Timestamp{0xeeb2daf2, 0xf0b8a602}));
}

TEST(Ntp, parses_chrony_client_request_with_only_a_transmit_time) {
  auto r = parse(ntp_payload(kChronyRequest));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->leap, ntp::Leap::None);
  EXPECT_EQ(r->version, 4);
  EXPECT_EQ(r->mode, ntp::Mode::Client);
  EXPECT_EQ(r->stratum, 0);
  EXPECT_EQ(r->poll, 6);
  EXPECT_EQ(r->precision, 32);
  EXPECT_EQ(r->reference_id, 0u);
  EXPECT_TRUE(r->reference_time.is_zero());
  EXPECT_TRUE(r->origin_time.is_zero());
  EXPECT_TRUE(r->receive_time.is_zero());
  EXPECT_EQ(r->transmit_time, (ntp::Timestamp{0x1f5bb4d1, 0x538c6338}));
}

TEST(Ntp, version_3_exchange_parses_and_reply_keeps_version_3) {
  auto q = parse(ntp_payload(kV3Request));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->version, 3);
  EXPECT_EQ(q->mode, ntp::Mode::Client);
  EXPECT_EQ(q->precision, -20);
  auto a = parse(ntp_payload(kV3Reply));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->version, 3);
  EXPECT_EQ(a->mode, ntp::Mode::Server);
  EXPECT_EQ(a->receive_time, (ntp::Timestamp{0xeeb2daf3, 0x02ea81c5}));
  EXPECT_EQ(a->transmit_time, (ntp::Timestamp{0xeeb2daf3, 0x02f24130}));
}

TEST(Ntp, every_reply_echoes_its_request_transmit_time_as_origin) {
  for (auto [req, rep] : {std::pair{kChronyRequest, kChronyReply}, std::pair{kV3Request, kV3Reply},
                          std::pair{kV6Request, kV6Reply}}) {
    auto q = parse(ntp_payload(req));
    auto a = parse(ntp_payload(rep));
    ASSERT_TRUE(q && a) << req;
    EXPECT_EQ(a->origin_time, q->transmit_time) << req;
    EXPECT_FALSE(a->receive_time.is_zero());
  }
}

TEST(Ntp, every_captured_packet_reemits_byte_exact) {
  size_t n = test::capture("ntp").frames.size();
  ASSERT_EQ(n, 6u);
  for (size_t i = 0; i < n; ++i) {
    auto b = ntp_payload(i);
    auto r = parse(b);
    ASSERT_TRUE(r) << i;
    std::vector<uint8_t> out(r->buffer_len());
    ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok()) << i;
    EXPECT_EQ(to_hex(bytes_of(out)), to_hex(bytes_of(b))) << i;
  }
}

TEST(Ntp, every_truncation_is_rejected) {
  auto b = ntp_payload(kChronyReply);
  for (size_t cut = 0; cut < ntp::kHeaderLen; ++cut) {
    auto p = ntp::Packet::check(Bytes(b.data(), cut));
    ASSERT_FALSE(p) << cut;
    EXPECT_EQ(p.error(), Error::Truncated);
  }
}

TEST(Ntp, versions_other_than_3_and_4_are_unsupported) {
  auto b = ntp_payload(kChronyReply);
  for (uint8_t vn = 0; vn < 8; ++vn) {
    b[0] = static_cast<uint8_t>((b[0] & 0xc7) | vn << 3);
    auto r = parse(b);
    if (vn == 3 || vn == 4) {
      EXPECT_TRUE(r) << int(vn);
    } else {
      ASSERT_FALSE(r) << int(vn);
      EXPECT_EQ(r.error(), Error::Unsupported);
    }
  }
}

TEST(Ntp, reserved_control_and_private_modes_are_unsupported) {
  auto b = ntp_payload(kChronyReply);
  for (uint8_t mode = 0; mode < 8; ++mode) {
    b[0] = static_cast<uint8_t>((b[0] & 0xf8) | mode);
    auto r = parse(b);
    if (mode >= 1 && mode <= 5) {
      ASSERT_TRUE(r) << int(mode);
      EXPECT_EQ(static_cast<uint8_t>(r->mode), mode);
    } else {
      ASSERT_FALSE(r) << int(mode);
      EXPECT_EQ(r.error(), Error::Unsupported);
    }
  }
}

TEST(Ntp, every_leap_indicator_parses) {
  auto b = ntp_payload(kChronyReply);
  for (uint8_t li = 0; li < 4; ++li) {
    b[0] = static_cast<uint8_t>((b[0] & 0x3f) | li << 6);
    auto r = parse(b);
    ASSERT_TRUE(r);
    EXPECT_EQ(static_cast<uint8_t>(r->leap), li);
  }
}

TEST(Ntp, bytes_after_the_header_are_trailing_and_reemitted) {
  // A symmetric-key MAC (RFC 5905 §7.3): key id 1, then a 16-byte digest.
  auto b = ntp_payload(kV6Request);
  auto mac = hex("00000001 00112233445566778899aabbccddeeff");
  b.insert(b.end(), mac.begin(), mac.end());
  auto r = parse(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(to_hex(r->trailing), to_hex(bytes_of(mac)));
  EXPECT_EQ(r->buffer_len(), 68u);
  std::vector<uint8_t> out(r->buffer_len());
  ASSERT_TRUE(r->emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(out, b);
}

TEST(Ntp, built_request_emits_the_sntp_client_header) {
  ntp::Repr r;  // defaults: version 4, client
  r.transmit_time = {0xe8f0e7a5, 0x12345678};
  std::vector<uint8_t> out(r.buffer_len());
  ASSERT_TRUE(r.emit(test::mut_bytes_of(out)).ok());
  EXPECT_EQ(to_hex(bytes_of(out)),
            "23000000" + std::string(72, '0') + "e8f0e7a512345678");
}

TEST(Ntp, emit_rejects_a_version_other_than_3_or_4) {
  ntp::Repr r;
  std::vector<uint8_t> out(48);
  for (uint8_t vn : {0, 1, 2, 5, 7, 8}) {
    r.version = vn;
    auto st = r.emit(test::mut_bytes_of(out));
    ASSERT_FALSE(st) << int(vn);
    EXPECT_EQ(st.error(), Error::Malformed);
  }
}

TEST(Ntp, emit_into_a_short_buffer_fails_without_writing) {
  ntp::Repr r;
  std::vector<uint8_t> buf(47, 0xee);
  auto st = r.emit(test::mut_bytes_of(buf));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error(), Error::BufferTooSmall);
  EXPECT_EQ(buf, std::vector<uint8_t>(47, 0xee));
}
