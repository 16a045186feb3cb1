// dhcpv4_client.hpp — dhcp::Client: a sans-IO DHCPv4 client (RFC 2131) that probes an
// offered address with ARP before using it (RFC 5227).
//
// The client owns no socket, clock or timer. The host (the Stack's DHCP service) gives
// it every UDP payload that arrives on port 68 (on_datagram) and every ARP packet of
// another host that claims the address being probed or held (on_arp_conflict), and
// drains what it wants done: DHCP messages to send from port 68 to 67 (poll_transmit),
// ARP probes and announcements (poll_arp), and lease changes (poll_event). Timers run
// inside poll_transmit, poll_arp, on_datagram and on_arp_conflict, so in each pass call
// poll_transmit and poll_arp before poll_event; poll_at() says when to call again.
//
// Events: Bound, Renewed and Rebound carry a lease to apply (address/prefix, router,
// DNS); Lost carries the lease whose address must be removed now (expiry, a NAK while
// holding it, a conflict after Bound). Nak and Declined are informational: a NAK that
// ends a lease in use is followed by Lost. release() and stop() queue no event: the
// caller removes the address itself (after sending the RELEASE poll_transmit returns).
//
// Policy, where RFC 2131 leaves a choice:
//  - State Selecting covers INIT too: a DISCOVER is due (maybe after a wait) or out.
//    The first acceptable OFFER is taken at once; later ones are counted wrong_type.
//  - DISCOVER and REQUEST are retransmitted after initial_retransmit, doubling up to
//    max_retransmit, each delay ±1 s random (RFC 2131 §4.1); the xid is kept for the
//    retransmissions of one exchange and drawn anew for each exchange. Requesting gives
//    up after max_request_tries REQUESTs (4: 60 s, §4.4.1), Rebooting after
//    max_reboot_tries; both then restart INIT. max_discover_tries DISCOVERs unanswered
//    (if not 0) leave the client Idle (stats.gave_up).
//  - RENEWING unicasts to the lease's server, REBINDING broadcasts; each retransmits
//    after half the time left to T2 / expiry, at least 60 s (§4.4.5). T1/T2/expiry
//    count from acquired_at, the instant the ACK arrived. A lease of 0xffffffff seconds
//    is infinite (§3.3): it is never renewed.
//  - After an ACK (Requesting, Rebooting, or a renewal that changes the address) the
//    address is probed when arp_probe is set: 3 probes 1–2 s apart after 0–1 s, then
//    2 s of silence (RFC 5227 §2.1.1), then Bound and 2 announcements 2 s apart (§2.3).
//    A conflict while probing sends a DECLINE and restarts after decline_wait (60 s
//    once 10 conflicts happened in a row, RFC 5227 MAX_CONFLICTS). After Bound, a
//    conflict is defended with one announcement; a second within 10 s gives the address
//    up (RFC 5227 §2.4 (b)): Lost, DECLINE, restart after the wait.
//  - A reply is accepted only if it parses with wire::dhcpv4, is a BOOTREPLY, arrives
//    while an exchange is open, carries our chaddr and our xid, has the message type
//    the state takes (OFFER in Selecting, ACK or NAK in Requesting, Rebooting, Renewing
//    and Rebinding), names the server we chose (Requesting, Renewing) when it carries a
//    server id, and, for OFFER and ACK, holds a unicast yiaddr, an OFFER a server id and
//    an ACK a lease time. Anything else is counted in Stats under the first failed
//    check, in that order, and changes nothing.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/queue.hpp"
#include "core/base/random.hpp"
#include "core/base/span.hpp"
#include "core/base/time.hpp"
#include "core/base/vec.hpp"
#include "core/wire/address.hpp"
#include "core/wire/dhcpv4.hpp"

