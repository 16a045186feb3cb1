// random.cpp — xoshiro128** seeded through splitmix64.
#include "core/base/random.hpp"

#include "core/base/bits.hpp"

namespace keel {

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
}  // namespace

void Random::reseed(uint64_t seed) {
  uint64_t x = seed;
  uint64_t a = splitmix64(x), b = splitmix64(x);
  s_[0] = uint32_t(a);
  s_[1] = uint32_t(a >> 32);
  s_[2] = uint32_t(b);
  s_[3] = uint32_t(b >> 32);
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;  // the all-zero state is a fixed point
}

uint32_t Random::next_u32() {
  uint32_t result = rotl32(s_[1] * 5, 7) * 9;
  uint32_t t = s_[1] << 9;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl32(s_[3], 11);
  return result;
}

uint32_t Random::below(uint32_t n) {
  if (n == 0) return 0;
  // Lemire's multiply-shift with rejection of the biased low region.
  uint64_t m = uint64_t(next_u32()) * n;
  uint32_t low = uint32_t(m);
  if (low < n) {
    uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = uint64_t(next_u32()) * n;
      low = uint32_t(m);
    }
  }
  return uint32_t(m >> 32);
}

}  // namespace keel
