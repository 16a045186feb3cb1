// sim.cpp — the simulation harness.
#include "support/sim.hpp"

namespace keel::test {

SimNet::SimNet(const linux_port::FaultConfig& faults, uint64_t seed) : link_(4096) {
  // Faults on A's side only: its injector impairs both directions, so every frame
  // meets the configured loss (or other fault) exactly once, whichever way it goes.
  linux_port::FaultConfig fa = faults, fb;
  fa.seed = seed * 2 + 1;
  fault_a_ = std::make_unique<linux_port::FaultInjector>(link_.a(), fa);
  fault_b_ = std::make_unique<linux_port::FaultInjector>(link_.b(), fb);
  a_ = std::make_unique<SimNode>(seed * 7 + 3, *fault_a_, wire::MacAddress{{0x02, 0, 0, 0, 0, 0x0a}});
  b_ = std::make_unique<SimNode>(seed * 7 + 4, *fault_b_, wire::MacAddress{{0x02, 0, 0, 0, 0, 0x0b}});
  (void)a_->stack->add_ipv4(a_->id, Ipv4Cidr{sim_ip(1), 24});
  (void)b_->stack->add_ipv4(b_->id, Ipv4Cidr{sim_ip(2), 24});
}

void SimNet::drain(SimNode& n) {
  uint8_t buf[2048];
  for (int i = 0; i < 10000; ++i) {
    size_t len = n.device->receive(MutBytes(buf), now_);
    if (len == 0) break;
    n.stack->receive_frame(n.id, Bytes(buf, len), now_);
  }
}

void SimNet::step() {
  for (int round = 0; round < 4; ++round) {
    drain(*a_);
    drain(*b_);
    a_->stack->poll(now_);
    b_->stack->poll(now_);
  }
}

void SimNet::run_for(Duration d, Duration tick) {
  Instant end = now_ + d;
  while (now_ < end) {
    step();
    now_ = now_ + tick;
  }
  step();
}

bool SimNet::run_until(const std::function<bool()>& cond, Duration limit, Duration tick) {
  Instant end = now_ + limit;
  while (!cond()) {
    if (now_ >= end) return false;
    step();
    now_ = now_ + tick;
  }
  return true;
}

}  // namespace keel::test
