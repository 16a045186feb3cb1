// linux_host.cpp — the shared start of keel's Linux programs (see the header).
#include "linux_host.hpp"

#include <signal.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace keel::apps {

LinuxHost::~LinuxHost() {
  loop_.reset();  // before the devices it refers to
  if (sigfd_ >= 0) ::close(sigfd_);
}

bool LinuxHost::open(const HostConfig& config, std::string* error) {
  uint64_t seed = config.seed;
  if (seed == 0 && getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = static_cast<uint64_t>(getpid());
  rng_.reseed(seed);

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigprocmask(SIG_BLOCK, &sigs, nullptr);
  sigfd_ = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);

  if (!tap_.open(config.tap, error)) return false;
  tap_.set_mtu(config.mtu);
  waker_.watch(tap_.fd());
  waker_.watch(sigfd_);

  iface::Device* device = &tap_;
  if (config.faults.any()) {
    linux_port::FaultConfig faults = config.faults;
    faults.seed = rng_.next_u64();
    faults_ = std::make_unique<linux_port::FaultInjector>(*device, faults);
    device = faults_.get();
  }
  if (!config.pcap.empty()) {
    if (!pcap_writer_.open(config.pcap)) {
      *error = "cannot write " + config.pcap;
      return false;
    }
    pcap_writer_.set_limit(config.pcap_limit);
    int64_t offset = clock_.wall_us() - clock_.now().micros();
    pcap_ = std::make_unique<linux_port::PcapDevice>(*device, pcap_writer_, offset);
    device = pcap_.get();
  }

  loop_ = std::make_unique<runtime::Loop>(rng_, clock_, waker_);
  if (config.mac) {
    mac_ = *config.mac;
  } else {
    mac_.bytes[0] = 0x02;  // locally administered, unicast
    for (int i = 1; i < 6; ++i) mac_.bytes[i] = static_cast<uint8_t>(rng_.next_u32());
  }
  auto id = loop_->attach(*device, mac_);
  if (!id) {
    *error = "cannot attach the TAP";
    return false;
  }
  iface_ = *id;
  return true;
}

int LinuxHost::take_signal() {
  signalfd_siginfo si;
  if (read(sigfd_, &si, sizeof si) != static_cast<ssize_t>(sizeof si)) return 0;
  return static_cast<int>(si.ssi_signo);
}

}  // namespace keel::apps
