// sntp_client_test.cpp — the SNTP client against scripted servers in simulated time:
// timestamp conversion, offset and delay, every reply validation rule, retries,
// failover, kiss-o'-death and periodic polling.
#include <gtest/gtest.h>

#include <vector>

#include "core/socket/sntp_client.hpp"

using namespace keel;
using namespace keel::sntp;
namespace ntp = keel::wire::ntp;
using wire::IpAddress;
using wire::Ipv4Address;
using wire::Ipv6Address;

namespace {

const IpAddress kA = Ipv4Address::of(192, 0, 2, 1);
const IpAddress kB = Ipv4Address::of(198, 51, 100, 2);
const IpAddress kC = Ipv4Address::of(203, 0, 113, 3);
constexpr uint32_t kNtp1970 = 2208988800u;           // 1970-01-01 in NTP seconds
constexpr int64_t kWall0 = 1700000000LL * 1000000;   // local wall clock at Instant 0

Instant at_ms(int64_t ms) { return Instant::from_millis(ms); }
int64_t wall_at_ms(int64_t ms) { return kWall0 + ms * 1000; }

// Reply — a server's answer to a request, as a scripted server would build it.
ntp::Repr server_reply(const ntp::Timestamp& origin, int64_t t2_us, int64_t t3_us) {
  ntp::Repr r;
  r.version = 4;
  r.mode = ntp::Mode::Server;
  r.stratum = 2;
  r.poll = 6;
  r.precision = -20;
  r.reference_id = 0xc0000201;
  r.reference_time = unix_us_to_ntp(t2_us - 1000000);
  r.origin_time = origin;
  r.receive_time = unix_us_to_ntp(t2_us);
  r.transmit_time = unix_us_to_ntp(t3_us);
  return r;
}

std::vector<uint8_t> emit(const ntp::Repr& r) {
  std::vector<uint8_t> b(r.buffer_len());
  EXPECT_TRUE(r.emit(MutBytes(b.data(), b.size())));
  return b;
}

// Sim — one client, its last request and helpers to answer it.
struct Sim {
  Config cfg;
  Random rng{7};
  Client c{cfg, rng};
  uint8_t buf[128] = {};
  Transmit tx{};
  ntp::Repr req;  // the last request, parsed

  explicit Sim(Config config = {}, std::vector<IpAddress> servers = {kA, kB})
      : cfg(config), c(cfg, rng) {
    c.set_servers(Span<const IpAddress>(servers.data(), servers.size()));
  }
  // send(ms) — polls at ms; true if a request went out (then tx/req describe it).
  bool send(int64_t ms) {
    auto t = c.poll_transmit(at_ms(ms), wall_at_ms(ms), MutBytes(buf));
    if (!t) return false;
    tx = *t;
    auto p = ntp::Packet::check(Bytes(buf, t->length));
    EXPECT_TRUE(p);
    auto r = ntp::Repr::parse(*p);
    EXPECT_TRUE(r);
    req = *r;
    return true;
  }
  // answer(ms, reply) — the reply arrives at ms from tx.dst:123 to tx.src_port.
  void answer(int64_t ms, const std::vector<uint8_t>& b, Optional<IpAddress> src = none,
              uint16_t src_port = ntp::kPort, Optional<uint16_t> dst_port = none) {
    c.on_datagram(at_ms(ms), wall_at_ms(ms), Bytes(b.data(), b.size()), src.value_or(tx.dst),
                  src_port, dst_port.value_or(tx.src_port));
  }
  // good(ms) — a valid reply at ms from a server whose clock is exact.
  std::vector<uint8_t> good(int64_t ms) {
    return emit(server_reply(req.transmit_time, wall_at_ms(ms), wall_at_ms(ms)));
  }
};

}  // namespace

// ---- timestamps ----

