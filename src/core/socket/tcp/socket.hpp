// socket.hpp — tcp::Socket: one TCP connection as a sans-IO state machine (RFC 9293).
//
// Implements: the state machine and the segment-arrival rules of RFC 9293 §3.10
// (acceptability test §3.10.7.4, simultaneous open and close, half-close, RST in every
// state); retransmission timer RFC 6298 with Karn's rule and backoff; window scaling,
// timestamps and PAWS (RFC 7323); delayed ACK, Nagle and silly window avoidance on
// both sides (RFC 9293 §3.8.6); zero-window probing; fast retransmit, NewReno fast
// recovery and limited transmit (RFC 5681, RFC 6582, RFC 3042) with IW10 (RFC 6928);
// RFC 5961 (challenge ACKs, rate-limited); keepalive (RFC 9293 §3.8.4) and a user
// timeout (RFC 5482 semantics, local only); SACK-permitted and SACK blocks for
// out-of-order data (RFC 2018). With SACK negotiated, loss recovery is RFC 6675's
// (scoreboard, pipe, NextSeg; sack_scoreboard.*), retransmissions after a timeout
// skip SACKed data, and a tail loss probe (RFC 8985 §7) turns a lost tail of a small
// window into SACK feedback after two RTTs instead of a timeout; without SACK, NewReno.
// A fast recovery whose retransmission proves spurious by its timestamp echo (Eifel
// detection, RFC 3522) is undone (RFC 4015: the congestion state before it comes back)
// and the duplicate-ACK threshold grows to the reordering seen.
//
// The socket owns no memory: its rx and tx rings use storage from its owner
// (FixedSocket<RX, TX> holds arrays). Byte 0 of the tx ring is sequence number
// tx_base_ (the oldest unacknowledged data byte); the tail of the rx ring is rcv_nxt,
// and out-of-order data lies in the rx free space beyond it, tracked by an Assembler.
// Invariants: snd_una <= snd_nxt <= snd_max; tx ring bytes = [tx_base_, tx_base_ + size).
//
// The Stack demultiplexes by 4-tuple (accepts), feeds received segments (process),
// takes segments to send until none is left (dispatch) and sleeps until poll_at().
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/result.hpp"
#include "core/base/span.hpp"
#include "core/base/time.hpp"
#include "core/socket/endpoint.hpp"
#include "core/socket/tcp/congestion_cubic.hpp"
#include "core/socket/tcp/congestion_newreno.hpp"
#include "core/socket/tcp/hooks.hpp"
#include "core/socket/tcp/sack_scoreboard.hpp"
#include "core/storage/assembler.hpp"
#include "core/storage/ring_buffer.hpp"
#include "core/wire/tcp.hpp"

