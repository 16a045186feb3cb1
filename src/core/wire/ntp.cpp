// ntp.cpp — NTP view and Repr.
#include "core/wire/ntp.hpp"

#include <string.h>

#include "core/base/byte_order.hpp"

namespace keel::wire::ntp {

namespace {
// kModes — bit m set for each mode with the RFC 5905 §7.3 packet format.
constexpr uint8_t kModes = 0x3e;  // 1..5
}  // namespace

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  return Packet(buf);
}

uint32_t Packet::root_delay() const { return load_be32(buf_.data() + field::kRootDelay); }
uint32_t Packet::root_dispersion() const {
  return load_be32(buf_.data() + field::kRootDispersion);
}
uint32_t Packet::reference_id() const { return load_be32(buf_.data() + field::kReferenceId); }

Timestamp Packet::timestamp(size_t offset) const {
  return Timestamp{load_be32(buf_.data() + offset), load_be32(buf_.data() + offset + 4)};
}

Result<Repr> Repr::parse(const Packet& packet) {
  uint8_t version = packet.version();
  if (version != 3 && version != 4) return Err(Error::Unsupported);
  if (!(kModes & (1u << static_cast<uint8_t>(packet.mode())))) return Err(Error::Unsupported);
  Repr r;
  r.leap = packet.leap();
  r.version = version;
  r.mode = packet.mode();
  r.stratum = packet.stratum();
  r.poll = packet.poll();
  r.precision = packet.precision();
  r.root_delay = packet.root_delay();
  r.root_dispersion = packet.root_dispersion();
  r.reference_id = packet.reference_id();
  r.reference_time = packet.reference_time();
  r.origin_time = packet.origin_time();
  r.receive_time = packet.receive_time();
  r.transmit_time = packet.transmit_time();
  r.trailing = packet.trailing();
  return r;
}

Status Repr::emit(MutBytes buf) const {
  size_t len = buffer_len();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  uint8_t l = static_cast<uint8_t>(leap), m = static_cast<uint8_t>(mode);
  if ((version != 3 && version != 4) || l > 3 || m > 7) return Err(Error::Malformed);
  uint8_t* p = buf.data();
  // Trailing first, with memmove: it may sit in buf already.
  if (trailing.data() != p + kHeaderLen && !trailing.empty())
    memmove(p + kHeaderLen, trailing.data(), trailing.size());
  p[field::kFlags] = static_cast<uint8_t>(l << 6 | version << 3 | m);
  p[field::kStratum] = stratum;
  p[field::kPoll] = static_cast<uint8_t>(poll);
  p[field::kPrecision] = static_cast<uint8_t>(precision);
  store_be32(p + field::kRootDelay, root_delay);
  store_be32(p + field::kRootDispersion, root_dispersion);
  store_be32(p + field::kReferenceId, reference_id);
  const Timestamp* times[] = {&reference_time, &origin_time, &receive_time, &transmit_time};
  for (size_t i = 0; i < 4; ++i) {
    store_be32(p + field::kReferenceTime + 8 * i, times[i]->seconds);
    store_be32(p + field::kReferenceTime + 8 * i + 4, times[i]->fraction);
  }
  return {};
}

}  // namespace keel::wire::ntp
