// linux_host.hpp — what keel-demo and keel-tcpbench set up alike before their own work:
// a seeded random source, SIGINT/SIGTERM as a signalfd, the TAP device (keel creates it),
// optionally keel's fault injector and a pcap recorder around it, and a Loop with the
// device attached under a MAC address. Hosted code (apps/): the full standard library.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/wire/address.hpp"
#include "ports/linux/fault_injector.hpp"
#include "ports/linux/linux_loop.hpp"
#include "ports/linux/pcap_writer.hpp"
#include "ports/linux/tap_device.hpp"
#include "runtime/loop.hpp"

namespace keel::apps {

// HostConfig — the command-line choices LinuxHost::open() applies.
struct HostConfig {
  std::string tap;                      // the TAP's name
  size_t mtu = 1500;                    // the MTU keel assumes on the TAP
  linux_port::FaultConfig faults;       // any() set: the fault injector wraps the TAP
  std::string pcap;                     // non-empty: every frame is recorded there
  uint64_t pcap_limit = 0;              // frames recorded at most (0: all)
  std::optional<wire::MacAddress> mac;  // none: random, locally administered
  uint64_t seed = 0;                    // 0: from getrandom()
};

// LinuxHost — keel on a TAP device of this host, owned by one Loop.
class LinuxHost {
 public:
  LinuxHost() = default;
  LinuxHost(const LinuxHost&) = delete;
  LinuxHost& operator=(const LinuxHost&) = delete;
  ~LinuxHost();

  // open — in this order: seeds the random source, blocks SIGINT and SIGTERM into a
  // signalfd, creates the TAP, wraps it in the fault injector (whose seed is drawn from
  // the random source) and the pcap recorder as asked, makes the loop and attaches the
  // device under the MAC. False with a message in *error (no program name) on failure.
  bool open(const HostConfig& config, std::string* error);

  // rng — the seeded random source (the loop's and the services').
  Random& rng() { return rng_; }
  // clock — CLOCK_MONOTONIC for the loop, CLOCK_REALTIME for SNTP.
  linux_port::LinuxClock& clock() { return clock_; }
  // waker — epoll over the TAP and the signalfd.
  linux_port::EpollWaker& waker() { return waker_; }
  // tap — the TAP device itself (its name, its own counters).
  linux_port::TapDevice& tap() { return tap_; }
  // loop, stack — after a successful open() only.
  runtime::Loop& loop() { return *loop_; }
  Stack& stack() { return loop_->stack(); }
  // iface — the TAP's interface id in the stack.
  IfaceId iface() const { return iface_; }
  // mac — keel's MAC address on the TAP.
  const wire::MacAddress& mac() const { return mac_; }
  // faults — the fault injector, or nullptr when no fault was asked for.
  const linux_port::FaultInjector* faults() const { return faults_.get(); }
  // pcap — the recorder (open only with HostConfig::pcap set).
  linux_port::PcapWriter& pcap() { return pcap_writer_; }

  // take_signal — SIGINT or SIGTERM if one arrived since the last call, else 0.
  int take_signal();

 private:
  Random rng_;
  int sigfd_ = -1;
  linux_port::TapDevice tap_;
  linux_port::LinuxClock clock_;
  linux_port::EpollWaker waker_;
  std::unique_ptr<linux_port::FaultInjector> faults_;
  linux_port::PcapWriter pcap_writer_;
  std::unique_ptr<linux_port::PcapDevice> pcap_;
  std::unique_ptr<runtime::Loop> loop_;
  IfaceId iface_ = 0;
  wire::MacAddress mac_;
};

}  // namespace keel::apps