namespace keel::tcp {

using wire::IpAddress;

// Default buffer sizes; they move to include/keel/config.hpp when the Stack owns sockets.
inline constexpr size_t kDefaultRxBuffer = 16 * 1024;
inline constexpr size_t kDefaultTxBuffer = 16 * 1024;
// kMaxOooRanges — separate out-of-order ranges kept per connection (holes bounded).
inline constexpr size_t kMaxOooRanges = 4;

// State — RFC 9293 §3.3.2 (Listen lives in tcp::Listener).
enum class State : uint8_t {
  Closed,
  SynSent,
  SynReceived,
  Established,
  FinWait1,
  FinWait2,
  CloseWait,
  Closing,
  LastAck,
  TimeWait,
};
// state_name — a short stable name for logs and tests.
const char* state_name(State s);

// Error — why a connection ended abnormally (read with Socket::error()).
enum class Error : uint8_t {
  None,
  Refused,   // RST in answer to our SYN
  Reset,     // RST in a synchronized state
  TimedOut,  // retransmissions, user timeout or keepalive gave up
  Unreachable,  // an ICMP hard error answered our SYN (RFC 1122 §4.2.3.9)
  Aborted,   // abort(), or close() had to reset: unread data, data after it, linger 0
};

enum class ConnectError : uint8_t { InvalidState, Unaddressable };
enum class SendError : uint8_t { InvalidState, WriteClosed };
enum class RecvError : uint8_t { InvalidState, Finished };

// Options — per-socket settings; defaults follow the RFCs (Linux values in comments).
struct Options {
  uint16_t mss = 1460;                  // MSS we announce (the route's MTU - 40)
  bool nodelay = false;                 // disable Nagle (TCP_NODELAY)
  bool window_scaling = true;           // offer RFC 7323 window scaling
  bool timestamps = true;               // offer RFC 7323 timestamps
  bool sack = true;                     // offer SACK-permitted (RFC 2018)
  bool tail_loss_probe = true;          // RFC 8985 §7 (with SACK only; Linux: tcp_early_retrans)
  CongestionAlgorithm congestion = CongestionAlgorithm::NewReno;
  Duration min_rto = Duration::seconds(1);   // RFC 6298 (2.4); Linux uses 200 ms
  Duration max_rto = Duration::seconds(60);  // RFC 6298 (2.5)
  Duration initial_rto = Duration::seconds(1);
  Duration ack_delay = Duration::millis(40);  // delayed ACK timer (RFC 9293: < 0.5 s)
  Duration time_wait = Duration::seconds(60);  // 2MSL (Linux: 60 s)
  Duration user_timeout{};              // 0: none; else give up when data stays unacked
  uint8_t max_retries = 15;             // RTOs in a row before giving up (tcp_retries2)
  uint8_t syn_retries = 6;              // SYN retransmissions before giving up
  bool keepalive = false;               // RFC 9293 §3.8.4, off by default
  Duration keepalive_idle = Duration::seconds(7200);
  Duration keepalive_interval = Duration::seconds(75);
  uint8_t keepalive_count = 9;
  uint8_t challenge_ack_limit = 10;     // challenge ACKs per second (RFC 5961 §7)
  // fin_wait2_timeout — after close() and the ACK of our FIN, how long FIN-WAIT-2 waits
  // for the peer's FIN before the socket gives up (Closed, TimedOut, nothing sent);
  // 0: forever. Linux tcp_fin_timeout. A half-close (shutdown_write) waits forever.
  Duration fin_wait2_timeout = Duration::seconds(60);
  // linger — SO_LINGER. None (the default) or a non-zero time: close() is graceful and
  // returns at once, the FIN following the queued data in the background; the time is
  // for a blocking socket layer, which may wait that long in close() for the FIN to be
  // acknowledged (send_queue() 0 and FIN-WAIT-2, TIME-WAIT or Closed) — the core does
  // nothing with it. Zero: close() is abortive like abort() — queued data is discarded
  // and a RST sent where RFC 9293 §3.10.5 says so.
  Optional<Duration> linger;
};

// Diagnostics — what a socket can tell about itself (TCP_INFO-like).
struct Diagnostics {
  State state = State::Closed;
  Duration srtt, rttvar, rto;
  uint32_t cwnd = 0, ssthresh = 0, snd_wnd = 0, rcv_wnd = 0, smss = 0;
  uint32_t snd_una = 0, snd_nxt = 0, snd_max = 0, rcv_nxt = 0;
  uint64_t segs_in = 0, segs_out = 0, bytes_acked = 0, bytes_received = 0;
  uint32_t retransmissions = 0;   // segments sent again
  uint32_t timeouts = 0;          // RTO expirations
  uint32_t fast_recoveries = 0;   // entries into fast recovery
  uint32_t sack_recoveries = 0;   // of which on connections with SACK negotiated
  uint32_t lost_retransmissions = 0;  // retransmissions found lost by SACK, sent again
  uint32_t tail_loss_probes = 0;      // RFC 8985 §7 probes sent
  uint32_t spurious_recoveries = 0;   // fast recoveries undone (RFC 3522 detection)
  uint32_t dup_thresh = 3;            // duplicate ACKs that start recovery now
  uint32_t dup_acks = 0;
  uint32_t challenge_acks = 0;
  uint32_t dropped_unacceptable = 0;  // failed the acceptability or PAWS test
  uint32_t dropped_ooo = 0;           // out-of-order data without a free range
  uint32_t zero_window_probes = 0, keepalive_probes = 0;
  uint32_t icmp_accepted = 0, icmp_ignored = 0;  // ICMP errors acted on / failing RFC 5927
  uint32_t pmtu_reductions = 0;                   // RFC 1191 packet-too-big acted on
  uint32_t fin_wait2_timeouts = 0;                // FIN-WAIT-2 given up after close()
  uint32_t aborts_on_close = 0;  // close() sent RST: unread data or linger 0 (RFC 2525 §2.17)
  uint32_t aborts_on_data = 0;   // data arrived after close(): RST sent
  bool window_scaling = false, timestamps = false, sack = false;
  uint8_t snd_wscale = 0, rcv_wscale = 0;
};

// Outgoing — one segment to send: addresses and a Repr whose payload views the
// caller's scratch buffer.
struct Outgoing {
  IpAddress src, dst;
  wire::tcp::Repr repr;
  bool retransmission = false;  // data or FIN sent before (for tcpRetransSegs)
};

// Handshake — a connection established by a Listener, handed to Socket::accept_from.
struct Handshake {
  FourTuple tuple;
  uint32_t iss = 0, irs = 0;
  uint16_t peer_mss = 536;
  Optional<uint8_t> peer_wscale;  // set: both sides scale (we offered rcv_wscale)
  uint8_t rcv_wscale = 0;
  bool sack = false;
  bool timestamps = false;
  uint32_t ts_recent = 0;
  uint32_t ts_offset = 0;
  uint32_t peer_window = 0;  // from the completing ACK, already scaled
  uint32_t rcv_adv = 0;      // right edge of the window we announced
};

class Socket {
 public:
  // Socket(rx, tx) — rx and tx ring storage owned by the caller for the socket's life.
  Socket(MutBytes rx_storage, MutBytes tx_storage);
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // ---- user API ----
  Options& options() { return opt_; }
  const Options& options() const { return opt_; }
  // connect — active open (RFC 9293 §3.10.1) with the given ISN; the SYN goes out on
  // the next dispatch(). Only from Closed.
  Result<void, ConnectError> connect(Instant now, const Endpoint& local, const Endpoint& remote,
                                     uint32_t isn);
  // connect — as above, the ISN drawn from isns.
  Result<void, ConnectError> connect(Instant now, const Endpoint& local, const Endpoint& remote,
                                     IsnSource& isns) {
    return connect(now, local, remote, isns.isn(local, remote, now));
  }
  // accept_from — becomes the Established side of a Listener's handshake.
  void accept_from(Instant now, const Handshake& h);

