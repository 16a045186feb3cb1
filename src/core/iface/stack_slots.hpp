// stack_slots.hpp — private to the Stack's .cpp files: finding and opening the slots of
// its fixed socket tables. A slot is a struct with `bool open` and `uint16_t generation`;
// a Handle names (kind, index, generation), so a handle kept after close() names
// nothing instead of the slot's next user.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/result.hpp"
#include "core/iface/stack.hpp"

namespace keel::stack_slots {

// The dynamic port range ephemeral ports come from (RFC 6335 §6, RFC 6056).
inline constexpr uint16_t kEphemeralLow = 49152;
inline constexpr uint16_t kEphemeralHigh = 65535;

// slot_of — the open slot h names in slots, or null (wrong kind, index or generation).
template <typename Slot, size_t N>
Slot* slot_of(Slot (&slots)[N], Handle h, Handle::Kind kind) {
  if (h.kind != kind || h.index >= N) return nullptr;
  Slot& s = slots[h.index];
  return s.open && s.generation == h.generation ? &s : nullptr;
}

// open_slot — opens the first slot for which is_free(slot) holds (a new generation);
// NoRoom when none does.
template <typename Slot, size_t N, typename IsFree>
Result<Handle, StackError> open_slot(Slot (&slots)[N], Handle::Kind kind, IsFree is_free) {
  for (size_t i = 0; i < N; ++i) {
    if (!is_free(slots[i])) continue;
    slots[i].open = true;
    ++slots[i].generation;
    return Handle{kind, static_cast<uint8_t>(i), slots[i].generation};
  }
  return Err(StackError::NoRoom);
}

// open_slot — opens the first slot that is not open.
template <typename Slot, size_t N>
Result<Handle, StackError> open_slot(Slot (&slots)[N], Handle::Kind kind) {
  return open_slot(slots, kind, [](const Slot& s) { return !s.open; });
}

}  // namespace keel::stack_slots
