// pcap.cpp — a minimal classic-pcap reader and writer (microsecond and nanosecond magic).
#include "support/pcap.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace keel::test {

namespace {
uint32_t rd32(const uint8_t* p, bool swap) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}
}  // namespace

PcapFile read_pcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < 24) throw std::runtime_error("short pcap header: " + path);
  uint32_t magic;
  std::memcpy(&magic, data.data(), 4);
  bool swap = false, nanos = false;
  if (magic == 0xa1b2c3d4) {
  } else if (magic == 0xd4c3b2a1) {
    swap = true;
  } else if (magic == 0xa1b23c4d) {
    nanos = true;
  } else if (magic == 0x4d3cb2a1) {
    swap = nanos = true;
  } else {
    throw std::runtime_error("not a classic pcap file (pcapng?): " + path);
  }
  PcapFile f;
  f.link_type = rd32(data.data() + 20, swap);
  size_t off = 24;
  while (off + 16 <= data.size()) {
    uint32_t sec = rd32(data.data() + off, swap);
    uint32_t frac = rd32(data.data() + off + 4, swap);
    uint32_t incl = rd32(data.data() + off + 8, swap);
    off += 16;
    if (incl > data.size() - off) throw std::runtime_error("truncated record in " + path);
    PcapFrame fr;
    fr.ts_us = uint64_t(sec) * 1000000 + (nanos ? frac / 1000 : frac);
    fr.bytes.assign(data.begin() + off, data.begin() + off + incl);
    f.frames.push_back(std::move(fr));
    off += incl;
  }
  return f;
}

PcapFile capture(const std::string& name) {
  return read_pcap(std::string(KEEL_TEST_DATA_DIR) + "/captures/" + name + ".pcap");
}

void write_pcap(const std::string& path, const std::vector<std::vector<uint8_t>>& frames) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  auto put32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto put16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  put32(0xa1b2c3d4);
  put16(2);
  put16(4);
  put32(0);
  put32(0);
  put32(65535);
  put32(1);
  for (const auto& fr : frames) {
    put32(0);
    put32(0);
    put32(static_cast<uint32_t>(fr.size()));
    put32(static_cast<uint32_t>(fr.size()));
    out.write(reinterpret_cast<const char*>(fr.data()), static_cast<std::streamsize>(fr.size()));
  }
}

}  // namespace keel::test