  // send — queues as much of data as fits; the count queued (0 when full).
  Result<size_t, SendError> send(Bytes data);
  // send_window / commit_send — zero-copy send: fill a prefix, then commit it.
  MutBytes send_window() const;
  Result<size_t, SendError> commit_send(size_t n);
  // recv — copies received bytes out; 0 when nothing has arrived yet; Finished once
  // the peer's FIN was read past.
  Result<size_t, RecvError> recv(MutBytes buf);
  // recv_window / consume — zero-copy receive.
  Bytes recv_window() const { return rx_.read_window(); }
  size_t consume(size_t n);
  // close — the application is done with the connection, both ways: FIN after all
  // queued data (RFC 9293 §3.10.4); from SynSent it just closes. FIN-WAIT-2 then lasts
  // at most Options::fin_wait2_timeout. Abortive instead — abort(), a RST where RFC
  // 9293 §3.10.5 says so — when received data is still unread, and later when new
  // data arrives (it would be lost while the peer believes it delivered: RFC 1122
  // §4.2.2.13, RFC 2525 §2.17), or with Options::linger zero.
  void close();
  // shutdown_write — half-close: the same FIN, but reading goes on until the peer's FIN
  // for as long as the peer likes.
  void shutdown_write();
  // abort — RST to the peer where RFC 9293 §3.10.5 says so, then Closed (Aborted).
  void abort();

  State state() const { return state_; }
  Error error() const { return error_; }
  const Endpoint& local() const { return local_; }
  const Endpoint& remote() const { return remote_; }
  // is_open — not Closed and not TimeWait.
  bool is_open() const { return state_ != State::Closed && state_ != State::TimeWait; }
  // may_send — send() can queue data now (connection open, write side not shut).
  bool may_send() const;
  // may_recv — more data may arrive or is buffered.
  bool may_recv() const;
  size_t send_queue() const { return tx_.size(); }
  size_t recv_queue() const { return rx_.size(); }
  Diagnostics diagnostics() const;
  // scoreboard — the sender's SACK state (meaningful when SACK was negotiated).
  const SackScoreboard& scoreboard() const { return sb_; }

