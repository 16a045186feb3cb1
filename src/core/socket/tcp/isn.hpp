// isn.hpp — SipHash-2-4 and the initial sequence number generator of RFC 6528.
//
// RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a
// timer ticking every 4 microseconds (250 kHz, RFC 9293 §3.4.1) and F a keyed hash.
// F here is SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF",
// INDOCRYPT 2012), written from the paper's description, truncated to 32 bits. The
// 128-bit key is drawn from the injected Random once, at construction, so an off-path
// attacker cannot predict the ISN of another connection from its own (RFC 6528 §3).
// SYN cookies (syn_cookie.*) use the same hash with their own key.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/random.hpp"
#include "core/base/span.hpp"
#include "core/base/time.hpp"
#include "core/socket/endpoint.hpp"

namespace keel::tcp {

// SipKey — a SipHash key: k0 and k1 are the key's bytes 0..7 and 8..15, little-endian.
struct SipKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
  // from_bytes — the key from 16 bytes (zeros for missing bytes if b is shorter).
  static SipKey from_bytes(Bytes b);
  // random — a fresh key drawn from rng.
  static SipKey random(Random& rng) { return {rng.next_u64(), rng.next_u64()}; }
};

// siphash24 — SipHash-2-4 of msg under key, as the paper's 64-bit output word.
uint64_t siphash24(const SipKey& key, Bytes msg);

// kTupleBytesMax — the longest encoding tuple_bytes() writes.
inline constexpr size_t kTupleBytesMax = 2 * (1 + 16) + 2 * 2;

// tuple_bytes — an unambiguous encoding of a connection's addresses and ports (a family
// tag and the address bytes of each, then both ports, big-endian) into out; returns the
// length used, or 0 (writing nothing) if out is shorter than kTupleBytesMax. The hash
// input of ISNs and SYN cookies.
size_t tuple_bytes(const socket::Endpoint& local, const socket::Endpoint& remote,
                   MutBytes out);

// IsnGenerator — RFC 6528 initial sequence numbers for one stack.
class IsnGenerator {
 public:
  // IsnGenerator(rng) — draws the secret key from rng (RFC 6528 §3).
  explicit IsnGenerator(Random& rng) : key_(SipKey::random(rng)) {}
  // IsnGenerator(key) — a given key (tests, replay).
  explicit IsnGenerator(const SipKey& key) : key_(key) {}
  // isn — M + F for the connection local <-> remote started at now.
  uint32_t isn(const socket::Endpoint& local, const socket::Endpoint& remote,
               Instant now) const;
  // timer — M: now in 4-microsecond ticks, modulo 2^32.
  static uint32_t timer(Instant now) { return uint32_t(uint64_t(now.micros()) >> 2); }

 private:
  SipKey key_;
};

}  // namespace keel::tcp
