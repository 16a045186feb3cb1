// time_wait.cpp — tcp::TimeWaitTable (see time_wait.hpp).
#include "core/socket/tcp/time_wait.hpp"

#include "core/base/bits.hpp"

namespace keel::tcp {

namespace flag = wire::tcp::flag;
using wire::tcp::Repr;

namespace {
bool seq_in(uint32_t lo, uint32_t s, uint32_t hi) { return seq_le(lo, s) && seq_lt(s, hi); }
bool same(const FourTuple& a, const FourTuple& b) {
  return a.local == b.local && a.remote == b.remote;
}
// kReopenIssGap — a reopened connection's ISN lies this far beyond the old SND.NXT
// (beyond any window of the old connection; Linux's tw_snd_nxt + 65535 + 2).
constexpr uint32_t kReopenIssGap = 65537;
}  // namespace

TimeWaitEntry time_wait_entry(const Socket& s, Instant now) {
  Diagnostics d = s.diagnostics();
  TimeWaitEntry e;
  e.tuple = FourTuple{s.local(), s.remote()};
  e.expires = s.time_wait_deadline().value_or(now + s.options().time_wait);
  e.snd_nxt = d.snd_nxt;
  e.rcv_nxt = d.rcv_nxt;
  e.rcv_wnd = d.rcv_wnd;
  e.rcv_wscale = d.rcv_wscale;
  e.timestamps = d.timestamps;
  e.ts_recent = s.ts_recent();
  e.ts_offset = s.ts_offset();
  int64_t ms = s.options().time_wait.as_millis();
  e.msl2_ms = ms < 0 ? 0 : ms > int64_t(UINT32_MAX) ? UINT32_MAX : uint32_t(ms);
  return e;
}

void TimeWaitTable::release(TimeWaitEntry& e) {
  e = TimeWaitEntry{};
  --stats_.in_use;
}

void TimeWaitTable::insert(const TimeWaitEntry& entry, Instant now) {
  expire(now);
  TimeWaitEntry* slot = nullptr;
  for (auto& e : entries_) {
    if (e.used && same(e.tuple, entry.tuple)) {
      release(e);  // an older incarnation of the same 4-tuple, given up early
      ++stats_.evicted;
      slot = &e;
      break;
    }
  }
  if (!slot) {
    for (auto& e : entries_)
      if (!e.used) {
        slot = &e;
        break;
      }
  }
  if (!slot) {
    if (entries_.empty()) {
      ++stats_.evicted;  // no table at all: the connection is forgotten at once
      ++stats_.entered;
      return;
    }
    for (auto& e : entries_)
      if (!slot || e.expires < slot->expires) slot = &e;
    release(*slot);
    ++stats_.evicted;
  }
  *slot = entry;
  slot->used = true;
  ++stats_.entered;
  ++stats_.in_use;
  stats_.high_water = max_of(stats_.high_water, stats_.in_use);
}

void TimeWaitTable::expire(Instant now) {
  for (auto& e : entries_) {
    if (!e.used || now < e.expires) continue;
    release(e);
    ++stats_.expired;
  }
}

bool TimeWaitTable::holds_local_port(uint16_t port) const {
  for (const auto& e : entries_)
    if (e.used && e.tuple.local.port == port) return true;
  return false;
}

TimeWaitEntry* TimeWaitTable::lookup(const FourTuple& t, Instant now) {
  for (auto& e : entries_) {
    if (!e.used || !same(e.tuple, t)) continue;
    if (now < e.expires) return &e;
    release(e);  // 2MSL is over: the 4-tuple is free
    ++stats_.expired;
    return nullptr;
  }
  return nullptr;
}

const TimeWaitEntry* TimeWaitTable::find(const FourTuple& t, Instant now) const {
  for (const auto& e : entries_)
    if (e.used && same(e.tuple, t) && now < e.expires) return &e;
  return nullptr;
}

Outgoing TimeWaitTable::ack(const TimeWaitEntry& e, Instant now) const {
  Outgoing o;
  o.src = e.tuple.local.addr;
  o.dst = e.tuple.remote.addr;
  Repr& r = o.repr;
  r.src_port = e.tuple.local.port;
  r.dst_port = e.tuple.remote.port;
  r.seq = e.snd_nxt;
  r.ack = e.rcv_nxt;
  r.flags = flag::kAck;
  r.window = uint16_t(min_of<uint32_t>(e.rcv_wnd >> e.rcv_wscale, 0xffff));
  if (e.timestamps) r.timestamps = wire::tcp::Timestamps{uint32_t(now.millis()) + e.ts_offset, e.ts_recent};
  return o;
}

bool TimeWaitTable::take_challenge(Instant now) {
  if (now - challenge_epoch_ >= Duration::seconds(1)) {
    challenge_epoch_ = now;
    challenges_ = 0;
  }
  if (challenges_ >= kChallengeLimit) return false;
  ++challenges_;
  return true;
}

TimeWaitResult TimeWaitTable::process(Instant now, const IpAddress& src, const IpAddress& dst,
                                      const Repr& seg, bool new_timestamps) {
  TimeWaitResult res;
  TimeWaitEntry* e = lookup(FourTuple{{dst, seg.dst_port}, {src, seg.src_port}}, now);
  if (!e) return res;
  res.verdict = TimeWaitVerdict::Consumed;
  bool syn = seg.flags & flag::kSyn, ack = seg.flags & flag::kAck, rst = seg.flags & flag::kRst;
  bool fin = seg.flags & flag::kFin;
  auto answer = [&] {
    ++stats_.acks;
    res.reply = this->ack(*e, now);
  };
  auto challenge = [&] {
    if (take_challenge(now)) {
      answer();
    } else {
      ++stats_.ignored;
    }
  };

  // A new incarnation (RFC 6191 §2).
  if (syn && !ack && !rst) {
    bool newer_seq = seq_lt(e->rcv_nxt, seg.seq);
    bool open;
    if (new_timestamps && seg.timestamps) {
      uint32_t tsval = seg.timestamps->tsval;
      open = !e->timestamps || seq_lt(e->ts_recent, tsval) || (tsval == e->ts_recent && newer_seq);
    } else {
      open = newer_seq;
    }
    if (open) {
      res.verdict = TimeWaitVerdict::Reopen;
      res.iss = e->snd_nxt + kReopenIssGap;
      ++stats_.reopened;
      release(*e);
      return res;
    }
    ++stats_.syns_refused;
    challenge();
    return res;
  }

  uint32_t seg_len = uint32_t(seg.payload.size()) + (syn ? 1 : 0) + (fin ? 1 : 0);
  uint32_t wnd = e->rcv_wnd;
  if (rst) {
    // RFC 5961 §3.2 (RFC 9293 §3.10.7.4 second): exact match ends TIME-WAIT.
    if (seg.seq == e->rcv_nxt) {
      ++stats_.resets;
      release(*e);
    } else if (wnd != 0 && seq_in(e->rcv_nxt, seg.seq, e->rcv_nxt + wnd)) {
      challenge();
    } else {
      ++stats_.ignored;
    }
    return res;
  }
  // PAWS (RFC 7323 §5.3) and the acceptability test (RFC 9293 §3.10.7.4 first).
  bool paws_fail = e->timestamps && seg.timestamps && seq_lt(seg.timestamps->tsval, e->ts_recent);
  bool acceptable;
  if (seg_len == 0)
    acceptable = wnd == 0 ? seg.seq == e->rcv_nxt : seq_in(e->rcv_nxt, seg.seq, e->rcv_nxt + wnd);
  else
    acceptable = wnd != 0 && (seq_in(e->rcv_nxt, seg.seq, e->rcv_nxt + wnd) ||
                              seq_in(e->rcv_nxt, seg.seq + seg_len - 1, e->rcv_nxt + wnd));
  if (paws_fail || !acceptable) {
    answer();
    if (fin && !paws_fail) {  // the peer's FIN again: our ACK was lost, wait 2MSL more
      ++stats_.fin_restarts;
      e->expires = now + Duration::millis(e->msl2_ms);
    }
    return res;
  }
  if (e->timestamps && seg.timestamps && seq_le(seg.seq, e->rcv_nxt))
    e->ts_recent = seg.timestamps->tsval;  // RFC 7323 §4.3
  if (syn) {  // SYN,ACK in a synchronized state: RFC 5961 §4
    challenge();
    return res;
  }
  if (!ack) {
    ++stats_.ignored;
    return res;
  }
  if (fin) {  // RFC 9293 §3.10.7.4 eighth: acknowledge it, restart 2MSL
    answer();
    ++stats_.fin_restarts;
    e->expires = now + Duration::millis(e->msl2_ms);
    return res;
  }
  if (!seg.payload.empty() || seq_lt(e->snd_nxt, seg.ack)) {
    answer();  // data after the FIN, or an ACK of what we never sent
    return res;
  }
  ++stats_.ignored;
  return res;
}

}  // namespace keel::tcp