TEST(SntpTime, converts_ntp_era0_seconds_and_fraction_to_unix_microseconds) {
  EXPECT_EQ(ntp_to_unix_us({kNtp1970, 0}), 0);
  EXPECT_EQ(ntp_to_unix_us({kNtp1970 + 1, 0x80000000u}), 1500000);
  EXPECT_EQ(ntp_to_unix_us({kNtp1970 + 2, 0x40000000u}), 2250000);
  EXPECT_EQ(ntp_to_unix_us({kNtp1970, 4295}), 1);  // 4295 / 2^32 s = 1.00000761 µs
  EXPECT_EQ(ntp_to_unix_us({kNtp1970, 4294}), 0);  // just under one microsecond
  EXPECT_EQ(ntp_to_unix_us({kNtp1970, 0xffffffffu}), 999999);
  // 2023-11-14T22:13:20Z
  EXPECT_EQ(ntp_to_unix_us({kNtp1970 + 1700000000u, 0}), 1700000000LL * 1000000);
}

TEST(SntpTime, timestamps_with_the_top_bit_clear_are_in_era_1_per_rfc4330_section_3) {
  // NTP second 0 of era 1 is 2036-02-07T06:28:16Z = Unix 2085978496.
  EXPECT_EQ(ntp_to_unix_us({0, 0}), 2085978496LL * 1000000);
  EXPECT_EQ(ntp_to_unix_us({0x7fffffffu, 0}), (2085978496LL + 0x7fffffff) * 1000000);
  EXPECT_EQ(ntp_to_unix_us({0x80000000u, 0}), (0x80000000LL - kNtp1970) * 1000000);
}

TEST(SntpTime, unix_microseconds_encode_to_the_first_fraction_of_that_microsecond) {
  EXPECT_EQ(unix_us_to_ntp(0), (ntp::Timestamp{kNtp1970, 0}));
  EXPECT_EQ(unix_us_to_ntp(1), (ntp::Timestamp{kNtp1970, 4295}));
  EXPECT_EQ(unix_us_to_ntp(1500000), (ntp::Timestamp{kNtp1970 + 1, 0x80000000u}));
  EXPECT_EQ(unix_us_to_ntp(-1), (ntp::Timestamp{kNtp1970 - 1, 0xffffef3au}));
  for (int64_t us : {int64_t(0), int64_t(1), int64_t(999999), kWall0 + 123457, int64_t(-1),
                     int64_t(2085978496LL * 1000000 + 5)})
    EXPECT_EQ(ntp_to_unix_us(unix_us_to_ntp(us)), us) << us;
}

// ---- the request ----

TEST(SntpClient, without_servers_it_sends_nothing_and_has_no_deadline) {
  Random rng;
  Client c(Config{}, rng);
  uint8_t buf[48];
  EXPECT_FALSE(c.poll_at());
  EXPECT_FALSE(c.poll_transmit(at_ms(0), kWall0, MutBytes(buf)));
}

TEST(SntpClient, sends_a_v4_client_request_stamped_with_the_wall_clock_at_once) {
  Sim s;
  ASSERT_TRUE(s.c.poll_at());
  EXPECT_EQ(*s.c.poll_at(), Instant());
  ASSERT_TRUE(s.send(250));
  EXPECT_EQ(s.tx.length, ntp::kHeaderLen);
  EXPECT_EQ(s.tx.dst, kA);
  EXPECT_GE(s.tx.src_port, 49152);
  EXPECT_TRUE(s.c.owns_port(s.tx.src_port));
  EXPECT_FALSE(s.c.owns_port(ntp::kPort));
  EXPECT_EQ(s.req.version, 4);
  EXPECT_EQ(s.req.mode, ntp::Mode::Client);
  EXPECT_EQ(s.req.leap, ntp::Leap::None);
  EXPECT_EQ(s.req.stratum, 0);
  EXPECT_TRUE(s.req.origin_time.is_zero());
  EXPECT_TRUE(s.req.receive_time.is_zero());
  EXPECT_TRUE(s.req.reference_time.is_zero());
  EXPECT_EQ(ntp_to_unix_us(s.req.transmit_time), wall_at_ms(250));
  for (size_t i = 0; i < 40; ++i) EXPECT_EQ(s.buf[i], i == 0 ? 0x23 : 0) << i;
  EXPECT_EQ(s.c.stats().requests, 1u);
  EXPECT_EQ(*s.c.poll_at(), at_ms(5250));
}

