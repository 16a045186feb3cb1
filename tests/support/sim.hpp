// sim.hpp — the simulation harness: keel stacks joined by in-memory links, a manual
// clock, and optional seeded faults, all in one thread. Deterministic: the same seeds
// give the same run.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "core/iface/stack.hpp"
#include "ports/linux/fault_injector.hpp"
#include "ports/linux/mem_link.hpp"

namespace keel::test {

// SimNode — one stack on one link endpoint (optionally behind a fault injector).
struct SimNode {
  SimNode(uint64_t seed, iface::Device& dev, wire::MacAddress mac, const StackConfig& cfg = {})
      : rng(seed), stack(std::make_unique<Stack>(rng, cfg)), device(&dev) {
    auto r = stack->add_ethernet(dev, mac);
    id = r.ok() ? r.value() : 0xff;
  }
  Random rng;
  std::unique_ptr<Stack> stack;
  iface::Device* device;
  IfaceId id = 0;
};

// SimNet — two nodes, A (192.0.2.1) and B (192.0.2.2), on one link, and a clock; the
// faults apply once to every frame, both ways (A's injector impairs both directions).
class SimNet {
 public:
  explicit SimNet(const linux_port::FaultConfig& faults = {}, uint64_t seed = 1);
  SimNode& a() { return *a_; }
  SimNode& b() { return *b_; }
  Instant now() const { return now_; }
  // step — one round: deliver every frame waiting on both sides, then poll both.
  void step();
  // run_for — advance simulated time in steps of tick, polling on each.
  void run_for(Duration d, Duration tick = Duration::millis(1));
  // run_until — steps until cond() holds or limit passes; returns cond().
  bool run_until(const std::function<bool()>& cond, Duration limit, Duration tick = Duration::millis(1));
  linux_port::MemLink& link() { return link_; }
  linux_port::FaultInjector& faults_a() { return *fault_a_; }

 private:
  void drain(SimNode& n);
  linux_port::MemLink link_;
  std::unique_ptr<linux_port::FaultInjector> fault_a_, fault_b_;
  std::unique_ptr<SimNode> a_, b_;
  Instant now_ = Instant::from_millis(1000);
};

inline wire::Ipv4Address sim_ip(uint8_t host) { return wire::Ipv4Address::of(192, 0, 2, host); }

// pattern — n pseudo-random bytes from seed (xorshift): payloads whose corruption or
// reordering a byte-exact comparison catches.
inline std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return v;
}

}  // namespace keel::test
