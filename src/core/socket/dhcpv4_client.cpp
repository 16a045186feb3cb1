// dhcpv4_client.cpp — the DHCPv4 client state machine (see the header for the policy).
#include "core/socket/dhcpv4_client.hpp"

#include <string.h>

namespace keel::dhcp {

using wire::Ipv4Address;
namespace dhcpv4 = wire::dhcpv4;
using dhcpv4::MessageType;

namespace {

// RFC 5227 §1.1.
constexpr Duration kProbeWait = Duration::seconds(1);
constexpr Duration kProbeMin = Duration::seconds(1);
constexpr Duration kProbeMax = Duration::seconds(2);
constexpr uint8_t kProbeNum = 3;
constexpr Duration kAnnounceWait = Duration::seconds(2);
constexpr uint8_t kAnnounceNum = 2;
constexpr Duration kAnnounceInterval = Duration::seconds(2);
constexpr uint8_t kMaxConflicts = 10;
constexpr Duration kRateLimitInterval = Duration::seconds(60);
constexpr Duration kDefendInterval = Duration::seconds(10);
// RFC 2131 §4.4.5 and §3.3.
constexpr Duration kMinRenewRetransmit = Duration::seconds(60);
constexpr uint32_t kInfiniteLease = 0xffffffffu;
constexpr Duration kJitter = Duration::seconds(1);

// Option 55: subnet mask, router, DNS, host name, domain, NTP, lease time, server id, T1, T2.
constexpr uint8_t kParameterList[] = {1, 3, 6, 12, 15, 42, 51, 54, 58, 59};

// random_upto(rng, d) — uniform in [0, d] at microsecond resolution (d ≤ ~71 min).
Duration random_upto(Random& rng, Duration d) {
  if (d <= Duration()) return Duration();
  int64_t us = d.as_micros();
  return Duration::micros(rng.range(0, us > 0xfffffffe ? 0xfffffffeu : uint32_t(us)));
}

Duration min_of(Duration a, Duration b) { return a < b ? a : b; }
Duration max_of(Duration a, Duration b) { return a > b ? a : b; }

// prefix_of(mask) — the leading one bits of a subnet mask.
uint8_t prefix_of(const Ipv4Address& mask) {
  uint32_t m = mask.to_u32();
  uint8_t n = 0;
  while (n < 32 && (m & (0x80000000u >> n))) ++n;
  return n;
}

// class_prefix(a) — the classful prefix of a (RFC 791): A /8, B /16, else /24.
uint8_t class_prefix(const Ipv4Address& a) {
  return a.bytes[0] < 128 ? 8 : a.bytes[0] < 192 ? 16 : 24;
}

// copy_name(dst, src) — src up to its first NUL or 63 bytes, NUL-terminated.
void copy_name(char (&dst)[64], Bytes src) {
  size_t n = 0;
  while (n < src.size() && n < sizeof(dst) - 1 && src.data()[n] != 0) ++n;
  if (n) memcpy(dst, src.data(), n);
  dst[n] = 0;
}

bool infinite(const Lease& l) { return l.lease_time == Duration::seconds(kInfiniteLease); }

// lease_of(r, server, now) — the lease an ACK grants, with T1 ≤ T2 ≤ lease (RFC 2131
// §4.4.5 defaults replace values out of order).
Lease lease_of(const dhcpv4::Repr& r, const Ipv4Address& server, Instant now) {
  Lease l;
  l.address = r.yiaddr;
  l.prefix_len = r.subnet_mask ? prefix_of(*r.subnet_mask) : class_prefix(r.yiaddr);
  if (r.routers.count) l.router = r.routers.addr[0];
  for (size_t i = 0; i < r.dns_servers.count && !l.dns_servers.full(); ++i)
    (void)l.dns_servers.push_back(r.dns_servers.addr[i]);
  for (size_t i = 0; i < r.ntp_servers.count && !l.ntp_servers.full(); ++i)
    (void)l.ntp_servers.push_back(r.ntp_servers.addr[i]);
  l.server_id = r.server_id ? *r.server_id : server;
  int64_t lease = *r.lease_time;
  l.lease_time = Duration::seconds(lease);
  if (lease == kInfiniteLease) {
    l.t1 = l.t2 = l.lease_time;
  } else {
    int64_t t2 = r.rebinding_time ? int64_t(*r.rebinding_time) : lease * 7 / 8;
    if (t2 > lease) t2 = lease * 7 / 8;
    int64_t t1 = r.renewal_time ? int64_t(*r.renewal_time) : lease / 2;
    if (t1 > t2) t1 = lease / 2 <= t2 ? lease / 2 : t2;
    l.t1 = Duration::seconds(t1);
    l.t2 = Duration::seconds(t2);
  }
  l.acquired_at = now;
  copy_name(l.hostname, r.hostname);
  copy_name(l.domain, r.domain_name);
  return l;
}

}  // namespace

Client::Client(const Config& config, Random& rng) : config_(config), rng_(rng) {
  default_client_id_[0] = dhcpv4::kHtypeEthernet;  // RFC 2132 §9.14: type 1 + MAC
  memcpy(default_client_id_ + 1, config_.mac.bytes, 6);
  if (config_.max_message_size < 576) config_.max_message_size = 576;
  if (config_.max_request_tries == 0) config_.max_request_tries = 1;
  if (config_.max_reboot_tries == 0) config_.max_reboot_tries = 1;
}

void Client::reset() {
  state_ = State::Idle;
  tries_ = 0;
  tx_at_.reset();
  candidate_ = Lease{};
  lease_.reset();
  arp_sent_ = announces_left_ = 0;
  defended_at_.reset();
  conflicts_ = 0;
}

void Client::start(Instant now) {
  reset();  // a RELEASE or DECLINE still waiting goes out first
  events_.clear();
  last_now_ = now;
  hint_ = config_.previous_address;
  if (config_.previous_address) {
    // INIT-REBOOT (RFC 2131 §3.2): REQUEST the old address at once.
    state_ = State::InitReboot;
    xid_ = rng_.next_u32();
    candidate_.address = *config_.previous_address;
    tx_at_ = now;
    exchange_start_ = now;
  } else {
    enter_init(now, random_upto(rng_, config_.start_delay_max));
  }
}

void Client::release(Instant now) {
  last_now_ = now;
  if (lease_ && (state_ == State::Bound || state_ == State::Renewing ||
                 state_ == State::Rebinding))
    oneshot_ = OneShot{MessageType::Release, rng_.next_u32(), lease_->address, lease_->server_id};
  reset();  // a DECLINE still waiting is sent all the same
  events_.clear();
}

void Client::stop() {
  reset();
  oneshot_.reset();
  events_.clear();
}

void Client::enter_init(Instant now, Duration delay) {
  state_ = State::Selecting;
  xid_ = rng_.next_u32();
  tries_ = 0;
  tx_at_ = now + delay;
  candidate_ = Lease{};
  arp_sent_ = 0;
}

void Client::push(EventKind kind, const Lease& lease) {
  Event e;
  e.kind = kind;
  e.lease = lease;
  if (!events_.push(e)) ++stats_.events_dropped;
}

void Client::start_probe_or_bind(Instant now) {
  tx_at_.reset();
  if (!config_.arp_probe) {
    bind(now, EventKind::Bound);
    return;
  }
  state_ = State::Probing;
  arp_sent_ = 0;
  arp_at_ = now + random_upto(rng_, kProbeWait);
}

void Client::bind(Instant now, EventKind kind) {
  lease_ = candidate_;
  state_ = State::Bound;
  tx_at_.reset();
  conflicts_ = 0;
  defended_at_.reset();
  announces_left_ = config_.arp_probe ? kAnnounceNum : 0;
  arp_at_ = now;
  push(kind, *lease_);
}

void Client::lose() {
  if (!lease_) return;
  push(EventKind::Lost, *lease_);
  ++stats_.leases_lost;
  lease_.reset();
  announces_left_ = 0;
  defended_at_.reset();
}

void Client::decline(Instant now, const Lease& lease) {
  // RFC 2131 §3.1.5: DECLINE, then wait at least 10 s; RFC 5227 §2.1.1 MAX_CONFLICTS.
  oneshot_ = OneShot{MessageType::Decline, rng_.next_u32(), lease.address, lease.server_id};
  push(EventKind::Declined, lease);
  ++stats_.conflicts;
  if (conflicts_ < 0xff) ++conflicts_;
  hint_.reset();
  uint8_t conflicts = conflicts_;
  enter_init(now, conflicts >= kMaxConflicts ? kRateLimitInterval : config_.decline_wait);
}

Optional<Instant> Client::state_deadline() const {
  if (!lease_ || infinite(*lease_)) return none;
  const Lease& l = *lease_;
  switch (state_) {
    case State::Bound: return l.acquired_at + l.t1;
    case State::Renewing: return l.acquired_at + l.t2;
    case State::Rebinding: return l.acquired_at + l.lease_time;
    default: return none;
  }
}

void Client::advance(Instant now) {
  if (now > last_now_) last_now_ = now;
  // At most Probing -> Bound -> Renewing -> Rebinding -> INIT in one call.
  for (int step = 0; step < 5; ++step) {
    if (state_ == State::Probing) {
      if (arp_sent_ < kProbeNum || now < arp_at_) return;
      bind(now, EventKind::Bound);  // RFC 5227 §2.1.1: ANNOUNCE_WAIT passed in silence
      continue;
    }
    Optional<Instant> deadline = state_deadline();
    if (!deadline || now < *deadline) return;
    if (state_ == State::Bound) {
      state_ = State::Renewing;  // T1 (RFC 2131 §4.4.5)
    } else if (state_ == State::Renewing) {
      state_ = State::Rebinding;  // T2
    } else {
      Ipv4Address lost = lease_->address;  // expiry: INIT, asking for the same address
      lose();
      enter_init(now, Duration());
      hint_ = lost;
      return;
    }
    xid_ = rng_.next_u32();
    tries_ = 0;
    tx_at_ = now;
    exchange_start_ = now;
  }
}

void Client::count_try() {
  if (tries_ != 0) ++stats_.retransmits;
  if (tries_ != 0xff) ++tries_;  // saturates: an endless INIT keeps its 64 s backoff
}

void Client::schedule_backoff(Instant now) {
  // RFC 2131 §4.1: 4, 8, 16, ... 64 s, each ±1 s; the jitter never exceeds half the delay.
  Duration base = config_.initial_retransmit;
  for (uint8_t i = 1; i < tries_ && base < config_.max_retransmit; ++i) base = base * 2;
  base = min_of(base, config_.max_retransmit);
  Duration j = min_of(kJitter, base / 2);
  Duration delay = base - j + random_upto(rng_, j * 2);
  tx_at_ = now + max_of(delay, Duration::millis(1));
}

dhcpv4::Repr Client::message(MessageType type) const {
  dhcpv4::Repr r;
  r.op = dhcpv4::Op::Request;
  r.message_type = type;
  r.xid = xid_;
  r.chaddr = config_.mac;
  // RFC 2131 §4.2: one client identifier in every message.
  r.client_id = config_.client_id.empty() ? Bytes(default_client_id_) : config_.client_id.first(255);
  if (type == MessageType::Discover || type == MessageType::Request) {
    r.parameter_list = Bytes(kParameterList);
    r.max_message_size = config_.max_message_size;
    r.hostname = config_.hostname.first(255);
  }
  return r;
}

Optional<Transmit> Client::emit(const dhcpv4::Repr& r, MutBytes buf, Ipv4Address src,
                                Ipv4Address dst) {
  if (!r.emit(buf)) {
    ++stats_.tx_errors;
    return none;
  }
  switch (r.message_type) {
    case MessageType::Discover: ++stats_.discovers; break;
    case MessageType::Request: ++stats_.requests; break;
    case MessageType::Decline: ++stats_.declines; break;
    default: ++stats_.releases; break;
  }
  return Transmit{r.buffer_len(), src, dst};
}

Optional<Transmit> Client::poll_transmit(Instant now, MutBytes buf) {
  advance(now);
  const Ipv4Address any, all = Ipv4Address::broadcast();
  if (oneshot_) {
    OneShot o = *oneshot_;
    oneshot_.reset();
    dhcpv4::Repr r = message(o.type);
    r.xid = o.xid;
    r.server_id = o.server;
    if (o.type == MessageType::Decline) {
      r.requested_ip = o.address;  // Table 5: ciaddr 0, option 50 the address
      return emit(r, buf, any, all);
    }
    r.ciaddr = o.address;  // RELEASE, unicast to the server (§4.4.6)
    return emit(r, buf, o.address, o.server);
  }
  // Two passes: giving up an exchange restarts INIT, whose DISCOVER is due at once.
  for (int pass = 0; pass < 2; ++pass) {
    if (!tx_at_ || now < *tx_at_) return none;
    uint16_t secs = uint16_t(min_of(now - exchange_start_, Duration::seconds(0xffff)).as_seconds());
    switch (state_) {
      case State::Selecting: {
        if (config_.max_discover_tries && tries_ >= config_.max_discover_tries) {
          ++stats_.gave_up;
          reset();
          return none;
        }
        if (tries_ == 0) exchange_start_ = now, secs = 0;
        secs_ = secs;
        count_try();
        schedule_backoff(now);
        dhcpv4::Repr r = message(MessageType::Discover);
        r.secs = secs;
        r.broadcast = config_.broadcast_flag;
        r.requested_ip = hint_;  // a MAY of Table 5: the address we had
        return emit(r, buf, any, all);
      }
      case State::InitReboot:
      case State::Rebooting:
      case State::Requesting: {
        bool reboot = state_ != State::Requesting;
        if (tries_ >= (reboot ? config_.max_reboot_tries : config_.max_request_tries)) {
          ++stats_.timeouts;
          enter_init(now, Duration());
          continue;
        }
        if (state_ == State::InitReboot) state_ = State::Rebooting;
        count_try();
        schedule_backoff(now);
        dhcpv4::Repr r = message(MessageType::Request);
        // §4.4.1: in SELECTING the 'secs' of the DISCOVER, and the server we chose.
        r.secs = reboot ? secs : secs_;
        r.broadcast = config_.broadcast_flag;
        r.requested_ip = candidate_.address;
        if (!reboot) r.server_id = candidate_.server_id;
        return emit(r, buf, any, all);
      }
      case State::Renewing:
      case State::Rebinding: {
        // §4.4.5: half the time left to T2 (renewing) or expiry (rebinding), ≥ 60 s.
        bool renew = state_ == State::Renewing;
        Optional<Instant> deadline = state_deadline();
        Duration left = deadline ? *deadline - now : Duration();
        tx_at_ = now + max_of(left / 2, kMinRenewRetransmit);
        count_try();
        dhcpv4::Repr r = message(MessageType::Request);
        r.secs = secs;
        r.ciaddr = lease_->address;
        return emit(r, buf, lease_->address, renew ? lease_->server_id : all);
      }
      default:
        tx_at_.reset();
        return none;
    }
  }
  return none;
}

Optional<ArpRequest> Client::poll_arp(Instant now) {
  advance(now);
  if (state_ == State::Probing) {
    if (arp_sent_ >= kProbeNum || now < arp_at_) return none;
    ++arp_sent_;
    // RFC 5227 §2.1.1: PROBE_MIN..PROBE_MAX apart, then ANNOUNCE_WAIT after the last.
    arp_at_ = now + (arp_sent_ < kProbeNum ? kProbeMin + random_upto(rng_, kProbeMax - kProbeMin)
                                           : kAnnounceWait);
    return ArpRequest{ArpKind::Probe, candidate_.address};
  }
  if (!lease_ || announces_left_ == 0 || now < arp_at_) return none;
  --announces_left_;
  arp_at_ = now + kAnnounceInterval;  // RFC 5227 §2.3
  return ArpRequest{ArpKind::Announce, lease_->address};
}

Optional<Event> Client::poll_event() { return events_.pop(); }

Optional<Instant> Client::poll_at() const {
  if (!events_.empty() || oneshot_) return last_now_;
  Optional<Instant> at = tx_at_;
  auto take = [&at](Instant t) {
    if (!at || t < *at) at = t;
  };
  if (state_ == State::Probing || (lease_ && announces_left_)) take(arp_at_);
  if (Optional<Instant> d = state_deadline()) take(*d);
  return at;
}

void Client::on_arp_conflict(Instant now, const Ipv4Address& address) {
  advance(now);
  if (state_ == State::Probing && address == candidate_.address) {
    Lease l = candidate_;
    decline(now, l);
    return;
  }
  if (!lease_ || !(address == lease_->address)) return;
  if (defended_at_ && now - *defended_at_ < kDefendInterval) {
    Lease l = *lease_;  // RFC 5227 §2.4 (b): a second conflict: give the address up
    lose();
    decline(now, l);
    return;
  }
  defended_at_ = now;  // defend once with an announcement
  ++stats_.defended;
  if (announces_left_ == 0) announces_left_ = 1;
  arp_at_ = now;
}

void Client::take_ack(Instant now, const dhcpv4::Repr& r, const Ipv4Address& src) {
  if (!r.lease_time) {
    ++stats_.missing_option;
    return;
  }
  if (!r.yiaddr.is_unicast()) {
    ++stats_.bad_address;
    return;
  }
  ++stats_.acks;
  Ipv4Address server = state_ == State::Requesting ? candidate_.server_id
                       : state_ == State::Renewing ? lease_->server_id
                                                   : src;
  Lease l = lease_of(r, server, now);
  if (state_ == State::Renewing || state_ == State::Rebinding) {
    EventKind kind = state_ == State::Renewing ? EventKind::Renewed : EventKind::Rebound;
    if (l.address == lease_->address) {
      candidate_ = l;
      lease_ = l;
      state_ = State::Bound;
      tx_at_.reset();
      push(kind, l);
      return;
    }
    lose();  // the server moved us: drop the old address, probe the new one
  }
  candidate_ = l;
  start_probe_or_bind(now);
}

void Client::on_datagram(Instant now, Bytes payload, const Ipv4Address& src) {
  advance(now);
  wire::Result<dhcpv4::Packet> p = dhcpv4::Packet::check(payload);
  wire::Result<dhcpv4::Repr> parsed =
      p ? dhcpv4::Repr::parse(*p) : wire::Result<dhcpv4::Repr>(Err(p.error()));
  if (!parsed) {
    ++stats_.malformed;
    return;
  }
  const dhcpv4::Repr& r = *parsed;
  if (r.op != dhcpv4::Op::Reply) {
    ++stats_.not_reply;
    return;
  }
  bool offers = state_ == State::Selecting;
  bool acks = state_ == State::Requesting || state_ == State::Rebooting ||
              state_ == State::Renewing || state_ == State::Rebinding;
  if (!offers && !acks) {
    ++stats_.unexpected;
    return;
  }
  if (!(r.chaddr == config_.mac)) {
    ++stats_.wrong_chaddr;
    return;
  }
  if (r.xid != xid_) {
    ++stats_.wrong_xid;
    return;
  }
  MessageType t = r.message_type;
  bool type_ok = offers ? t == MessageType::Offer : (t == MessageType::Ack || t == MessageType::Nak);
  if (!type_ok) {
    ++stats_.wrong_type;
    return;
  }
  // The server we chose (Requesting) or whose lease we renew (Renewing) must answer.
  const Ipv4Address* chosen = state_ == State::Requesting ? &candidate_.server_id
                              : state_ == State::Renewing ? &lease_->server_id
                                                          : nullptr;
  if (chosen && r.server_id && !(*r.server_id == *chosen)) {
    ++stats_.wrong_server;
    return;
  }
  if (t == MessageType::Offer) {
    if (!r.server_id) {
      ++stats_.missing_option;
      return;
    }
    if (!r.yiaddr.is_unicast()) {
      ++stats_.bad_address;
      return;
    }
    ++stats_.offers;
    candidate_ = Lease{};
    candidate_.address = r.yiaddr;
    candidate_.server_id = *r.server_id;
    state_ = State::Requesting;  // same xid: the REQUEST answers this OFFER
    tries_ = 0;
    tx_at_ = now;
    return;
  }
  if (t == MessageType::Ack) {
    take_ack(now, r, src);
    return;
  }
  // NAK (RFC 2131 §3.1.4, §3.2): forget the address, restart INIT at once.
  ++stats_.naks;
  push(EventKind::Nak, lease_ ? *lease_ : candidate_);
  lose();
  hint_.reset();
  enter_init(now, Duration());
}

}  // namespace keel::dhcp
