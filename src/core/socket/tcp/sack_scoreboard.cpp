// sack_scoreboard.cpp — RFC 6675 Update(), IsLost(), SetPipe(), NextSeg() and the
// recovery bookkeeping over a small sorted array of SACKed ranges.
//
// Every stored range lies in [snd_una, high_data), a span below 2^31, so positions are
// compared as offsets above snd_una (off()), which is wrap-safe.
#include "core/socket/tcp/sack_scoreboard.hpp"

#include "core/base/bits.hpp"

namespace keel::tcp {

void SackScoreboard::reset(uint32_t seq, uint32_t smss) {
  *this = SackScoreboard();
  snd_una_ = high_data_ = high_rxt_ = recovery_point_ = rescue_rxt_ = seq;
  smss_ = smss == 0 ? 1 : smss;
}

uint32_t SackScoreboard::sacked_bytes() const {
  uint32_t n = 0;
  for (size_t i = 0; i < count_; ++i) n += ranges_[i].end - ranges_[i].start;
  return n;
}

bool SackScoreboard::is_sacked(uint32_t seq) const {
  for (size_t i = 0; i < count_; ++i) {
    if (off(seq) >= off(ranges_[i].start) && off(seq) < off(ranges_[i].end)) return true;
  }
  return false;
}

uint32_t SackScoreboard::skip_sacked(uint32_t seq) const {
  for (size_t i = 0; i < count_; ++i) {
    if (off(seq) >= off(ranges_[i].start) && off(seq) < off(ranges_[i].end)) return ranges_[i].end;
  }
  return seq;
}

uint32_t SackScoreboard::unsacked_run(uint32_t seq) const {
  for (size_t i = 0; i < count_; ++i) {
    if (off(seq) < off(ranges_[i].start)) return ranges_[i].start - seq;
  }
  return 0xffffffffu;
}

uint32_t SackScoreboard::sacked_below(uint32_t seq) const {
  uint32_t n = 0;
  for (size_t i = 0; i < count_; ++i) {
    if (off(ranges_[i].start) >= off(seq)) break;
    n += min_of(off(ranges_[i].end), off(seq)) - off(ranges_[i].start);
  }
  return n;
}

void SackScoreboard::advance_una(uint32_t ack) {
  size_t n = 0;
  for (size_t i = 0; i < count_; ++i) {
    Range r = ranges_[i];
    if (off(r.end) <= off(ack)) continue;        // now cumulatively acknowledged
    if (off(r.start) < off(ack)) r.start = ack;  // partly acknowledged
    ranges_[n++] = r;
  }
  count_ = n;
  n = 0;
  for (size_t i = 0; i < mark_count_; ++i) {
    if (off(marks_[i].end) > off(ack)) marks_[n++] = marks_[i];  // still outstanding
  }
  mark_count_ = n;
  if (off(high_rxt_) < off(ack)) high_rxt_ = ack;  // keep snd_una <= HighRxt
  snd_una_ = ack;
}

// add — merges [start, end) (within [snd_una, high_data)) into the sorted ranges;
// returns how many of its bytes were not SACKed before (even if it is then forgotten).
uint32_t SackScoreboard::add(uint32_t start, uint32_t end) {
  uint32_t a = off(start), b = off(end);
  uint32_t fresh = b - a;
  for (size_t i = 0; i < count_; ++i) {
    uint32_t lo = max_of(a, off(ranges_[i].start)), hi = min_of(b, off(ranges_[i].end));
    if (lo < hi) fresh -= hi - lo;
  }
  Range out[kMaxRanges + 1];
  size_t n = 0;
  bool placed = false;
  for (size_t i = 0; i < count_; ++i) {
    uint32_t ra = off(ranges_[i].start), rb = off(ranges_[i].end);
    if (rb < a) {
      out[n++] = ranges_[i];  // wholly below, not touching
    } else if (b < ra) {
      if (!placed) out[n++] = {snd_una_ + a, snd_una_ + b};
      placed = true;
      out[n++] = ranges_[i];  // wholly above, not touching
    } else {
      a = min_of(a, ra);  // overlapping or adjacent: one range
      b = max_of(b, rb);
    }
  }
  if (!placed) out[n++] = {snd_una_ + a, snd_una_ + b};
  if (n > kMaxRanges) {  // full: forget the highest range
    n = kMaxRanges;
    ++forgotten_;
  }
  for (size_t i = 0; i < n; ++i) ranges_[i] = out[i];
  count_ = n;
  return fresh;
}

SackScoreboard::UpdateResult SackScoreboard::update(uint32_t ack,
                                                    const wire::tcp::SackBlock* blocks,
                                                    uint8_t count) {
  UpdateResult res;
  if (seq_lt(high_data_, ack)) return res;  // acknowledges data never sent
  if (seq_lt(snd_una_, ack)) {
    res.acked = ack - snd_una_;
    advance_una(ack);
  }
  for (uint8_t i = 0; blocks != nullptr && i < count; ++i) {
    uint32_t left = blocks[i].left, right = blocks[i].right;
    if (!seq_lt(left, right)) continue;        // empty or inverted
    if (seq_le(right, snd_una_)) continue;     // D-SACK or stale (RFC 2883 §4)
    if (seq_lt(high_data_, right)) continue;   // beyond anything sent
    if (seq_lt(left, snd_una_)) left = snd_una_;
    res.newly_sacked += add(left, right);
  }
  if (in_recovery_ && seq_le(recovery_point_, snd_una_)) {  // §5 step A
    in_recovery_ = false;
    res.recovery_ended = true;
  }
  return res;
}

void SackScoreboard::on_sent(const Segment& seg) {
  if (seg.kind == Segment::Kind::None || !seq_lt(seg.start, seg.end)) return;
  // C.2: octets below HighData are retransmissions (a rescue does not move HighRxt).
  bool moves_rxt = seg.kind != Segment::Kind::Rescue && seg.kind != Segment::Kind::Probe;
  if (moves_rxt && seq_lt(seg.start, high_data_)) {
    uint32_t e = seq_lt(high_data_, seg.end) ? high_data_ : seg.end;
    if (seq_lt(high_rxt_, e)) high_rxt_ = e;
  }
  if (seq_lt(seg.start, high_data_)) note_retransmit(seg.start, seg.end);
  if (seq_lt(high_data_, seg.end)) high_data_ = seg.end;  // C.3
  pipe_ += seg.len();                                     // C.4
}

bool SackScoreboard::is_lost(uint32_t seq) const {
  if (off(seq) >= off(high_data_) || is_sacked(seq)) return false;
  uint32_t bytes = 0, above = 0;
  for (size_t i = 0; i < count_; ++i) {
    if (off(ranges_[i].start) > off(seq)) {
      bytes += ranges_[i].end - ranges_[i].start;
      ++above;
    }
  }
  return above >= dup_thresh_ || bytes > (dup_thresh_ - 1) * smss_;
}

uint32_t SackScoreboard::set_pipe() {
  // Per unSACKed octet from snd_una to HighData: one if not lost, one more if
  // retransmitted. IsLost() is constant across a hole, so count hole by hole.
  uint32_t pipe = 0, cursor = snd_una_;
  for (size_t i = 0; i <= count_; ++i) {
    uint32_t hole_end = i < count_ ? ranges_[i].start : high_data_;
    if (off(cursor) < off(hole_end)) {
      if (!is_lost(cursor)) pipe += hole_end - cursor;
      if (off(cursor) < off(high_rxt_)) {
        pipe += min_of(off(hole_end), off(high_rxt_)) - off(cursor);
      }
    }
    if (i < count_) cursor = ranges_[i].end;
  }
  pipe_ = pipe;
  return pipe;
}

// first_unsacked_from — the first unSACKed octet at or above seq with a SACKed range
// above it, as one segment of up to SMSS that stops where SACKed data begins; None if
// no SACKed range lies above (rule 1.b / 3 fail).
SackScoreboard::Segment SackScoreboard::first_unsacked_from(uint32_t seq) const {
  uint32_t s = seq;
  for (size_t i = 0; i < count_; ++i) {
    if (off(s) < off(ranges_[i].start)) {
      uint32_t len = min_of(ranges_[i].start - s, smss_);
      return {Segment::Kind::Retransmit, s, s + len};
    }
    if (off(s) < off(ranges_[i].end)) s = ranges_[i].end;
  }
  return {};
}

bool SackScoreboard::may_enter_recovery() const {
  return !in_recovery_ && (!recovery_point_set_ || seq_le(recovery_point_, snd_una_));
}

SackScoreboard::Segment SackScoreboard::enter_recovery() {
  if (off(high_data_) == 0) return {};
  in_recovery_ = true;
  recovery_point_ = high_data_;  // step 1
  recovery_point_set_ = true;
  // Step 3: the segment from HighACK + 1 (SACK-less tail: up to SMSS below HighData).
  Segment seg = first_unsacked_from(snd_una_);
  if (seg.kind == Segment::Kind::None) {
    seg = {Segment::Kind::Retransmit, snd_una_,
           snd_una_ + min_of(high_data_ - snd_una_, smss_)};
  }
  high_rxt_ = seg.end;
  rescue_rxt_ = seg.end;
  set_pipe();  // step 4
  return seg;
}

SackScoreboard::Segment SackScoreboard::next_seg(uint32_t new_data) {
  // Rules 1 and 3 share their candidate: the smallest unSACKed octet above HighRxt
  // (1.a) below the highest SACKed octet (1.b). IsLost() only falls as seq rises, so
  // if the smallest candidate is not lost, none is.
  Segment cand = first_unsacked_from(high_rxt_);
  if (cand.kind != Segment::Kind::None && is_lost(cand.start)) return cand;  // rule 1
  if (new_data > 0) {                                                        // rule 2
    return {Segment::Kind::NewData, high_data_, high_data_ + min_of(new_data, smss_)};
  }
  if (cand.kind != Segment::Kind::None) return cand;  // rule 3
  // Rule 4: once per recovery, after HighACK passed RescueRxt, resend the segment that
  // holds the highest outstanding unSACKed octet.
  if (!in_recovery_ || !seq_lt(rescue_rxt_, snd_una_)) return {};
  uint32_t top = high_data_, floor = snd_una_;
  if (count_ > 0 && ranges_[count_ - 1].end == high_data_) {
    top = ranges_[count_ - 1].start;
    if (count_ > 1) floor = ranges_[count_ - 2].end;
  } else if (count_ > 0) {
    floor = ranges_[count_ - 1].end;
  }
  if (off(top) <= off(floor)) return {};  // nothing unSACKed outstanding
  rescue_rxt_ = recovery_point_;
  return {Segment::Kind::Rescue, top - min_of(top - floor, smss_), top};
}

// note_retransmit — remembers [start, end) with the current HighData; a retransmission
// from the same start replaces its entry, else the oldest entry gives way.
void SackScoreboard::note_retransmit(uint32_t start, uint32_t end) {
  size_t slot = mark_count_;
  for (size_t i = 0; i < mark_count_; ++i)
    if (marks_[i].start == start) slot = i;
  if (slot == kMaxRetransmitMarks) {
    for (size_t i = 1; i < mark_count_; ++i) marks_[i - 1] = marks_[i];
    slot = kMaxRetransmitMarks - 1;
  } else if (slot == mark_count_) {
    ++mark_count_;
  }
  marks_[slot] = {start, end, high_data_};
}

bool SackScoreboard::una_retransmission_lost() const {
  if (!in_recovery_ || count_ == 0) return false;
  for (size_t i = 0; i < mark_count_; ++i) {
    const RetransmitMark& m = marks_[i];
    bool holds_una = seq_le(m.start, snd_una_) && seq_lt(snd_una_, m.end);
    if (holds_una) return off(ranges_[count_ - 1].end) > off(m.mark);
  }
  return false;
}

void SackScoreboard::on_rto() {
  mark_count_ = 0;
  recovery_point_ = high_data_;
  recovery_point_set_ = true;
  in_recovery_ = false;
  high_rxt_ = snd_una_;
}

}  // namespace keel::tcp