TEST(SntpClient, refuses_a_buffer_shorter_than_the_header_without_changing_state) {
  Sim s;
  uint8_t small[47];
  EXPECT_FALSE(s.c.poll_transmit(at_ms(0), kWall0, MutBytes(small)));
  EXPECT_EQ(s.c.stats().requests, 0u);
  EXPECT_TRUE(s.send(0));
}

TEST(SntpClient, each_request_uses_a_new_random_port_and_sub_microsecond_random_bits) {
  Sim s(Config{}, {kA});
  std::vector<uint16_t> ports;
  std::vector<uint32_t> low;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s.send(i * 5000));
    ports.push_back(s.tx.src_port);
    low.push_back(s.req.transmit_time.fraction - unix_us_to_ntp(wall_at_ms(i * 5000)).fraction);
    EXPECT_LT(low.back(), 4295u);  // still the same microsecond
  }
  EXPECT_NE(ports[0], ports[1]);
  EXPECT_NE(ports[1], ports[2]);
  EXPECT_TRUE(low[0] != 0 || low[1] != 0 || low[2] != 0);
}

// ---- offset and delay ----

TEST(SntpClient, computes_offset_and_delay_exactly_for_a_server_ahead) {
  Sim s;
  ASSERT_TRUE(s.send(0));  // T1 = kWall0 = Unix 1700000000.000000
  // Server 2.5 s ahead: received at its 1700000002.5 + 5 ms one-way → T2, answers
  // 1/4 s later (T3); arrives back here 5 ms later (T4, local 1700000000.260).
  ntp::Repr r = server_reply(s.req.transmit_time, 0, 0);
  r.receive_time = {kNtp1970 + 1700000002u, 0x8147ae15u};   // .505000 (ceil of 0.505 * 2^32)
  r.transmit_time = {kNtp1970 + 1700000002u, 0xc147ae15u};  // .755000
  EXPECT_EQ(ntp_to_unix_us(r.receive_time), 1700000002505000LL);
  EXPECT_EQ(ntp_to_unix_us(r.transmit_time), 1700000002755000LL);
  s.answer(260, emit(r));
  auto sample = s.c.poll_sample();
  ASSERT_TRUE(sample);
  // offset = ((T2-T1) + (T3-T4)) / 2 = (2505000 + 2495000) / 2
  EXPECT_EQ(sample->offset_us, 2500000);
  // delay = (T4-T1) - (T3-T2) = 260000 - 250000
  EXPECT_EQ(sample->delay_us, 10000);
  EXPECT_EQ(sample->server, kA);
  EXPECT_EQ(sample->stratum, 2);
  EXPECT_EQ(sample->server_time_unix_us, 1700000002755000LL);
  EXPECT_EQ(s.c.stats().samples, 1u);
  EXPECT_FALSE(s.c.owns_port(s.tx.src_port));
}

TEST(SntpClient, computes_offset_and_delay_exactly_for_a_server_behind) {
  Sim s;
  ASSERT_TRUE(s.send(1000));  // T1 = Unix 1700000001.000000
  // Server about 3 s behind, 18 µs between its receive and transmit timestamps.
  ntp::Repr r = server_reply(s.req.transmit_time, 0, 0);
  r.receive_time = {kNtp1970 + 1699999997u, 0xfef9ca5cu};   // .995999 (T2)
  r.transmit_time = {kNtp1970 + 1699999997u, 0xfefaf85au};  // .996017 (T3)
  ASSERT_EQ(ntp_to_unix_us(r.receive_time), 1699999997995999LL);
  ASSERT_EQ(ntp_to_unix_us(r.transmit_time), 1699999997996017LL);
  s.answer(1005, emit(r));  // T4 = 1700000001.005000 (not on a ms: 18 µs in the server)
  auto sample = s.c.poll_sample();
  ASSERT_TRUE(sample);
  // ((1699999997995999 - 1700000001000000) + (1699999997996017 - 1700000001005000)) / 2
  //   = (-3004001 + -3008983) / 2 = -3006492
  EXPECT_EQ(sample->offset_us, -3006492);
  // (5000) - (18)
  EXPECT_EQ(sample->delay_us, 4982);
}

