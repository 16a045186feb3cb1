// syn_cookie.hpp — SYN cookies (RFC 4987 §3.6): a listener whose SYN queue is full
// answers with a SYN-ACK whose ISN encodes what it must remember, and keeps no state.
//
// Layout of the 32-bit cookie (RFC 4987 §3.6, after Bernstein):
//   bits 31..27  t mod 32, t counting 64-second periods of the passed-in Instant
//   bits 26..24  index of the peer's MSS in kMssTable (the largest entry not above it)
//   bits 23..0   SipHash-2-4 (isn.hpp) under a secret key of the 4-tuple, the client's
//                ISN, the full counter t and the MSS index, truncated to 24 bits
// decode() accepts a cookie only from the current or the previous period (at most
// kMaxAgePeriods * 64 s old, at least 64 s) and only if every field hashes back; a
// forged ACK passes with probability 2^-24. Window scale, SACK-permitted and timestamps
// are not carried: a connection built from a cookie runs without them.
#pragma once
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/random.hpp"
#include "core/base/time.hpp"
#include "core/socket/endpoint.hpp"
#include "core/socket/tcp/isn.hpp"

namespace keel::tcp {

// SynCookies — the cookie codec of one stack; its key is fixed at construction.
class SynCookies {
 public:
  // kMssTable — the MSS values a cookie can carry (3 bits), ascending: the common IPv4
  // (536, 1300, 1440, 1460), IPv6 (1220, 1400) and 9000-byte-MTU (8960) values, and 1360.
  static constexpr uint16_t kMssTable[8] = {536, 1220, 1300, 1360, 1400, 1440, 1460, 8960};
  // kPeriod — one step of the cookie's time counter.
  static constexpr Duration kPeriod = Duration::seconds(64);
  // kMaxAgePeriods — a cookie decodes while now's counter is less than this ahead.
  static constexpr uint32_t kMaxAgePeriods = 2;

  // SynCookies(rng) — draws the 128-bit secret key from rng.
  explicit SynCookies(Random& rng) : key_(SipKey::random(rng)) {}
  // SynCookies(key) — a given key (tests, replay).
  explicit SynCookies(const SipKey& key) : key_(key) {}

  // encode — our ISN for a SYN from remote to local with the client's ISN and MSS
  // option (an MSS below 536 is carried as 536, the smallest entry).
  uint32_t encode(const socket::Endpoint& local, const socket::Endpoint& remote,
                  uint32_t client_isn, uint16_t mss, Instant now) const;
  // decode — the MSS to use if cookie (the ACK's ack number minus one) was made by
  // encode() for this tuple and client ISN (the ACK's sequence number minus one) within
  // the allowed age; none for anything else.
  Optional<uint16_t> decode(const socket::Endpoint& local, const socket::Endpoint& remote,
                            uint32_t client_isn, uint32_t cookie, Instant now) const;
  // mss_index — the index of the largest kMssTable entry not above mss (0 if none is).
  static uint8_t mss_index(uint16_t mss);
  // counter — t: the number of whole periods since Instant zero, modulo 2^32.
  static uint32_t counter(Instant now);

 private:
  uint32_t hash(const socket::Endpoint& local, const socket::Endpoint& remote,
                uint32_t client_isn, uint32_t count, uint8_t index) const;
  SipKey key_;
};

}  // namespace keel::tcp
