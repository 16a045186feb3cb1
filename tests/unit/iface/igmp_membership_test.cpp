// igmp_membership_test.cpp — IGMPv2 host behaviour (RFC 2236) with a seeded Random
// and simulated time: join and leave messages, query responses within Max Resp Time,
// suppression, IGMPv1 compatibility, capacity and join counts.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "core/iface/igmp_membership.hpp"

using namespace keel;
using namespace keel::iface;
using wire::Ipv4Address;

namespace {

Instant at_ms(int64_t ms) { return Instant::from_millis(ms); }
Ipv4Address group(uint8_t n) { return Ipv4Address::of(239, 1, 2, n); }
const Ipv4Address kAllHosts = Ipv4Address::of(224, 0, 0, 1);
const Ipv4Address kAllRouters = Ipv4Address::of(224, 0, 0, 2);
const Ipv4Address kGeneral{};

bool is(const Optional<IgmpOutput>& out, IgmpKind kind, const Ipv4Address& g) {
  if (!out) return false;
  Ipv4Address dst = kind == IgmpKind::Leave ? kAllRouters : g;
  return out->kind == kind && out->group == g && out->destination == dst;
}

// drain — runs simulated time from `from` until nothing is scheduled (at most `limit`),
// returning each message with the time it went out.
struct Sent {
  Instant at;
  IgmpOutput out;
};
std::vector<Sent> drain(IgmpMembership& m, Instant from, Duration limit) {
  std::vector<Sent> sent;
  Instant now = from;
  while (auto next = m.poll_at()) {
    if (*next > now) now = *next;
    if (now > from + limit) break;
    auto out = m.poll_transmit(now);
    if (!out) ADD_FAILURE() << "poll_at said work was due at " << now.millis() << " ms";
    if (!out) break;
    sent.push_back({now, *out});
  }
  return sent;
}

}  // namespace

TEST(IgmpMembership, join_sends_a_v2_report_at_once_and_once_more_within_10_s) {
  Random rng(42);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(1)));
  ASSERT_TRUE(m.poll_at());
  EXPECT_LE(*m.poll_at(), at_ms(1000));  // due at once
  EXPECT_TRUE(is(m.poll_transmit(at_ms(1000)), IgmpKind::ReportV2, group(1)));
  auto repeat = m.poll_at();
  ASSERT_TRUE(repeat);
  EXPECT_GE(*repeat, at_ms(1000));
  EXPECT_LE(*repeat, at_ms(11000));
  EXPECT_FALSE(m.poll_transmit(*repeat - Duration::micros(1)));
  EXPECT_TRUE(is(m.poll_transmit(*repeat), IgmpKind::ReportV2, group(1)));
  EXPECT_FALSE(m.poll_at());  // two reports, then quiet
  EXPECT_FALSE(m.poll_transmit(at_ms(100000)));
  EXPECT_EQ(m.stats().reports_v2, 2u);
}

TEST(IgmpMembership, the_repeat_delay_is_random_and_never_above_the_interval) {
  std::set<int64_t> delays;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Random rng(seed);
    IgmpMembership m(rng);
    ASSERT_TRUE(m.join(group(1)));
    ASSERT_TRUE(m.poll_transmit(at_ms(0)));
    int64_t d = m.poll_at()->millis();
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 10000);
    delays.insert(d);
  }
  EXPECT_GT(delays.size(), 150u);
  EXPECT_LT(*delays.begin(), 1000);
  EXPECT_GT(*delays.rbegin(), 9000);
}

TEST(IgmpMembership, the_number_of_unsolicited_reports_is_configurable) {
  Random rng(1);
  IgmpConfig cfg;
  cfg.unsolicited_reports = 3;
  IgmpMembership m(rng, cfg);
  ASSERT_TRUE(m.join(group(1)));
  auto sent = drain(m, at_ms(0), Duration::seconds(60));
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_LE((sent[2].at - sent[1].at).as_millis(), 10000);
}

