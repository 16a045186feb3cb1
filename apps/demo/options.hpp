// options.hpp — keel-demo's command line.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/wire/address.hpp"
#include "ports/linux/fault_injector.hpp"

namespace keel::demo {

struct Options {
  std::string tap;
  std::optional<wire::Ipv4Address> ip;
  uint8_t prefix_len = 24;
  std::optional<wire::Ipv4Address> gateway;
  bool dhcp = false;
  std::vector<wire::Ipv4Address> dns;
  std::vector<wire::Ipv4Address> sntp;
  std::vector<std::string> resolve;
  std::vector<wire::Ipv4Address> ping;
  int ping_count = 3;
  std::vector<wire::Ipv4Address> join;
  uint16_t join_port = 5000;
  std::string pcap;
  uint64_t pcap_limit = 0;  // 0: record every frame
  std::optional<wire::MacAddress> mac;
  linux_port::FaultConfig faults;
  uint64_t seed = 0;  // 0: from getrandom()
  size_t mtu = 1500;  // the TAP's MTU as keel sees it (IPv4 packet size)
};

// parse_options — the options, or an error message (and *help set for --help).
std::optional<Options> parse_options(int argc, char** argv, std::string* error, bool* help);
const char* usage();

// parse_ipv4 — dotted quad; nullopt when malformed.
std::optional<wire::Ipv4Address> parse_ipv4(const std::string& s);
std::string format_ipv4(const wire::Ipv4Address& a);
std::string format_ip(const wire::IpAddress& a);
std::string format_mac(const wire::MacAddress& m);

}  // namespace keel::demo
