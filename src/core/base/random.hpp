// random.hpp — Random: the injected source of randomness for the core.
//
// The core never reads entropy itself (DESIGN.md rule 2): the platform seeds a Random
// (getrandom() on Linux, esp_random() on a device, a fixed seed in simulation), and
// everything that must be unpredictable — ISNs, ephemeral ports, DHCP xids, DNS ids,
// backoff jitter — draws from it. xoshiro128** (Blackman & Vigna): small, fast on
// 32-bit cores, good statistical quality. Not a CSPRNG: ISNs are made unpredictable by
// hashing with a secret key drawn from here (RFC 6528), not by this generator alone.
#pragma once
#include <stdint.h>

namespace keel {

class Random {
 public:
  explicit Random(uint64_t seed = 1) { reseed(seed); }
  // reseed — any seed, including 0, gives a valid (non-zero) state.
  void reseed(uint64_t seed);
  uint32_t next_u32();
  uint64_t next_u64() { return uint64_t(next_u32()) << 32 | next_u32(); }
  // below(n) — uniform in [0, n) without modulo bias; 0 when n is 0.
  uint32_t below(uint32_t n);
  // range(lo, hi) — uniform in [lo, hi] (inclusive); lo when hi <= lo.
  uint32_t range(uint32_t lo, uint32_t hi) {
    if (hi <= lo) return lo;
    return hi - lo == 0xffffffffu ? next_u32() : lo + below(hi - lo + 1);
  }

 private:
  uint32_t s_[4] = {};
};

}  // namespace keel
