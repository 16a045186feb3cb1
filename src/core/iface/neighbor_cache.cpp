// neighbor_cache.cpp — ARP/NDP cache policy (see the header for the rules).
#include "core/iface/neighbor_cache.hpp"

namespace keel::iface {

using wire::IpAddress;
using wire::MacAddress;

NeighborCache::Entry* NeighborCache::find(const IpAddress& addr) {
  for (Entry& e : entries_)
    if (e.state != State::Empty && e.addr == addr) return &e;
  return nullptr;
}

const NeighborCache::Entry* NeighborCache::find(const IpAddress& addr) const {
  for (const Entry& e : entries_)
    if (e.state != State::Empty && e.addr == addr) return &e;
  return nullptr;
}

Optional<MacAddress> NeighborCache::lookup(const IpAddress& addr, Instant now) {
  Entry* e = find(addr);
  if (!e || e->state != State::Reachable) return none;
  if (now >= e->expires) {
    e->state = State::Empty;  // expired: resolve again
    return none;
  }
  e->last_used = now;
  return e->mac;
}

bool NeighborCache::take_rate_token(Instant now) {
  if (now - window_start_ >= config_.rate_window) {
    window_start_ = now;
    window_sent_ = 0;
  }
  if (window_sent_ >= config_.rate_burst) {
    ++stats_.rate_limited;
    return false;
  }
  ++window_sent_;
  return true;
}

NeighborCache::Entry* NeighborCache::slot_for_new(Instant now) {
  Entry* victim = nullptr;
  for (Entry& e : entries_) {
    if (e.state == State::Empty) return &e;
    bool expired = now >= e.expires && e.state != State::Incomplete;
    if (expired) return &e;
    if (e.state == State::Incomplete) continue;  // never steal an address being resolved
    if (!victim || e.last_used < victim->last_used) victim = &e;
  }
  if (victim) ++stats_.evictions;
  return victim;
}

NeighborAction NeighborCache::want(const IpAddress& addr, Instant now) {
  Entry* e = find(addr);
  if (e && e->state == State::Failed) {
    if (now < e->expires) return NeighborAction::Unreachable;
    e->state = State::Empty;  // the hold is over: try again
    e = nullptr;
  }
  if (e && e->state == State::Incomplete) return NeighborAction::Wait;
  if (!e) {
    e = slot_for_new(now);
    if (!e) return NeighborAction::NoRoom;
  }
  // New, or an expired Reachable entry: start resolving.
  *e = Entry{addr, MacAddress{}, State::Incomplete, 0, now, now};
  if (!take_rate_token(now)) return NeighborAction::Wait;  // due_request() retries it
  e->requests = 1;
  e->expires = now + config_.retry_interval;
  ++stats_.requests;
  return NeighborAction::SendRequest;
}

bool NeighborCache::learn(const IpAddress& addr, const MacAddress& mac, Instant now) {
  Entry* e = find(addr);
  if (!e) {
    ++stats_.ignored_unsolicited;
    return false;
  }
  e->mac = mac;
  e->state = State::Reachable;
  e->requests = 0;
  e->expires = now + config_.lifetime;
  e->last_used = now;
  return true;
}

Optional<IpAddress> NeighborCache::due_request(Instant now) {
  // Addresses asked least often go first, so retries for a silent host never starve
  // the first request for another (smoltcp users asked for exactly this).
  Entry* pick = nullptr;
  for (Entry& e : entries_) {
    if (e.state != State::Incomplete || now < e.expires) continue;
    if (e.requests >= config_.max_requests) {
      e.state = State::Failed;
      e.expires = now + config_.failed_hold;
      ++stats_.failures;
      continue;
    }
    if (!pick || e.requests < pick->requests) pick = &e;
  }
  if (!pick || !take_rate_token(now)) return none;
  ++pick->requests;
  pick->expires = now + config_.retry_interval;
  ++stats_.requests;
  return pick->addr;
}

Optional<Instant> NeighborCache::poll_at() const {
  Optional<Instant> at;
  for (const Entry& e : entries_)
    if (e.state == State::Incomplete && (!at || e.expires < *at)) at = e.expires;
  // Requests held back by the rate limit wait for the next window, not a busy loop.
  Instant window_end = window_start_ + config_.rate_window;
  if (at && window_sent_ >= config_.rate_burst && *at < window_end) at = window_end;
  return at;
}

NeighborCache::State NeighborCache::state(const IpAddress& addr) const {
  const Entry* e = find(addr);
  return e ? e->state : State::Empty;
}

void NeighborCache::flush() {
  for (Entry& e : entries_) e = Entry{};
}

size_t NeighborCache::size() const {
  size_t n = 0;
  for (const Entry& e : entries_) n += e.state != State::Empty;
  return n;
}

}  // namespace keel::iface
