// syn_cookie.cpp — SYN cookie encoding and checking (RFC 4987 §3.6).
#include "core/socket/tcp/syn_cookie.hpp"

#include "core/base/byte_order.hpp"

namespace keel::tcp {

namespace {
constexpr int kCountShift = 27;
constexpr int kIndexShift = 24;
constexpr uint32_t kHashMask = 0x00ffffffu;
}  // namespace

uint8_t SynCookies::mss_index(uint16_t mss) {
  uint8_t i = 7;
  while (i > 0 && kMssTable[i] > mss) --i;
  return i;
}

uint32_t SynCookies::counter(Instant now) {
  return uint32_t(uint64_t(now.micros()) / uint64_t(kPeriod.as_micros()));
}

uint32_t SynCookies::hash(const socket::Endpoint& local, const socket::Endpoint& remote,
                          uint32_t client_isn, uint32_t count, uint8_t index) const {
  uint8_t buf[kTupleBytesMax + 9];
  size_t n = tuple_bytes(local, remote, MutBytes(buf));
  store_be32(buf + n, client_isn);
  store_be32(buf + n + 4, count);
  buf[n + 8] = index;
  return uint32_t(siphash24(key_, Bytes(buf, n + 9))) & kHashMask;
}

uint32_t SynCookies::encode(const socket::Endpoint& local, const socket::Endpoint& remote,
                            uint32_t client_isn, uint16_t mss, Instant now) const {
  uint32_t count = counter(now);
  uint8_t index = mss_index(mss);
  return (count << kCountShift) | uint32_t(index) << kIndexShift |
         hash(local, remote, client_isn, count, index);
}

Optional<uint16_t> SynCookies::decode(const socket::Endpoint& local,
                                      const socket::Endpoint& remote, uint32_t client_isn,
                                      uint32_t cookie, Instant now) const {
  uint32_t now_count = counter(now);
  // The cookie carries t mod 32; its age in periods is the difference modulo 32, so a
  // cookie "from the future" looks 31 periods old and is refused with the stale ones.
  uint32_t age = (now_count - (cookie >> kCountShift)) & 31u;
  if (age >= kMaxAgePeriods) return none;
  uint8_t index = uint8_t((cookie >> kIndexShift) & 7u);
  if (hash(local, remote, client_isn, now_count - age, index) != (cookie & kHashMask)) {
    return none;
  }
  return kMssTable[index];
}

}  // namespace keel::tcp