namespace keel::dhcp {

struct Config {
  wire::MacAddress mac;
  Optional<wire::Ipv4Address> previous_address;  // INIT-REBOOT when set (RFC 2131 §3.2)
  Bytes hostname;   // option 12 when non-empty (caller keeps the bytes alive; ≤255 sent)
  Bytes client_id;  // option 61; when empty use type 1 + mac
  Duration initial_retransmit = Duration::seconds(4);  // RFC 2131 §4.1: 4 s, doubling to 64 s, ±1 s jitter
  Duration max_retransmit = Duration::seconds(64);
  uint8_t max_discover_tries = 0;  // 0: forever (with backoff capped at max_retransmit)
  bool arp_probe = true;           // RFC 5227 probe before using an offered address
  uint8_t max_request_tries = 4;   // REQUESTs in Requesting before INIT (RFC 2131 §4.4.1; 0 acts as 1)
  uint8_t max_reboot_tries = 3;    // REQUESTs in Rebooting before INIT (0 acts as 1)
  bool broadcast_flag = false;     // ask for broadcast replies before we have an address (§4.1)
  Duration start_delay_max;        // random 0..this before the first DISCOVER (§4.4.1 says 1–10 s)
  Duration decline_wait = Duration::seconds(10);  // after a DECLINE (RFC 2131 §3.1.5)
  uint16_t max_message_size = 1500;  // option 57 (at least 576 is sent)
};

struct Lease {
  wire::Ipv4Address address;
  uint8_t prefix_len = 0;                 // from option 1 (default by class if absent: /24)
  Optional<wire::Ipv4Address> router;     // first of option 3
  Vec<wire::Ipv4Address, 3> dns_servers;  // option 6
  Vec<wire::Ipv4Address, 2> ntp_servers;  // option 42
  wire::Ipv4Address server_id;            // option 54 (else the reply's IP source)
  Duration lease_time, t1, t2;  // 51, 58 (default 0.5*lease), 59 (default 0.875*lease)
  Instant acquired_at;          // when the ACK arrived (time base for T1/T2/expiry)
  char hostname[64] = {};       // 12, NUL-terminated, truncated safely
  char domain[64] = {};         // 15, likewise
};

enum class EventKind : uint8_t { Bound, Renewed, Rebound, Lost, Declined, Nak };
// Event — Lost: lease holds what was lost; Nak: the lease held or the address asked.
struct Event {
  EventKind kind;
  Lease lease;
};

// Transmit — a datagram to send on UDP 68 -> 67: src 0.0.0.0 until bound; dst
// 255.255.255.255 or the server (unicast renew, release).
struct Transmit {
  size_t length;
  wire::Ipv4Address src;
  wire::Ipv4Address dst;
};

enum class ArpKind : uint8_t { Probe, Announce };
struct ArpRequest {
  ArpKind kind;
  wire::Ipv4Address address;
};

enum class State : uint8_t {
  Idle, InitReboot, Rebooting, Selecting, Requesting, Probing, Bound, Renewing, Rebinding
};

// Stats — messages sent, replies taken, and every reply rejected under one reason.
struct Stats {
  uint64_t discovers = 0, requests = 0, declines = 0, releases = 0;  // sent
  uint64_t retransmits = 0;      // of the above, repeats within one exchange
  uint64_t offers = 0, acks = 0, naks = 0;  // replies accepted
  uint64_t malformed = 0;        // not a message wire::dhcpv4 parses
  uint64_t not_reply = 0;        // op BOOTREQUEST
  uint64_t unexpected = 0;       // no exchange open (Idle, Probing, Bound)
  uint64_t wrong_chaddr = 0;     // another client's hardware address
  uint64_t wrong_xid = 0;        // not the current exchange's xid
  uint64_t wrong_type = 0;       // a message type this state does not take
  uint64_t wrong_server = 0;     // server id not the server we chose
  uint64_t missing_option = 0;   // OFFER without server id, ACK without lease time
  uint64_t bad_address = 0;      // yiaddr not a unicast address
  uint64_t timeouts = 0;         // Requesting/Rebooting given up for lack of answer
  uint64_t gave_up = 0;          // max_discover_tries used up: Idle
  uint64_t conflicts = 0;        // addresses given up after an ARP conflict
  uint64_t defended = 0;         // conflicts answered by an announcement (RFC 5227 §2.4)
  uint64_t leases_lost = 0;      // Lost events
  uint64_t tx_errors = 0;        // a message did not fit the caller's buffer
  uint64_t events_dropped = 0;   // the event queue was full (poll_event not called)
};

class Client {
 public:
  static constexpr size_t kMaxEvents = 4;

