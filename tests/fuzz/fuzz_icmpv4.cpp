// fuzz_icmpv4.cpp — any bytes through icmpv4::Packet::check and Repr::parse (and
// Quote::parse on every error's data); whatever parses is re-emitted and must parse
// again, checksum verified, to the same Repr.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/icmpv4.hpp"

using namespace keel;
using namespace keel::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = icmpv4::Packet::check(Bytes(data, size));
  if (!p) return 0;
  (void)p->verify_checksum();
  auto q = icmpv4::Quote::parse(p->data());
  if (q && q->payload.size() > p->data().size()) abort();
  auto r = icmpv4::Repr::parse(*p, false);
  if (!r) return 0;
  if (r->is_error() && !icmpv4::Quote::parse(r->data)) abort();
  std::vector<uint8_t> out(r->buffer_len());
  if (!r->emit(MutBytes(out.data(), out.size()))) abort();
  auto p2 = icmpv4::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = icmpv4::Repr::parse(*p2, true);
  if (!r2 || r2->type != r->type || r2->code != r->code || r2->ident != r->ident ||
      r2->seq != r->seq || r2->next_hop_mtu != r->next_hop_mtu || r2->pointer != r->pointer ||
      !equal_bytes(r2->data, r->data))
    abort();
  return 0;
}
