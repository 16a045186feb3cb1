// error.cpp — names of wire errors.
#include "core/wire/error.hpp"

namespace keel::wire {

const char* error_name(Error e) {
  switch (e) {
    case Error::Truncated: return "truncated";
    case Error::Malformed: return "malformed";
    case Error::BadChecksum: return "bad-checksum";
    case Error::Unsupported: return "unsupported";
    case Error::BufferTooSmall: return "buffer-too-small";
  }
  return "unknown";
}

}  // namespace keel::wire
