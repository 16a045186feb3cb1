// socket.cpp — tcp::Socket (see socket.hpp for the RFCs and invariants).
#include "core/socket/tcp/socket.hpp"

#include "core/base/bits.hpp"

namespace keel::tcp {

namespace flag = wire::tcp::flag;
using wire::tcp::Repr;

namespace {
constexpr uint32_t kTsOptionLen = 12;  // NOP NOP kind len TSval TSecr (RFC 7323 App. A)

bool seq_in(uint32_t lo, uint32_t s, uint32_t hi) { return seq_le(lo, s) && seq_lt(s, hi); }

Duration max_dur(Duration a, Duration b) { return a < b ? b : a; }
Duration min_dur(Duration a, Duration b) { return a < b ? a : b; }
}  // namespace

const char* state_name(State s) {
  static constexpr const char* kNames[] = {"CLOSED",     "SYN-SENT",   "SYN-RECEIVED",
                                           "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
                                           "CLOSE-WAIT", "CLOSING",    "LAST-ACK",
                                           "TIME-WAIT"};
  return kNames[static_cast<uint8_t>(s)];
}

Socket::Socket(MutBytes rx_storage, MutBytes tx_storage) : rx_(rx_storage), tx_(tx_storage) {}

// cc — the connection's congestion control, chosen from Options::congestion when the
// connection starts (init_common) and kept for its life.
CongestionControl& Socket::cc() {
  if (algorithm_ == CongestionAlgorithm::Cubic) return cubic_;
  return newreno_;
}
const CongestionControl& Socket::cc() const { return const_cast<Socket*>(this)->cc(); }

void Socket::set_state(State s) {
  state_ = s;
  want_tx_ = true;
}

void Socket::reset_connection() {
  rx_.clear();
  tx_.clear();
  ooo_.clear();
  fin_queued_ = false;
  error_ = Error::None;
  ts_on_ = sack_on_ = wscale_on_ = false;
  snd_wscale_ = rcv_wscale_ = 0;
  have_rtt_ = rtt_timing_ = false;
  retries_ = dupacks_ = persist_backoff_ = ka_sent_ = unacked_segs_ = challenge_count_ = 0;
  probes_unanswered_ = 0;
  rto_ts_guard_ = false;
  inflation_ = 0;
  rexmit_one_ = probe_due_ = ka_due_ = ack_now_ = rst_pending_ = false;
  tlp_due_ = tlp_outstanding_ = false;
  undo_armed_ = false;
  dup_thresh_ = SackScoreboard::kDupThresh;
  sack_first_ = none;
  acks_owed_ = 0;
  rto_at_ = ack_at_ = persist_at_ = time_wait_at_ = tlp_at_ = none;
  snd_wnd_ = max_snd_wnd_ = 0;
  ts_recent_ = 0;
  stats_ = Diagnostics{};
  peer_fin_ = none;
  rcv_closed_ = false;
  fin_wait2_at_ = none;
}

void Socket::init_common(Instant now) {
  algorithm_ = opt_.congestion;
  rto_ = opt_.initial_rto;
  srtt_ = rttvar_ = Duration{};
  last_rx_ = last_tx_ = last_progress_ = now;
  challenge_epoch_ = now;
  recover_ = iss_;
  tx_base_ = iss_ + 1;
}

void Socket::enter_closed(Error e) {
  if (error_ == Error::None) error_ = e;
  state_ = State::Closed;
  rto_at_ = ack_at_ = persist_at_ = time_wait_at_ = tlp_at_ = fin_wait2_at_ = none;
  ack_now_ = rexmit_one_ = probe_due_ = ka_due_ = tlp_due_ = false;
  acks_owed_ = 0;
  want_tx_ = rst_pending_;
}

Result<void, ConnectError> Socket::connect(Instant now, const Endpoint& local,
                                           const Endpoint& remote, uint32_t isn) {
  if (state_ != State::Closed) return Err(ConnectError::InvalidState);
  if (remote.port == 0 || local.port == 0 || remote.addr.is_unspecified() ||
      local.addr.is_unspecified() || local.addr.family() != remote.addr.family())
    return Err(ConnectError::Unaddressable);
  reset_connection();
  local_ = local;
  remote_ = remote;
  iss_ = snd_una_ = snd_nxt_ = snd_max_ = isn;
  ts_offset_ = isn;
  smss_ = 536;  // RFC 9293 §3.7.1 default until the peer's MSS arrives
  // The smallest shift that lets the whole rx buffer be announced (RFC 7323 §2.3).
  if (opt_.window_scaling)
    while (rcv_wscale_ < wire::tcp::kMaxWindowScale && (rx_.capacity() >> rcv_wscale_) > 0xffff)
      ++rcv_wscale_;
  init_common(now);
  cc().reset(smss_, now);
  set_state(State::SynSent);
  return {};
}

void Socket::accept_from(Instant now, const Handshake& h) {
  reset_connection();
  local_ = h.tuple.local;
  remote_ = h.tuple.remote;
  iss_ = h.iss;
  snd_una_ = snd_nxt_ = snd_max_ = h.iss + 1;
  irs_ = h.irs;
  rcv_nxt_ = last_ack_sent_ = h.irs + 1;
  rcv_adv_ = h.rcv_adv;
  wscale_on_ = h.peer_wscale.has_value();
  snd_wscale_ = wscale_on_ ? *h.peer_wscale : 0;
  rcv_wscale_ = wscale_on_ ? h.rcv_wscale : 0;
  sack_on_ = h.sack;
  ts_on_ = h.timestamps;
  ts_recent_ = h.ts_recent;
  ts_offset_ = h.ts_offset;
  smss_ = uint16_t(max_of<uint32_t>(64, min_of<uint32_t>(h.peer_mss, opt_.mss) -
                                            (ts_on_ ? kTsOptionLen : 0)));
  snd_wnd_ = max_snd_wnd_ = h.peer_window;
  snd_wl1_ = h.irs + 1;
  snd_wl2_ = h.iss + 1;
  init_common(now);
  tx_base_ = iss_ + 1;
  cc().reset(smss_, now);
  sb_.reset(snd_una_, smss_);
  set_state(State::Established);
}

bool Socket::may_send() const {
  return (state_ == State::Established || state_ == State::CloseWait ||
          state_ == State::SynSent || state_ == State::SynReceived) &&
         !fin_queued_;
}

bool Socket::may_recv() const {
  if (!rx_.empty()) return true;
  return state_ == State::Established || state_ == State::FinWait1 ||
         state_ == State::FinWait2 || state_ == State::SynSent || state_ == State::SynReceived;
}

Result<size_t, SendError> Socket::send(Bytes data) {
  if (fin_queued_) return Err(SendError::WriteClosed);
  if (!may_send()) return Err(SendError::InvalidState);
  size_t n = tx_.write(data);
  if (n) want_tx_ = true;
  return n;
}

MutBytes Socket::send_window() const { return may_send() ? tx_.write_window() : MutBytes(); }

Result<size_t, SendError> Socket::commit_send(size_t n) {
  if (fin_queued_) return Err(SendError::WriteClosed);
  if (!may_send()) return Err(SendError::InvalidState);
  n = tx_.commit_write(n);
  if (n) want_tx_ = true;
  return n;
}

Result<size_t, RecvError> Socket::recv(MutBytes buf) {
  if (!rx_.empty()) {
    size_t n = rx_.read(buf);
    check_window_update();
    return n;
  }
  switch (state_) {
    case State::CloseWait:
    case State::LastAck:
    case State::Closing:
    case State::TimeWait:
      return Err(RecvError::Finished);
    case State::Closed:
      return Err(error_ == Error::None && stats_.segs_in != 0 ? RecvError::Finished
                                                              : RecvError::InvalidState);
    default:
      return size_t(0);
  }
}

size_t Socket::consume(size_t n) {
  n = rx_.consume(n);
  check_window_update();
  return n;
}

// RFC 9293 §3.8.6.2.2: announce more window only when it grows by min(buffer/2, MSS);
// send the update at once when the growth is at least two segments or half the buffer.
void Socket::check_window_update() {
  if (state_ == State::Closed || state_ == State::SynSent) return;
  uint32_t edge = rcv_nxt_ + uint32_t(rx_.free_space());
  uint32_t grow = seq_lt(rcv_adv_, edge) ? edge - rcv_adv_ : 0;
  uint32_t buf_half = uint32_t(rx_.capacity() / 2);
  if (grow >= min_of<uint32_t>(2u * opt_.mss, buf_half) && grow >= (1u << rcv_wscale_)) {
    ack_now_ = true;
    want_tx_ = true;
  }
}

void Socket::close() {
  if (state_ == State::Closed) return;
  rcv_closed_ = true;
  want_tx_ = true;  // run_timers arms the FIN-WAIT-2 timer
  bool zero_linger = opt_.linger && *opt_.linger <= Duration{};
  if (zero_linger || !rx_.empty()) {
    bool rst = state_ == State::SynReceived || state_ == State::Established ||
               state_ == State::FinWait1 || state_ == State::FinWait2 ||
               state_ == State::CloseWait;
    if (rst) ++stats_.aborts_on_close;
    if (rst || zero_linger) {
      abort();
      return;
    }
    // CLOSING, LAST-ACK, TIME-WAIT: both FINs are out; unread data is dropped with the
    // socket, the close finishes as it would.
  }
  shutdown_write();
}

void Socket::shutdown_write() {
  switch (state_) {
    case State::SynSent:
      enter_closed(Error::None);
      break;
    case State::SynReceived:
      fin_queued_ = true;  // FIN-WAIT-1 once the handshake completes (process_ack)
      break;
    case State::Established:
      fin_queued_ = true;
      set_state(State::FinWait1);
      break;
    case State::CloseWait:
      fin_queued_ = true;
      set_state(State::LastAck);
      break;
    default:
      break;  // already closing or closed
  }
}

void Socket::abort() {
  switch (state_) {
    case State::SynReceived:
    case State::Established:
    case State::FinWait1:
    case State::FinWait2:
    case State::CloseWait:
      queue_rst(snd_nxt_, 0, false);  // RFC 9293 §3.10.5
      break;
    default:
      break;
  }
  enter_closed(Error::Aborted);
}

void Socket::queue_rst(uint32_t seq, uint32_t ack, bool with_ack) {
  rst_pending_ = true;
  rst_seq_ = seq;
  rst_ack_ = ack;
  rst_with_ack_ = with_ack;
  want_tx_ = true;
}

bool Socket::fin_acked() const { return fin_queued_ && seq_lt(fin_seq(), snd_una_); }

uint32_t Socket::rcv_wnd() const { return seq_lt(rcv_nxt_, rcv_adv_) ? rcv_adv_ - rcv_nxt_ : 0; }

// window_field — the window to announce now, moving rcv_adv_ right only by useful steps
// (receiver SWS avoidance) and never left (no shrinking, RFC 9293 §3.8.6).
uint16_t Socket::window_field(bool syn) {
  uint32_t free = uint32_t(rx_.free_space());
  uint32_t edge = rcv_nxt_ + free;
  uint8_t shift = syn ? 0 : rcv_wscale_;  // the window of a SYN is never scaled
  uint32_t step = min_of<uint32_t>(uint32_t(rx_.capacity() / 2), opt_.mss);
  if (syn || seq_le(rcv_adv_ + step, edge) || seq_lt(rcv_adv_, rcv_nxt_)) rcv_adv_ = edge;
  uint32_t wnd = rcv_wnd();
  uint32_t field = min_of<uint32_t>(wnd >> shift, 0xffff);
  // Round up rather than shrink the edge already announced, when the space is there.
  if (field < 0xffff && (field << shift) < wnd && ((field + 1) << shift) <= free) ++field;
  rcv_adv_ = rcv_nxt_ + (field << shift);  // what the peer will actually see
  return uint16_t(field);
}

bool Socket::accepts(const IpAddress& src, const IpAddress& dst, const Repr& seg) const {
  if (state_ == State::Closed) return false;
  return seg.dst_port == local_.port && seg.src_port == remote_.port && dst == local_.addr &&
         src == remote_.addr;
}

void Socket::take_peer_options(const Repr& seg) {
  uint16_t peer_mss = seg.mss.value_or(536);
  wscale_on_ = opt_.window_scaling && seg.window_scale.has_value();
  snd_wscale_ = wscale_on_ ? *seg.window_scale : 0;
  if (!wscale_on_) rcv_wscale_ = 0;
  sack_on_ = opt_.sack && seg.sack_permitted;
  ts_on_ = opt_.timestamps && seg.timestamps.has_value();
  if (ts_on_) ts_recent_ = seg.timestamps->tsval;
  smss_ = uint16_t(max_of<uint32_t>(64, min_of<uint32_t>(peer_mss, opt_.mss) -
                                            (ts_on_ ? kTsOptionLen : 0)));
}

void Socket::process(Instant now, const IpAddress&, const IpAddress&, const Repr& seg) {
  if (state_ == State::Closed) return;
  ++stats_.segs_in;
  want_tx_ = true;
  if (state_ == State::SynSent)
    process_syn_sent(now, seg);
  else
    process_synchronized(now, seg);
}

// RFC 9293 §3.10.7.3 with RFC 5961 §3.2 for the RST.
void Socket::process_syn_sent(Instant now, const Repr& seg) {
  bool has_ack = seg.flags & flag::kAck;
  if (has_ack && (seq_le(seg.ack, iss_) || seq_lt(snd_max_, seg.ack))) {
    if (!(seg.flags & flag::kRst)) queue_rst(seg.ack, 0, false);
    return;
  }
  if (seg.flags & flag::kRst) {
    if (has_ack) enter_closed(Error::Refused);
    return;
  }
  if (!(seg.flags & flag::kSyn)) return;
  irs_ = seg.seq;
  rcv_nxt_ = seg.seq + 1;
  take_peer_options(seg);
  cc().reset(smss_, now);
  last_rx_ = now;
  if (has_ack) {
    snd_una_ = seg.ack;
    snd_wnd_ = max_snd_wnd_ = seg.window;  // the SYN-ACK's own window is never scaled
    snd_wl1_ = seg.seq;
    snd_wl2_ = seg.ack;
    // No sample from a handshake that needed retransmissions (Karn): a SYN,ACK the
    // peer retransmitted echoes the timestamp of an older SYN, and one sample of
    // seconds would keep the RTO there for the whole connection.
    if (retries_ == 0) {
      if (ts_on_ && seg.timestamps->tsecr != 0)
        rtt_sample(Duration::millis(int64_t(tsval(now) - seg.timestamps->tsecr)));
      else
        rtt_sample(now - last_tx_);
    } else {
      // RFC 6298 (5.7): the SYN timed out, so data starts with an RTO of 3 s, not with
      // the backed-off value (nor the 1 s initial one).
      rto_ = clamp_to(Duration::seconds(3), opt_.min_rto, opt_.max_rto);
    }
    retries_ = 0;
    rto_at_ = none;
    last_progress_ = now;
    sb_.reset(snd_una_, smss_);
    set_state(State::Established);
    ack_now_ = true;
    Repr rest = seg;  // data on the SYN-ACK (RFC 9293 §3.10.7.3 "sixth step")
    rest.seq = seg.seq + 1;
    rest.flags &= uint8_t(~flag::kSyn);
    process_text(now, rest);
  } else {
    // Simultaneous open (RFC 9293 §3.5 fig. 8): answer with SYN,ACK from the same ISN.
    snd_wnd_ = max_snd_wnd_ = seg.window;
    snd_wl1_ = seg.seq;
    snd_nxt_ = iss_;
    rto_at_ = none;
    set_state(State::SynReceived);
  }
}

// owe_ack — one immediate ACK for this segment, even if several arrive before the next
// dispatch: each out-of-order segment must produce its own duplicate ACK.
void Socket::owe_ack() {
  ack_now_ = true;
  if (acks_owed_ < kMaxAcksOwed) ++acks_owed_;
}

void Socket::challenge_ack(Instant now) {
  if (now - challenge_epoch_ >= Duration::seconds(1)) {
    challenge_epoch_ = now;
    challenge_count_ = 0;
  }
  if (challenge_count_ >= opt_.challenge_ack_limit) return;
  ++challenge_count_;
  ++stats_.challenge_acks;
  ack_now_ = true;
}

void Socket::process_synchronized(Instant now, const Repr& seg) {
  uint32_t payload_len = uint32_t(seg.payload.size());
  uint32_t seg_len = payload_len + ((seg.flags & flag::kSyn) ? 1 : 0) +
                     ((seg.flags & flag::kFin) ? 1 : 0);
  bool rst = seg.flags & flag::kRst;

  // PAWS (RFC 7323 §5.3): an old timestamp marks an old duplicate.
  if (ts_on_ && seg.timestamps && !rst && seq_lt(seg.timestamps->tsval, ts_recent_)) {
    ++stats_.dropped_unacceptable;
    ack_now_ = true;
    return;
  }

  // First: the acceptability test (RFC 9293 §3.10.7.4, the four cases).
  uint32_t wnd = rcv_wnd();
  bool ok;
  if (seg_len == 0)
    ok = wnd == 0 ? seg.seq == rcv_nxt_ : seq_in(rcv_nxt_, seg.seq, rcv_nxt_ + wnd);
  else
    ok = wnd != 0 && (seq_in(rcv_nxt_, seg.seq, rcv_nxt_ + wnd) ||
                      seq_in(rcv_nxt_, seg.seq + seg_len - 1, rcv_nxt_ + wnd));
  // A zero window still takes ACKs, RSTs and the FIN at rcv_nxt (§3.10.7.4 note).
  if (!ok && wnd == 0 && seg.seq == rcv_nxt_) ok = true;
  if (!ok) {
    ++stats_.dropped_unacceptable;
    if (!rst) ack_now_ = true;
    if (state_ == State::TimeWait && (seg.flags & flag::kFin)) time_wait_at_ = now + opt_.time_wait;
    return;
  }
  last_rx_ = now;
  ka_sent_ = 0;
  probes_unanswered_ = 0;

  // Second: RST (RFC 5961 §3.2): exact match resets, in-window gets a challenge ACK.
  if (rst) {
    if (seg.seq != rcv_nxt_) {
      challenge_ack(now);
      return;
    }
    switch (state_) {
      case State::SynReceived:
        enter_closed(Error::Refused);
        break;
      case State::Closing:
      case State::LastAck:
      case State::TimeWait:
        enter_closed(Error::None);
        break;
      default:
        enter_closed(Error::Reset);
    }
    return;
  }

  // Timestamps: remember the peer's clock (RFC 7323 §4.3 step 2: SEG.TSval >= TS.Recent
  // and SEG.SEQ <= Last.ACK.sent). A retransmission of data we already have counts too:
  // echoing the older original's time instead inflates the peer's RTT by its whole RTO,
  // and under heavy loss the RTO then never comes down.
  if (ts_on_ && seg.timestamps && seq_le(seg.seq, last_ack_sent_) &&
      !seq_lt(seg.timestamps->tsval, ts_recent_))
    ts_recent_ = seg.timestamps->tsval;

  // Fourth: SYN in a synchronized state (RFC 5961 §4): challenge ACK; a retransmitted
  // SYN during simultaneous open gets the SYN,ACK again.
  if (seg.flags & flag::kSyn) {
    if (state_ == State::SynReceived && seg.seq == irs_ && !(seg.flags & flag::kAck)) {
      snd_nxt_ = iss_;
      return;
    }
    challenge_ack(now);
    return;
  }
  // Fifth: ACK.
  if (!(seg.flags & flag::kAck)) return;
  if (!process_ack(now, seg, seg_len)) return;
  if (state_ == State::Closed) return;

  process_text(now, seg);
}

// process_ack — RFC 9293 §3.10.7.4 fifth step with RFC 5961 §5 ACK validation; false
// when the segment must be dropped.
bool Socket::process_ack(Instant now, const Repr& seg, uint32_t seg_len) {
  uint32_t ack = seg.ack;
  if (state_ == State::SynReceived) {
    if (!(seq_lt(snd_una_, ack) && seq_le(ack, snd_max_))) {
      queue_rst(ack, 0, false);
      return false;
    }
    set_state(fin_queued_ ? State::FinWait1 : State::Established);
    sb_.reset(iss_ + 1, smss_);
    snd_wnd_ = max_snd_wnd_ = uint32_t(seg.window) << snd_wscale_;
    snd_wl1_ = seg.seq;
    snd_wl2_ = ack;
  }
  // Not yet sent: ACK and drop. Too old (RFC 5961 §5.2): ACK and drop.
  if (seq_lt(snd_max_, ack) || seq_lt(ack, snd_una_ - max_snd_wnd_ - 1)) {
    challenge_ack(now);
    return false;
  }
  uint32_t wnd = uint32_t(seg.window) << snd_wscale_;
  bool new_ack = seq_lt(snd_una_, ack);
  // The scoreboard sees every acceptable ACK: its cumulative ack and SACK blocks.
  uint32_t sacked_before = sb_.highest_sacked();
  uint32_t newly_sacked = sack_on_ ? sb_.update(ack, seg.sack, seg.sack_count).newly_sacked : 0;

  if (new_ack) {
    uint32_t acked = ack - snd_una_;
    uint32_t flight = flight_size();
    // RTT: timestamps echo (RFC 7323 §4.1), else the timed segment (Karn, RFC 6298 §3).
    // After a timeout, an echo older than the timeout's retransmission is skipped: the
    // peer drops a duplicate of data it already has without taking its TSval (RFC 7323
    // §5.3 R2 before R3) and echoes its original's, so the "sample" would span the whole
    // backoff and ratchet the RTO up to max_rto under heavy loss (Karn's rule in spirit).
    if (ts_on_ && seg.timestamps && seg.timestamps->tsecr != 0) {
      if (!rto_ts_guard_ || !seq_lt(seg.timestamps->tsecr, rto_tsval_)) {
        rto_ts_guard_ = false;
        rtt_sample(Duration::millis(int64_t(tsval(now) - seg.timestamps->tsecr)));
      }
    } else if (rtt_timing_ && seq_lt(rtt_seq_, ack)) {
      rtt_timing_ = false;
      rtt_sample(now - rtt_sent_);
    }
    // Release acknowledged data from the tx ring.
    if (seq_lt(tx_base_, ack)) {
      uint32_t n = min_of<uint32_t>(ack - tx_base_, uint32_t(tx_.size()));
      tx_.consume(n);
      tx_base_ += n;
    }
    snd_una_ = ack;
    if (seq_lt(snd_nxt_, snd_una_)) snd_nxt_ = snd_una_;
    stats_.bytes_acked += acked;
    retries_ = 0;
    last_progress_ = now;
    persist_backoff_ = 0;
    // New data acknowledged: the backoff ends (RFC 6298 (5.7) and Linux). Without an RTT
    // sample yet (the SYN or every segment so far was retransmitted: Karn), the initial
    // RTO — else a lossy start keeps the connection at max_rto for good.
    if (have_rtt_) {
      Duration v = max_dur(Duration::millis(1), rttvar_ * 4);
      rto_ = clamp_to(srtt_ + v, opt_.min_rto, opt_.max_rto);
    } else {
      rto_ = clamp_to(opt_.initial_rto, opt_.min_rto, opt_.max_rto);
    }
    dupacks_ = 0;
    if (cc().state().in_recovery) undo_if_spurious(seg, sacked_before);
    if (cc().state().in_recovery) {
      if (seq_le(recover_, ack)) {
        cc().on_exit_recovery(now);  // RFC 6582 §3.2 step 3, RFC 6675 §5 step A
        inflation_ = 0;
        sack_first_ = none;
      } else if (!sack_on_) {
        // NewReno partial ACK (RFC 6582 §3.2 step 5): retransmit the next hole and
        // deflate by what was acked. With SACK, pipe and NextSeg decide instead.
        inflation_ -= int32_t(acked);
        if (acked >= smss_) inflation_ += smss_;
        rexmit_one_ = true;
      }
    } else {
      cc().on_ack(acked, flight, now, srtt_);
    }
    rto_at_ = snd_una_ == snd_max_ ? Optional<Instant>() : Optional<Instant>(now + rto_);
    tlp_outstanding_ = false;
    arm_tlp(now);
  } else if (ack == snd_una_ && snd_una_ != snd_max_ &&
             ((seg_len == 0 && wnd == snd_wnd_ && !(seg.flags & flag::kFin)) ||
              newly_sacked > 0)) {
    // A duplicate ACK: RFC 5681 §2, or with SACK any ACK that SACKs new data
    // (RFC 6675 §2 — the peer's window may change as its out-of-order queue grows).
    ++stats_.dup_acks;
    if (cc().state().in_recovery) {
      if (!sack_on_) inflation_ += smss_;  // RFC 5681 §3.2 step 4
    } else if (dupacks_ < 0xff) {
      ++dupacks_;
    }
  }

  // Entering loss recovery: the third duplicate ACK (RFC 5681 §3.2), or with SACK also
  // when the scoreboard shows the first octet lost (RFC 6675 §5 step 2), or early
  // retransmit (RFC 5827 §3.2, SACK form): fewer than four segments out and nothing
  // new may be sent, so oseg - 1 SACKed segments mark the first one lost.
  uint32_t oseg = (flight_size() + smss_ - 1) / smss_;
  uint32_t sacked_segs = sack_on_ ? (sb_.sacked_bytes() + smss_ - 1) / smss_ : 0;
  bool early = sack_on_ && oseg >= 2 && oseg < 4 && sacked_segs >= oseg - 1 &&
               new_data_room() == 0;
  if (!cc().state().in_recovery && snd_una_ != snd_max_ &&
      (dupacks_ >= dup_thresh_ || (sack_on_ && sb_.first_lost()) || early)) {
    // Once per window of data: RFC 6582 §3.2 step 2 / RFC 6675 §5 (RecoveryPoint).
    if (sack_on_ ? sb_.may_enter_recovery() : (seq_lt(recover_, ack) || recover_ == iss_)) {
      enter_recovery(now);
    }
  }
  if (sack_on_ && cc().state().in_recovery) {
    if (new_ack || newly_sacked) arm_tlp(now);  // the probe guards silence, not slowness
    sb_.set_pipe();
    // The retransmission of the first hole was lost as well: data sent after it has
    // been SACKed. Send it again now rather than waiting for the timer.
    if (!sack_first_ && sb_.una_retransmission_lost()) {
      uint32_t len = min_of<uint32_t>(smss_, sb_.unsacked_run(snd_una_));
      sack_first_ = SackScoreboard::Segment{SackScoreboard::Segment::Kind::Retransmit, snd_una_,
                                            snd_una_ + len};
      ++stats_.lost_retransmissions;
    }
  }

  // Window update (RFC 9293 §3.10.7.4: SND.WL1/SND.WL2 rule).
  if (seq_le(snd_una_, ack) &&
      (seq_lt(snd_wl1_, seg.seq) || (snd_wl1_ == seg.seq && seq_le(snd_wl2_, ack)))) {
    snd_wnd_ = wnd;
    max_snd_wnd_ = max_of(max_snd_wnd_, wnd);
    snd_wl1_ = seg.seq;
    snd_wl2_ = ack;
    if (wnd != 0) {
      persist_at_ = none;
      persist_backoff_ = 0;
    }
  }

  // FIN acknowledged: state changes (RFC 9293 §3.10.7.4).
  if (fin_acked()) {
    switch (state_) {
      case State::FinWait1:
        set_state(State::FinWait2);
        break;
      case State::Closing:
        set_state(State::TimeWait);
        time_wait_at_ = now + opt_.time_wait;
        break;
      case State::LastAck:
        enter_closed(Error::None);
        return false;
      default:
        break;
    }
  }
  if (state_ == State::TimeWait && (seg.flags & flag::kFin)) {
    ack_now_ = true;  // the peer retransmitted its FIN: ACK it, restart 2MSL
    time_wait_at_ = now + opt_.time_wait;
  }
  return true;
}

// enter_recovery — fast retransmit (RFC 5681 §3.2 steps 2-3): the congestion control
// halves (or CUBIC-reduces) its window; with SACK, RFC 6675 §5 steps 1-4 pick the first
// segment to resend and pipe replaces window inflation from here on.
void Socket::enter_recovery(Instant now) {
  newreno_undo_ = newreno_;
  cubic_undo_ = cubic_;
  undo_armed_ = ts_on_;
  undo_tsval_set_ = false;
  undo_seq_ = snd_una_;
  recover_ = snd_max_;
  cc().on_enter_recovery(flight_size(), now);
  inflation_ = 0;
  tlp_due_ = false;
  ++stats_.fast_recoveries;
  if (sack_on_) {
    ++stats_.sack_recoveries;
    snd_nxt_ = snd_max_;  // a go-back-N resend after a timeout gives way to NextSeg
    auto first = sb_.enter_recovery();
    if (first.kind != SackScoreboard::Segment::Kind::None) sack_first_ = first;
  } else {
    rexmit_one_ = true;
  }
  rto_at_ = now + rto_;
  want_tx_ = true;
}

// undo_if_spurious — Eifel detection (RFC 3522 §3.2): the first ACK covering the
// recovery's first retransmission echoes a TSval older than that retransmission's, so
// the original arrived (it was only reordered). Then the recovery is undone (RFC 4015
// §3.2: the congestion control as it was before), and DupThresh grows to the segments
// SACKed above it before it came (Linux does the same with tp->reordering).
bool Socket::undo_if_spurious(const Repr& seg, uint32_t sacked_before) {
  if (!undo_armed_ || !seq_lt(undo_seq_, seg.ack)) return false;
  undo_armed_ = false;
  if (!undo_tsval_set_ || !seg.timestamps || seg.timestamps->tsecr == 0 ||
      !seq_lt(seg.timestamps->tsecr, undo_tsval_))
    return false;
  newreno_ = newreno_undo_;
  cubic_ = cubic_undo_;
  sb_.end_recovery();
  sack_first_ = none;
  inflation_ = 0;
  rexmit_one_ = false;
  ++stats_.spurious_recoveries;
  // Segments that overtook it: from its end to the highest SACKed byte.
  uint32_t end = undo_seq_ + smss_;
  uint32_t overtaken = seq_lt(end, sacked_before) ? (sacked_before - end) / smss_ : 0;
  if (overtaken + 1 > dup_thresh_) {
    sb_.set_dup_thresh(overtaken + 1);
    dup_thresh_ = sb_.dup_thresh();
  }
  return true;
}

void Socket::rtt_sample(Duration r) {
  if (r < Duration{}) return;
  if (!have_rtt_) {  // RFC 6298 (2.2)
    srtt_ = r;
    rttvar_ = r / 2;
    have_rtt_ = true;
  } else {  // RFC 6298 (2.3), alpha 1/8, beta 1/4
    Duration d = srtt_ < r ? r - srtt_ : srtt_ - r;
    rttvar_ = (rttvar_ * 3 + d) / 4;
    srtt_ = (srtt_ * 7 + r) / 8;
  }
  Duration v = max_dur(Duration::millis(1), rttvar_ * 4);
  rto_ = clamp_to(srtt_ + v, opt_.min_rto, opt_.max_rto);
}

// process_text — the sixth to eighth steps: data into the rx ring (out of order through
// the assembler), then the FIN — at once when it is next in sequence, else remembered
// (peer_fin_) and taken when the data before it has arrived.
void Socket::process_text(Instant now, const Repr& seg) {
  bool may_take = state_ == State::Established || state_ == State::FinWait1 ||
                  state_ == State::FinWait2 || state_ == State::SynReceived;
  Bytes data = seg.payload;
  uint32_t seq = seg.seq;
  bool fin = seg.flags & flag::kFin;
  if (!may_take) {
    // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer's FIN was taken already.
    if (fin || !data.empty()) ack_now_ = true;
    return;
  }
  if (seq_lt(seq, rcv_nxt_)) {  // trim what we already have
    uint32_t skip = rcv_nxt_ - seq;
    if (skip > data.size()) {  // all old, FIN included
      ack_now_ = true;
      return;
    }
    data = data.from(skip);
    seq = rcv_nxt_;
  }
  if (rcv_closed_ && !data.empty()) {
    // New data after close(): nobody will read it, and the peer must not believe it
    // delivered (RFC 1122 §4.2.2.13, RFC 2525 §2.17). The RST's number is the one the
    // peer expects next, its ACK field (as Linux does).
    ++stats_.aborts_on_data;
    queue_rst(seg.ack, 0, false);
    enter_closed(Error::Aborted);
    return;
  }
  if (peer_fin_) {
    // The stream ends at the FIN already seen: nothing past it is data (a segment that
    // carries the FIN again is taken through peer_fin_ below).
    uint32_t room = seq_lt(seq, *peer_fin_) ? *peer_fin_ - seq : 0;
    if (data.size() > room) data = data.first(room);
    fin = false;
  }
  uint32_t fin_seq = seq + uint32_t(data.size());  // where this segment's FIN lies
  if (!data.empty()) {
    size_t offset = seq - rcv_nxt_;
    size_t free = rx_.free_space();
    if (offset >= free) {
      ++stats_.dropped_ooo;
      ack_now_ = true;
      return;
    }
    size_t len = min_of(data.size(), free - offset);
    if (len < data.size()) fin = false;  // the FIN lies beyond what fits: it comes again
    rx_.write_at(offset, data.first(len));
    auto r = ooo_.add_then_remove_front(offset, len);
    if (!r) {
      ++stats_.dropped_ooo;
      ack_now_ = true;
      return;
    }
    size_t delivered = r.value();
    // Duplicate ACKs owed for earlier out-of-order segments would now carry the new
    // rcv_nxt and be taken for duplicates of it: keep one.
    if (delivered && acks_owed_ > 1) acks_owed_ = 1;
    rx_.commit_write(delivered);
    rcv_nxt_ += uint32_t(delivered);
    stats_.bytes_received += delivered;
    if (offset != 0) {
      last_ooo_ = seq;
      owe_ack();  // out of order: immediate duplicate ACK (RFC 5681 §4.2)
    } else if (!ooo_.is_empty() || delivered > len) {
      owe_ack();  // filled (part of) a hole
    } else {
      // Delayed ACK: at least every second full-sized segment (RFC 5681 §4.2).
      // One cumulative ACK even for a batch processed before one dispatch: several
      // ACKs of the same rcv_nxt would look like duplicate ACKs to the sender.
      if (++unacked_segs_ >= 2 || len >= 2u * opt_.mss) ack_now_ = true;
      else if (!ack_at_) ack_at_ = now + opt_.ack_delay;
    }
  } else if (fin && seq != rcv_nxt_) {
    ack_now_ = true;  // a bare FIN out of order: a duplicate ACK for the hole
  }
  if (fin && seq_lt(rcv_nxt_, fin_seq)) {
    peer_fin_ = fin_seq;  // out of order (RFC 9293 §3.10.7.4): held until the hole fills
    return;
  }
  bool fin_now = fin ? fin_seq == rcv_nxt_ : peer_fin_ && *peer_fin_ == rcv_nxt_;
  if (!fin_now) return;
  peer_fin_ = none;

  // Eighth: FIN (RFC 9293 §3.10.7.4).
  rcv_nxt_ += 1;
  ack_now_ = true;
  switch (state_) {
    case State::SynReceived:
    case State::Established:
      set_state(State::CloseWait);
      break;
    case State::FinWait1:
      if (fin_acked()) {
        set_state(State::TimeWait);
        time_wait_at_ = now + opt_.time_wait;
      } else {
        set_state(State::Closing);
      }
      break;
    case State::FinWait2:
      set_state(State::TimeWait);
      time_wait_at_ = now + opt_.time_wait;
      break;
    default:
      break;
  }
}

// ---- output ----

void Socket::on_rto(Instant now) {
  rto_at_ = none;
  ++stats_.timeouts;
  ++retries_;
  bool syn_phase = state_ == State::SynSent || state_ == State::SynReceived;
  bool give_up = syn_phase ? retries_ > opt_.syn_retries : retries_ > opt_.max_retries;
  if (!syn_phase && opt_.user_timeout > Duration{} && now - last_progress_ >= opt_.user_timeout)
    give_up = true;
  if (give_up) {
    enter_closed(Error::TimedOut);
    return;
  }
  if (!syn_phase) cc().on_rto(flight_size(), now);
  recover_ = snd_max_;
  dupacks_ = 0;
  inflation_ = 0;
  rexmit_one_ = false;
  sack_first_ = none;
  tlp_at_ = none;
  tlp_due_ = tlp_outstanding_ = false;
  undo_armed_ = false;  // a timeout is not undone (RFC 4015 covers it; keel does not)
  // RFC 6675 §5.1: recovery ends; SACKed ranges are kept so that the resend skips them.
  if (sack_on_ && !syn_phase) sb_.on_rto();
  rto_ts_guard_ = true;
  rto_tsval_ = tsval(now);  // the retransmission below carries this TSval
  rtt_timing_ = false;  // Karn: no sample from a retransmitted segment
  rto_ = min_dur(rto_ * 2, opt_.max_rto);  // RFC 6298 (5.5)
  snd_nxt_ = syn_phase ? iss_ : snd_una_;  // go back and resend from the first hole
  want_tx_ = true;
}

Optional<Instant> Socket::keepalive_due() const {
  if (!opt_.keepalive || (state_ != State::Established && state_ != State::CloseWait) ||
      snd_una_ != snd_max_ || !tx_.empty())
    return none;  // with data outstanding the retransmission timer watches the peer
  return last_rx_ + opt_.keepalive_idle + opt_.keepalive_interval * ka_sent_;
}

void Socket::run_timers(Instant now) {
  if (time_wait_at_ && *time_wait_at_ <= now) {
    enter_closed(Error::None);
    return;
  }
  // FIN-WAIT-2 after close(): started here, at the first dispatch in that state (the
  // state change and close() both ask for one at once).
  if (state_ != State::FinWait2 || !rcv_closed_ || opt_.fin_wait2_timeout <= Duration{}) {
    fin_wait2_at_ = none;
  } else if (!fin_wait2_at_) {
    fin_wait2_at_ = now + opt_.fin_wait2_timeout;
  } else if (*fin_wait2_at_ <= now) {
    ++stats_.fin_wait2_timeouts;
    enter_closed(Error::TimedOut);
    return;
  }
  if (rto_at_ && *rto_at_ <= now) {
    on_rto(now);
    if (state_ == State::Closed) return;
  }
  if (persist_at_ && *persist_at_ <= now) {
    persist_at_ = none;
    probe_due_ = true;
  }
  if (tlp_at_ && *tlp_at_ <= now) {
    tlp_at_ = none;
    tlp_due_ = snd_una_ != snd_max_;
  }
  if (auto ka = keepalive_due(); ka && *ka <= now) {
    if (ka_sent_ >= opt_.keepalive_count) {
      enter_closed(Error::TimedOut);
      return;
    }
    ++ka_sent_;
    ka_due_ = true;
  }
  if (ack_at_ && *ack_at_ <= now) {
    ack_at_ = none;
    ack_now_ = true;
  }
}

Outgoing Socket::make(Instant now, uint32_t seq, uint8_t flags, Bytes payload) {
  Outgoing o;
  o.src = local_.addr;
  o.dst = remote_.addr;
  Repr& r = o.repr;
  r.src_port = local_.port;
  r.dst_port = remote_.port;
  r.seq = seq;
  bool syn = flags & flag::kSyn;
  if (state_ != State::SynSent) {
    flags |= flag::kAck;
    r.ack = rcv_nxt_;
  }
  r.flags = flags;
  r.window = window_field(syn);
  r.payload = payload;
  if (syn) {
    r.mss = opt_.mss;
    if (state_ == State::SynSent ? opt_.window_scaling : wscale_on_)
      r.window_scale = rcv_wscale_;
    r.sack_permitted = state_ == State::SynSent ? opt_.sack : sack_on_;
    if (state_ == State::SynSent ? opt_.timestamps : ts_on_)
      r.timestamps = wire::tcp::Timestamps{tsval(now), ts_recent_};
  } else {
    if (ts_on_) r.timestamps = wire::tcp::Timestamps{tsval(now), ts_recent_};
    if (sack_on_ && !ooo_.is_empty()) {
      // RFC 2018 §4: the block holding the latest arrival first, then the others.
      uint8_t max_blocks = ts_on_ ? 3 : 4;
      uint32_t first = rcv_nxt_ - 1;
      for (const auto& rg : ooo_) {
        uint32_t l = rcv_nxt_ + uint32_t(rg.start), h = rcv_nxt_ + uint32_t(rg.end);
        if (seq_in(l, last_ooo_, h)) first = l;
      }
      for (const auto& rg : ooo_) {
        uint32_t l = rcv_nxt_ + uint32_t(rg.start), h = rcv_nxt_ + uint32_t(rg.end);
        if (l == first) r.sack[r.sack_count++] = {l, h};
      }
      for (const auto& rg : ooo_) {
        uint32_t l = rcv_nxt_ + uint32_t(rg.start), h = rcv_nxt_ + uint32_t(rg.end);
        if (l != first && r.sack_count < max_blocks) r.sack[r.sack_count++] = {l, h};
      }
    }
  }
  if (flags & flag::kAck) {
    last_ack_sent_ = rcv_nxt_;
    if (acks_owed_) --acks_owed_;
    ack_now_ = acks_owed_ != 0;
    ack_at_ = none;
    unacked_segs_ = 0;
  }
  ++stats_.segs_out;
  last_tx_ = now;
  return o;
}

// segment_at — a segment of up to max_len data bytes from seq, with the FIN when it
// reaches the end of queued data after close(). Advances snd_nxt/snd_max.
Optional<Outgoing> Socket::segment_at(Instant now, MutBytes buf, uint32_t seq, uint32_t max_len,
                                      SackScoreboard::Segment::Kind kind) {
  // SACK blocks ride on data segments too: their bytes come out of the payload, or the
  // packet would pass the MTU (RFC 6691 §2; make() adds 2 NOPs + 2 + 8 per block).
  if (sack_on_ && !ooo_.is_empty()) {
    uint32_t blocks = min_of<uint32_t>(uint32_t(ooo_.size()), ts_on_ ? 3 : 4);
    uint32_t opt = 4 + 8 * blocks;
    max_len = min_of<uint32_t>(max_len, smss_ > opt ? smss_ - opt : 1);
  }
  uint32_t end = data_end();
  uint32_t avail = seq_lt(seq, end) ? end - seq : 0;
  uint32_t n = min_of<uint32_t>(min_of<uint32_t>(avail, max_len), uint32_t(buf.size()));
  n = uint32_t(tx_.peek(seq - tx_base_, buf.first(n)));
  uint8_t flags = 0;
  if (fin_queued_ && seq + n == fin_seq()) flags |= flag::kFin;
  if (n == 0 && !(flags & flag::kFin)) return none;
  if (n) flags |= flag::kPsh;
  bool again = seq_lt(seq, snd_max_);
  if (again) ++stats_.retransmissions;
  Outgoing o = make(now, seq, flags, Bytes(buf.data(), n));
  o.retransmission = again;
  uint32_t next = seq + n + ((flags & flag::kFin) ? 1 : 0);
  // The scoreboard keeps HighData, HighRxt and pipe (RFC 6675 §5 step C).
  if (sack_on_) sb_.on_sent({kind, seq, next});
  if (undo_armed_ && !undo_tsval_set_ && seq == undo_seq_) {
    undo_tsval_ = tsval(now);  // what make() put in this retransmission
    undo_tsval_set_ = true;
  }
  if (seq == snd_nxt_) snd_nxt_ = next;
  if (seq_lt(snd_max_, next)) {
    if (snd_una_ == snd_max_) last_progress_ = now;  // the user timeout starts here
    if (!ts_on_ && !rtt_timing_ && seq == snd_max_) {
      rtt_timing_ = true;
      rtt_seq_ = seq;
      rtt_sent_ = now;
    }
    snd_max_ = next;
    if (!rto_at_) rto_at_ = now + rto_;
    arm_tlp(now);
  } else if (rtt_timing_ && seq_le(seq, rtt_seq_) && seq_lt(rtt_seq_, next)) {
    rtt_timing_ = false;  // Karn
  }
  if (!rto_at_) rto_at_ = now + rto_;
  return o;
}

// send_data — new data (and FIN) within min(cwnd, peer window), with Nagle and sender
// SWS avoidance (RFC 9293 §3.8.6.2.1); force sends what fits (persist override).
Optional<Outgoing> Socket::send_data(Instant now, MutBytes buf, bool force) {
  // After a timeout, data the peer SACKed is not sent again (RFC 6675 §5.1).
  uint32_t resend_limit = 0xffffffffu;
  if (sack_on_ && seq_lt(snd_nxt_, snd_max_)) {
    snd_nxt_ = sb_.skip_sacked(snd_nxt_);
    if (seq_lt(snd_nxt_, snd_max_)) resend_limit = sb_.unsacked_run(snd_nxt_);
  }
  bool resend = seq_lt(snd_nxt_, snd_max_);
  uint32_t end = data_end();
  uint32_t unsent = seq_lt(snd_nxt_, end) ? end - snd_nxt_ : 0;
  bool fin_due = fin_queued_ && snd_nxt_ == fin_seq();
  if (unsent == 0 && !fin_due) return none;
  // Idle restart (RFC 5681 §4.1).
  if (snd_una_ == snd_max_ && now - last_tx_ > rto_ && unsent) cc().on_idle_restart(now);
  int64_t cwnd = int64_t(cc().state().cwnd) + inflation_;
  if (!cc().state().in_recovery && dupacks_ > 0 && dupacks_ < 3)
    cwnd += int64_t(dupacks_) * smss_;  // limited transmit (RFC 3042)
  if (cwnd < smss_) cwnd = smss_;
  uint32_t in_flight = snd_nxt_ - snd_una_;
  if (sack_on_) in_flight -= sb_.sacked_below(snd_nxt_);  // those left the network
  uint32_t cwnd_room = int64_t(in_flight) < cwnd ? uint32_t(cwnd - in_flight) : 0;
  uint32_t wnd_edge = snd_una_ + snd_wnd_;
  uint32_t wnd_room = seq_lt(snd_nxt_, wnd_edge) ? wnd_edge - snd_nxt_ : 0;
  uint32_t room = min_of(cwnd_room, wnd_room);
  uint32_t n = min_of<uint32_t>(min_of(min_of(unsent, room), resend_limit), smss_);
  if (unsent == 0) return segment_at(now, buf, snd_nxt_, 0);  // bare FIN: no window needed
  bool idle = snd_nxt_ == snd_una_;
  if (n == 0) {
    if (idle && !persist_at_ && wnd_room == 0) {
      Duration d = min_dur(rto_ * (int64_t(1) << min_of<uint8_t>(persist_backoff_, 10)),
                           opt_.max_rto);
      persist_at_ = now + d;
    }
    return none;
  }
  if (!force && !resend && n < smss_) {
    bool all = n == unsent;
    // The segment that carries the FIN is not held (Linux's tcp_nagle_check agrees):
    // after close() nothing more will come to fill it.
    bool nagle_ok = opt_.nodelay || idle || (all && fin_queued_);
    bool big = max_snd_wnd_ && n >= max_snd_wnd_ / 2;
    if (!(nagle_ok && (all || big))) {
      // Window-limited with nothing in flight: the persist timer overrides (§3.8.6.2.1).
      if (idle && !all && !persist_at_) persist_at_ = now + rto_;
      return none;
    }
  }
  return segment_at(now, buf, snd_nxt_, n);
}

// new_data_room — octets of unsent data (and the FIN, as one) the peer's window allows
// beyond snd_max: what RFC 6675 NextSeg() rule 2 may send.
uint32_t Socket::new_data_room() const {
  uint32_t end = data_end();
  uint32_t unsent = seq_lt(snd_max_, end) ? end - snd_max_ : 0;
  if (unsent == 0) return fin_queued_ && snd_max_ == fin_seq() ? 1 : 0;  // needs no window
  uint32_t wnd_edge = snd_una_ + snd_wnd_;
  uint32_t wnd_room = seq_lt(snd_max_, wnd_edge) ? wnd_edge - snd_max_ : 0;
  return min_of(unsent, wnd_room);
}

// arm_tlp — RFC 8985 §7.2: after new data goes out or new data is acknowledged, a
// probe timeout of two smoothed RTTs (at least 10 ms; plus the worst-case delayed ACK
// time when a single segment is out), unless the retransmission timer comes first.
// Only with SACK (the probe's ACK must show what is missing) and an RTT sample.
// Unlike RFC 8985 it also runs during SACK recovery (restarted by every ACK that moves
// anything): keel has no RACK reordering timer, and a lost retransmission with pipe
// full would otherwise wait for the RTO.
void Socket::arm_tlp(Instant now) {
  tlp_at_ = none;
  if (!opt_.tail_loss_probe || !sack_on_ || !have_rtt_ || tlp_outstanding_ ||
      snd_una_ == snd_max_ || snd_wnd_ == 0 ||
      (state_ != State::Established && state_ != State::CloseWait))
    return;
  Duration pto = max_dur(srtt_ * 2, Duration::millis(10));
  if (flight_size() <= smss_) pto = pto + Duration::millis(200);  // WCDelAckT
  Instant at = now + pto;
  if (rto_at_ && *rto_at_ <= at) return;
  tlp_at_ = at;
}

// send_tlp — RFC 8985 §7.3: one new segment if the peer's window allows (cwnd is not
// consulted), else the last segment sent again; the timer then guards it as usual.
// In recovery the probe resends the first unacknowledged segment: its retransmission
// is the likeliest loss when the ACKs stop.
Optional<Outgoing> Socket::send_tlp(Instant now, MutBytes buf) {
  if (snd_una_ == snd_max_) return none;
  Optional<Outgoing> o;
  uint32_t fresh = snd_nxt_ == snd_max_ ? new_data_room() : 0;
  if (cc().state().in_recovery) {
    uint32_t len = min_of<uint32_t>(min_of<uint32_t>(flight_size(), smss_), sb_.unsacked_run(snd_una_));
    o = segment_at(now, buf, snd_una_, len, SackScoreboard::Segment::Kind::Retransmit);
  } else if (fresh > 0) {
    o = segment_at(now, buf, snd_max_, min_of<uint32_t>(fresh, smss_),
                   SackScoreboard::Segment::Kind::NewData);
  } else {
    uint32_t len = min_of<uint32_t>(flight_size(), smss_);
    o = segment_at(now, buf, snd_max_ - len, len, SackScoreboard::Segment::Kind::Probe);
  }
  if (!o) return none;
  ++stats_.tail_loss_probes;
  tlp_outstanding_ = true;
  tlp_at_ = none;
  rto_at_ = now + rto_;
  return o;
}

// send_sack_recovery — RFC 6675 §5: the first retransmission (step 3) at once, then
// segments from NextSeg() while cwnd - pipe >= SMSS (step C), cwnd being ssthresh.
Optional<Outgoing> Socket::send_sack_recovery(Instant now, MutBytes buf) {
  SackScoreboard::Segment seg;
  if (sack_first_) {
    seg = *sack_first_;
    sack_first_ = none;
  } else {
    uint32_t cwnd = cc().state().ssthresh;
    if (sb_.pipe() + smss_ > cwnd) return none;
    seg = sb_.next_seg(new_data_room());
  }
  if (seg.kind == SackScoreboard::Segment::Kind::None) return none;
  return segment_at(now, buf, seg.start, min_of<uint32_t>(seg.len(), smss_), seg.kind);
}

Optional<Outgoing> Socket::dispatch(Instant now, MutBytes buf) {
  if (rst_pending_) {
    rst_pending_ = false;
    Outgoing o;
    o.src = local_.addr;
    o.dst = remote_.addr;
    o.repr.src_port = local_.port;
    o.repr.dst_port = remote_.port;
    o.repr.seq = rst_seq_;
    o.repr.ack = rst_with_ack_ ? rst_ack_ : 0;
    o.repr.flags = uint8_t(flag::kRst | (rst_with_ack_ ? flag::kAck : 0));
    ++stats_.segs_out;
    return o;
  }
  if (state_ == State::Closed) {
    want_tx_ = false;
    return none;
  }
  run_timers(now);
  if (state_ == State::Closed) return dispatch(now, buf);  // a pending RST, or none

  if ((state_ == State::SynSent || state_ == State::SynReceived) && snd_nxt_ == iss_) {
    uint8_t flags = flag::kSyn;
    if (snd_max_ != iss_) ++stats_.retransmissions;
    Outgoing o = make(now, iss_, flags, Bytes());
    snd_nxt_ = iss_ + 1;
    if (snd_max_ == iss_) {
      snd_max_ = iss_ + 1;
    }
    if (!rto_at_) rto_at_ = now + rto_;
    return o;
  }
  if (state_ == State::SynSent || state_ == State::SynReceived) {
    if (ack_now_ && state_ == State::SynReceived) return make(now, snd_nxt_, 0, Bytes());
    want_tx_ = false;
    return none;
  }

  if (rexmit_one_) {
    rexmit_one_ = false;
    uint32_t span = snd_max_ - snd_una_;
    if (span) {
      auto o = segment_at(now, buf, snd_una_, min_of<uint32_t>(smss_, span));
      if (o) return o;
    }
  }
  if (tlp_due_) {
    tlp_due_ = false;
    if (auto o = send_tlp(now, buf)) return o;
  }
  bool force = probe_due_ && snd_wnd_ != 0;
  bool sack_recovery = sack_on_ && cc().state().in_recovery;
  if (auto o = sack_recovery ? send_sack_recovery(now, buf) : send_data(now, buf, force)) {
    probe_due_ = false;
    return o;
  }
  if (probe_due_) {
    // Zero window: a probe below snd_una (as Linux does) draws an ACK with the window.
    probe_due_ = false;
    if (snd_wnd_ == 0 && snd_nxt_ == snd_una_ && seq_lt(snd_una_, data_end())) {
      // A peer that answers keeps a zero window as long as it likes (RFC 9293
      // §3.8.6.1); one that answers none of max_retries probes is gone (Linux: the
      // same tcp_retries2 bound).
      if (probes_unanswered_ >= opt_.max_retries) {
        enter_closed(Error::TimedOut);
        return dispatch(now, buf);
      }
      ++probes_unanswered_;
      ++stats_.zero_window_probes;
      ++persist_backoff_;
      Duration d = min_dur(rto_ * (int64_t(1) << min_of<uint8_t>(persist_backoff_, 10)),
                           opt_.max_rto);
      persist_at_ = now + d;
      return make(now, snd_una_ - 1, 0, Bytes());
    }
  }
  if (ka_due_) {
    ka_due_ = false;
    ++stats_.keepalive_probes;
    return make(now, snd_una_ - 1, 0, Bytes());
  }
  // A pure ACK carries snd_max: after a go-back-N rewind snd_nxt may lie below what
  // the peer already took, and an old sequence number would fail its acceptability test.
  if (ack_now_) return make(now, snd_max_, 0, Bytes());
  want_tx_ = false;
  return none;
}

Optional<Instant> Socket::poll_at() const {
  if (want_tx_ || rst_pending_) return Instant::from_micros(0);
  if (state_ == State::Closed) return none;
  Optional<Instant> t;
  auto take = [&t](const Optional<Instant>& c) {
    if (c && (!t || *c < *t)) t = c;
  };
  take(rto_at_);
  take(ack_at_);
  take(persist_at_);
  take(time_wait_at_);
  take(tlp_at_);
  take(fin_wait2_at_);
  take(keepalive_due());
  return t;
}

Diagnostics Socket::diagnostics() const {
  Diagnostics d = stats_;
  d.state = state_;
  d.srtt = srtt_;
  d.rttvar = rttvar_;
  d.rto = rto_;
  d.cwnd = cc().state().cwnd;
  d.ssthresh = cc().state().ssthresh;
  d.snd_wnd = snd_wnd_;
  d.rcv_wnd = rcv_wnd();
  d.smss = smss_;
  d.snd_una = snd_una_;
  d.snd_nxt = snd_nxt_;
  d.snd_max = snd_max_;
  d.rcv_nxt = rcv_nxt_;
  d.window_scaling = wscale_on_;
  d.timestamps = ts_on_;
  d.sack = sack_on_;
  d.snd_wscale = snd_wscale_;
  d.dup_thresh = dup_thresh_;
  d.rcv_wscale = rcv_wscale_;
  return d;
}

}  // namespace keel::tcp

