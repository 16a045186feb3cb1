// routes_test.cpp — longest prefix match, default route, validation, capacity.
#include <gtest/gtest.h>

#include "core/iface/routes.hpp"

using namespace keel;
using namespace keel::iface;
using wire::Ipv4Address;

namespace {
Route route(Ipv4Address p, uint8_t len, Ipv4Address gw, uint8_t iface) {
  Route r;
  r.prefix = p;
  r.prefix_len = len;
  r.gateway = gw;
  r.iface = iface;
  return r;
}
const Ipv4Address kAny{};
}  // namespace

TEST(Routes, longest_prefix_wins_and_on_link_goes_direct) {
  Routes t;
  ASSERT_TRUE(t.add(route(kAny, 0, Ipv4Address::of(192, 0, 2, 1), 0)).ok());
  ASSERT_TRUE(t.add(route(Ipv4Address::of(192, 0, 2, 0), 24, kAny, 0)).ok());
  ASSERT_TRUE(t.add(route(Ipv4Address::of(198, 51, 100, 0), 24, kAny, 1)).ok());
  ASSERT_TRUE(t.add(route(Ipv4Address::of(198, 51, 100, 128), 25, Ipv4Address::of(192, 0, 2, 9), 0)).ok());

  auto a = t.lookup(Ipv4Address::of(192, 0, 2, 77));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->iface, 0);
  EXPECT_EQ(a->via, Ipv4Address::of(192, 0, 2, 77));
  auto b = t.lookup(Ipv4Address::of(198, 51, 100, 5));
  EXPECT_EQ(b->iface, 1);
  auto c = t.lookup(Ipv4Address::of(198, 51, 100, 200));
  EXPECT_EQ(c->iface, 0);
  EXPECT_EQ(c->via, Ipv4Address::of(192, 0, 2, 9));
  auto d = t.lookup(Ipv4Address::of(203, 0, 113, 1));
  EXPECT_EQ(d->via, Ipv4Address::of(192, 0, 2, 1));
}

TEST(Routes, no_default_means_no_route) {
  Routes t;
  ASSERT_TRUE(t.add(route(Ipv4Address::of(192, 0, 2, 0), 24, kAny, 0)).ok());
  EXPECT_FALSE(t.lookup(Ipv4Address::of(203, 0, 113, 1)));
}

TEST(Routes, rejects_host_bits_and_bad_lengths) {
  Routes t;
  EXPECT_EQ(t.add(route(Ipv4Address::of(192, 0, 2, 1), 24, kAny, 0)).error(), RouteError::BadPrefix);
  EXPECT_EQ(t.add(route(kAny, 33, kAny, 0)).error(), RouteError::BadPrefix);
}

TEST(Routes, remove_and_remove_iface) {
  Routes t;
  auto r0 = route(Ipv4Address::of(192, 0, 2, 0), 24, kAny, 0);
  auto r1 = route(Ipv4Address::of(198, 51, 100, 0), 24, kAny, 1);
  ASSERT_TRUE(t.add(r0).ok());
  ASSERT_TRUE(t.add(r0).ok());  // idempotent
  ASSERT_TRUE(t.add(r1).ok());
  EXPECT_EQ(t.all().size(), 2u);
  t.remove_iface(1);
  EXPECT_FALSE(t.lookup(Ipv4Address::of(198, 51, 100, 1)));
  EXPECT_TRUE(t.remove(r0).ok());
  EXPECT_EQ(t.remove(r0).error(), RouteError::NotFound);
}

TEST(Routes, full_table_reports_full) {
  Routes t;
  Result<void, RouteError> last = Result<void, RouteError>();
  for (int i = 0; i < 200 && last.ok(); ++i)
    last = t.add(route(Ipv4Address::of(10 + i / 250, uint8_t(i), 0, 0), 24, kAny, 0));
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error(), RouteError::Full);
}
