// pcap_writer.hpp — records frames to a classic pcap file (Ethernet link type), and
// PcapDevice: any Device wrapped so that every frame in and out is recorded.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/iface/device.hpp"

namespace keel::linux_port {

class PcapWriter {
 public:
  // open(path) — truncates and writes the file header; false with errno on failure.
  bool open(const std::string& path);
  ~PcapWriter();
  // write — one record; ts_us is microseconds since the Unix epoch. After `limit`
  // records (set_limit; 0 = none) further frames are counted, not written.
  void write(Bytes frame, uint64_t ts_us);
  void set_limit(uint64_t frames) { limit_ = frames; }
  uint64_t written() const { return written_; }
  uint64_t skipped() const { return skipped_; }
  void flush();

 private:
  std::FILE* file_ = nullptr;
  uint64_t limit_ = 0, written_ = 0, skipped_ = 0;
};

// PcapDevice — records both directions of an inner device. Record timestamps are the
// loop's Instant shifted by epoch_offset_us (wall clock minus loop clock at start), so
// simulated runs give reproducible files and real runs give real times.
class PcapDevice final : public iface::Device {
 public:
  PcapDevice(iface::Device& inner, PcapWriter& writer, int64_t epoch_offset_us)
      : inner_(inner), writer_(writer), epoch_offset_us_(epoch_offset_us) {}

  iface::DeviceCaps caps() const override { return inner_.caps(); }
  size_t receive(MutBytes buf, Instant now) override;
  bool transmit(Bytes frame, Instant now) override;
  Optional<Instant> poll_at() const override { return inner_.poll_at(); }

 private:
  iface::Device& inner_;
  PcapWriter& writer_;
  int64_t epoch_offset_us_;
};

}  // namespace keel::linux_port
