// pcap_writer.cpp — classic pcap, microsecond timestamps, host byte order (readers
// detect it from the magic).
#include "ports/linux/pcap_writer.hpp"

namespace keel::linux_port {

namespace {
struct FileHeader {
  uint32_t magic = 0xa1b2c3d4;
  uint16_t major = 2, minor = 4;
  int32_t thiszone = 0;
  uint32_t sigfigs = 0, snaplen = 65535, linktype = 1;  // 1 = Ethernet
};
struct RecordHeader {
  uint32_t sec, usec, incl, orig;
};
}  // namespace

bool PcapWriter::open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) return false;
  FileHeader h;
  std::fwrite(&h, sizeof h, 1, file_);
  return true;
}

PcapWriter::~PcapWriter() {
  if (file_) std::fclose(file_);
}

void PcapWriter::write(Bytes frame, uint64_t ts_us) {
  if (!file_) return;
  if (limit_ != 0 && written_ >= limit_) {
    ++skipped_;
    return;
  }
  ++written_;
  RecordHeader r{static_cast<uint32_t>(ts_us / 1000000), static_cast<uint32_t>(ts_us % 1000000),
                 static_cast<uint32_t>(frame.size()), static_cast<uint32_t>(frame.size())};
  std::fwrite(&r, sizeof r, 1, file_);
  std::fwrite(frame.data(), 1, frame.size(), file_);
}

void PcapWriter::flush() {
  if (file_) std::fflush(file_);
}

size_t PcapDevice::receive(MutBytes buf, Instant now) {
  size_t n = inner_.receive(buf, now);
  if (n != 0) writer_.write(buf.first(n), static_cast<uint64_t>(now.micros() + epoch_offset_us_));
  return n;
}

bool PcapDevice::transmit(Bytes frame, Instant now) {
  writer_.write(frame, static_cast<uint64_t>(now.micros() + epoch_offset_us_));
  return inner_.transmit(frame, now);
}

}  // namespace keel::linux_port