TEST(SntpClient, gives_each_sample_once) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  s.answer(10, s.good(10));
  EXPECT_TRUE(s.c.poll_sample());
  EXPECT_FALSE(s.c.poll_sample());
}

TEST(SntpClient, works_with_an_ipv6_server) {
  Ipv6Address v6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7b}};
  Sim s(Config{}, {IpAddress(v6)});
  ASSERT_TRUE(s.send(0));
  EXPECT_EQ(s.tx.dst, IpAddress(v6));
  s.answer(20, s.good(10));
  auto sample = s.c.poll_sample();
  ASSERT_TRUE(sample);
  EXPECT_EQ(sample->server, IpAddress(v6));
  EXPECT_EQ(sample->delay_us, 20000);
  EXPECT_EQ(sample->offset_us, 0);
}

// ---- validation: ignored replies leave the request in flight ----

namespace {
// expect_ignored — the reply is counted by `counter` and changes nothing else: the
// request is still in flight and a good reply afterwards is still accepted.
void expect_ignored(Sim& s, const uint64_t Stats::*counter) {
  EXPECT_EQ(s.c.stats().*counter, 1u);
  EXPECT_FALSE(s.c.poll_sample());
  EXPECT_TRUE(s.c.owns_port(s.tx.src_port));
  EXPECT_EQ(*s.c.poll_at(), at_ms(5000));
  s.answer(30, s.good(30));
  EXPECT_TRUE(s.c.poll_sample());
}
}  // namespace

TEST(SntpClient, ignores_replies_in_mode_other_than_server) {
  for (ntp::Mode m : {ntp::Mode::Client, ntp::Mode::Broadcast, ntp::Mode::SymmetricActive,
                      ntp::Mode::Control}) {
    Sim s;
    ASSERT_TRUE(s.send(0));
    auto b = s.good(10);
    b[0] = uint8_t((b[0] & 0xf8) | static_cast<uint8_t>(m));
    s.answer(10, b);
    expect_ignored(s, &Stats::bad_mode);
  }
}

TEST(SntpClient, accepts_version_3_and_ignores_other_versions) {
  for (uint8_t v : {1, 2, 5, 7}) {
    Sim s;
    ASSERT_TRUE(s.send(0));
    auto b = s.good(10);
    b[0] = uint8_t((b[0] & 0xc7) | v << 3);
    s.answer(10, b);
    expect_ignored(s, &Stats::bad_version);
  }
  Sim s;
  ASSERT_TRUE(s.send(0));
  ntp::Repr r = server_reply(s.req.transmit_time, wall_at_ms(5), wall_at_ms(5));
  r.version = 3;
  s.answer(10, emit(r));
  EXPECT_TRUE(s.c.poll_sample());
}

TEST(SntpClient, ignores_a_reply_whose_origin_is_not_our_transmit_timestamp) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  // The right microsecond is not enough: the random sub-microsecond bits must match too.
  for (uint32_t delta : {1u, 0x100u, 0x10000u}) {
    ntp::Repr r = server_reply(s.req.transmit_time, wall_at_ms(5), wall_at_ms(5));
    r.origin_time.fraction ^= delta;
    s.answer(10, emit(r));
  }
  ntp::Repr r = server_reply(ntp::Timestamp{}, wall_at_ms(5), wall_at_ms(5));
  s.answer(10, emit(r));
  EXPECT_EQ(s.c.stats().bad_origin, 4u);
  EXPECT_FALSE(s.c.poll_sample());
  EXPECT_TRUE(s.c.owns_port(s.tx.src_port));
  s.answer(30, s.good(30));
  EXPECT_TRUE(s.c.poll_sample());
}

TEST(SntpClient, ignores_a_reply_from_another_address) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  s.answer(10, s.good(10), kB);  // another configured server, not the one asked
  expect_ignored(s, &Stats::bad_source);
}

