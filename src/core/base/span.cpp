// span.cpp — out-of-line byte span helpers (kept out of headers for code size).
#include "core/base/span.hpp"

#include <string.h>

namespace keel {

size_t copy_bytes(MutBytes dst, Bytes src) {
  size_t n = dst.size() < src.size() ? dst.size() : src.size();
  if (n != 0) memmove(dst.data(), src.data(), n);
  return n;
}

bool equal_bytes(Bytes a, Bytes b) {
  if (a.size() != b.size()) return false;
  return a.size() == 0 || memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace keel