  Client(const Config& config, Random& rng);
  // start — begin: INIT-REBOOT with previous_address, else INIT (restarts if running;
  // a RELEASE or DECLINE not yet sent is sent first).
  void start(Instant now);
  // release — send DHCPRELEASE if a lease is in use, forget the lease, go Idle.
  void release(Instant now);
  // stop — forget everything silently (nothing more is sent), go Idle.
  void stop();
  // on_datagram — a UDP payload received on port 68 (any destination), with its IP source.
  void on_datagram(Instant now, Bytes payload, const wire::Ipv4Address& src);
  // on_arp_conflict — another host claimed address: while Probing it is declined; after
  // Bound it is defended once, then given up (see the file comment).
  void on_arp_conflict(Instant now, const wire::Ipv4Address& address);
  // poll_transmit — the next DHCP message due now, written into buf (>= 576 bytes; a
  // message that does not fit, with a long hostname and client id, counts tx_errors).
  Optional<Transmit> poll_transmit(Instant now, MutBytes buf);
  // poll_arp — an ARP probe or announcement due now.
  Optional<ArpRequest> poll_arp(Instant now);
  // poll_event — lease changes to apply to the interface, in order.
  Optional<Event> poll_event();
  // poll_at — when a poll_* call next has work: the last time seen while a message or an
  // event is waiting; none when Idle with nothing to send.
  Optional<Instant> poll_at() const;
  State state() const { return state_; }
  // lease — the lease in use (Bound, Renewing, Rebinding), else none.
  const Optional<Lease>& lease() const { return lease_; }
  const Stats& stats() const { return stats_; }

 private:
  // OneShot — a DECLINE or RELEASE, sent once outside any exchange.
  struct OneShot {
    wire::dhcpv4::MessageType type;
    uint32_t xid;
    wire::Ipv4Address address, server;
  };

  void reset();
  void advance(Instant now);
  void enter_init(Instant now, Duration delay);
  void start_probe_or_bind(Instant now);
  void bind(Instant now, EventKind kind);
  void lose();
  void decline(Instant now, const Lease& lease);
  void push(EventKind kind, const Lease& lease);
  void count_try();
  void schedule_backoff(Instant now);
  Optional<Instant> state_deadline() const;
  void take_ack(Instant now, const wire::dhcpv4::Repr& r, const wire::Ipv4Address& src);
  wire::dhcpv4::Repr message(wire::dhcpv4::MessageType type) const;
  Optional<Transmit> emit(const wire::dhcpv4::Repr& r, MutBytes buf, wire::Ipv4Address src,
                          wire::Ipv4Address dst);

  Config config_;
  Random& rng_;
  State state_ = State::Idle;
  uint32_t xid_ = 0;
  uint8_t tries_ = 0;             // messages sent in this exchange
  uint16_t secs_ = 0;             // 'secs' of the last DISCOVER (repeated in REQUEST)
  Instant exchange_start_;        // for 'secs'
  Optional<Instant> tx_at_;       // when the state's next message is due
  Optional<wire::Ipv4Address> hint_;  // option 50 in DISCOVER
  Lease candidate_;               // Requesting: address + server; Probing: the ACKed lease
  Optional<Lease> lease_;
  uint8_t arp_sent_ = 0;          // probes sent (Probing)
  uint8_t announces_left_ = 0;    // announcements still due (Bound and later)
  Instant arp_at_;                // next probe / announcement / end of probing
  Optional<Instant> defended_at_; // last conflict defended after Bound
  uint8_t conflicts_ = 0;         // conflicts since the last lease bound
  Optional<OneShot> oneshot_;
  Queue<Event, kMaxEvents> events_;
  Instant last_now_;
  uint8_t default_client_id_[7] = {};
  Stats stats_;
};

}  // namespace keel::dhcp
