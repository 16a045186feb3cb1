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

Pending* Listener::evict_half_open() {
  Pending* victim = nullptr;
  for (auto& p : slots_)
    if (p.used && !p.established && (!victim || p.rto_at < victim->rto_at)) victim = &p;
  if (victim) {
    ++stats_.half_open_evicted;
    *victim = Pending{};
  }
  return victim;
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

void Listener::process(Instant now, const IpAddress& src, const IpAddress& dst, const Repr& seg) {
  if (!is_listening()) return;
  FourTuple t{{dst, seg.dst_port}, {src, seg.src_port}};
  Pending* p = find(t);
  bool syn = seg.flags & flag::kSyn, ack = seg.flags & flag::kAck, rst = seg.flags & flag::kRst;
  if (p) {
    if (rst) {
      if (seg.seq == p->h.irs + 1) *p = Pending{};  // RFC 5961 §3.2: exact match only
      return;
    }
    if (syn && !ack) {
      if (!p->established && seg.seq == p->h.irs) p->synack_due = true;  // SYN again
      return;
    }
    if (!ack) return;
    if (p->established) {
      if (!seg.payload.empty() || (seg.flags & flag::kFin)) ++stats_.dropped_before_accept;
      return;
    }
    if (seg.ack != p->h.iss + 1 || syn) {
      reply_rst(src, dst, seg);
      return;
    }
    if (pending_accepts() >= accept_backlog_) {
      ++stats_.accept_queue_full;  // stay half-open; the peer's retransmission retries
      return;
    }
    p->established = true;
    p->order = order_++;
    p->h.peer_window = uint32_t(seg.window) << (p->h.peer_wscale ? *p->h.peer_wscale : 0);
    if (p->h.timestamps && seg.timestamps) p->h.ts_recent = seg.timestamps->tsval;
    if (!seg.payload.empty() || (seg.flags & flag::kFin)) ++stats_.dropped_before_accept;
    return;
  }
  if (rst) return;
  if (ack) {
    // A cookie coming back (RFC 4987 §3.6), else RST (RFC 9293 §3.10.7.2).
    if (!syn && cookies_) {
      Optional<uint16_t> mss = cookies_->decode(t, seg.seq - 1, seg.ack - 1, now);
      // A valid cookie proves a real peer; when a flood holds every slot half-open,
      // the real connection takes the place of the oldest half-open one.
      Pending* slot = mss ? free_slot() : nullptr;
      if (mss && !slot) slot = evict_half_open();
      if (mss && slot && pending_accepts() < accept_backlog_) {
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
        if (!seg.payload.empty() || (seg.flags & flag::kFin)) ++stats_.dropped_before_accept;
        return;
      }
      if (mss) return;  // valid but no room: drop, the peer retransmits
      ++stats_.cookies_rejected;
      // A cookie connection whose completing ACK was dropped (no room) sends data next;
      // its sequence number no longer gives the client's ISN, so the cookie cannot be
      // checked. Drop it without a RST: the client's retransmission from its first byte
      // checks, while a RST would kill a real connection.
      if (!seg.payload.empty()) return;
    }
    reply_rst(src, dst, seg);
    return;
  }
  if (!syn) return;
  ++stats_.syns;
  Pending* slot = half_open() < syn_backlog_ ? free_slot() : nullptr;
  uint16_t peer_mss = seg.mss.value_or(536);
  if (!slot) {
    ++stats_.syn_queue_full;
    if (!cookies_) return;
    Repr r;
    r.src_port = seg.dst_port;
    r.dst_port = seg.src_port;
    r.seq = cookies_->encode(t, seg.seq, peer_mss, now);
    r.ack = seg.seq + 1;
    r.flags = flag::kSyn | flag::kAck;
    r.window = uint16_t(min_of<size_t>(opt_.rx_capacity, 0xffff));
    r.mss = opt_.mss;
    ++stats_.cookies_sent;
    reply(dst, src, r);
    return;
  }
  *slot = Pending{};
  slot->used = true;
  slot->synack_due = true;
  slot->rto_at = now + opt_.synack_rto;
  Handshake& h = slot->h;
  h.tuple = t;
  h.iss = isns_->isn(t.local, t.remote, now);
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

Optional<Outgoing> Listener::dispatch(Instant now, MutBytes) {
  if (reply_count_) {
    Outgoing o{replies_[0].src, replies_[0].dst, replies_[0].repr};
    for (size_t i = 1; i < reply_count_; ++i) replies_[i - 1] = replies_[i];
    --reply_count_;
    return o;
  }
  for (auto& p : slots_) {
    if (!p.used || p.established) continue;
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
  return none;
}

Optional<Instant> Listener::poll_at() const {
  if (reply_count_) return Instant::from_micros(0);
  Optional<Instant> t;
  for (const auto& p : slots_) {
    if (!p.used || p.established) continue;
    Instant c = p.synack_due ? Instant::from_micros(0) : p.rto_at;
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
