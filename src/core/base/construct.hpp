// construct.hpp — construct_at: builds an object in storage the caller owns.
//
// The core has no <new>, so it cannot use the standard placement new; this tagged
// overload of operator new takes a keel::Place tag and never allocates, so it cannot
// clash with the library's forms in hosted builds. Used where an object needs
// constructor arguments and lives in a fixed array (interfaces hold a Random&).
#pragma once
#include <stddef.h>

namespace keel {
struct Place {};
}  // namespace keel

inline void* operator new(size_t, keel::Place, void* where) noexcept { return where; }
inline void operator delete(void*, keel::Place, void*) noexcept {}

namespace keel {

// construct_at(where, args...) — a T built at where (which must be suitably sized and
// aligned storage for T); returns it.
template <typename T, typename... Args>
T* construct_at(void* where, Args&&... args) {
  return new (Place{}, where) T(static_cast<Args&&>(args)...);
}

}  // namespace keel
