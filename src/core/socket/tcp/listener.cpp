// listener.cpp — tcp::Listener (see listener.hpp).
#include "core/socket/tcp/listener.hpp"

#include "core/base/bits.hpp"

namespace keel::tcp {

namespace flag = wire::tcp::flag;
using wire::tcp::Repr;

Result<void, ListenError> Listener::listen(const Endpoint& local, IsnSource& isns,
                                           SynCookieCodec* cookies) {
  if (is_listening()) return Err(ListenError::InvalidState);
  if (local.port == 0) return Err(ListenError::Unaddressable);
  local_ = local;
  isns_ = &isns;
  cookies_ = cookies;
  return {};
}

void Listener::close() {
  for (auto& p : slots_) p = Pending{};
  isns_ = nullptr;
  cookies_ = nullptr;
  last_cookie_ = none;
  reply_count_ = 0;
}

size_t Listener::pending_accepts() const {
  size_t n = 0;
  for (const auto& p : slots_) n += p.used && p.established;
  return n;
}

size_t Listener::half_open() const {
  size_t n = 0;
  for (const auto& p : slots_) n += p.used && !p.established;
  return n;
}

uint8_t Listener::rcv_wscale() const {
  uint8_t s = 0;
  while (s < wire::tcp::kMaxWindowScale && (opt_.rx_capacity >> s) > 0xffff) ++s;
  return s;
}

bool Listener::accepts(const IpAddress&, const IpAddress& dst, const Repr& seg) const {
  return is_listening() && seg.dst_port == local_.port &&
         (local_.addr.is_unspecified() || local_.addr == dst);
}

Pending* Listener::find(const FourTuple& t) {
  for (auto& p : slots_)
    if (p.used && p.h.tuple.local == t.local && p.h.tuple.remote == t.remote) return &p;
  return nullptr;
}

Pending* Listener::free_slot() {
  for (auto& p : slots_)
    if (!p.used) return &p;
  return nullptr;
}

Pending* Listener::stale_half_open() {
  Pending* victim = nullptr;
  for (auto& p : slots_) {
    if (!p.used || p.established || !p.answered || p.retries == 0) continue;
    if (!victim || p.retries > victim->retries ||
        (p.retries == victim->retries && p.rto_at < victim->rto_at))
      victim = &p;
  }
  return victim;
}

size_t Listener::committed() const {
  size_t n = 0;
  for (const auto& p : slots_) n += p.used && (p.established || (p.answered && p.retries == 0));
  return n;
}

Pending* Listener::oldest_waiting() {
  Pending* w = nullptr;
  for (auto& p : slots_)
    if (p.used && !p.established && !p.answered && (!w || seq_lt(p.order, w->order))) w = &p;
  return w;
}

bool Listener::cookies_outstanding(Instant now) const {
  return last_cookie_ && now - *last_cookie_ < kCookieLifetime;
}

void Listener::reply(const IpAddress& src, const IpAddress& dst, const Repr& r) {
  if (reply_count_ == kMaxReplies) return;  // a stateless answer may be lost
  replies_[reply_count_++] = Reply{src, dst, r};
}

// RFC 9293 §3.10.7.2 / §3.10.7.1: <SEQ=SEG.ACK><CTL=RST>, or <SEQ=0><ACK=SEG.SEQ+LEN>
// <CTL=RST,ACK> for a segment without ACK.
void Listener::reply_rst(const IpAddress& src, const IpAddress& dst, const Repr& seg) {
  if (seg.flags & flag::kRst) return;
  Repr r;
  r.src_port = seg.dst_port;
  r.dst_port = seg.src_port;
  if (seg.flags & flag::kAck) {
    r.seq = seg.ack;
    r.flags = flag::kRst;
  } else {
    uint32_t len = uint32_t(seg.payload.size()) + ((seg.flags & flag::kSyn) ? 1 : 0) +
                   ((seg.flags & flag::kFin) ? 1 : 0);
    r.ack = seg.seq + len;
    r.flags = flag::kRst | flag::kAck;
  }
  ++stats_.resets_sent;
  reply(dst, src, r);
}

bool Listener::process(Instant now, const IpAddress& src, const IpAddress& dst, const Repr& seg,
                       Optional<uint32_t> iss) {
  if (!is_listening()) return false;
  FourTuple t{{dst, seg.dst_port}, {src, seg.src_port}};
  Pending* p = find(t);
  bool syn = seg.flags & flag::kSyn, ack = seg.flags & flag::kAck, rst = seg.flags & flag::kRst;
  if (p) {
    if (rst) {
      if (seg.seq == p->h.irs + 1) *p = Pending{};  // RFC 5961 §3.2: exact match only
      return false;
    }
    if (syn && !ack) {
      if (p->established || seg.seq != p->h.irs) return false;
      if (p->answered)
        p->synack_due = true;  // the SYN again: our SYN,ACK was lost
      else
        p->rto_at = now + wait_limit();  // still waiting for room; the client is there
      return false;
    }
    if (!ack) return false;
    if (p->established) {
      if (!seg.payload.empty() || (seg.flags & flag::kFin)) ++stats_.dropped_before_accept;
      return false;
    }
    if (seg.ack != p->h.iss + 1 || syn) {
      reply_rst(src, dst, seg);
      return false;
    }
    if (!accept_queue_has_room()) {
      // As Linux does: drop the ACK and stay half-open; the SYN,ACK retransmission or
      // the client's next segment completes the handshake once there is room.
      ++stats_.accept_queue_full;
      return false;
    }
    p->established = true;
    p->order = order_++;
    p->h.peer_window = uint32_t(seg.window) << (p->h.peer_wscale ? *p->h.peer_wscale : 0);
    if (p->h.timestamps && seg.timestamps) p->h.ts_recent = seg.timestamps->tsval;
    return !seg.payload.empty() || (seg.flags & flag::kFin);  // the caller's to deliver
  }
  if (rst) return false;
  if (ack && !syn && cookies_ && cookies_outstanding(now)) {
    return process_cookie_ack(now, t, src, dst, seg);
  }
  if (ack) {
    reply_rst(src, dst, seg);  // RFC 9293 §3.10.7.2
    return false;
  }
  if (syn) process_syn(now, t, seg, iss);
  return false;
}

// process_cookie_ack — an ACK for no entry while cookies are outstanding (RFC 4987 §3.6).
bool Listener::process_cookie_ack(Instant now, const FourTuple& t, const IpAddress& src,
                                  const IpAddress& dst, const Repr& seg) {
  Optional<uint16_t> mss = cookies_->decode(t, seg.seq - 1, seg.ack - 1, now);
  bool data_or_fin = !seg.payload.empty() || (seg.flags & flag::kFin);
  if (!mss) {
    ++stats_.cookies_rejected;
    // A cookie connection whose completing ACK was dropped (no room) goes on with data
    // and its FIN; their sequence numbers no longer give the client's ISN, so the cookie
    // cannot be checked. Dropped without a RST: the client's retransmission from its
    // first byte checks, while a RST would kill a real connection.
    if (!data_or_fin) reply_rst(src, dst, seg);
    return false;
  }
  // Room first: a slot is taken from a stale half-open entry only for a connection the
  // accept queue can hold.
  if (!accept_queue_has_room()) {
    ++stats_.accept_queue_full;
    ++stats_.cookie_acks_dropped;
    return false;
  }
  Pending* slot = free_slot();
  if (!slot) {
    slot = stale_half_open();
    if (!slot) {
      ++stats_.cookie_acks_dropped;  // every half-open entry is fresh: the client retries
      return false;
    }
    ++stats_.half_open_evicted;
  }
  ++stats_.cookies_accepted;
  *slot = Pending{};
  slot->used = slot->established = true;
  slot->order = order_++;
  slot->h.tuple = t;
  slot->h.iss = seg.ack - 1;
  slot->h.irs = seg.seq - 1;
  slot->h.peer_mss = *mss;
  slot->h.peer_window = seg.window;
  slot->h.ts_offset = slot->h.iss;
  slot->h.rcv_adv = seg.seq + uint32_t(min_of<size_t>(opt_.rx_capacity, 0xffff));
  return data_or_fin;  // the caller's to deliver
}

// process_syn — a SYN for a connection the listener does not know: a SYN-queue entry,
// a cookie, or a drop (see the header).
void Listener::process_syn(Instant now, const FourTuple& t, const Repr& seg,
                           Optional<uint32_t> iss) {
  ++stats_.syns;
  if (!accept_queue_has_room()) {
    ++stats_.accept_queue_full;  // Linux: ListenOverflows, the SYN dropped
    ++stats_.syns_dropped;
    return;
  }
  Pending* slot = half_open() < syn_backlog_ ? free_slot() : nullptr;
  uint16_t peer_mss = seg.mss.value_or(536);
  if (!slot) {
    ++stats_.syn_queue_full;
    // A cookie only when its ACK could be taken in (the accept queue has room, checked
    // above): a free slot, or one a stale half-open entry would give up.
    if (!cookies_ || (!free_slot() && !stale_half_open())) {
      ++stats_.syns_dropped;
      return;
    }
    Repr r;
    r.src_port = seg.dst_port;
    r.dst_port = seg.src_port;
    r.seq = cookies_->encode(t, seg.seq, peer_mss, now);
    r.ack = seg.seq + 1;
    r.flags = flag::kSyn | flag::kAck;
    r.window = uint16_t(min_of<size_t>(opt_.rx_capacity, 0xffff));
    r.mss = opt_.mss;
    ++stats_.cookies_sent;
    last_cookie_ = now;
    reply(t.local.addr, t.remote.addr, r);
    return;
  }
  ++stats_.syns_queued;
  *slot = Pending{};
  slot->used = true;
  slot->order = order_++;
  slot->rto_at = now + wait_limit();  // dispatch() answers it once there is room
  Handshake& h = slot->h;
  h.tuple = t;
  h.iss = iss ? *iss : isns_->isn(t.local, t.remote, now);
  h.irs = seg.seq;
  h.peer_mss = peer_mss;
  if (opt_.window_scaling && seg.window_scale) {
    h.peer_wscale = *seg.window_scale;
    h.rcv_wscale = rcv_wscale();
  }
  h.sack = opt_.sack && seg.sack_permitted;
  h.timestamps = opt_.timestamps && seg.timestamps.has_value();
  if (h.timestamps) h.ts_recent = seg.timestamps->tsval;
  h.ts_offset = h.iss;
  h.rcv_adv = seg.seq + 1 + uint32_t(min_of<size_t>(opt_.rx_capacity, 0xffff));
}

Outgoing Listener::synack(Instant now, const Pending& p) const {
  Outgoing o;
  o.src = p.h.tuple.local.addr;
  o.dst = p.h.tuple.remote.addr;
  Repr& r = o.repr;
  r.src_port = p.h.tuple.local.port;
  r.dst_port = p.h.tuple.remote.port;
  r.seq = p.h.iss;
  r.ack = p.h.irs + 1;
  r.flags = flag::kSyn | flag::kAck;
  r.window = uint16_t(min_of<size_t>(opt_.rx_capacity, 0xffff));  // never scaled in a SYN
  r.mss = opt_.mss;
  if (p.h.peer_wscale) r.window_scale = p.h.rcv_wscale;
  r.sack_permitted = p.h.sack;
  if (p.h.timestamps)
    r.timestamps = wire::tcp::Timestamps{uint32_t(now.millis()) + p.h.ts_offset, p.h.ts_recent};
  return o;
}

Optional<Outgoing> Listener::dispatch(Instant now, MutBytes, size_t room) {
  if (reply_count_) {
    Outgoing o{replies_[0].src, replies_[0].dst, replies_[0].repr};
    for (size_t i = 1; i < reply_count_; ++i) replies_[i - 1] = replies_[i];
    --reply_count_;
    return o;
  }
  for (auto& p : slots_) {
    if (!p.used || p.established) continue;
    if (!p.answered) {
      if (p.rto_at <= now) {  // the client stopped asking
        ++stats_.deferred_expired;
        p = Pending{};
      }
      continue;
    }
    if (!p.synack_due && p.rto_at <= now) {
      if (p.retries >= opt_.synack_retries) {
        ++stats_.synack_timeouts;
        p = Pending{};
        continue;
      }
      ++p.retries;
      ++stats_.synack_retransmits;
      p.synack_due = true;
      p.rto_at = now + opt_.synack_rto * (int64_t(1) << p.retries);
    }
    if (p.synack_due) {
      p.synack_due = false;
      return synack(now, p);
    }
  }
  // Waiting entries, first come first served, while the owner has room for them.
  if (committed() < room) {
    if (Pending* w = oldest_waiting()) {
      w->answered = true;
      w->retries = 0;
      w->rto_at = now + opt_.synack_rto;
      return synack(now, *w);
    }
    return none;
  }
  for (auto& p : slots_) {
    if (!p.used || p.established || p.answered || p.deferred) continue;
    p.deferred = true;
    ++stats_.synacks_deferred;
  }
  return none;
}

Optional<Instant> Listener::poll_at(size_t room) const {
  if (reply_count_) return Instant::from_micros(0);
  bool room_left = committed() < room;
  Optional<Instant> t;
  for (const auto& p : slots_) {
    if (!p.used || p.established) continue;
    Instant c = p.answered ? (p.synack_due ? Instant::from_micros(0) : p.rto_at)
                           : (room_left ? Instant::from_micros(0) : p.rto_at);
    if (!t || c < *t) t = c;
  }
  return t;
}

Result<void, AcceptError> Listener::accept(Instant now, Socket& sock) {
  if (!is_listening()) return Err(AcceptError::NotListening);
  Pending* best = nullptr;
  for (auto& p : slots_)
    if (p.used && p.established && (!best || seq_lt(p.order, best->order))) best = &p;
  if (!best) return Err(AcceptError::Empty);
  sock.options().mss = opt_.mss;
  sock.accept_from(now, best->h);
  *best = Pending{};
  return {};
}

}  // namespace keel::tcp