  // ---- used by the Stack ----
  bool accepts(const IpAddress& src, const IpAddress& dst, const wire::tcp::Repr& seg) const;
  void process(Instant now, const IpAddress& src, const IpAddress& dst,
               const wire::tcp::Repr& seg);
  Optional<Outgoing> dispatch(Instant now, MutBytes payload_buf);
  // on_icmp_error — an ICMP error quoting our segment with sequence number seq. Acted on
  // only if snd_una <= seq < snd_max (RFC 5927 §4.1); a hard error (port or protocol
  // unreachable) ends a connection still opening (RFC 1122 §4.2.3.9), others are soft
  // (the connection goes on; its retransmissions decide). Returns whether accepted.
  bool on_icmp_error(const wire::IpAddress& src, uint32_t seq, bool hard);
  // on_packet_too_big — RFC 1191: the path MTU is mtu; the MSS shrinks to fit and the
  // first unacknowledged segment is sent again at once. Same RFC 5927 check.
  bool on_packet_too_big(uint32_t seq, uint16_t mtu);
  // poll_at — the next instant dispatch() has work; an instant in the past (0) means
  // now; none when nothing is pending.
  Optional<Instant> poll_at() const;

  // ---- TIME-WAIT hand-over to the Stack's table (time_wait.hpp) ----
  // time_wait_deadline — when 2MSL ends (none outside TIME-WAIT).
  Optional<Instant> time_wait_deadline() const { return time_wait_at_; }
  // ts_recent / ts_offset — the peer's last timestamp and our timestamp clock's offset.
  uint32_t ts_recent() const { return ts_recent_; }
  uint32_t ts_offset() const { return ts_offset_; }
  // leave_time_wait — the connection now lives in a TIME-WAIT entry: Closed, without
  // error and with nothing more to send (only in TimeWait).
  void leave_time_wait() {
    if (state_ == State::TimeWait) enter_closed(Error::None);
  }

 private:
  CongestionControl& cc();
  const CongestionControl& cc() const;
  void reset_connection();
  void enter_closed(Error e);
  void set_state(State s);
  void init_common(Instant now);
  uint32_t data_end() const { return tx_base_ + uint32_t(tx_.size()); }
  uint32_t fin_seq() const { return data_end(); }
  bool fin_acked() const;
  uint32_t flight_size() const { return snd_max_ - snd_una_; }
  uint32_t rcv_wnd() const;
  uint16_t window_field(bool syn);
  uint32_t tsval(Instant now) const { return uint32_t(now.millis()) + ts_offset_; }

  void process_syn_sent(Instant now, const wire::tcp::Repr& seg);
  void process_synchronized(Instant now, const wire::tcp::Repr& seg);
  bool process_ack(Instant now, const wire::tcp::Repr& seg, uint32_t seg_len);
  void process_text(Instant now, const wire::tcp::Repr& seg);
  void take_peer_options(const wire::tcp::Repr& seg);
  void rtt_sample(Duration r);
  void challenge_ack(Instant now);
  void owe_ack();
  void queue_rst(uint32_t seq, uint32_t ack, bool with_ack);
  void run_timers(Instant now);
  void on_rto(Instant now);
  Outgoing make(Instant now, uint32_t seq, uint8_t flags, Bytes payload);
  Optional<Outgoing> send_data(Instant now, MutBytes buf, bool force);
  Optional<Outgoing> segment_at(Instant now, MutBytes buf, uint32_t seq, uint32_t max_len,
                                SackScoreboard::Segment::Kind kind = SackScoreboard::Segment::Kind::Retransmit);
  void enter_recovery(Instant now);
  bool undo_if_spurious(const wire::tcp::Repr& seg, uint32_t sacked_before);
  Optional<Outgoing> send_sack_recovery(Instant now, MutBytes buf);
  uint32_t new_data_room() const;
  void arm_tlp(Instant now);
  Optional<Outgoing> send_tlp(Instant now, MutBytes buf);
  void check_window_update();
  Optional<Instant> keepalive_due() const;

  storage::RingBuffer rx_;
  storage::RingBuffer tx_;
  storage::Assembler<kMaxOooRanges> ooo_;
  NewReno newreno_;
  Cubic cubic_;
  CongestionAlgorithm algorithm_ = CongestionAlgorithm::NewReno;  // fixed per connection
  Options opt_;
  SackScoreboard sb_;  // RFC 6675 sender state, used when sack_on_

