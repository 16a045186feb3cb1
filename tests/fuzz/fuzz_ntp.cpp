// fuzz_ntp.cpp — any bytes through ntp::Packet::check and Repr::parse; whatever parses
// is re-emitted, must reproduce the input byte for byte, and parse to the same Repr.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/wire/ntp.hpp"

using namespace keel;
using namespace keel::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = ntp::Packet::check(Bytes(data, size));
  if (!p) return 0;
  auto r = ntp::Repr::parse(*p);
  if (!r) return 0;
  std::vector<uint8_t> out(r->buffer_len());
  if (out.size() != size || !r->emit(MutBytes(out.data(), out.size()))) abort();
  // Every bit of the header is a field: the re-emitted packet is the input.
  if (memcmp(out.data(), data, size) != 0) abort();
  auto p2 = ntp::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = ntp::Repr::parse(*p2);
  if (!r2 || r2->leap != r->leap || r2->version != r->version || r2->mode != r->mode ||
      r2->stratum != r->stratum || r2->poll != r->poll || r2->precision != r->precision ||
      r2->root_delay != r->root_delay || r2->root_dispersion != r->root_dispersion ||
      r2->reference_id != r->reference_id || !(r2->reference_time == r->reference_time) ||
      !(r2->origin_time == r->origin_time) || !(r2->receive_time == r->receive_time) ||
      !(r2->transmit_time == r->transmit_time) || !equal_bytes(r2->trailing, r->trailing))
    abort();
  return 0;
}