TEST(IgmpMembership, the_all_hosts_group_is_always_a_member_and_never_reported) {
  Random rng(1);
  IgmpMembership m(rng);
  EXPECT_TRUE(m.is_member(kAllHosts));
  EXPECT_TRUE(m.join(kAllHosts));
  EXPECT_FALSE(m.poll_at());
  m.on_query(at_ms(0), kGeneral, 100, false);
  m.on_query(at_ms(0), kAllHosts, 100, false);
  EXPECT_FALSE(m.poll_at());
  EXPECT_TRUE(m.leave(kAllHosts));
  EXPECT_FALSE(m.poll_at());
  EXPECT_TRUE(m.is_member(kAllHosts));
  // It takes no entry: every entry is still free for real groups.
  for (size_t i = 0; i < config::kMulticastGroups; ++i) EXPECT_TRUE(m.join(group(uint8_t(i))));
}

TEST(IgmpMembership, only_multicast_groups_can_be_joined) {
  Random rng(1);
  IgmpMembership m(rng);
  auto r = m.join(Ipv4Address::of(192, 0, 2, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), IgmpError::NotMulticast);
  EXPECT_FALSE(m.join(Ipv4Address::broadcast()));
  EXPECT_FALSE(m.is_member(Ipv4Address::of(192, 0, 2, 1)));
  EXPECT_FALSE(m.poll_at());
}

TEST(IgmpMembership, is_member_follows_join_and_leave) {
  Random rng(1);
  IgmpMembership m(rng);
  EXPECT_FALSE(m.is_member(group(1)));
  ASSERT_TRUE(m.join(group(1)));
  EXPECT_TRUE(m.is_member(group(1)));
  EXPECT_FALSE(m.is_member(group(2)));
  EXPECT_TRUE(m.leave(group(1)));
  EXPECT_FALSE(m.is_member(group(1)));
  EXPECT_FALSE(m.leave(group(1)));  // not joined any more
}

TEST(IgmpMembership, a_second_join_is_counted_and_sends_nothing_more) {
  Random rng(7);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(1)));
  auto first = drain(m, at_ms(0), Duration::seconds(60));
  EXPECT_EQ(first.size(), 2u);
  ASSERT_TRUE(m.join(group(1)));
  EXPECT_EQ(m.joins(group(1)), 2u);
  EXPECT_FALSE(m.poll_at());
  // The first leave only drops a reference.
  EXPECT_TRUE(m.leave(group(1)));
  EXPECT_EQ(m.joins(group(1)), 1u);
  EXPECT_TRUE(m.is_member(group(1)));
  EXPECT_FALSE(m.poll_at());
  // The last one leaves the group.
  EXPECT_TRUE(m.leave(group(1)));
  EXPECT_EQ(m.joins(group(1)), 0u);
  EXPECT_TRUE(is(m.poll_transmit(at_ms(70000)), IgmpKind::Leave, group(1)));
  EXPECT_EQ(m.stats().leaves, 1u);
}

TEST(IgmpMembership, leave_after_our_report_sends_a_leave_to_all_routers_at_once) {
  Random rng(3);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(5)));
  ASSERT_TRUE(is(m.poll_transmit(at_ms(0)), IgmpKind::ReportV2, group(5)));
  EXPECT_TRUE(m.leave(group(5)));
  ASSERT_TRUE(m.poll_at());
  EXPECT_LE(*m.poll_at(), at_ms(1));
  EXPECT_TRUE(is(m.poll_transmit(at_ms(1)), IgmpKind::Leave, group(5)));
  // The pending repeat report died with the membership.
  EXPECT_FALSE(m.poll_at());
  EXPECT_FALSE(m.poll_transmit(at_ms(20000)));
}

TEST(IgmpMembership, leave_before_any_report_went_out_sends_nothing) {
  Random rng(3);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(5)));
  EXPECT_TRUE(m.leave(group(5)));
  EXPECT_FALSE(m.poll_at());
  EXPECT_FALSE(m.poll_transmit(at_ms(0)));
  EXPECT_EQ(m.stats().reports_v2 + m.stats().leaves, 0u);
}

