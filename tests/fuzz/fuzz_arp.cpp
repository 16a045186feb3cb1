// fuzz_arp.cpp — any bytes through arp::Packet::check and Repr::parse; whatever parses
// is re-emitted and must parse again to the same Repr and the same 28 bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/wire/arp.hpp"

using namespace keel;
using namespace keel::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = arp::Packet::check(Bytes(data, size));
  if (!p) return 0;
  auto r = arp::Repr::parse(*p);
  if (!r) return 0;
  std::vector<uint8_t> out(r->buffer_len());
  if (!r->emit(MutBytes(out.data(), out.size()))) abort();
  auto p2 = arp::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = arp::Repr::parse(*p2);
  if (!r2 || r2->operation != r->operation || !(r2->sender_mac == r->sender_mac) ||
      !(r2->sender_ip == r->sender_ip) || !(r2->target_mac == r->target_mac) ||
      !(r2->target_ip == r->target_ip) || (r2->is_gratuitous() != r->is_gratuitous()) ||
      memcmp(out.data(), data, out.size()) != 0)
    abort();
  return 0;
}
