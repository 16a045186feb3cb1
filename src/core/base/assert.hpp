// assert.hpp — KEEL_ASSERT for broken invariants (never for bad network input).
//
// A failed assertion calls keel_panic(), a weak symbol: the platform may define its
// own (log and reset on a device, abort with a message on Linux). The default traps.
#pragma once

extern "C" [[noreturn]] void keel_panic(const char* file, int line, const char* expr);

#define KEEL_ASSERT(cond)                                   \
  do {                                                      \
    if (!(cond)) keel_panic(__FILE__, __LINE__, #cond);     \
  } while (0)
