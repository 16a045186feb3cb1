// fuzz_ndisc.cpp — any bytes through ndisc::Packet::check and Repr::parse (checksum not
// verified; the pseudo-header addresses are picked by the input's checksum byte, so the
// address rules are reached). Whatever parses is re-emitted twice — options verbatim,
// then built from the fields — and each must parse again to the same Repr.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/ndisc.hpp"

using namespace keel;
using namespace keel::wire;

namespace {

bool same(const ndisc::Repr& a, const ndisc::Repr& b) {
  if (a.type != b.type || a.cur_hop_limit != b.cur_hop_limit || a.flags != b.flags ||
      a.router_lifetime != b.router_lifetime || a.reachable_time != b.reachable_time ||
      a.retrans_timer != b.retrans_timer || !(a.target == b.target) ||
      !(a.destination == b.destination) || !(a.source_link_addr == b.source_link_addr) ||
      !(a.target_link_addr == b.target_link_addr) || !(a.mtu == b.mtu) ||
      a.prefix_count != b.prefix_count || a.dns_server_count != b.dns_server_count ||
      !equal_bytes(a.redirected, b.redirected))
    return false;
  for (size_t i = 0; i < a.prefix_count; ++i)
    if (!(a.prefixes[i] == b.prefixes[i])) return false;
  for (size_t i = 0; i < a.dns_server_count; ++i)
    if (!(a.dns_servers[i] == b.dns_servers[i])) return false;
  return true;
}

Ipv6Address v6(uint8_t first, uint8_t second, uint8_t last) {
  Ipv6Address a;
  a.bytes[0] = first;
  a.bytes[1] = second;
  a.bytes[15] = last;
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  uint8_t pick = size > 2 ? data[2] : 0;
  const Ipv6Address srcs[] = {v6(0xfe, 0x80, 0x0b), Ipv6Address{}, v6(0x20, 0x01, 0x02)};
  Ipv6Address sn = Ipv6Address::solicited_node(v6(0x20, 0x01, 0x01));
  const Ipv6Address dsts[] = {Ipv6Address::all_nodes(), sn, v6(0xfe, 0x80, 0x0a)};
  Ipv6Address src = srcs[pick % 3], dst = dsts[(pick / 3) % 3];

  auto p = ndisc::Packet::check(in);
  if (!p) return 0;
  auto r = ndisc::Repr::parse(*p, src, dst, false);
  if (!r) return 0;
  std::vector<uint8_t> out(r->buffer_len());
  if (out.size() != size || !r->emit(MutBytes(out.data(), out.size()), src, dst)) abort();
  auto r2 = ndisc::Repr::parse(*ndisc::Packet::check(Bytes(out.data(), out.size())), src, dst);
  if (!r2 || !same(*r, *r2) || r2->overflow != r->overflow) abort();

  ndisc::Repr built = *r;
  built.options = Bytes();
  std::vector<uint8_t> out2(built.buffer_len());
  if (!built.emit(MutBytes(out2.data(), out2.size()), src, dst)) abort();
  auto p3 = ndisc::Packet::check(Bytes(out2.data(), out2.size()));
  if (!p3) abort();
  auto r3 = ndisc::Repr::parse(*p3, src, dst);
  if (!r3 || !same(*r, *r3) || r3->overflow) abort();
  return 0;
}
