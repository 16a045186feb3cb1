// time_wait.hpp — tcp::TimeWaitTable: connections in TIME-WAIT (RFC 9293 §3.10.7.4)
// kept as small entries instead of whole sockets.
//
// The side that closes first waits 2MSL before the 4-tuple may carry a new connection,
// so that a lost final ACK can be repeated and old duplicates die out. A Socket held for
// that keeps its rings (most of the stack's memory) idle for a minute; a device with a
// few sockets that closes first then runs out of them. The Stack therefore moves a
// connection into an entry here as soon as it is in TIME-WAIT and its user has closed
// it, and frees the socket. An entry answers as TIME-WAIT does:
//  - a segment failing the acceptability test (RFC 9293 §3.10.7.4 first) or PAWS (RFC
//    7323 §5) draws an ACK <SEQ=SND.NXT><ACK=RCV.NXT>; if it carries a FIN — the peer
//    retransmitting the FIN our ACK answered — 2MSL starts again;
//  - an RST ends the entry when its sequence number is exactly RCV.NXT, draws a
//    (rate-limited) challenge ACK when merely in the window, and is ignored otherwise
//    (RFC 5961 §3.2);
//  - a SYN without ACK may open a new incarnation of the 4-tuple under RFC 6191 §2: if
//    the old connection used timestamps and the new one will, when its timestamp is
//    newer (or equal with a sequence number beyond the old RCV.NXT); if only the new
//    one will, always; without timestamps on the new connection, when its sequence
//    number lies beyond the old RCV.NXT. The entry ends and the SYN goes to the listener
//    with an ISN beyond our old sequence space (SND.NXT + 2^16 + 1, as Linux does).
//    Any other SYN draws a challenge ACK (RFC 5961 §4) rather than RFC 6191's silent
//    drop: a client that reuses its port with an older timestamp answers it with a
//    RST at our RCV.NXT, which ends the entry, and its retransmitted SYN then opens the
//    connection instead of waiting out 2MSL (Linux does the same);
//  - an acceptable FIN is ACKed and restarts 2MSL; acceptable data is ACKed; anything
//    else acceptable (a duplicate ACK) is absorbed.
// An entry expires exactly at its deadline: from then on lookups ignore it, and
// expire() reclaims it (counted). A full table gives up its entry closest to expiry
// for a new one — counted, never silent.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/base/time.hpp"
#include "core/socket/tcp/socket.hpp"

namespace keel::tcp {

// TimeWaitEntry — what TIME-WAIT needs of a connection (about 80 bytes: the dual-stack
// 4-tuple is half of it).
struct TimeWaitEntry {
  FourTuple tuple;
  Instant expires;          // the end of 2MSL
  uint32_t snd_nxt = 0;     // our sequence number after our FIN
  uint32_t rcv_nxt = 0;     // after the peer's FIN
  uint32_t rcv_wnd = 0;     // the window last announced, in bytes
  uint32_t ts_recent = 0;   // the peer's last timestamp (RFC 7323 TS.Recent)
  uint32_t ts_offset = 0;   // our timestamp clock's offset from now.millis()
  uint32_t msl2_ms = 0;     // 2MSL, restarted by a retransmitted FIN
  uint8_t rcv_wscale = 0;
  bool timestamps = false;  // the connection used timestamps
  bool used = false;
};

// TimeWaitStats — what the table did (a gauge and counters).
struct TimeWaitStats {
  uint32_t in_use = 0, high_water = 0;  // entries held now / at most
  uint32_t entered = 0;                 // connections moved in (their sockets freed)
  uint32_t expired = 0;                 // entries that lived out their 2MSL
  uint32_t evicted = 0;                 // entries given up early: table full, or the 4-tuple again
  uint32_t acks = 0;                    // ACKs sent (FIN retransmissions, unacceptable segments, challenges)
  uint32_t fin_restarts = 0;            // retransmitted FINs that restarted 2MSL
  uint32_t resets = 0;                  // entries ended by a RST at RCV.NXT
  uint32_t reopened = 0;                // entries ended by a new SYN (RFC 6191)
  uint32_t syns_refused = 0;            // SYNs RFC 6191 did not allow (challenge ACK)
  uint32_t ignored = 0;                 // segments absorbed without an answer
};

// TimeWaitVerdict — what became of a segment offered to the table.
enum class TimeWaitVerdict : uint8_t {
  NotOurs,   // no live entry for its 4-tuple: demultiplex it further
  Consumed,  // handled here (reply, if any, to send)
  Reopen,    // a SYN that opens a new incarnation: give it to the listener with iss
};

// TimeWaitResult — the verdict, an ACK to send, and the ISN for a reopened connection.
struct TimeWaitResult {
  TimeWaitVerdict verdict = TimeWaitVerdict::NotOurs;
  Optional<Outgoing> reply;
  uint32_t iss = 0;
};

class TimeWaitTable {
 public:
  // kChallengeLimit — challenge ACKs per second from the whole table (RFC 5961 §7).
  static constexpr uint32_t kChallengeLimit = 10;

  explicit TimeWaitTable(Span<TimeWaitEntry> entries) : entries_(entries) {}
  TimeWaitTable(const TimeWaitTable&) = delete;
  TimeWaitTable& operator=(const TimeWaitTable&) = delete;

  // insert — a connection entering TIME-WAIT (an entry for the same 4-tuple is
  // replaced); a full table evicts its entry closest to expiry.
  void insert(const TimeWaitEntry& e, Instant now);
  // process — a segment from src to dst. new_timestamps: the connection a SYN would
  // open uses timestamps (it carries the option and the listener takes it).
  TimeWaitResult process(Instant now, const IpAddress& src, const IpAddress& dst,
                         const wire::tcp::Repr& seg, bool new_timestamps);
  // expire — reclaims every entry whose 2MSL has ended by now.
  void expire(Instant now);
  // holds_local_port — a live or unreclaimed entry uses this local port (an ephemeral
  // port must not be reused for its 4-tuple).
  bool holds_local_port(uint16_t port) const;
  // find — the live entry for a 4-tuple (tests, diagnostics).
  const TimeWaitEntry* find(const FourTuple& t, Instant now) const;
  size_t capacity() const { return entries_.size(); }
  const TimeWaitStats& stats() const { return stats_; }

 private:
  TimeWaitEntry* lookup(const FourTuple& t, Instant now);
  void release(TimeWaitEntry& e);
  Outgoing ack(const TimeWaitEntry& e, Instant now) const;
  bool take_challenge(Instant now);

  Span<TimeWaitEntry> entries_;
  TimeWaitStats stats_;
  Instant challenge_epoch_;
  uint32_t challenges_ = 0;
};

// FixedTimeWaitTable<N> — a TimeWaitTable holding N entries.
template <size_t N>
class FixedTimeWaitTable : public TimeWaitTable {
 public:
  FixedTimeWaitTable() : TimeWaitTable(Span<TimeWaitEntry>(entries_, N)) {}

 private:
  TimeWaitEntry entries_[N];
};

// time_wait_entry — the entry for a socket in TIME-WAIT (its 2MSL deadline kept).
TimeWaitEntry time_wait_entry(const Socket& s, Instant now);

}  // namespace keel::tcp
