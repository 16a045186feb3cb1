// sack_scoreboard.hpp — the sender's SACK scoreboard and loss recovery bookkeeping of
// RFC 6675 (conservative SACK-based loss recovery), for one connection.
//
// Holds at most kMaxRanges disjoint SACKed ranges above snd_una, sorted, in 32-bit
// wrap-aware sequence space; all of them lie within [snd_una, high_data). Ranges are
// half-open [start, end). The RFC's inclusive "highest octet" variables are kept as
// exclusive ends here: high_data() = HighData + 1 (= SND.NXT), high_rxt() = HighRxt + 1,
// recovery_point() = RecoveryPoint + 1, so "S <= HighRxt" is seq_lt(S, high_rxt()).
// When more disjoint ranges arrive than fit, the highest is forgotten (and counted):
// SACK information is advisory (§5), losing some only makes recovery more conservative.
//
// How a socket uses it (RFC 6675 §5):
//   - reset(iss + 1, smss) when the connection is established; on_sent() or
//     on_send_new() for every segment sent (keeps HighData, HighRxt, pipe).
//   - every ACK: update(ack, blocks, count); a result with newly_sacked > 0 counts as a
//     duplicate ACK (§2 "DupAck"); recovery_ended tells that RecoveryPoint was covered
//     (§5 step A: call the congestion control's on_exit_recovery).
//   - not in recovery, on the DupThresh-th duplicate ACK or when first_lost() is true,
//     and only if may_enter_recovery(): enter_recovery() (steps 1-3) returns the first
//     segment to retransmit; then set_pipe() (step 4).
//   - in recovery, after update(): set_pipe(); while cwnd - pipe() >= SMSS:
//     seg = next_seg(new data sendable now); stop at Kind::None; send it; on_sent(seg).
//   - retransmission timeout: on_rto() (§5.1), which keeps the SACK information (the
//     socket may clear() it instead to follow RFC 2018 §8's stricter rule).
//   - lost retransmissions (beyond RFC 6675, in the spirit of RFC 8985 RACK): each
//     retransmission remembers HighData when it left; once data first sent after it is
//     SACKed while it is still the unacknowledged first segment, it was lost too —
//     una_retransmission_lost() tells the socket to send it once more.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/wire/tcp.hpp"

namespace keel::tcp {

class SackScoreboard {
 public:
  // kMaxRanges — SACKed ranges remembered; 8 cover two ACKs' worth of 4-block options.
  static constexpr size_t kMaxRanges = 8;
  // kDupThresh — RFC 6675 §2 DupThresh, where every connection starts; a socket that
  // finds its retransmissions spurious (reordering) raises it with set_dup_thresh().
  static constexpr uint32_t kDupThresh = 3;
  static constexpr uint32_t kMaxDupThresh = 16;
  // kMaxRetransmitMarks — recent retransmissions remembered for loss detection.
  static constexpr size_t kMaxRetransmitMarks = 8;

  // Range — a SACKed range [start, end).
  struct Range {
    uint32_t start = 0;
    uint32_t end = 0;
  };
  // Segment — what next_seg() or enter_recovery() chose: [start, end) to send.
  struct Segment {
    enum class Kind : uint8_t {
      None,        // nothing to send (rule 5)
      Retransmit,  // rules 1 and 3: lost or not yet known delivered
      NewData,     // rule 2: previously unsent data from high_data()
      Rescue,      // rule 4: the once-per-recovery rescue retransmission
      Probe,       // a tail loss probe resending the last segment (RFC 8985 §7.3)
    };
    Kind kind = Kind::None;
    uint32_t start = 0;
    uint32_t end = 0;
    uint32_t len() const { return end - start; }
  };
  // UpdateResult — what one ACK changed.
  struct UpdateResult {
    uint32_t acked = 0;          // bytes newly cumulatively acknowledged
    uint32_t newly_sacked = 0;   // bytes SACKed for the first time (> 0: a DupAck, §2)
    bool recovery_ended = false; // the ACK covered RecoveryPoint (§5 step A)
  };

  // reset — an empty scoreboard for a connection whose snd_una = snd_nxt = seq.
  void reset(uint32_t seq, uint32_t smss);
  // clear — forget every SACKed range (receiver reneging, RFC 2018 §8).
  void clear() { count_ = 0; }

  // update — RFC 6675 Update(): the cumulative ack and the SACK blocks of one ACK.
  // An ack beyond high_data() is ignored (with its blocks); an old ack moves nothing
  // but its blocks still count. Blocks that are empty, end at or below snd_una (D-SACK,
  // RFC 2883), or reach beyond high_data() are ignored; one straddling snd_una is cut.
  UpdateResult update(uint32_t ack, const wire::tcp::SackBlock* blocks, uint8_t count);

  // on_sent — a segment went out: HighData and HighRxt advance as §5 steps C.2-C.4
  // say (a Rescue or Probe leaves HighRxt alone), and pipe grows by its length.
  void on_sent(const Segment& seg);
  // on_send_new — new data up to end went out outside next_seg() (normal sending).
  void on_send_new(uint32_t end) { on_sent({Segment::Kind::NewData, high_data_, end}); }

