// assert.cpp — the default panic hook: trap. Ports replace it by defining keel_panic.
#include "core/base/assert.hpp"

extern "C" [[noreturn]] __attribute__((weak)) void keel_panic(const char*, int, const char*) {
  __builtin_trap();
}
