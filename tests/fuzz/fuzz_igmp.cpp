// fuzz_igmp.cpp — any bytes through igmp::Packet::check, the record cursor and
// Repr::parse; whatever parses is re-emitted and must parse again, checksum verified,
// to the same Repr.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/igmp.hpp"

using namespace keel;
using namespace keel::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = igmp::Packet::check(Bytes(data, size));
  if (!p) return 0;
  (void)p->verify_checksum();
  for (size_t i = 0; i <= p->source_count(); ++i) (void)p->source(i);
  auto r = igmp::Repr::parse(*p, false);
  if (!r) return 0;
  igmp::RecordCursor c(r->records, r->record_count);
  for (uint32_t i = 0; i <= r->record_count; ++i) {  // check() proved every record fits
    auto g = c.next();
    if (!g) abort();
    if (!g->has_value()) break;
    if ((*g)->source_count() * 4 != (*g)->sources.size()) abort();
  }
  std::vector<uint8_t> out(r->buffer_len());
  if (!r->emit(MutBytes(out.data(), out.size()))) abort();
  auto p2 = igmp::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = igmp::Repr::parse(*p2, true);
  if (!r2 || r2->message != r->message || r2->max_resp_time != r->max_resp_time ||
      !(r2->group == r->group) || r2->suppress != r->suppress || r2->qrv != r->qrv ||
      r2->qqic != r->qqic || !equal_bytes(r2->sources, r->sources) ||
      r2->record_count != r->record_count || !equal_bytes(r2->records, r->records))
    abort();
  return 0;
}
