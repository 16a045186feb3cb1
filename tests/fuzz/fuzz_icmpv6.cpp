// fuzz_icmpv6.cpp — any bytes through icmpv6::Packet::check and Repr::parse (checksum
// not verified, so every message is reached); whatever parses is re-emitted and must
// parse again, checksum verified, to the same Repr.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/icmpv6.hpp"

using namespace keel;
using namespace keel::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  Ipv6Address src = Ipv6Address::link_local_from_mac(MacAddress{{2, 0, 0, 0, 0, 0x0b}});
  Ipv6Address dst = Ipv6Address::all_nodes();
  auto p = icmpv6::Packet::check(in);
  if (!p) return 0;
  (void)p->verify_checksum(src, dst);
  auto r = icmpv6::Repr::parse(*p, src, dst, false);
  if (!r) return 0;
  std::vector<uint8_t> out(r->buffer_len());
  if (!r->emit(MutBytes(out.data(), out.size()), src, dst)) abort();
  auto p2 = icmpv6::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = icmpv6::Repr::parse(*p2, src, dst, true);
  if (!r2 || r2->type != r->type || r2->code != r->code || r2->ident != r->ident ||
      r2->seq_no != r->seq_no || r2->mtu != r->mtu || r2->pointer != r->pointer ||
      !equal_bytes(r2->data, r->data))
    abort();
  return 0;
}
