// fuzz_tcp.cpp — any bytes through tcp::Packet::check and Repr::parse (every option
// walked); whatever parses is re-emitted (Linux layout, or packed when that does not
// fit) and must parse again to the same Repr, options included.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/tcp.hpp"

using namespace keel;
using namespace keel::wire;

namespace {
bool same(const tcp::Repr& a, const tcp::Repr& b) {
  if (a.sack_count != b.sack_count) return false;
  for (size_t i = 0; i < a.sack_count; ++i)
    if (!(a.sack[i] == b.sack[i])) return false;
  return a.src_port == b.src_port && a.dst_port == b.dst_port && a.seq == b.seq &&
         a.ack == b.ack && a.flags == b.flags && a.window == b.window &&
         a.urgent == b.urgent && a.mss == b.mss && a.window_scale == b.window_scale &&
         a.sack_permitted == b.sack_permitted && a.timestamps == b.timestamps &&
         equal_bytes(a.payload, b.payload);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  // The low bit of the first byte picks the address family for the pseudo-header.
  IpAddress src = Ipv4Address::of(192, 0, 2, 1), dst = Ipv4Address::of(192, 0, 2, 2);
  if (size > 0 && (data[0] & 1)) {
    Ipv6Address a{};
    a.bytes[0] = 0x20;
    a.bytes[15] = 1;
    src = a;
    a.bytes[15] = 2;
    dst = a;
  }
  auto p = tcp::Packet::check(in);
  if (!p) return 0;
  (void)p->verify_checksum(src, dst);
  auto r = tcp::Repr::parse(*p, src, dst, false);
  if (!r) return 0;
  // Options parsed from at most 40 bytes always fit again.
  if (r->options_len() > tcp::kMaxOptionsLen) abort();
  std::vector<uint8_t> out(r->buffer_len());
  if (!r->emit(MutBytes(out.data(), out.size()), src, dst)) abort();
  auto p2 = tcp::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = tcp::Repr::parse(*p2, src, dst, true);
  if (!r2 || !same(*r, *r2) || r2->window_scale_clamped) abort();
  return 0;
}
