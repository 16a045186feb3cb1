// fuzz_mld.cpp — any bytes through mld::Packet::check and Repr::parse (checksum not
// verified; the source picked by the input's checksum byte); whatever parses is
// re-emitted and must parse again to the same Repr, and its records walk the same.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/mld.hpp"

using namespace keel;
using namespace keel::wire;

namespace {

bool same(const mld::Repr& a, const mld::Repr& b) {
  return a.type == b.type && a.v2 == b.v2 && a.max_resp_code == b.max_resp_code &&
         a.address == b.address && a.suppress == b.suppress && a.qrv == b.qrv &&
         a.qqic == b.qqic && equal_bytes(a.sources, b.sources) &&
         a.num_records == b.num_records && equal_bytes(a.records, b.records);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  Ipv6Address src;  // unspecified, or fe80::b
  if (size > 2 && (data[2] & 1)) {
    src.bytes[0] = 0xfe;
    src.bytes[1] = 0x80;
    src.bytes[15] = 0x0b;
  }
  Ipv6Address dst = Ipv6Address::all_nodes();
  auto p = mld::Packet::check(in);
  if (!p) return 0;
  auto c = p->records();  // check() walked them: the cursor cannot fail
  for (size_t n = 0;; ++n) {
    auto r = c.next();
    if (!r || n > p->num_records()) abort();
    if (!r->has_value()) break;
    if (r->value().num_sources() * 16 != r->value().sources.size()) abort();
  }
  auto r = mld::Repr::parse(*p, src, dst, false);
  if (!r) return 0;
  std::vector<uint8_t> out(r->buffer_len());
  if (out.size() > size || !r->emit(MutBytes(out.data(), out.size()), src, dst)) abort();
  auto p2 = mld::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = mld::Repr::parse(*p2, src, dst);
  if (!r2 || !same(*r, *r2)) abort();
  return 0;
}
