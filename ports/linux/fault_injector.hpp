// fault_injector.hpp — a Device wrapper that impairs both directions of any device:
// loss, duplication, reordering, corruption, delay and a rate limit.
//
// This kernel has no netem (TESTING.md, Impairment), so keel impairs its own link.
// Faults are drawn from a seeded generator: the same seed and the same traffic give
// the same faults, so a failing simulation replays exactly. Frames held back (delay,
// reordering, rate) wait in a bounded queue per direction; poll_at() tells the loop
// when the next one is due.
#pragma once
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "core/iface/device.hpp"

namespace keel::linux_port {

struct FaultConfig {
  double loss_pct = 0;       // frames dropped
  double dup_pct = 0;        // frames delivered twice
  double reorder_pct = 0;    // frames held back by reorder_hold so later ones pass them
  double corrupt_pct = 0;    // frames with one random bit flipped (past the Ethernet header)
  Duration delay{};          // added to every frame, each direction
  Duration reorder_hold = Duration::millis(2);
  double rate_mbit = 0;      // serialisation rate per direction; 0 = unlimited
  uint64_t seed = 1;
  size_t queue_frames = 4096;  // frames held per direction before tail drop
  bool any() const {
    return loss_pct > 0 || dup_pct > 0 || reorder_pct > 0 || corrupt_pct > 0 ||
           delay.as_micros() > 0 || rate_mbit > 0;
  }
};

struct FaultStats {
  uint64_t passed = 0, lost = 0, duplicated = 0, reordered = 0, corrupted = 0,
           queue_drops = 0;
};

class FaultInjector final : public iface::Device {
 public:
  FaultInjector(iface::Device& inner, const FaultConfig& config);

  iface::DeviceCaps caps() const override { return inner_.caps(); }
  size_t receive(MutBytes buf, Instant now) override;
  bool transmit(Bytes frame, Instant now) override;
  Optional<Instant> poll_at() const override;

  const FaultStats& rx_stats() const { return rx_.stats; }
  const FaultStats& tx_stats() const { return tx_.stats; }

 private:
  struct Held {
    Instant due;
    uint64_t order;  // ties keep arrival order
    std::vector<uint8_t> bytes;
  };
  struct Direction {
    std::deque<Held> queue;  // sorted by (due, order)
    Instant line_free;       // when the rate-limited line finishes the last frame
    FaultStats stats;
  };
  void impair(Direction& d, Bytes frame, Instant now);
  void insert(Direction& d, Held h);
  void flush_tx(Instant now);
  bool chance(double pct);

  iface::Device& inner_;
  FaultConfig config_;
  std::mt19937_64 rng_;
  uint64_t order_ = 0;
  Direction rx_, tx_;
  std::vector<uint8_t> scratch_;
};

}  // namespace keel::linux_port
