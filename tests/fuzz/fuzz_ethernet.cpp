// fuzz_ethernet.cpp — any bytes through ethernet::Frame::check and Repr::parse; whatever
// parses is re-emitted (header, then the payload after it) and must parse again to the
// same Repr and payload.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/ethernet.hpp"

using namespace keel;
using namespace keel::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = ethernet::Frame::check(Bytes(data, size));
  if (!f) return 0;
  (void)f->dst().is_broadcast();
  auto r = ethernet::Repr::parse(*f);
  if (!r) return 0;
  Bytes payload = f->payload();
  std::vector<uint8_t> out(r->buffer_len() + payload.size());
  MutBytes o(out.data(), out.size());
  if (!r->emit(o)) abort();
  copy_bytes(o.from(r->header_len()), payload);
  auto f2 = ethernet::Frame::check(Bytes(out.data(), out.size()));
  if (!f2) abort();
  auto r2 = ethernet::Repr::parse(*f2);
  if (!r2 || !(r2->src == r->src) || !(r2->dst == r->dst) || r2->ethertype != r->ethertype ||
      !(r2->vlan == r->vlan) || !equal_bytes(f2->payload(), payload) ||
      !equal_bytes(Bytes(out.data(), out.size()), Bytes(data, size)))
    abort();
  return 0;
}