TEST(IgmpMembership, leave_when_another_host_reported_last_sends_nothing) {
  Random rng(3);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(5)));
  ASSERT_TRUE(m.poll_transmit(at_ms(0)));
  m.on_report_heard(group(5));  // someone else reported after us
  EXPECT_TRUE(m.leave(group(5)));
  EXPECT_FALSE(m.poll_transmit(at_ms(1)));
  EXPECT_EQ(m.stats().leaves, 0u);
}

TEST(IgmpMembership, rejoining_before_the_leave_went_out_cancels_the_leave) {
  Random rng(3);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(5)));
  ASSERT_TRUE(m.poll_transmit(at_ms(0)));
  ASSERT_TRUE(m.leave(group(5)));
  ASSERT_TRUE(m.join(group(5)));
  EXPECT_TRUE(is(m.poll_transmit(at_ms(1)), IgmpKind::ReportV2, group(5)));
  auto rest = drain(m, at_ms(1), Duration::seconds(60));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].out.kind, IgmpKind::ReportV2);
  EXPECT_EQ(m.stats().leaves, 0u);
}

TEST(IgmpMembership, a_general_query_gets_one_report_per_group_within_max_resp_time) {
  Random rng(11);
  IgmpMembership m(rng);
  for (uint8_t g = 1; g <= 3; ++g) ASSERT_TRUE(m.join(group(g)));
  ASSERT_TRUE(m.join(kAllHosts));
  drain(m, at_ms(0), Duration::seconds(60));
  ASSERT_FALSE(m.poll_at());
  const Instant q = at_ms(100000);
  m.on_query(q, kGeneral, 50, false);  // 5 s
  auto sent = drain(m, q, Duration::seconds(60));
  ASSERT_EQ(sent.size(), 3u);
  std::set<uint8_t> reported;
  for (const Sent& s : sent) {
    EXPECT_EQ(s.out.kind, IgmpKind::ReportV2);
    EXPECT_EQ(s.out.destination, s.out.group);
    EXPECT_LE(s.at, q + Duration::seconds(5));
    reported.insert(s.out.group.bytes[3]);
  }
  EXPECT_EQ(reported, (std::set<uint8_t>{1, 2, 3}));
  EXPECT_EQ(m.stats().queries, 1u);
}

TEST(IgmpMembership, query_response_delays_are_random_within_max_resp_time) {
  std::set<int64_t> delays;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Random rng(seed);
    IgmpMembership m(rng);
    ASSERT_TRUE(m.join(group(1)));
    drain(m, at_ms(0), Duration::seconds(60));
    m.on_query(at_ms(100000), kGeneral, 20, false);  // 2 s
    int64_t d = m.poll_at()->millis() - 100000;
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 2000);
    delays.insert(d);
  }
  EXPECT_GT(delays.size(), 150u);
  EXPECT_LT(*delays.begin(), 200);
  EXPECT_GT(*delays.rbegin(), 1800);
}

TEST(IgmpMembership, a_group_specific_query_gets_a_report_for_that_group_only) {
  Random rng(5);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(1)));
  ASSERT_TRUE(m.join(group(2)));
  drain(m, at_ms(0), Duration::seconds(60));
  m.on_query(at_ms(100000), group(2), 10, false);
  m.on_query(at_ms(100000), group(9), 10, false);  // not ours: ignored
  auto sent = drain(m, at_ms(100000), Duration::seconds(60));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(is(sent[0].out, IgmpKind::ReportV2, group(2)));
  EXPECT_LE(sent[0].at, at_ms(101000));
}

TEST(IgmpMembership, a_query_does_not_postpone_a_report_already_due_sooner) {
  Random rng(9);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(1)));
  drain(m, at_ms(0), Duration::seconds(60));
  m.on_query(at_ms(100000), kGeneral, 10, false);  // within 1 s
  Instant due = *m.poll_at();
  ASSERT_LE(due, at_ms(101000));
  m.on_query(at_ms(100000), kGeneral, 255, false);  // a longer one changes nothing
  EXPECT_EQ(*m.poll_at(), due);
}

