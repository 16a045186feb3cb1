// fault_injector.cpp — seeded impairments for both directions of a device.
#include "ports/linux/fault_injector.hpp"

#include <algorithm>
#include <cstring>

namespace keel::linux_port {

FaultInjector::FaultInjector(iface::Device& inner, const FaultConfig& config)
    : inner_(inner), config_(config), rng_(config.seed), scratch_(65536) {}

bool FaultInjector::chance(double pct) {
  if (pct <= 0) return false;
  return std::uniform_real_distribution<double>(0, 100)(rng_) < pct;
}

void FaultInjector::insert(Direction& d, Held h) {
  if (d.queue.size() >= config_.queue_frames) {
    ++d.stats.queue_drops;
    return;
  }
  auto pos = std::upper_bound(d.queue.begin(), d.queue.end(), h, [](const Held& x, const Held& y) {
    return x.due < y.due || (x.due == y.due && x.order < y.order);
  });
  d.queue.insert(pos, std::move(h));
}

void FaultInjector::impair(Direction& d, Bytes frame, Instant now) {
  if (chance(config_.loss_pct)) {
    ++d.stats.lost;
    return;
  }
  std::vector<uint8_t> bytes(frame.begin(), frame.end());
  if (bytes.size() > 14 && chance(config_.corrupt_pct)) {
    // Past the Ethernet header, so the frame still reaches the stack and its checksums
    // (not the MAC filter) must catch the damage.
    size_t bit = std::uniform_int_distribution<size_t>(14 * 8, bytes.size() * 8 - 1)(rng_);
    bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ++d.stats.corrupted;
  }
  Instant due = now + config_.delay;
  if (config_.rate_mbit > 0) {
    // Serialise: the frame leaves when the line is free, taking bits / rate.
    int64_t wire_us = static_cast<int64_t>((bytes.size() + 24) * 8 / config_.rate_mbit);
    Instant start = std::max(now, d.line_free);
    d.line_free = start + Duration::micros(wire_us);
    due = std::max(due, d.line_free + config_.delay);
  }
  if (chance(config_.reorder_pct)) {
    due = due + config_.reorder_hold;
    ++d.stats.reordered;
  }
  bool dup = chance(config_.dup_pct);
  if (dup) {
    ++d.stats.duplicated;
    insert(d, Held{due, order_++, bytes});
  }
  insert(d, Held{due, order_++, std::move(bytes)});
}

void FaultInjector::flush_tx(Instant now) {
  while (!tx_.queue.empty() && tx_.queue.front().due <= now) {
    Held h = std::move(tx_.queue.front());
    tx_.queue.pop_front();
    if (inner_.transmit(Bytes(h.bytes.data(), h.bytes.size()), now)) ++tx_.stats.passed;
  }
}

bool FaultInjector::transmit(Bytes frame, Instant now) {
  if (!config_.any()) return inner_.transmit(frame, now);
  impair(tx_, frame, now);
  flush_tx(now);
  return true;
}

size_t FaultInjector::receive(MutBytes buf, Instant now) {
  if (!config_.any()) return inner_.receive(buf, now);
  flush_tx(now);
  // Take what the inner device has (bounded per call), impair it, then deliver the
  // first frame that is due.
  for (int i = 0; i < 256; ++i) {
    size_t n = inner_.receive(MutBytes(scratch_.data(), scratch_.size()), now);
    if (n == 0) break;
    impair(rx_, Bytes(scratch_.data(), n), now);
  }
  while (!rx_.queue.empty() && rx_.queue.front().due <= now) {
    Held h = std::move(rx_.queue.front());
    rx_.queue.pop_front();
    if (h.bytes.size() > buf.size()) continue;
    std::memcpy(buf.data(), h.bytes.data(), h.bytes.size());
    ++rx_.stats.passed;
    return h.bytes.size();
  }
  return 0;
}

Optional<Instant> FaultInjector::poll_at() const {
  Optional<Instant> at = inner_.poll_at();
  for (const Direction* d : {&rx_, &tx_}) {
    if (d->queue.empty()) continue;
    Instant due = d->queue.front().due;
    if (!at || due < *at) at = due;
  }
  return at;
}

}  // namespace keel::linux_port
