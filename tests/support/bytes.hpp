// bytes.hpp — test helpers for byte buffers: hex in and out, spans over vectors,
// and a way to find a protocol's bytes inside a captured Ethernet frame.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/base/span.hpp"

namespace keel::test {

// hex("45 00 00 1c ...") — bytes from hex digits; spaces, newlines and ':' ignored.
std::vector<uint8_t> hex(const std::string& text);
// to_hex(bytes) — lowercase hex with no separators, for readable assertion messages.
std::string to_hex(keel::Bytes b);

inline keel::Bytes bytes_of(const std::vector<uint8_t>& v) { return keel::Bytes(v.data(), v.size()); }
inline keel::MutBytes mut_bytes_of(std::vector<uint8_t>& v) { return keel::MutBytes(v.data(), v.size()); }

// l3_offset(frame) — offset of the network header in an Ethernet II frame, skipping
// one or two 802.1Q tags; sets ethertype. Written independently of wire/ethernet on
// purpose, so tests of wire/ do not rely on the code under test to find their input.
size_t l3_offset(const std::vector<uint8_t>& frame, uint16_t* ethertype);

}  // namespace keel::test