TEST(SntpClient, ignores_a_reply_not_from_port_123) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  s.answer(10, s.good(10), none, 124);
  expect_ignored(s, &Stats::bad_source_port);
}

TEST(SntpClient, ignores_a_reply_to_another_port_or_with_nothing_in_flight) {
  Sim s;
  s.answer(0, std::vector<uint8_t>(48), kA, 123, 50000);  // before any request
  ASSERT_TRUE(s.send(0));
  s.answer(10, s.good(10), none, ntp::kPort, uint16_t(s.tx.src_port ^ 1));
  EXPECT_EQ(s.c.stats().unexpected, 2u);
  EXPECT_TRUE(s.c.owns_port(s.tx.src_port));
  s.answer(30, s.good(30));
  ASSERT_TRUE(s.c.poll_sample());
  s.answer(40, s.good(40));  // a duplicate: the request is over
  EXPECT_EQ(s.c.stats().unexpected, 3u);
  EXPECT_FALSE(s.c.poll_sample());
}

TEST(SntpClient, ignores_a_reply_shorter_than_the_header) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  auto b = s.good(10);
  b.pop_back();
  s.answer(10, b);
  expect_ignored(s, &Stats::truncated);
}

TEST(SntpClient, accepts_a_reply_with_trailing_extension_bytes) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  auto b = s.good(10);
  b.resize(48 + 20, 0xab);  // key id + MAC
  s.answer(10, b);
  EXPECT_TRUE(s.c.poll_sample());
}

// ---- validation: unusable answers end the request and fail over at once ----

namespace {
void expect_failed_over(Sim& s, const uint64_t Stats::*counter) {
  EXPECT_EQ(s.c.stats().*counter, 1u);
  EXPECT_FALSE(s.c.poll_sample());
  EXPECT_FALSE(s.c.owns_port(s.tx.src_port));
  EXPECT_EQ(s.c.stats().failovers, 1u);
  EXPECT_EQ(*s.c.poll_at(), at_ms(10));
  ASSERT_TRUE(s.send(10));
  EXPECT_EQ(s.tx.dst, kB);
}
}  // namespace

TEST(SntpClient, stratum_0_is_a_kiss_of_death_and_backs_off_that_server) {
  Config cfg;
  cfg.kiss_hold = Duration::seconds(3600);
  cfg.poll_interval = Duration::seconds(1024);
  Sim s(cfg);
  ASSERT_TRUE(s.send(0));
  ntp::Repr r = server_reply(s.req.transmit_time, wall_at_ms(5), wall_at_ms(5));
  r.stratum = 0;
  r.reference_id = 0x52415445;  // "RATE"
  s.answer(10, emit(r));
  expect_failed_over(s, &Stats::kiss_of_death);
  s.answer(20, s.good(20));
  ASSERT_TRUE(s.c.poll_sample());
  // B stays in use; when B fails, A is skipped while its hold lasts.
  ASSERT_TRUE(s.send(20 + 1024000));
  EXPECT_EQ(s.tx.dst, kB);
  for (int i = 1; i <= 2; ++i) ASSERT_TRUE(s.send(20 + 1024000 + 5000 * i));
  EXPECT_FALSE(s.send(20 + 1024000 + 15000));  // A is still held: the round is over
  EXPECT_EQ(s.c.stats().rounds_failed, 1u);
  EXPECT_EQ(*s.c.poll_at(), at_ms(20 + 1024000 + 15000 + 1024000));
  ASSERT_TRUE(s.send(20 + 2048000 + 15000));  // A's hold (3600 s) is over only later
  EXPECT_EQ(s.tx.dst, kB);
}

TEST(SntpClient, a_kissed_server_is_asked_again_after_the_hold) {
  Config cfg;
  cfg.kiss_hold = Duration::seconds(100);
  cfg.poll_interval = Duration::seconds(1024);
  Sim s(cfg, {kA});
  ASSERT_TRUE(s.send(0));
  ntp::Repr r = server_reply(s.req.transmit_time, wall_at_ms(5), wall_at_ms(5));
  r.stratum = 0;
  s.answer(10, emit(r));
  EXPECT_EQ(s.c.stats().kiss_of_death, 1u);
  EXPECT_EQ(s.c.stats().rounds_failed, 1u);  // the only server: the round is over
  EXPECT_EQ(*s.c.poll_at(), at_ms(10 + 1024000));
  ASSERT_TRUE(s.send(10 + 1024000));
  EXPECT_EQ(s.tx.dst, kA);
}

