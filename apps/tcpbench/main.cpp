// main.cpp — keel-tcpbench: TCP throughput of keel on a TAP, keel's counterpart of
// smoltcp's benchmark example. Modes: sink (accept one connection on --port and count
// what arrives), source (connect to --peer:--port and send --bytes or for --seconds),
// echo (accept and send everything back). Prints bytes, seconds and Mbit/s.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../demo/options.hpp"
#include "common/linux_host.hpp"

using namespace keel;

namespace {

const char* kUsage =
    "usage: keel-tcpbench --tap NAME --ip ADDR/LEN --mode sink|source|echo --port P\n"
    "                     [--peer ADDR] [--bytes N] [--seconds S] [--mtu N]\n"
    "                     [--loss PCT] [--dup PCT] [--reorder PCT] [--delay MS]\n"
    "                     [--corrupt PCT] [--rate MBIT]\n"
    "source needs --peer and --bytes or --seconds; sink and echo serve one connection.\n"
    "Prints: keel-tcpbench: bytes=N seconds=S mbit_s=M\n";

struct Args {
  std::string tap, mode;
  wire::Ipv4Address ip;
  uint8_t prefix = 24;
  bool have_ip = false;
  uint16_t port = 0;
  Optional<wire::Ipv4Address> peer;
  uint64_t bytes = 0;
  double seconds = 0;
  size_t mtu = 1500;
  linux_port::FaultConfig faults;
};

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "keel-tcpbench: %s\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

double number(const std::string& flag, const std::string& v, double lo, double hi) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(d >= lo && d <= hi)) die(flag + ": bad value " + v);
  return d;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    if (f == "--help" || f == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) die(f + " needs a value (or is unknown)");
    std::string v = argv[++i];
    if (f == "--tap") a.tap = v;
    else if (f == "--mode") a.mode = v;
    else if (f == "--ip") {
      size_t slash = v.find('/');
      auto ip = demo::parse_ipv4(v.substr(0, slash));
      if (!ip) die("--ip: not an IPv4 address: " + v);
      a.ip = *ip;
      a.have_ip = true;
      if (slash != std::string::npos) a.prefix = static_cast<uint8_t>(number("--ip", v.substr(slash + 1), 1, 32));
    } else if (f == "--peer") {
      auto ip = demo::parse_ipv4(v);
      if (!ip) die("--peer: not an IPv4 address: " + v);
      a.peer = *ip;
    } else if (f == "--port") a.port = static_cast<uint16_t>(number(f, v, 1, 65535));
    else if (f == "--bytes") a.bytes = static_cast<uint64_t>(number(f, v, 1, 1e15));
    else if (f == "--seconds") a.seconds = number(f, v, 0.001, 86400);
    else if (f == "--mtu") a.mtu = static_cast<size_t>(number(f, v, 576, 1500));
    else if (f == "--loss") a.faults.loss_pct = number(f, v, 0, 100);
    else if (f == "--dup") a.faults.dup_pct = number(f, v, 0, 100);
    else if (f == "--reorder") a.faults.reorder_pct = number(f, v, 0, 100);
    else if (f == "--corrupt") a.faults.corrupt_pct = number(f, v, 0, 100);
    else if (f == "--delay") a.faults.delay = Duration::micros(static_cast<int64_t>(number(f, v, 0, 10000) * 1000));
    else if (f == "--rate") a.faults.rate_mbit = number(f, v, 0.001, 100000);
    else die("unknown option " + f);
  }
  if (a.tap.empty()) die("--tap NAME is required");
  if (!a.have_ip) die("--ip ADDR/LEN is required");
  if (a.mode != "sink" && a.mode != "source" && a.mode != "echo") die("--mode must be sink, source or echo");
  if (a.port == 0) die("--port is required");
  if (a.mode == "source" && (!a.peer || (a.bytes == 0 && a.seconds == 0)))
    die("source needs --peer and --bytes or --seconds");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse(argc, argv);
  apps::HostConfig host_config;
  host_config.tap = args.tap;
  host_config.mtu = args.mtu;
  host_config.faults = args.faults;
  apps::LinuxHost host;
  std::string error;
  if (!host.open(host_config, &error)) {
    std::fprintf(stderr, "keel-tcpbench: %s\n", error.c_str());
    return 1;
  }
  linux_port::LinuxClock& clock = host.clock();
  runtime::Loop& loop = host.loop();
  Stack& stack = host.stack();
  if (!stack.add_ipv4(host.iface(), Ipv4Cidr{args.ip, args.prefix})) {
    std::fprintf(stderr, "keel-tcpbench: --ip cannot be used\n");
    return 1;
  }
  std::printf("keel-tcpbench: ready tap=%s mac=%s\n", host.tap().name().c_str(), demo::format_mac(host.mac()).c_str());
  std::fflush(stdout);

  Handle listener{}, conn{};
  bool connected = false, finished = false;
  if (args.mode == "source") {
    conn = *stack.tcp_open();
  } else {
    auto l = stack.tcp_listen(Endpoint{wire::IpAddress(), args.port});
    if (!l) {
      std::fprintf(stderr, "keel-tcpbench: cannot listen on %u\n", args.port);
      return 1;
    }
    listener = *l;
  }
  uint64_t moved = 0;  // bytes received (sink/echo) or sent (source)
  Instant start, end;
  std::vector<uint8_t> buf(65536);
  for (uint32_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<uint8_t>(i * 31);
  bool connect_sent = false;
  Instant connect_at = clock.now() + Duration::millis(300);  // let the TAP come up

  for (;;) {
    if (host.take_signal() != 0) break;
    loop.run_once();
    Instant now = clock.now();
    if (args.mode == "source" && !connect_sent && now >= connect_at) {
      connect_sent = true;
      if (!stack.tcp_connect(conn, Endpoint{*args.peer, args.port}, now)) {
        std::fprintf(stderr, "keel-tcpbench: no route to the peer\n");
        return 1;
      }
    }
    if (!connected && args.mode != "source") {
      auto h = stack.tcp_accept(listener, now);
      if (h) {
        conn = *h;
        connected = true;
        start = now;
      }
    }
    tcp::Socket* s = connected || args.mode == "source" ? stack.tcp(conn) : nullptr;
    if (s && args.mode == "source") {
      if (!connected && s->state() == tcp::State::Established) {
        connected = true;
        start = now;
      }
      if (connect_sent && s->state() == tcp::State::Closed) {
        if (s->error() != tcp::Error::None || !connected) {
          std::fprintf(stderr, "keel-tcpbench: connection failed or reset\n");
          return 1;
        }
      }
      bool more = args.bytes ? moved < args.bytes : (now - start).as_micros() < args.seconds * 1e6;
      if (connected && more) {
        for (int i = 0; i < 64 && s->may_send(); ++i) {
          MutBytes w = s->send_window();
          size_t n = w.size();
          if (args.bytes) n = static_cast<size_t>(std::min<uint64_t>(n, args.bytes - moved));
          if (n == 0) break;
          copy_bytes(w.first(n), Bytes(buf.data(), std::min(n, buf.size())));
          if (!s->commit_send(n)) break;
          moved += n;
        }
      } else if (connected && !finished) {
        finished = true;
        s->close();  // FIN after the data; the handle stays ours until we are done
      }
      // Done when the peer has acknowledged every byte and our FIN.
      if (finished && s->send_queue() == 0 &&
          (s->state() == tcp::State::FinWait2 || s->state() == tcp::State::TimeWait ||
           s->state() == tcp::State::Closed)) {
        end = now;
        stack.close(conn);
        break;
      }
    }
    if (s && args.mode != "source") {
      for (int i = 0; i < 64; ++i) {
        size_t room = args.mode == "echo" ? s->send_window().size() : buf.size();
        if (room == 0) break;
        auto r = s->recv(MutBytes(buf.data(), std::min(room, buf.size())));
        if (!r) {
          finished = true;
          break;
        }
        if (*r == 0) break;
        moved += *r;
        if (args.mode == "echo") (void)s->send(Bytes(buf.data(), *r));
      }
      if (finished || !s->is_open()) {
        end = now;
        stack.close(conn);
        break;
      }
    }
    Optional<Instant> at = loop.run_once();
    if (at && *at <= clock.now()) continue;
    host.waker().wait(at);
  }
  if (end == Instant()) end = clock.now();
  double secs = static_cast<double>((end - start).as_micros()) / 1e6;
  std::printf("keel-tcpbench: bytes=%" PRIu64 " seconds=%.3f mbit_s=%.2f\n", moved, secs,
              secs > 0 ? static_cast<double>(moved) * 8 / secs / 1e6 : 0.0);
  return 0;
}
