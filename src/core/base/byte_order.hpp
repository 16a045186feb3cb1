// byte_order.hpp — network (big-endian) loads and stores on byte pointers.
//
// Wire views call these after their checked constructor has proven the bytes exist.
// memcpy keeps them free of alignment and aliasing traps; compilers emit one load
// plus a byte swap.
#pragma once
#include <stdint.h>
#include <string.h>

namespace keel {

constexpr uint16_t swap16(uint16_t v) { return __builtin_bswap16(v); }
constexpr uint32_t swap32(uint32_t v) { return __builtin_bswap32(v); }
constexpr uint64_t swap64(uint64_t v) { return __builtin_bswap64(v); }

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
inline constexpr bool kLittleEndian = true;
#else
inline constexpr bool kLittleEndian = false;
#endif

constexpr uint16_t host_to_be16(uint16_t v) { return kLittleEndian ? swap16(v) : v; }
constexpr uint32_t host_to_be32(uint32_t v) { return kLittleEndian ? swap32(v) : v; }
constexpr uint64_t host_to_be64(uint64_t v) { return kLittleEndian ? swap64(v) : v; }

inline uint16_t load_be16(const uint8_t* p) {
  uint16_t v;
  memcpy(&v, p, sizeof v);
  return host_to_be16(v);
}
inline uint32_t load_be32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return host_to_be32(v);
}
inline uint64_t load_be64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return host_to_be64(v);
}
inline void store_be16(uint8_t* p, uint16_t v) {
  v = host_to_be16(v);
  memcpy(p, &v, sizeof v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  v = host_to_be32(v);
  memcpy(p, &v, sizeof v);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  v = host_to_be64(v);
  memcpy(p, &v, sizeof v);
}

}  // namespace keel
