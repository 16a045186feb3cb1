// sntp_client.hpp — sntp::Client: a sans-IO SNTP client (RFC 4330, the client side of
// RFC 5905 §8 and §9 without the filtering and discipline algorithms).
//
// The Stack asks poll_transmit() for a request when poll_at() is due, sends it from
// the returned random source port to port 123, routes replies to on_datagram() while
// owns_port() holds, and hands each accepted sample (poll_sample()) to the runtime,
// which sets the clock. Time comes in twice: `now` (the monotonic Instant that drives
// the schedule) and `wall_now_us` (the local wall clock, Unix microseconds, at `now`).
//
// Source ports are drawn at random (49152..65535) or, with a PortSource
// (set_port_source), taken from it: in the runtime the stack's ephemeral allocator, so
// the port is one no other socket holds (RFC 6056 §3.3.1). When the source has none,
// the request is not sent (counted in no_port) and is retried like a lost one.
//
// Schedule: one request in flight. A request unanswered after `retry` is sent again
// (new source port, new transmit timestamp) up to max_tries_per_server times, then the
// next server is tried (failover); when every server has failed, the client waits
// poll_interval and starts again. After a sample it polls the same server every
// poll_interval. A kiss-o'-death (stratum 0) reply makes the client stop asking that
// server for kiss_hold (RFC 4330 §8) and fail over at once.
//
// A reply is accepted only if (RFC 4330 §5, in this order, each reason counted):
// it arrives at the request's source port from the server's address and port 123; it
// holds an NTP header of version 3 or 4 in mode 4 (server); its Originate Timestamp
// equals the Transmit Timestamp we sent (the origin check: the low fraction bits below
// one microsecond are random, so a blind spoofer must guess them and the port); its
// Transmit Timestamp is non-zero; stratum is 1..15; leap indicator is not 3. A reply
// that passes the origin check but is unusable (kiss-o'-death, zero transmit
// timestamp, stratum above 15, unsynchronised) ends the request: that server is
// failed over at once instead of waiting for the retry timer.
//
// Timestamps are NTP era 0 or 1 per RFC 4330 §3 (most significant bit set: 1968-2036,
// clear: 2036-2104); fractions are converted to microseconds exactly (truncated).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/random.hpp"
#include "core/base/span.hpp"
#include "core/base/time.hpp"
#include "core/base/vec.hpp"
#include "core/socket/port_source.hpp"
#include "core/wire/address.hpp"
#include "core/wire/ntp.hpp"

