// fuzz_ipv6.cpp — any bytes through ipv6::Packet::check (and check_quoted) and
// Repr::parse; whatever parses is re-emitted with its payload and must parse again to
// the same Repr and payload.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/wire/ipv6.hpp"

using namespace keel;
using namespace keel::wire;

namespace {

bool same(const ipv6::Repr& a, const ipv6::Repr& b) {
  return a.src == b.src && a.dst == b.dst && a.next_header == b.next_header &&
         a.hop_limit == b.hop_limit && a.traffic_class == b.traffic_class &&
         a.flow_label == b.flow_label && a.payload_len == b.payload_len;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  auto q = ipv6::Packet::check_quoted(in);
  if (q) {
    (void)ipv6::Repr::parse(*q);
    if (q->payload().size() > q->payload_len()) abort();
  }
  auto p = ipv6::Packet::check(in);
  if (!p) return 0;
  if (!q || p->payload().size() != p->payload_len()) abort();
  auto r = ipv6::Repr::parse(*p);
  if (!r) return 0;
  std::vector<uint8_t> out(r->buffer_len() + r->payload_len);
  if (!r->emit(MutBytes(out.data(), out.size()))) abort();
  if (!p->payload().empty()) memcpy(out.data() + ipv6::kHeaderLen, p->payload().data(), p->payload().size());
  auto p2 = ipv6::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = ipv6::Repr::parse(*p2);
  if (!r2 || !same(*r, *r2) || !equal_bytes(p2->payload(), p->payload())) abort();
  return 0;
}
