// isn.cpp — SipHash-2-4 (from the paper's §2) and RFC 6528 ISNs.
#include "core/socket/tcp/isn.hpp"

#include <string.h>

#include "core/base/byte_order.hpp"

namespace keel::tcp {

namespace {

constexpr uint64_t rotl64(uint64_t v, int s) { return (v << s) | (v >> (64 - s)); }

uint64_t load_le64(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

// SipState — the four state words v0..v3 and SipRound (paper §2, "compression").
struct SipState {
  uint64_t v[4];
  void round() {
    v[0] += v[1];
    v[2] += v[3];
    v[1] = rotl64(v[1], 13);
    v[3] = rotl64(v[3], 16);
    v[1] ^= v[0];
    v[3] ^= v[2];
    v[0] = rotl64(v[0], 32);
    v[2] += v[1];
    v[0] += v[3];
    v[1] = rotl64(v[1], 17);
    v[3] = rotl64(v[3], 21);
    v[1] ^= v[2];
    v[3] ^= v[0];
    v[2] = rotl64(v[2], 32);
  }
  // absorb — one message word through c = 2 rounds.
  void absorb(uint64_t m) {
    v[3] ^= m;
    round();
    round();
    v[0] ^= m;
  }
};

// put_address — a family tag (4, 6, or 0 for none) and the address bytes, so no two
// tuples encode alike; returns the bytes written.
uint8_t put_address(uint8_t* out, const wire::IpAddress& a) {
  if (a.is_v4()) {
    out[0] = 4;
    memcpy(out + 1, a.v4().bytes, 4);
    return 5;
  }
  if (a.is_v6()) {
    out[0] = 6;
    memcpy(out + 1, a.v6().bytes, 16);
    return 17;
  }
  out[0] = 0;
  return 1;
}

}  // namespace

SipKey SipKey::from_bytes(Bytes b) {
  uint8_t k[16] = {};
  copy_bytes(MutBytes(k), b);
  return {load_le64(k, 8), load_le64(k + 8, 8)};
}

uint64_t siphash24(const SipKey& key, Bytes msg) {
  // Initialization: the key xored with "somepseudorandomlygeneratedbytes".
  SipState s{{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull,
              key.k0 ^ 0x6c7967656e657261ull, key.k1 ^ 0x7465646279746573ull}};
  size_t whole = msg.size() / 8;
  for (size_t i = 0; i < whole; ++i) s.absorb(load_le64(msg.data() + 8 * i, 8));
  // The last word: the remaining bytes, and the length mod 256 in its top byte.
  size_t rest = msg.size() % 8;
  uint64_t last = uint64_t(uint8_t(msg.size())) << 56;
  if (rest != 0) last |= load_le64(msg.data() + 8 * whole, rest);
  s.absorb(last);
  // Finalization: d = 4 rounds.
  s.v[2] ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v[0] ^ s.v[1] ^ s.v[2] ^ s.v[3];
}

size_t tuple_bytes(const socket::Endpoint& local, const socket::Endpoint& remote,
                   MutBytes out) {
  if (out.size() < kTupleBytesMax) return 0;
  uint8_t* p = out.data();
  size_t n = put_address(p, local.addr);
  n += put_address(p + n, remote.addr);
  store_be16(p + n, local.port);
  store_be16(p + n + 2, remote.port);
  return n + 4;
}

uint32_t IsnGenerator::isn(const socket::Endpoint& local, const socket::Endpoint& remote,
                           Instant now) const {
  uint8_t buf[kTupleBytesMax];
  size_t n = tuple_bytes(local, remote, MutBytes(buf));
  return timer(now) + uint32_t(siphash24(key_, Bytes(buf, n)));
}

}  // namespace keel::tcp