TEST(SntpClient, stratum_16_and_above_fails_over) {
  for (uint8_t st : {16, 17, 255}) {
    Sim s;
    ASSERT_TRUE(s.send(0));
    ntp::Repr r = server_reply(s.req.transmit_time, wall_at_ms(5), wall_at_ms(5));
    r.stratum = st;
    s.answer(10, emit(r));
    expect_failed_over(s, &Stats::bad_stratum);
  }
}

TEST(SntpClient, accepts_stratum_1_and_15) {
  for (uint8_t st : {1, 15}) {
    Sim s;
    ASSERT_TRUE(s.send(0));
    ntp::Repr r = server_reply(s.req.transmit_time, wall_at_ms(5), wall_at_ms(5));
    r.stratum = st;
    s.answer(10, emit(r));
    auto sample = s.c.poll_sample();
    ASSERT_TRUE(sample);
    EXPECT_EQ(sample->stratum, st);
  }
}

TEST(SntpClient, leap_indicator_3_unsynchronized_fails_over) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  ntp::Repr r = server_reply(s.req.transmit_time, wall_at_ms(5), wall_at_ms(5));
  r.leap = ntp::Leap::Unsynchronized;
  s.answer(10, emit(r));
  expect_failed_over(s, &Stats::unsynchronized);
}

TEST(SntpClient, leap_second_warnings_are_accepted) {
  for (ntp::Leap l : {ntp::Leap::InsertSecond, ntp::Leap::DeleteSecond}) {
    Sim s;
    ASSERT_TRUE(s.send(0));
    ntp::Repr r = server_reply(s.req.transmit_time, wall_at_ms(5), wall_at_ms(5));
    r.leap = l;
    s.answer(10, emit(r));
    EXPECT_TRUE(s.c.poll_sample());
  }
}

TEST(SntpClient, zero_transmit_timestamp_fails_over) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  ntp::Repr r = server_reply(s.req.transmit_time, wall_at_ms(5), wall_at_ms(5));
  r.transmit_time = {};
  s.answer(10, emit(r));
  expect_failed_over(s, &Stats::zero_transmit);
}

// ---- schedule ----

TEST(SntpClient, retries_every_retry_interval_then_fails_over_then_waits_a_poll_interval) {
  Config cfg;
  cfg.retry = Duration::seconds(5);
  cfg.max_tries_per_server = 3;
  cfg.poll_interval = Duration::seconds(1024);
  Sim s(cfg);
  struct Step {
    int64_t ms;
    IpAddress dst;
  };
  const Step steps[] = {{0, kA},     {5000, kA},  {10000, kA},
                        {15000, kB}, {20000, kB}, {25000, kB}};
  std::vector<uint16_t> ports;
  for (const Step& st : steps) {
    EXPECT_FALSE(s.send(st.ms - 1)) << st.ms;
    EXPECT_EQ(*s.c.poll_at(), at_ms(st.ms));
    ASSERT_TRUE(s.send(st.ms)) << st.ms;
    EXPECT_EQ(s.tx.dst, st.dst) << st.ms;
    EXPECT_EQ(ntp_to_unix_us(s.req.transmit_time), wall_at_ms(st.ms));
    ports.push_back(s.tx.src_port);
  }
  EXPECT_EQ(s.c.stats().requests, 6u);
  EXPECT_EQ(s.c.stats().timeouts, 5u);
  EXPECT_EQ(s.c.stats().failovers, 1u);
  // The last try times out: every server failed, wait a poll interval, start over at A.
  EXPECT_FALSE(s.send(30000));
  EXPECT_EQ(s.c.stats().timeouts, 6u);
  EXPECT_EQ(s.c.stats().failovers, 2u);
  EXPECT_EQ(s.c.stats().rounds_failed, 1u);
  EXPECT_EQ(*s.c.poll_at(), at_ms(30000 + 1024000));
  EXPECT_FALSE(s.send(30000 + 1023999));
  ASSERT_TRUE(s.send(30000 + 1024000));
  EXPECT_EQ(s.tx.dst, kA);
}

