// listener.hpp — tcp::Listener: the LISTEN state (RFC 9293 §3.10.7.2) for one local
// endpoint, with a bounded SYN queue and a bounded accept queue.
//
// No Socket exists until the application accepts: a half-open connection is one small
// Pending entry (the handshake's numbers and options), the Listener sends and
// retransmits its SYN,ACK, and the completing ACK moves it to the accept queue;
// accept() turns the oldest into an Established Socket. Data or a FIN that arrives
// before accept() is dropped unacknowledged (the peer retransmits it to the socket);
// on the very segment that completes the handshake it is handed back to the caller,
// which delivers it to the socket if it accepts at once (the Stack does).
//
// When there is no room, clients are made to wait, never reset (as Linux does):
//  - no socket to take the connection (the owner passes its room — free sockets — to
//    dispatch() and poll_at()): the SYN is queued but its SYN,ACK waits until the
//    connections already committed (established, or answered within the last SYN,ACK
//    timeout) leave room, first come first served. The client's handshake then
//    completes when a socket can take it, and it sends its data once, to that socket,
//    rather than into a full accept queue and again on its retransmission timer. A
//    waiting entry lives while the client keeps retransmitting its SYN;
//  - accept queue full: a SYN is dropped unanswered and the client sends it again
//    later; a completing ACK is dropped and the entry stays half-open;
//  - SYN queue full (or every slot taken): a SYN cookie (RFC 4987 §3.6) answers only
//    when the cookie's ACK could be taken in — the accept queue has room and a slot is
//    free or held by a stale half-open entry (one whose SYN,ACK went unanswered for a
//    whole retransmission timeout, as a spoofed flood's do). Otherwise the SYN is
//    dropped. A valid cookie that finds no room after all is dropped too; it evicts a
//    stale half-open entry only once the accept queue is known to have room.
//  - while cookies are outstanding, a segment with data or a FIN whose cookie cannot
//    be checked (a cookie connection whose completing ACK was dropped: its sequence
//    number no longer gives the client's ISN) is dropped, not reset: the client's
//    retransmission from its first byte checks.
// Every SYN is counted exactly once as queued, answered with a cookie, or dropped.
// Cookie connections carry only the MSS: no window scaling, SACK or timestamps.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/result.hpp"
#include "core/base/span.hpp"
#include "core/socket/tcp/socket.hpp"

namespace keel::tcp {

enum class ListenError : uint8_t { InvalidState, Unaddressable };

// kCookieLifetime — how long after the last SYN cookie was sent an ACK may still carry
// one: at least the codec's validity (SynCookies: two 64-second periods).
inline constexpr Duration kCookieLifetime = Duration::seconds(128);
enum class AcceptError : uint8_t { Empty, NotListening };

// ListenerOptions — what the SYN,ACK offers; rx_capacity is the accepting sockets'
// receive buffer (it sets the window and the window-scale shift).
struct ListenerOptions {
  uint16_t mss = 1460;
  bool window_scaling = true;
  bool timestamps = true;
  bool sack = true;
  size_t rx_capacity = kDefaultRxBuffer;
  Duration synack_rto = Duration::seconds(1);  // doubled per retransmission
  uint8_t synack_retries = 5;                  // Linux tcp_synack_retries
};

// ListenerStats — counters of what the listener did and dropped. Every SYN for a new
// connection is counted in syns and in exactly one of syns_queued, cookies_sent and
// syns_dropped.
struct ListenerStats {
  uint32_t syns = 0;              // SYNs for connections the listener did not know
  uint32_t syns_queued = 0;       // ... that got a SYN-queue entry (and a SYN,ACK)
  uint32_t syns_dropped = 0;      // ... dropped unanswered: no room (the client retries)
  uint32_t syn_queue_full = 0;    // SYNs that found the SYN queue (or every slot) taken
  uint32_t accept_queue_full = 0; // SYNs and completing ACKs dropped: accept queue full
  uint32_t cookies_sent = 0, cookies_accepted = 0;
  uint32_t cookies_rejected = 0;     // ACKs whose cookie did not check (RST, or dropped)
  uint32_t cookie_acks_dropped = 0;  // valid cookies dropped for lack of room
  uint32_t resets_sent = 0;
  uint32_t synack_retransmits = 0, synack_timeouts = 0, dropped_before_accept = 0;
  uint32_t half_open_evicted = 0;  // stale half-open entries given up for a valid cookie
  uint32_t synacks_deferred = 0;   // queued SYNs whose SYN,ACK waited for room
  uint32_t deferred_expired = 0;   // ... given up: the client stopped retransmitting its SYN
};

// Pending — one half-open or established-but-not-accepted connection.
struct Pending {
  bool used = false;
  bool established = false;
  bool answered = false;    // its SYN,ACK was sent (else it waits for room)
  bool synack_due = false;  // (answered) send the SYN,ACK again now
  bool deferred = false;    // its SYN,ACK had to wait for room (counted once)
  uint8_t retries = 0;
  uint32_t order = 0;  // arrival order while half-open, then accept-queue position (FIFO)
  Instant rto_at;      // answered: the SYN,ACK timer; waiting: when to give up
  Handshake h;
};

// kNoRoomLimit — dispatch()/poll_at() room when the owner sets no limit.
inline constexpr size_t kNoRoomLimit = ~size_t(0);

class Listener {
 public:
  // Listener(slots, syn_backlog, accept_backlog) — slots hold both queues.
  Listener(Span<Pending> slots, size_t syn_backlog, size_t accept_backlog)
      : slots_(slots), syn_backlog_(syn_backlog), accept_backlog_(accept_backlog) {}
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  ListenerOptions& options() { return opt_; }
  // listen — starts listening on local (unspecified address: any); cookies optional.
  Result<void, ListenError> listen(const Endpoint& local, IsnSource& isns,
                                   SynCookieCodec* cookies = nullptr);
  // close — stops listening and forgets every pending connection.
  void close();
  bool is_listening() const { return isns_ != nullptr; }
  const Endpoint& local() const { return local_; }
  // pending_accepts — established connections waiting for accept().
  size_t pending_accepts() const;
  size_t half_open() const;
  // committed — connections that will want a socket soon: established (not yet
  // accepted) or answered with a SYN,ACK not yet retransmitted (an answer that went
  // unanswered for a whole timeout no longer holds room).
  size_t committed() const;
  // accept — the oldest established connection becomes sock (which must be Closed).
  Result<void, AcceptError> accept(Instant now, Socket& sock);
  const ListenerStats& stats() const { return stats_; }