  State state_ = State::Closed;
  Error error_ = Error::None;
  Endpoint local_, remote_;
  bool fin_queued_ = false;

  // send sequence space (RFC 9293 §3.3.1)
  uint32_t iss_ = 0, snd_una_ = 0, snd_nxt_ = 0, snd_max_ = 0, tx_base_ = 0;
  uint32_t snd_wnd_ = 0, max_snd_wnd_ = 0, snd_wl1_ = 0, snd_wl2_ = 0;
  uint8_t snd_wscale_ = 0, rcv_wscale_ = 0;
  uint16_t smss_ = 536;
  // receive sequence space
  uint32_t irs_ = 0, rcv_nxt_ = 0, rcv_adv_ = 0, last_ack_sent_ = 0;
  uint32_t last_ooo_ = 0;  // start of the latest out-of-order arrival (first SACK block)
  // options negotiated
  bool ts_on_ = false, sack_on_ = false, wscale_on_ = false;
  uint32_t ts_recent_ = 0, ts_offset_ = 0;

  // RTT and retransmission (RFC 6298)
  bool have_rtt_ = false;
  Duration srtt_, rttvar_, rto_;
  bool rtt_timing_ = false;  // Karn: one segment timed when timestamps are off
  uint32_t rtt_seq_ = 0;
  Instant rtt_sent_;
  uint8_t retries_ = 0;
  bool rto_ts_guard_ = false;  // a timeout happened: skip echoes older than rto_tsval_
  uint32_t rto_tsval_ = 0;
  Instant last_progress_;  // last time snd_una advanced (user timeout)

  // loss recovery (RFC 5681, 6582, 3042)
  uint8_t dupacks_ = 0;
  uint32_t recover_ = 0;
  int32_t inflation_ = 0;
  bool rexmit_one_ = false;
  Optional<SackScoreboard::Segment> sack_first_;  // RFC 6675 §5 step 3, sent regardless of pipe
  uint32_t dup_thresh_ = SackScoreboard::kDupThresh;
  // Undo of a spurious fast recovery (RFC 3522, RFC 4015): the congestion control as it
  // was before, the first retransmitted sequence number and the TSval it carried.
  NewReno newreno_undo_;
  Cubic cubic_undo_;
  bool undo_armed_ = false, undo_tsval_set_ = false;
  uint32_t undo_seq_ = 0, undo_tsval_ = 0;
  bool tlp_due_ = false;          // the probe timeout fired: send one probe
  bool tlp_outstanding_ = false;  // a probe was sent and no ACK of new data came since

  // timers
  Optional<Instant> rto_at_, ack_at_, persist_at_, time_wait_at_, tlp_at_;
  uint8_t persist_backoff_ = 0;
  uint8_t probes_unanswered_ = 0;  // zero-window probes since the peer last sent anything
  bool probe_due_ = false;
  Instant last_rx_;
  uint8_t ka_sent_ = 0;
  bool ka_due_ = false;
  Instant last_tx_;

  // pending replies
  bool want_tx_ = false;  // dispatch may have something to send
  bool ack_now_ = false;
  uint8_t unacked_segs_ = 0;
  static constexpr uint8_t kMaxAcksOwed = 8;
  uint8_t acks_owed_ = 0;  // immediate ACKs due, one per out-of-order segment
  bool rst_pending_ = false;
  uint32_t rst_seq_ = 0, rst_ack_ = 0;
  bool rst_with_ack_ = false;
  Instant challenge_epoch_;
  uint8_t challenge_count_ = 0;

  // closing
  Optional<uint32_t> peer_fin_;  // sequence number of a FIN that arrived out of order
  bool rcv_closed_ = false;      // close() was called: the application reads no more
  Optional<Instant> fin_wait2_at_;

  Diagnostics stats_;
};

// FixedSocket<RX, TX> — a Socket holding its own ring storage.
template <size_t RX = kDefaultRxBuffer, size_t TX = kDefaultTxBuffer>
class FixedSocket : public Socket {
 public:
  FixedSocket() : Socket(MutBytes(rx_mem_, RX), MutBytes(tx_mem_, TX)) {}

 private:
  uint8_t rx_mem_[RX];
  uint8_t tx_mem_[TX];
};

}  // namespace keel::tcp
