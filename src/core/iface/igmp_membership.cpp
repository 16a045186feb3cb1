// igmp_membership.cpp — IGMPv2 host timers and messages (see the header for the rules).
#include "core/iface/igmp_membership.hpp"

#include "core/base/assert.hpp"

namespace keel::iface {

using wire::Ipv4Address;

namespace {
constexpr Ipv4Address kAllHosts = Ipv4Address::of(224, 0, 0, 1);
constexpr Ipv4Address kAllRouters = Ipv4Address::of(224, 0, 0, 2);
constexpr uint32_t kV1MaxRespMs = 10000;  // a v1 query's Max Resp Time 0 means 10 s (§4)
}  // namespace

IgmpMembership::IgmpMembership(Random& rng, const IgmpConfig& config)
    : rng_(rng),
      config_(config),
      unsolicited_ms_(uint32_t(config.unsolicited_interval.as_millis())) {}

IgmpMembership::Group* IgmpMembership::find(const Ipv4Address& group) {
  for (Group& g : groups_)
    if (g.joins != 0 && g.addr == group) return &g;
  return nullptr;
}

const IgmpMembership::Group* IgmpMembership::find(const Ipv4Address& group) const {
  for (const Group& g : groups_)
    if (g.joins != 0 && g.addr == group) return &g;
  return nullptr;
}

// random_delay — a time uniformly in [now, now + max_ms], in whole milliseconds.
Instant IgmpMembership::random_delay(Instant now, uint32_t max_ms) {
  return now + Duration::millis(rng_.range(0, max_ms));
}

Result<void, IgmpError> IgmpMembership::join(const Ipv4Address& group) {
  if (!group.is_multicast()) return Err(IgmpError::NotMulticast);
  if (group == kAllHosts) return {};  // always a member, never reported
  if (Group* g = find(group)) {
    if (g->joins == UINT16_MAX) return Err(IgmpError::Full);
    ++g->joins;
    return {};
  }
  Group* g = nullptr;
  for (Group& e : groups_)
    if (e.joins == 0) {
      g = &e;
      break;
    }
  if (!g) {
    ++stats_.join_full;
    return Err(IgmpError::Full);
  }
  // Joined again before its Leave went out: the Leave is moot.
  for (size_t i = 0; i < leave_count_; ++i)
    if (leaves_[i] == group) {
      for (size_t j = i + 1; j < leave_count_; ++j) leaves_[j - 1] = leaves_[j];
      --leave_count_;
      break;
    }
  *g = Group{};
  g->addr = group;
  g->joins = 1;
  g->timer = config_.unsolicited_reports != 0;
  g->repeats = uint8_t(g->timer ? config_.unsolicited_reports - 1 : 0);
  g->due = Instant();  // at once
  return {};
}

bool IgmpMembership::leave(const Ipv4Address& group) {
  if (group == kAllHosts) return true;
  Group* g = find(group);
  if (!g) return false;
  if (--g->joins != 0) return true;
  // Only the last reporter need tell the router (§3); the router's own timers cover
  // the rest. Whether a v1 router forbids it is judged when it would be sent.
  if (g->last_reporter) {
    KEEL_ASSERT(leave_count_ < config::kMulticastGroups);  // see leaves_ in the header
    leaves_[leave_count_++] = group;
  }
  *g = Group{};
  return true;
}

void IgmpMembership::on_query(Instant now, const Ipv4Address& group, uint8_t max_resp, bool is_v1) {
  ++stats_.queries;
  uint32_t max_ms = uint32_t(max_resp) * 100;
  bool general = group.is_unspecified();
  if (is_v1) {
    v1_until_ = now + config_.v1_router_timeout;
    max_ms = kV1MaxRespMs;
    general = true;  // v1 queries are always general (RFC 1112 zeroes the group)
  }
  for (Group& g : groups_) {
    if (g.joins == 0 || !(general || g.addr == group)) continue;
    if (g.timer && g.due <= now + Duration::millis(max_ms)) continue;  // already sooner
    g.timer = true;
    g.due = random_delay(now, max_ms);
  }
}

void IgmpMembership::on_report_heard(const Ipv4Address& group) {
  Group* g = find(group);
  if (!g) return;
  if (g->timer) ++stats_.suppressed;
  g->timer = false;
  g->repeats = 0;
  g->last_reporter = false;
}

Optional<IgmpOutput> IgmpMembership::poll_transmit(Instant now) {
  bool v1 = v1_router_present(now);
  while (leave_count_ != 0) {
    Ipv4Address group = leaves_[0];
    for (size_t j = 1; j < leave_count_; ++j) leaves_[j - 1] = leaves_[j];
    --leave_count_;
    if (v1) continue;  // v1 routers do not know Leaves (§4)
    ++stats_.leaves;
    return IgmpOutput{IgmpKind::Leave, group, kAllRouters};
  }
  Group* next = nullptr;
  for (Group& g : groups_)
    if (g.joins != 0 && g.timer && g.due <= now && (!next || g.due < next->due)) next = &g;
  if (!next) return none;
  next->timer = false;
  next->last_reporter = true;
  if (next->repeats != 0) {
    --next->repeats;
    next->timer = true;
    next->due = random_delay(now, unsolicited_ms_);
  }
  ++(v1 ? stats_.reports_v1 : stats_.reports_v2);
  return IgmpOutput{v1 ? IgmpKind::ReportV1 : IgmpKind::ReportV2, next->addr, next->addr};
}

Optional<Instant> IgmpMembership::poll_at() const {
  if (leave_count_ != 0) return Instant();
  Optional<Instant> at;
  for (const Group& g : groups_)
    if (g.joins != 0 && g.timer && (!at || g.due < *at)) at = g.due;
  return at;
}

bool IgmpMembership::is_member(const Ipv4Address& group) const {
  return group == kAllHosts || find(group) != nullptr;
}

uint16_t IgmpMembership::joins(const Ipv4Address& group) const {
  const Group* g = find(group);
  return g ? g->joins : 0;
}

}  // namespace keel::iface
