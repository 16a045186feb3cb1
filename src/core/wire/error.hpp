// error.hpp — why a wire parse or emit failed.
//
// The safety contract of every wire view (written once, here):
//  - a view is made only by its checked constructor `check(bytes)`, which validates the
//    buffer length and the header's own length fields against it;
//  - once check() succeeds, no accessor of the view can read outside the buffer;
//  - untrusted input always goes through check() and then Repr::parse(), which rejects
//    every inconsistency and never asserts;
//  - Repr::emit() never fails on a buffer of exactly Repr::buffer_len() bytes (it
//    returns BufferTooSmall on a shorter one, and writes nothing past the buffer).
#pragma once
#include <stdint.h>

#include "core/base/result.hpp"

namespace keel::wire {

enum class Error : uint8_t {
  Truncated,       // the buffer ends before the header or a length field says it should
  Malformed,       // a field holds a value the format forbids (bad version, bad length...)
  BadChecksum,     // the checksum does not verify
  Unsupported,     // well-formed, but a variant keel does not handle
  BufferTooSmall,  // emit() was given fewer than buffer_len() bytes
};

template <typename T>
using Result = keel::Result<T, Error>;
using Status = keel::Result<void, Error>;

// error_name(e) — a short, stable name for logs and tests.
const char* error_name(Error e);

}  // namespace keel::wire
