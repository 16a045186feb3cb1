// fuzz_ipv4.cpp — any bytes through ipv4::Packet::check, the option cursor and
// Repr::parse; whatever parses is re-emitted (header, then the payload) and must parse
// again, checksum verified, to the same Repr, options and payload.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/ipv4.hpp"

using namespace keel;
using namespace keel::wire;

namespace {
bool same(const ipv4::Repr& a, const ipv4::Repr& b) {
  return a.src == b.src && a.dst == b.dst && a.protocol == b.protocol && a.ttl == b.ttl &&
         a.dscp == b.dscp && a.ecn == b.ecn && a.ident == b.ident &&
         a.dont_fragment == b.dont_fragment && a.more_fragments == b.more_fragments &&
         a.frag_offset == b.frag_offset && a.payload_len == b.payload_len &&
         equal_bytes(a.options, b.options);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = ipv4::Packet::check(Bytes(data, size));
  if (!p) return 0;
  ipv4::OptionCursor c(p->options());
  for (int i = 0; i < 40; ++i) {  // check() proved every option well formed
    auto o = c.next();
    if (!o) abort();
    if (!o->has_value()) break;
    (void)(*o)->data.size();
  }
  (void)p->verify_checksum();
  auto r = ipv4::Repr::parse(*p, false);
  if (!r) return 0;
  std::vector<uint8_t> out(r->buffer_len());
  MutBytes o(out.data(), out.size());
  if (!r->emit(o)) abort();
  copy_bytes(o.from(r->header_len()), p->payload());
  auto p2 = ipv4::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = ipv4::Repr::parse(*p2, true);
  if (!r2 || !same(*r, *r2) || !equal_bytes(p2->payload(), p->payload())) abort();
  return 0;
}
