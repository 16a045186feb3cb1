// pcap.hpp — reads classic libpcap files (the captures under tests/data/captures).
// Hosted test support: uses the standard library freely.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace keel::test {

struct PcapFrame {
  uint64_t ts_us = 0;
  std::vector<uint8_t> bytes;
};

struct PcapFile {
  uint32_t link_type = 0;  // 1 = Ethernet, 113 = Linux cooked (SLL)
  std::vector<PcapFrame> frames;
};

// read_pcap(path) — every frame of the file; throws std::runtime_error on a bad file.
PcapFile read_pcap(const std::string& path);

// capture(name) — reads tests/data/captures/<name>.pcap.
PcapFile capture(const std::string& name);

// write_pcap(path, frames) — Ethernet link type; used to export fuzz seeds and fixtures.
void write_pcap(const std::string& path, const std::vector<std::vector<uint8_t>>& frames);

}  // namespace keel::test