TEST(SntpClient, a_reply_to_an_earlier_try_is_not_accepted) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  Transmit first = s.tx;
  auto late = s.good(5500);  // answers the first request
  ASSERT_TRUE(s.send(5000));
  s.c.on_datagram(at_ms(5500), wall_at_ms(5500), Bytes(late.data(), late.size()), kA, 123,
                  first.src_port);
  EXPECT_EQ(s.c.stats().unexpected, 1u);
  s.answer(5500, late);  // right port now, but the origin is the first request's
  EXPECT_EQ(s.c.stats().bad_origin, 1u);
  EXPECT_FALSE(s.c.poll_sample());
}

TEST(SntpClient, failover_keeps_the_server_that_answered_and_polls_it_periodically) {
  Config cfg;
  cfg.poll_interval = Duration::seconds(64);
  Sim s(cfg);
  for (int64_t ms : {0, 5000, 10000}) ASSERT_TRUE(s.send(ms));
  ASSERT_TRUE(s.send(15000));
  ASSERT_EQ(s.tx.dst, kB);
  s.answer(15040, s.good(15020));
  ASSERT_TRUE(s.c.poll_sample());
  for (int round = 1; round <= 3; ++round) {
    int64_t due = 15040 + round * 64000;
    EXPECT_EQ(*s.c.poll_at(), at_ms(due));
    EXPECT_FALSE(s.send(due - 1));
    ASSERT_TRUE(s.send(due));
    EXPECT_EQ(s.tx.dst, kB);  // the server that answered, not back to the first
    s.answer(due, s.good(due));
    ASSERT_TRUE(s.c.poll_sample());
  }
  EXPECT_EQ(s.c.stats().samples, 4u);
  EXPECT_EQ(s.c.stats().requests, 7u);
}

TEST(SntpClient, a_success_resets_the_tries_of_the_round) {
  Sim s(Config{}, {kA});
  ASSERT_TRUE(s.send(0));
  ASSERT_TRUE(s.send(5000));
  s.answer(5010, s.good(5010));
  ASSERT_TRUE(s.c.poll_sample());
  int64_t due = 5010 + 1024000;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.send(due + 5000 * i));  // three full tries
  EXPECT_FALSE(s.send(due + 15000));
  EXPECT_EQ(s.c.stats().rounds_failed, 1u);
}

TEST(SntpClient, set_servers_restarts_the_schedule_now_and_keeps_three) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  s.answer(10, s.good(10));
  ASSERT_TRUE(s.c.poll_sample());
  IpAddress four[] = {kC, IpAddress(), kB, kA, Ipv4Address::of(192, 0, 2, 9)};
  s.c.set_servers(Span<const IpAddress>(four));
  EXPECT_EQ(*s.c.poll_at(), Instant());
  std::vector<IpAddress> asked;
  for (int64_t ms = 20; ms < 20 + 9 * 5000; ms += 5000) {
    ASSERT_TRUE(s.send(ms));
    asked.push_back(s.tx.dst);
  }
  EXPECT_EQ(asked, (std::vector<IpAddress>{kC, kC, kC, kB, kB, kB, kA, kA, kA}));
  EXPECT_FALSE(s.send(20 + 9 * 5000));  // the fourth address was dropped
  EXPECT_EQ(s.c.stats().rounds_failed, 1u);
}

TEST(SntpClient, set_servers_drops_the_request_in_flight) {
  Sim s;
  ASSERT_TRUE(s.send(0));
  uint16_t port = s.tx.src_port;
  IpAddress one[] = {kC};
  s.c.set_servers(Span<const IpAddress>(one));
  EXPECT_FALSE(s.c.owns_port(port));
  ASSERT_TRUE(s.send(1));
  EXPECT_EQ(s.tx.dst, kC);
}
