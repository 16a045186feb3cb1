// neighbor_cache_test.cpp — ARP cache policy: creation only on demand, expiry,
// bounded retries, failure hold, global request rate, eviction.
#include <gtest/gtest.h>

#include "core/iface/neighbor_cache.hpp"

using namespace keel;
using namespace keel::iface;
using wire::IpAddress;
using wire::Ipv4Address;
using wire::MacAddress;

namespace {
IpAddress host(uint8_t n) { return Ipv4Address::of(192, 0, 2, n); }
MacAddress mac(uint8_t n) { return {{0x02, 0, 0, 0, 0, n}}; }
Instant at_ms(int64_t ms) { return Instant::from_millis(ms); }
}  // namespace

TEST(NeighborCache, resolves_after_a_request_and_answer) {
  NeighborCache c;
  EXPECT_FALSE(c.lookup(host(1), at_ms(0)));
  EXPECT_EQ(c.want(host(1), at_ms(0)), NeighborAction::SendRequest);
  EXPECT_EQ(c.want(host(1), at_ms(10)), NeighborAction::Wait);
  EXPECT_TRUE(c.learn(host(1), mac(1), at_ms(20)));
  auto m = c.lookup(host(1), at_ms(30));
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, mac(1));
}

TEST(NeighborCache, unsolicited_answers_create_no_entry) {
  NeighborCache c;
  EXPECT_FALSE(c.learn(host(9), mac(9), at_ms(0)));
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.stats().ignored_unsolicited, 1u);
  EXPECT_FALSE(c.lookup(host(9), at_ms(1)));
}

TEST(NeighborCache, entries_expire_after_their_lifetime) {
  NeighborConfig cfg;
  cfg.lifetime = Duration::seconds(5);
  NeighborCache c(cfg);
  ASSERT_EQ(c.want(host(1), at_ms(0)), NeighborAction::SendRequest);
  ASSERT_TRUE(c.learn(host(1), mac(1), at_ms(0)));
  EXPECT_TRUE(c.lookup(host(1), at_ms(4999)));
  EXPECT_FALSE(c.lookup(host(1), at_ms(5000)));
  EXPECT_EQ(c.want(host(1), at_ms(5000)), NeighborAction::SendRequest);
}

TEST(NeighborCache, retries_at_the_interval_then_fails_and_holds_the_failure) {
  NeighborConfig cfg;
  cfg.max_requests = 3;
  cfg.retry_interval = Duration::seconds(1);
  cfg.failed_hold = Duration::seconds(10);
  NeighborCache c(cfg);
  ASSERT_EQ(c.want(host(1), at_ms(0)), NeighborAction::SendRequest);
  EXPECT_EQ(c.poll_at()->millis(), 1000);
  EXPECT_FALSE(c.due_request(at_ms(999)));
  EXPECT_EQ(c.due_request(at_ms(1000)), Optional<IpAddress>(host(1)));
  EXPECT_EQ(c.due_request(at_ms(2000)), Optional<IpAddress>(host(1)));
  EXPECT_FALSE(c.due_request(at_ms(3000)));  // third request was the last
  EXPECT_EQ(c.state(host(1)), NeighborCache::State::Failed);
  EXPECT_EQ(c.stats().requests, 3u);
  EXPECT_EQ(c.stats().failures, 1u);
  EXPECT_EQ(c.want(host(1), at_ms(12999)), NeighborAction::Unreachable);
  EXPECT_EQ(c.want(host(1), at_ms(13000)), NeighborAction::SendRequest);
}

TEST(NeighborCache, one_dead_host_does_not_block_others) {
  NeighborCache c;
  ASSERT_EQ(c.want(host(1), at_ms(0)), NeighborAction::SendRequest);
  EXPECT_EQ(c.want(host(2), at_ms(1)), NeighborAction::SendRequest);
  EXPECT_TRUE(c.learn(host(2), mac(2), at_ms(2)));
  EXPECT_TRUE(c.lookup(host(2), at_ms(3)));
}

TEST(NeighborCache, global_rate_limits_requests_and_resumes_next_window) {
  NeighborConfig cfg;
  cfg.rate_burst = 2;
  cfg.rate_window = Duration::seconds(1);
  NeighborCache c(cfg);
  EXPECT_EQ(c.want(host(1), at_ms(0)), NeighborAction::SendRequest);
  EXPECT_EQ(c.want(host(2), at_ms(0)), NeighborAction::SendRequest);
  EXPECT_EQ(c.want(host(3), at_ms(0)), NeighborAction::Wait);
  EXPECT_EQ(c.stats().rate_limited, 1u);
  EXPECT_FALSE(c.due_request(at_ms(500)));
  EXPECT_EQ(c.poll_at()->millis(), 1000);
  EXPECT_EQ(c.due_request(at_ms(1000)), Optional<IpAddress>(host(3)));
}

TEST(NeighborCache, full_cache_replaces_least_recently_used_resolved_entry) {
  NeighborConfig cfg;
  cfg.rate_burst = 255;
  NeighborCache c(cfg);
  const size_t n = config::kNeighborEntries;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(c.want(host(uint8_t(i + 1)), at_ms(0)), NeighborAction::SendRequest);
    ASSERT_TRUE(c.learn(host(uint8_t(i + 1)), mac(uint8_t(i + 1)), at_ms(0)));
  }
  for (size_t i = 1; i < n; ++i) ASSERT_TRUE(c.lookup(host(uint8_t(i + 1)), at_ms(10)));
  EXPECT_EQ(c.want(host(200), at_ms(20)), NeighborAction::SendRequest);
  EXPECT_EQ(c.stats().evictions, 1u);
  EXPECT_EQ(c.state(host(1)), NeighborCache::State::Empty);  // the unused one went
  EXPECT_TRUE(c.lookup(host(2), at_ms(30)));
}

TEST(NeighborCache, cache_full_of_pending_resolutions_reports_no_room) {
  NeighborConfig cfg;
  cfg.rate_burst = 255;
  NeighborCache c(cfg);
  for (size_t i = 0; i < config::kNeighborEntries; ++i)
    ASSERT_EQ(c.want(host(uint8_t(i + 1)), at_ms(0)), NeighborAction::SendRequest);
  EXPECT_EQ(c.want(host(250), at_ms(1)), NeighborAction::NoRoom);
}

TEST(NeighborCache, ipv4_and_ipv6_keys_do_not_collide) {
  NeighborCache c;
  wire::Ipv6Address v6{};
  v6.bytes[0] = 192;
  v6.bytes[2] = 2;
  v6.bytes[3] = 1;  // same leading bytes as 192.0.2.1
  ASSERT_EQ(c.want(host(1), at_ms(0)), NeighborAction::SendRequest);
  ASSERT_TRUE(c.learn(host(1), mac(1), at_ms(0)));
  EXPECT_FALSE(c.lookup(IpAddress(v6), at_ms(1)));
}
