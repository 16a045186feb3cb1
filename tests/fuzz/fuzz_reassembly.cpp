// fuzz_reassembly.cpp — any bytes as a sequence of IPv4 fragments fed to the
// reassembler, checked against a shadow model of what it must hold.
//
// Input: byte 0 picks the configuration; then 5-byte records:
//   [0] bits 0-2 key (of 6, more than the slots), bit 5 raw offset, bit 6 corrupt
//       the first byte, bit 7 MF;
//   [1..2] offset (in 8-byte units modulo the slot size, or raw bytes if bit 5);
//   [3..4] length: 12 bits, bit 12 rounds it down to a multiple of 8, bits 13-15 how
//       far time moves on before this fragment.
// Fragment bytes are a function of (key, position), so a datagram reassembled from
// unaltered fragments must equal that function. Invariants (abort() if broken): held
// bytes never pass the budget and equal the model's sum; a Complete datagram's length
// is the sum of the fragments kept for it and its bytes are right; the drop reason
// agrees with the model (Poisoned only for a poisoned key, NoSlot only for a new one).
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/iface/ipv4_reassembly.hpp"

using namespace keel;
using namespace keel::iface;

namespace {

constexpr int kKeys = 6;

uint8_t byte_at(int key, size_t pos) { return uint8_t(pos * 13 + key * 101 + (pos >> 9)); }

struct Shadow {
  enum { None, Active, Poisoned } state = None;
  Instant start;
  size_t sum = 0;
  bool corrupt = false;
  Instant recent_until;  // a completed datagram's key is remembered until then
  uint32_t created = 0;  // creation order (the reassembler evicts the smallest)
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  ReassemblyConfig cfg;
  const size_t budgets[] = {config::kReassemblyBudget, 4096, 1000, 24};
  const size_t maxes[] = {config::kReassemblyMaxDatagram, 1500, 65535, 64};
  cfg.budget = budgets[data[0] & 3];
  cfg.max_datagram = maxes[(data[0] >> 2) & 3];
  const size_t budget =
      cfg.budget < config::kReassemblyBudget ? cfg.budget : config::kReassemblyBudget;
  auto r = std::make_unique<Ipv4Reassembler>(cfg);
  const Duration steps[] = {Duration::micros(0),   Duration::millis(1),  Duration::millis(500),
                            Duration::seconds(1),  Duration::seconds(5), Duration::seconds(14),
                            Duration::seconds(15), Duration::seconds(16)};

  Shadow shadow[kKeys];
  uint32_t next_created = 0;
  Instant now;
  std::vector<uint8_t> payload(4096);
  for (size_t i = 1; i + 5 <= size; i += 5) {
    const uint8_t* rec = data + i;
    int k = (rec[0] & 7) % kKeys;
    bool raw_offset = rec[0] & 0x20, corrupt = rec[0] & 0x40, more = rec[0] & 0x80;
    uint16_t units = uint16_t(rec[1] << 8 | rec[2]);
    uint16_t offset =
        raw_offset ? units : uint16_t(units % (Ipv4Reassembler::kSlotBytes / 8 + 4) * 8);
    uint16_t lenf = uint16_t(rec[3] << 8 | rec[4]);
    size_t len = lenf & 0x0fff;
    if (lenf & 0x1000) len &= ~size_t(7);
    now = now + steps[lenf >> 13];

    for (size_t j = 0; j < len; ++j) payload[j] = byte_at(k, offset + j);
    if (corrupt && len > 0) payload[0] ^= 0x5a;
    FragmentKey key{wire::Ipv4Address::of(192, 0, 2, 1), wire::Ipv4Address::of(198, 51, 100, 1), 17,
                    uint16_t(k)};

    for (Shadow& s : shadow)
      if (s.state != Shadow::None && now >= s.start + cfg.timeout) s = Shadow{};
    Shadow& s = shadow[k];
    uint64_t dups = r->stats().duplicates;
    uint64_t late = r->stats().late_duplicates;
    uint64_t evictions = r->stats().no_slot;
    auto out = r->add(now, key, offset, more, Bytes(payload.data(), len));
    if (r->stats().no_slot != evictions) {
      // Every slot was busy: the oldest datagram gave way to this new one.
      if (s.state != Shadow::None) abort();
      Shadow* oldest = nullptr;
      for (Shadow& t : shadow)
        if (t.state != Shadow::None && (!oldest || t.created < oldest->created)) oldest = &t;
      if (!oldest) abort();
      Instant keep = oldest->recent_until;
      *oldest = Shadow{};
      oldest->recent_until = keep;
    }

    switch (out.kind) {
      case ReassemblyOutcome::Kind::Complete: {
        if (offset == 0 && !more) {  // not a fragment: handed back untouched
          if (out.datagram.data() != payload.data() || out.datagram.size() != len) abort();
          break;
        }
        if (s.state == Shadow::Poisoned) abort();
        size_t sum = (s.state == Shadow::Active ? s.sum : 0) + len;
        if (out.datagram.size() != sum) abort();
        bool corrupted = s.corrupt || corrupt;
        for (size_t j = 0; j < sum; ++j)
          if (!corrupted && out.datagram[j] != byte_at(k, j)) abort();
        s = Shadow{};
        s.recent_until = now + cfg.completed_memory;
        break;
      }
      case ReassemblyOutcome::Kind::Incomplete:
        if (s.state == Shadow::Poisoned) abort();
        if (r->stats().late_duplicates != late) {  // a fragment of a datagram just completed
          if (s.state != Shadow::None || now >= s.recent_until) abort();
          break;
        }
        if (s.state == Shadow::None && now < s.recent_until) abort();  // should have been late
        if (r->stats().duplicates != dups) {
          if (s.state != Shadow::Active) abort();
          break;
        }
        if (s.state == Shadow::None) {
          Instant keep = s.recent_until;
          s = Shadow{Shadow::Active, now, 0, false};
          s.recent_until = keep;
          s.created = next_created++;
        }
        s.sum += len;
        s.corrupt = s.corrupt || corrupt;
        break;
      case ReassemblyOutcome::Kind::Dropped:
        switch (out.reason) {
          case ReassemblyDrop::Poisoned:
            if (s.state != Shadow::Poisoned) abort();
            break;
          case ReassemblyDrop::Overlap:
            if (s.state != Shadow::Active) abort();
            s.state = Shadow::Poisoned;
            s.sum = 0;
            break;
          case ReassemblyDrop::TooBig:
            if (s.state == Shadow::Active) s.state = Shadow::Poisoned;
            s.sum = 0;
            break;
          case ReassemblyDrop::Malformed:
          case ReassemblyDrop::OverBudget:
            break;
        }
        break;
    }

    size_t held = 0, in_use = 0;
    for (const Shadow& t : shadow) {
      held += t.sum;
      in_use += t.state != Shadow::None;
    }
    if (r->held_bytes() != held || held > budget) abort();
    if (r->slots_in_use() != in_use || in_use > config::kReassemblySlots) abort();
    if (in_use != 0 && !r->poll_at()) abort();
  }
  return 0;
}
