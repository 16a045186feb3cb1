// options.cpp — keel-demo's command line parsing, strict: every value is checked and a
// bad one is reported by name.
#include "options.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace keel::demo {

const char* usage() {
  return "usage: keel-demo --tap NAME [--ip ADDR/LEN] [--gw ADDR] [--dhcp] [--dns ADDR]\n"
         "                 [--sntp ADDR] [--resolve NAME] [--ping ADDR] [--ping-count N]\n"
         "                 [--join GROUP] [--join-port PORT] [--mac MAC] [--pcap FILE]\n"
         "                 [--pcap-limit FRAMES]\n"
         "                 [--loss PCT] [--dup PCT] [--reorder PCT] [--delay MS]\n"
         "                 [--corrupt PCT] [--rate MBIT] [--seed N] [--mtu N]\n"
         "keel creates TAP NAME itself; configure the kernel side once it appears.\n"
         "Without --ip, the address comes from DHCP. --dns, --sntp, --resolve, --ping and\n"
         "--join may be repeated. --mtu (576..1500, default 1500) is the MTU keel assumes on\n"
         "the TAP (its TCP MSS follows); set the kernel side to match. Answers ping, echoes\n"
         "UDP on port 7, serves TCP echo (7), discard (9) and HTTP (80); SIGINT/SIGTERM\n"
         "print the statistics and exit 0.\n";
}

std::optional<wire::Ipv4Address> parse_ipv4(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  wire::Ipv4Address out;
  std::memcpy(out.bytes, &a, 4);  // inet_pton writes network order: bytes as written
  return out;
}

std::string format_ipv4(const wire::Ipv4Address& a) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, a.bytes, buf, sizeof buf);
  return buf;
}

std::string format_ip(const wire::IpAddress& a) {
  if (a.is_v4()) return format_ipv4(a.v4());
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a.v6().bytes, buf, sizeof buf);
  return buf;
}

std::string format_mac(const wire::MacAddress& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m.bytes[0], m.bytes[1],
                m.bytes[2], m.bytes[3], m.bytes[4], m.bytes[5]);
  return buf;
}

namespace {

bool parse_double(const std::string& s, double lo, double hi, double* out) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !(v >= lo && v <= hi)) return false;
  *out = v;
  return true;
}

bool parse_uint(const std::string& s, uint64_t hi, uint64_t* out) {
  if (s.empty() || s[0] == '-') return false;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (*end != '\0' || v > hi) return false;
  *out = v;
  return true;
}

std::optional<wire::MacAddress> parse_mac(const std::string& s) {
  unsigned b[6];
  char extra;
  if (std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                  &extra) != 6)
    return std::nullopt;
  wire::MacAddress m;
  for (int i = 0; i < 6; ++i) m.bytes[i] = static_cast<uint8_t>(b[i]);
  if (!m.is_unicast() || m.is_zero()) return std::nullopt;
  return m;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv, std::string* error, bool* help) {
  Options o;
  *help = false;
  auto fail = [&](const std::string& msg) -> std::optional<Options> {
    *error = msg;
    return std::nullopt;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      return std::nullopt;
    }
    if (arg == "--dhcp") {
      o.dhcp = true;
      continue;
    }
    if (i + 1 >= argc) return fail(arg + " needs a value (or is unknown)");
    std::string v = argv[++i];
    double d;
    uint64_t u;
    if (arg == "--tap") {
      o.tap = v;
    } else if (arg == "--ip") {
      size_t slash = v.find('/');
      auto a = parse_ipv4(v.substr(0, slash));
      if (!a) return fail("--ip: not an IPv4 address: " + v);
      o.ip = a;
      if (slash != std::string::npos) {
        if (!parse_uint(v.substr(slash + 1), 32, &u) || u == 0) return fail("--ip: bad prefix length in " + v);
        o.prefix_len = static_cast<uint8_t>(u);
      }
    } else if (arg == "--gw") {
      if (!(o.gateway = parse_ipv4(v))) return fail("--gw: not an IPv4 address: " + v);
    } else if (arg == "--dns" || arg == "--sntp" || arg == "--ping" || arg == "--join") {
      auto a = parse_ipv4(v);
      if (!a) return fail(arg + ": not an IPv4 address: " + v);
      if (arg == "--join" && !a->is_multicast()) return fail("--join: not a multicast group: " + v);
      (arg == "--dns" ? o.dns : arg == "--sntp" ? o.sntp : arg == "--ping" ? o.ping : o.join).push_back(*a);
    } else if (arg == "--resolve") {
      if (v.empty() || v.size() > 253) return fail("--resolve: bad name: " + v);
      o.resolve.push_back(v);
    } else if (arg == "--ping-count") {
      if (!parse_uint(v, 1000, &u) || u == 0) return fail("--ping-count: 1..1000: " + v);
      o.ping_count = static_cast<int>(u);
    } else if (arg == "--join-port") {
      if (!parse_uint(v, 65535, &u) || u == 0) return fail("--join-port: 1..65535: " + v);
      o.join_port = static_cast<uint16_t>(u);
    } else if (arg == "--mac") {
      if (!(o.mac = parse_mac(v))) return fail("--mac: not a unicast MAC address: " + v);
    } else if (arg == "--pcap") {
      o.pcap = v;
    } else if (arg == "--pcap-limit") {
      if (!parse_uint(v, UINT64_MAX, &u) || u == 0) return fail("--pcap-limit: frames above 0: " + v);
      o.pcap_limit = u;
    } else if (arg == "--loss" || arg == "--dup" || arg == "--reorder" || arg == "--corrupt") {
      if (!parse_double(v, 0, 100, &d)) return fail(arg + ": a percentage 0..100: " + v);
      (arg == "--loss" ? o.faults.loss_pct : arg == "--dup" ? o.faults.dup_pct
       : arg == "--reorder" ? o.faults.reorder_pct : o.faults.corrupt_pct) = d;
    } else if (arg == "--delay") {
      if (!parse_double(v, 0, 10000, &d)) return fail("--delay: milliseconds 0..10000: " + v);
      o.faults.delay = Duration::micros(static_cast<int64_t>(d * 1000));
    } else if (arg == "--rate") {
      if (!parse_double(v, 0, 100000, &d) || d == 0) return fail("--rate: Mbit/s above 0: " + v);
      o.faults.rate_mbit = d;
    } else if (arg == "--mtu") {
      if (!parse_uint(v, 1500, &u) || u < 576) return fail("--mtu: 576..1500: " + v);
      o.mtu = static_cast<size_t>(u);
    } else if (arg == "--seed") {
      if (!parse_uint(v, UINT64_MAX, &u)) return fail("--seed: a number: " + v);
      o.seed = u;
    } else {
      return fail("unknown option " + arg);
    }
  }
  if (o.tap.empty()) return fail("--tap NAME is required");
  if (o.ip && o.dhcp) return fail("--ip and --dhcp exclude each other");
  if (!o.ip) o.dhcp = true;
  if (o.gateway && !o.ip) return fail("--gw needs --ip (DHCP supplies the router)");
  return o;
}

}  // namespace keel::demo