  // ---- used by the Stack (after no connected Socket accepted the segment) ----
  bool accepts(const IpAddress& src, const IpAddress& dst, const wire::tcp::Repr& seg) const;
  // process — one segment for this listener. iss, when given, is the ISN a connection
  // opened by this SYN must use (the Stack reopening a TIME-WAIT 4-tuple, RFC 6191:
  // beyond the old connection's sequence space); a cookie still carries its own.
  // Returns true when seg completed a handshake and carries data or a FIN the listener
  // did not take: the caller hands it to the connection's socket once accepted, or
  // counts it with dropped_before_accept().
  bool process(Instant now, const IpAddress& src, const IpAddress& dst,
               const wire::tcp::Repr& seg, Optional<uint32_t> iss = none);
  // dropped_before_accept — a completing segment's data or FIN found no socket (the
  // peer sends it again).
  void dropped_before_accept() { ++stats_.dropped_before_accept; }
  // dispatch — the next segment to send. room: how many more connections the owner
  // could take now (free sockets); SYN,ACKs beyond what it could take wait.
  Optional<Outgoing> dispatch(Instant now, MutBytes payload_buf, size_t room = kNoRoomLimit);
  // poll_at — when dispatch() has work, with the same room.
  Optional<Instant> poll_at(size_t room = kNoRoomLimit) const;

 private:
  struct Reply {  // a stateless answer: RST, or a SYN,ACK carrying a cookie
    IpAddress src, dst;
    wire::tcp::Repr repr;
  };
  Pending* find(const FourTuple& t);
  Pending* free_slot();
  // stale_half_open — the half-open entry unanswered longest among those whose SYN,ACK
  // was retransmitted at least once (none: every half-open entry is fresh).
  Pending* stale_half_open();
  bool accept_queue_has_room() const { return pending_accepts() < accept_backlog_; }
  // oldest_waiting — the first-come half-open entry whose SYN,ACK waits for room.
  Pending* oldest_waiting();
  // wait_limit — how long a waiting entry lives after the client's last SYN (the
  // SYN,ACK schedule's whole length: the client retransmits well within it).
  Duration wait_limit() const { return opt_.synack_rto * (int64_t(2) << opt_.synack_retries); }
  // cookies_outstanding — a cookie sent recently enough that its ACK may still come.
  bool cookies_outstanding(Instant now) const;
  void process_syn(Instant now, const FourTuple& t, const wire::tcp::Repr& seg,
                   Optional<uint32_t> iss);
  bool process_cookie_ack(Instant now, const FourTuple& t, const IpAddress& src,
                          const IpAddress& dst, const wire::tcp::Repr& seg);
  void reply(const IpAddress& src, const IpAddress& dst, const wire::tcp::Repr& r);
  void reply_rst(const IpAddress& src, const IpAddress& dst, const wire::tcp::Repr& seg);
  Outgoing synack(Instant now, const Pending& p) const;
  uint8_t rcv_wscale() const;

  Span<Pending> slots_;
  size_t syn_backlog_, accept_backlog_;
  ListenerOptions opt_;
  Endpoint local_;
  IsnSource* isns_ = nullptr;
  SynCookieCodec* cookies_ = nullptr;
  uint32_t order_ = 0;
  Optional<Instant> last_cookie_;  // when the last SYN cookie was sent
  static constexpr size_t kMaxReplies = 4;
  Reply replies_[kMaxReplies];
  size_t reply_count_ = 0;
  ListenerStats stats_;
};

// FixedListener<N> — a Listener holding N slots, shared by both queues.
template <size_t N = 8>
class FixedListener : public Listener {
 public:
  explicit FixedListener(size_t syn_backlog = N, size_t accept_backlog = N)
      : Listener(Span<Pending>(slots_, N), syn_backlog, accept_backlog) {}

 private:
  Pending slots_[N];
};

}  // namespace keel::tcp