TEST(IgmpMembership, a_shorter_query_brings_a_later_report_forward) {
  Random rng(9);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(1)));
  drain(m, at_ms(0), Duration::seconds(60));
  m.on_query(at_ms(100000), kGeneral, 255, false);  // within 25.5 s
  // Find a seed-independent case: whatever was drawn, a 0.1 s query wins if later.
  Instant before = *m.poll_at();
  m.on_query(at_ms(100000), kGeneral, 1, false);
  EXPECT_LE(*m.poll_at(), at_ms(100100));
  EXPECT_LE(*m.poll_at(), before);
}

TEST(IgmpMembership, a_query_with_max_resp_zero_that_is_not_v1_answers_at_once) {
  Random rng(9);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(1)));
  drain(m, at_ms(0), Duration::seconds(60));
  m.on_query(at_ms(100000), kGeneral, 0, false);
  EXPECT_EQ(*m.poll_at(), at_ms(100000));
  EXPECT_FALSE(m.v1_router_present(at_ms(100000)));
}

TEST(IgmpMembership, another_hosts_report_suppresses_ours) {
  Random rng(13);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(1)));
  ASSERT_TRUE(m.join(group(2)));
  drain(m, at_ms(0), Duration::seconds(60));
  m.on_query(at_ms(100000), kGeneral, 100, false);
  m.on_report_heard(group(1));
  auto sent = drain(m, at_ms(100000), Duration::seconds(60));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].out.group, group(2));
  EXPECT_EQ(m.stats().suppressed, 1u);
}

TEST(IgmpMembership, another_hosts_report_also_cancels_the_unsolicited_repeat) {
  Random rng(13);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(1)));
  ASSERT_TRUE(m.poll_transmit(at_ms(0)));
  ASSERT_TRUE(m.poll_at());
  m.on_report_heard(group(1));
  EXPECT_FALSE(m.poll_at());
  EXPECT_FALSE(m.poll_transmit(at_ms(20000)));
}

TEST(IgmpMembership, a_v1_query_brings_v1_reports_answered_within_10_s) {
  Random rng(17);
  IgmpMembership m(rng);
  ASSERT_TRUE(m.join(group(1)));
  drain(m, at_ms(0), Duration::seconds(60));
  const Instant q = at_ms(100000);
  m.on_query(q, kGeneral, 0, true);
  EXPECT_TRUE(m.v1_router_present(q));
  auto sent = drain(m, q, Duration::seconds(60));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(is(sent[0].out, IgmpKind::ReportV1, group(1)));
  EXPECT_LE(sent[0].at, q + Duration::seconds(10));
  EXPECT_EQ(m.stats().reports_v1, 1u);
}

TEST(IgmpMembership, a_v1_query_is_general_and_its_max_resp_field_is_ignored) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Random rng(seed);
    IgmpMembership m(rng);
    ASSERT_TRUE(m.join(group(1)));
    drain(m, at_ms(0), Duration::seconds(60));
    m.on_query(at_ms(100000), group(7), 255, true);
    ASSERT_TRUE(m.poll_at());
    EXPECT_LE(*m.poll_at(), at_ms(110000));
  }
}

TEST(IgmpMembership, while_a_v1_router_is_present_joins_report_v1_and_leaves_are_silent) {
  Random rng(19);
  IgmpMembership m(rng);
  m.on_query(at_ms(0), kGeneral, 0, true);
  ASSERT_TRUE(m.join(group(1)));
  auto sent = drain(m, at_ms(1000), Duration::seconds(60));
  ASSERT_EQ(sent.size(), 2u);
  for (const Sent& s : sent) EXPECT_TRUE(is(s.out, IgmpKind::ReportV1, group(1)));
  EXPECT_TRUE(m.leave(group(1)));
  EXPECT_FALSE(m.poll_transmit(at_ms(100000)));
  EXPECT_EQ(m.stats().leaves, 0u);
}

