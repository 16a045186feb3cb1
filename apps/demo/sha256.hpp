// sha256.hpp — SHA-256 (FIPS 180-4), streaming, for keel-demo's /ul report: the server
// tells the client the digest of the body it received, so a test can compare both ends.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace keel::demo {

class Sha256 {
 public:
  Sha256() { reset(); }
  // reset — the digest of nothing so far.
  void reset();
  // update — appends n bytes.
  void update(const uint8_t* data, size_t n);
  // hex — finishes and returns the 64-digit lowercase digest (then reset() to reuse).
  std::string hex();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;  // bytes hashed
};

}  // namespace keel::demo
