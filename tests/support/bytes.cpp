// bytes.cpp — hex helpers.
#include "support/bytes.hpp"

#include <stdexcept>

namespace keel::test {

std::vector<uint8_t> hex(const std::string& text) {
  std::vector<uint8_t> out;
  int hi = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == '\n' || c == '\t' || c == ':') continue;
    else throw std::invalid_argument("bad hex digit");
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  if (hi >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

std::string to_hex(keel::Bytes b) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) {
    s.push_back(digits[x >> 4]);
    s.push_back(digits[x & 15]);
  }
  return s;
}

size_t l3_offset(const std::vector<uint8_t>& frame, uint16_t* ethertype) {
  size_t off = 12;
  for (int tags = 0; tags < 3; ++tags) {
    if (frame.size() < off + 2) throw std::runtime_error("frame too short");
    uint16_t type = static_cast<uint16_t>(frame[off] << 8 | frame[off + 1]);
    if (type == 0x8100 || type == 0x88a8) {
      off += 4;
      continue;
    }
    *ethertype = type;
    return off + 2;
  }
  throw std::runtime_error("too many VLAN tags");
}

}  // namespace keel::test
