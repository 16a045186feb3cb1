// checksum.cpp — word-at-a-time Internet checksum.
#include "core/wire/checksum.hpp"

#include <string.h>

#include "core/base/byte_order.hpp"

namespace keel::wire {

namespace {

uint32_t load_native32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

uint16_t fold(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// native_sum — ones'-complement sum of data as host-order 16-bit words, folded.
// Summing 32-bit words and folding gives the same result as summing 16-bit words.
uint16_t native_sum(const uint8_t* p, size_t n) {
  uint64_t acc = 0;
  while (n >= 16) {
    acc += uint64_t(load_native32(p)) + load_native32(p + 4) + load_native32(p + 8) +
           load_native32(p + 12);
    p += 16;
    n -= 16;
  }
  while (n >= 4) {
    acc += load_native32(p);
    p += 4;
    n -= 4;
  }
  if (n != 0) {
    uint8_t tail[4] = {0, 0, 0, 0};  // a trailing odd byte is the high byte of a word
    memcpy(tail, p, n);
    acc += load_native32(tail);
  }
  return fold(acc);
}

}  // namespace

void Checksum::add(Bytes data) {
  if (data.empty()) return;
  uint16_t s = native_sum(data.data(), data.size());
  if (kLittleEndian) s = swap16(s);  // to network-word order
  if (odd_) s = swap16(s);           // this piece's bytes sit in the other half of words
  sum_ += s;
  odd_ ^= (data.size() & 1) != 0;
}

void Checksum::add16(uint16_t v) {
  uint8_t b[2];
  store_be16(b, v);
  add(Bytes(b, 2));
}

void Checksum::add_ipv4_pseudo(const Ipv4Address& src, const Ipv4Address& dst,
                               uint8_t protocol, uint16_t length) {
  add(Bytes(src.bytes, 4));
  add(Bytes(dst.bytes, 4));
  add16(protocol);
  add16(length);
}

void Checksum::add_ipv6_pseudo(const Ipv6Address& src, const Ipv6Address& dst,
                               uint8_t next_header, uint32_t length) {
  add(Bytes(src.bytes, 16));
  add(Bytes(dst.bytes, 16));
  add16(static_cast<uint16_t>(length >> 16));
  add16(static_cast<uint16_t>(length));
  add16(0);
  add16(next_header);
}

void Checksum::add_pseudo(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                          uint32_t length) {
  if (src.is_v6())
    add_ipv6_pseudo(src.v6(), dst.v6(), protocol, length);
  else
    add_ipv4_pseudo(src.v4(), dst.v4(), protocol, static_cast<uint16_t>(length));
}

uint16_t Checksum::folded() const { return fold(sum_); }

uint16_t checksum(Bytes data) {
  Checksum c;
  c.add(data);
  return c.finish();
}

}  // namespace keel::wire