namespace keel::tcp {

bool Socket::on_icmp_error(const IpAddress& src, uint32_t seq, bool hard) {
  (void)src;
  bool in_flight = state_ != State::Closed && seq_le(snd_una_, seq) && seq_lt(seq, snd_max_);
  if (!in_flight) {
    ++stats_.icmp_ignored;
    return false;
  }
  ++stats_.icmp_accepted;
  if (hard && (state_ == State::SynSent || state_ == State::SynReceived)) enter_closed(Error::Unreachable);
  return true;
}

bool Socket::on_packet_too_big(uint32_t seq, uint16_t mtu) {
  bool in_flight = state_ != State::Closed && seq_le(snd_una_, seq) && seq_lt(seq, snd_max_);
  if (!in_flight) {
    ++stats_.icmp_ignored;
    return false;
  }
  ++stats_.icmp_accepted;
  // 68 is the smallest IPv4 MTU (RFC 791); below 40 bytes of headers nothing fits.
  uint32_t path_mss = (mtu < 68 ? 68u : uint32_t(mtu)) - 40 - (ts_on_ ? kTsOptionLen : 0);
  if (path_mss >= smss_) return true;
  smss_ = uint16_t(max_of<uint32_t>(path_mss, 8));
  sb_.set_smss(smss_);
  ++stats_.pmtu_reductions;
  rexmit_one_ = true;  // the segment the router dropped goes again, now smaller
  want_tx_ = true;
  return true;
}

}  // namespace keel::tcp