TEST(IgmpMembership, back_to_v2_400_s_after_the_last_v1_query) {
  Random rng(23);
  IgmpMembership m(rng);
  m.on_query(at_ms(0), kGeneral, 0, true);
  m.on_query(at_ms(100000), kGeneral, 0, true);  // refreshes the timeout
  EXPECT_TRUE(m.v1_router_present(at_ms(499999)));
  EXPECT_FALSE(m.v1_router_present(at_ms(500000)));
  ASSERT_TRUE(m.join(group(1)));
  EXPECT_TRUE(is(m.poll_transmit(at_ms(499999)), IgmpKind::ReportV1, group(1)));
  Instant repeat = *m.poll_at();
  if (repeat < at_ms(500000)) repeat = at_ms(500000);
  EXPECT_TRUE(is(m.poll_transmit(repeat), IgmpKind::ReportV2, group(1)));
  ASSERT_TRUE(m.leave(group(1)));
  EXPECT_TRUE(is(m.poll_transmit(repeat), IgmpKind::Leave, group(1)));
}

TEST(IgmpMembership, a_v2_query_does_not_end_v1_compatibility) {
  Random rng(23);
  IgmpMembership m(rng);
  m.on_query(at_ms(0), kGeneral, 0, true);
  m.on_query(at_ms(1000), kGeneral, 100, false);
  EXPECT_TRUE(m.v1_router_present(at_ms(399999)));
  EXPECT_FALSE(m.v1_router_present(at_ms(400000)));
}

TEST(IgmpMembership, joining_more_groups_than_the_table_holds_is_an_error) {
  Random rng(29);
  IgmpMembership m(rng);
  const size_t n = config::kMulticastGroups;
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(m.join(group(uint8_t(i + 1))));
  auto r = m.join(group(200));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), IgmpError::Full);
  EXPECT_EQ(m.stats().join_full, 1u);
  EXPECT_FALSE(m.is_member(group(200)));
  // A group already joined still takes more references.
  EXPECT_TRUE(m.join(group(1)));
  EXPECT_EQ(m.joins(group(1)), 2u);
  // Leaving one frees an entry.
  ASSERT_TRUE(m.leave(group(2)));
  EXPECT_TRUE(m.join(group(200)));
  EXPECT_TRUE(m.is_member(group(200)));
}

TEST(IgmpMembership, every_joined_group_is_reported_after_a_full_table_join) {
  Random rng(31);
  IgmpMembership m(rng);
  const size_t n = config::kMulticastGroups;
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(m.join(group(uint8_t(i + 1))));
  auto sent = drain(m, at_ms(0), Duration::seconds(60));
  ASSERT_EQ(sent.size(), 2 * n);
  std::multiset<uint8_t> per_group;
  for (const Sent& s : sent) per_group.insert(s.out.group.bytes[3]);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(per_group.count(uint8_t(i + 1)), 2u);
}

TEST(IgmpMembership, waiting_leaves_go_out_before_reports_and_in_order) {
  Random rng(37);
  IgmpMembership m(rng);
  const size_t n = config::kMulticastGroups;
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(m.join(group(uint8_t(i + 1))));
  drain(m, at_ms(0), Duration::seconds(60));
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(m.leave(group(uint8_t(i + 1))));
  ASSERT_TRUE(m.join(group(100)));
  auto sent = drain(m, at_ms(100000), Duration::seconds(60));
  ASSERT_EQ(sent.size(), n + 2);
  for (size_t i = 0; i < n; ++i)
    EXPECT_TRUE(is(sent[i].out, IgmpKind::Leave, group(uint8_t(i + 1))));
  EXPECT_TRUE(is(sent[n].out, IgmpKind::ReportV2, group(100)));
  EXPECT_TRUE(is(sent[n + 1].out, IgmpKind::ReportV2, group(100)));
}

TEST(IgmpMembership, the_same_seed_gives_the_same_schedule) {
  auto run = [](uint64_t seed) {
    Random rng(seed);
    IgmpMembership m(rng);
    for (uint8_t g = 1; g <= 4; ++g) EXPECT_TRUE(m.join(group(g)));
    m.on_query(at_ms(500), kGeneral, 100, false);
    std::vector<int64_t> times;
    for (const Sent& s : drain(m, at_ms(0), Duration::seconds(60))) times.push_back(s.at.micros());
    return times;
  };
  EXPECT_EQ(run(99), run(99));
  EXPECT_NE(run(99), run(100));
}