  // is_lost — RFC 6675 IsLost(seq): seq is unSACKed, outstanding, and either DupThresh
  // discontiguous SACKed ranges or more than (DupThresh - 1) * SMSS SACKed bytes lie
  // above it.
  bool is_lost(uint32_t seq) const;
  // first_lost — IsLost(HighACK + 1): the §5 alternative trigger of loss recovery.
  bool first_lost() const { return is_lost(snd_una_); }
  // is_sacked — whether seq lies in a SACKed range.
  bool is_sacked(uint32_t seq) const;
  // skip_sacked — seq, or the end of the SACKed range holding it (where a go-back-N
  // retransmission after a timeout resumes, RFC 6675 §5.1).
  uint32_t skip_sacked(uint32_t seq) const;
  // unsacked_run — bytes from seq up to the next SACKed range above it (0xffffffff if
  // none): how much a retransmission from seq may carry without resending SACKed data.
  uint32_t unsacked_run(uint32_t seq) const;
  // sacked_below — octets SACKed between snd_una and seq.
  uint32_t sacked_below(uint32_t seq) const;
  // set_dup_thresh — DupThresh from now on (at least kDupThresh, at most kMaxDupThresh).
  void set_dup_thresh(uint32_t n) {
    dup_thresh_ = n < kDupThresh ? kDupThresh : n > kMaxDupThresh ? kMaxDupThresh : n;
  }
  uint32_t dup_thresh() const { return dup_thresh_; }
  // end_recovery — the recovery was undone (its retransmission proved spurious).
  void end_recovery() { in_recovery_ = false; }
  // set_smss — the sender's MSS changed (path MTU discovery).
  void set_smss(uint32_t smss) { smss_ = smss == 0 ? 1 : smss; }

  // set_pipe — RFC 6675 SetPipe(): recomputes and returns pipe, the octets in flight.
  uint32_t set_pipe();
  // pipe — the last value set_pipe() computed, plus what on_sent() added since.
  uint32_t pipe() const { return pipe_; }

  // may_enter_recovery — no recovery is running and snd_una has passed RecoveryPoint
  // (or none was ever set): §5 "... beyond the last value of RecoveryPoint", §5.1.
  bool may_enter_recovery() const;
  // enter_recovery — §5 steps 1 and 3: RecoveryPoint = HighData; returns the first
  // segment to retransmit (from snd_una, up to SMSS, not into SACKed data) and records
  // it as sent in HighRxt and RescueRxt. Kind::None if nothing is outstanding.
  Segment enter_recovery();
  // next_seg — RFC 6675 NextSeg() rules 1-5. new_data is how many bytes of unsent
  // data the send buffer and the peer's window allow now (0: rule 2 cannot apply).
  // Rule 4 records its use (RescueRxt), so call it only to send what it returns.
  Segment next_seg(uint32_t new_data);
  // una_retransmission_lost — in recovery, the retransmission holding snd_una is
  // presumed lost: data first sent after it (at or above its mark) has been SACKed.
  bool una_retransmission_lost() const;
  // on_rto — §5.1: RecoveryPoint = HighData, recovery ends, HighRxt back to snd_una;
  // the SACKed ranges stay (retransmissions after the timeout may skip them).
  void on_rto();

  bool in_recovery() const { return in_recovery_; }
  uint32_t snd_una() const { return snd_una_; }
  uint32_t high_data() const { return high_data_; }
  uint32_t high_rxt() const { return high_rxt_; }
  uint32_t recovery_point() const { return recovery_point_; }
  uint32_t smss() const { return smss_; }
  // highest_sacked — one past the highest SACKed octet (snd_una if none).
  uint32_t highest_sacked() const { return count_ ? ranges_[count_ - 1].end : snd_una_; }
  // sacked_bytes — octets SACKed above snd_una.
  uint32_t sacked_bytes() const;
  size_t range_count() const { return count_; }
  // range(i) — the i-th SACKed range from below (i < range_count()).
  Range range(size_t i) const { return i < count_ ? ranges_[i] : Range{}; }
  // forgotten_ranges — ranges dropped because the scoreboard was full.
  uint32_t forgotten_ranges() const { return forgotten_; }

 private:
  uint32_t off(uint32_t seq) const { return seq - snd_una_; }  // position above snd_una
  Segment first_unsacked_from(uint32_t seq) const;
  uint32_t add(uint32_t start, uint32_t end);
  void advance_una(uint32_t ack);

  // RetransmitMark — a retransmission [start, end) sent when HighData was mark.
  struct RetransmitMark {
    uint32_t start = 0, end = 0, mark = 0;
  };
  void note_retransmit(uint32_t start, uint32_t end);

  Range ranges_[kMaxRanges];
  size_t count_ = 0;
  RetransmitMark marks_[kMaxRetransmitMarks];
  size_t mark_count_ = 0;
  uint32_t snd_una_ = 0;
  uint32_t high_data_ = 0;
  uint32_t high_rxt_ = 0;
  uint32_t recovery_point_ = 0;
  uint32_t rescue_rxt_ = 0;
  uint32_t pipe_ = 0;
  uint32_t smss_ = 536;
  uint32_t dup_thresh_ = kDupThresh;
  uint32_t forgotten_ = 0;
  bool in_recovery_ = false;
  bool recovery_point_set_ = false;
};

}  // namespace keel::tcp