namespace keel::sntp {

inline constexpr size_t kMaxServers = 3;         // from config or DHCP option 42
inline constexpr uint16_t kPortMin = 49152;      // random source ports (RFC 6335 §6)
inline constexpr uint16_t kPortMax = 65535;

struct Config {
  Duration poll_interval = Duration::seconds(64 * 16);  // between samples (RFC 4330 §10)
  Duration retry = Duration::seconds(5);                // wait for a reply before retrying
  uint8_t max_tries_per_server = 3;                     // requests before failing over
  Duration kiss_hold = Duration::seconds(3600);         // a kiss-o'-death server is skipped
};

// Sample — one accepted reply: the clock correction it implies.
struct Sample {
  int64_t offset_us;              // add to the local wall clock to get the server's time
  int64_t delay_us;               // round-trip delay, less the server's processing time
  wire::IpAddress server;
  uint8_t stratum;
  int64_t server_time_unix_us;    // the server's Transmit Timestamp (T3), Unix microseconds
};

// Transmit — a request written into the caller's buffer, to be sent to dst port 123.
struct Transmit {
  size_t length;
  wire::IpAddress dst;
  uint16_t src_port;
};

// Stats — requests and replies; every reply not accepted is counted under one reason.
struct Stats {
  uint64_t requests = 0;          // requests sent, retries included
  uint64_t samples = 0;           // replies accepted
  uint64_t timeouts = 0;          // requests that got no usable reply within retry
  uint64_t failovers = 0;         // servers given up on (tries exhausted or unusable)
  uint64_t rounds_failed = 0;     // every server failed: waited poll_interval
  uint64_t unexpected = 0;        // no request in flight, or to another port
  uint64_t bad_source = 0;        // from another address than the request went to
  uint64_t bad_source_port = 0;   // not from port 123
  uint64_t truncated = 0;         // shorter than an NTP header
  uint64_t bad_version = 0;       // version not 3 or 4
  uint64_t bad_mode = 0;          // not mode 4 (server)
  uint64_t bad_origin = 0;        // Originate Timestamp is not our Transmit Timestamp
  uint64_t kiss_of_death = 0;     // stratum 0: server backed off for kiss_hold
  uint64_t zero_transmit = 0;     // Transmit Timestamp zero
  uint64_t bad_stratum = 0;       // stratum above 15
  uint64_t unsynchronized = 0;    // leap indicator 3
  uint64_t no_port = 0;           // requests not sent: the port source had no port
};

// NTP timestamp ↔ Unix microseconds (RFC 4330 §3 eras; exact microsecond fractions).
int64_t ntp_to_unix_us(const wire::ntp::Timestamp& t);
// unix_us_to_ntp(us) — the first NTP fraction value inside microsecond us.
wire::ntp::Timestamp unix_us_to_ntp(int64_t us);

class Client {
 public:
  Client(const Config& config, Random& random) : config_(config), random_(random) {}

  // set_servers — up to kMaxServers (unspecified addresses skipped); polls now.
  void set_servers(Span<const wire::IpAddress> servers);
  // set_port_source — where requests take their source port (nullptr: drawn here); the
  // source must outlive the client or be unset.
  void set_port_source(PortSource* source) { ports_ = source; }
  // poll_transmit — the request due now, written into buf (at least 48 bytes), if any.
  Optional<Transmit> poll_transmit(Instant now, int64_t wall_now_us, MutBytes buf);
  // on_datagram — a UDP datagram to one of our ports; validated, counted, maybe a sample.
  void on_datagram(Instant now, int64_t wall_now_us, Bytes payload, const wire::IpAddress& src,
                   uint16_t src_port, uint16_t dst_port);
  // poll_sample — each accepted reply, once (the newest if several were not taken).
  Optional<Sample> poll_sample();
  // poll_at — when poll_transmit() next has work (Instant() when due at once after
  // set_servers); none without servers.
  Optional<Instant> poll_at() const;
  // owns_port — whether local_port is the source port of the request in flight.
  bool owns_port(uint16_t local_port) const {
    return in_flight_ && port_ != 0 && local_port == port_;
  }
  const Stats& stats() const { return stats_; }

 private:
  // advance — on to the next server; false (and next_at_ a poll interval away) when
  // every server of this round has failed or is backed off.
  bool advance(Instant now);
  // fail_over — the current server failed: the next one now, or wait a poll interval.
  void fail_over(Instant now);
  // pick_server — from current_, the first not kissed off; false if none is usable.
  bool pick_server(Instant now);

  Config config_;
  Random& random_;
  PortSource* ports_ = nullptr;
  Vec<wire::IpAddress, kMaxServers> servers_;
  Optional<Instant> kissed_until_[kMaxServers];  // kiss-o'-death hold ends
  uint8_t current_ = 0;         // index of the server asked now
  uint8_t tries_ = 0;           // requests to current_ in this round
  uint8_t failed_in_round_ = 0; // servers failed since the round started
  bool in_flight_ = false;
  uint16_t port_ = 0;
  Instant next_at_;             // in flight: retry deadline; else: next request
  int64_t t1_us_ = 0;           // wall clock when the request left (T1)
  wire::ntp::Timestamp origin_; // the Transmit Timestamp we sent
  Optional<Sample> sample_;
  Stats stats_;
};

}  // namespace keel::sntp
