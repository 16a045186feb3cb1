// fuzz_udp.cpp — any bytes through udp::Packet::check and Repr::parse; whatever parses
// is re-emitted and must parse again to the same Repr.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/udp.hpp"

using namespace keel;
using namespace keel::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  // The first byte picks the address family for the pseudo-header.
  IpAddress src = Ipv4Address::of(192, 0, 2, 1), dst = Ipv4Address::of(192, 0, 2, 2);
  if (size > 0 && (data[0] & 1)) {
    Ipv6Address a{};
    a.bytes[0] = 0x20;
    a.bytes[15] = 1;
    src = a;
    a.bytes[15] = 2;
    dst = a;
  }
  auto p = udp::Packet::check(in);
  if (!p) return 0;
  (void)p->verify_checksum(src, dst);
  auto r = udp::Repr::parse(*p, src, dst, false);
  if (!r) return 0;
  std::vector<uint8_t> out(r->buffer_len());
  if (!r->emit(MutBytes(out.data(), out.size()), src, dst)) abort();
  auto p2 = udp::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = udp::Repr::parse(*p2, src, dst, true);
  if (!r2 || r2->src_port != r->src_port || r2->dst_port != r->dst_port ||
      !equal_bytes(r2->payload, r->payload))
    abort();
  return 0;
}
