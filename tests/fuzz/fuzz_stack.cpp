// fuzz_stack.cpp — arbitrary frames into a whole keel loop: an Ethernet interface at
// 192.0.2.2/24 with a DHCP client running, a DNS query pending, a UDP echo socket, a
// multicast member, an ICMP echo socket and a raw socket open. Input: one flags byte,
// then records of [2-byte length][frame][1-byte time step]. Flag bit 0 rewrites each
// frame's destination MAC to keel's, so captured frames from other hosts reach deep.
// ASan and UBSan watch every path; the loop's invariants are checked after each frame.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/services.hpp"

using namespace keel;

namespace {

struct FakeClock final : runtime::Clock {
  Instant t = Instant::from_millis(1000);
  Instant now() override { return t; }
  int64_t wall_us() override { return 1700000000000000 + t.micros(); }
};
struct NoWaker final : runtime::Waker {
  void wait(Optional<Instant>) override {}
  void wake() override {}
};
// SinkDevice — transmits go nowhere (counted); frames arrive through deliver_frame().
struct SinkDevice final : iface::Device {
  size_t receive(MutBytes, Instant) override { return 0; }
  bool transmit(Bytes frame, Instant) override {
    if (frame.size() < 14 || frame.size() > 1514 + 4) abort();  // keel never sends such frames
    ++sent;
    return true;
  }
  uint64_t sent = 0;
};

const wire::MacAddress kMac{{0x02, 0, 0, 0, 0, 0x02}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static FakeClock clock;
  static NoWaker waker;
  static SinkDevice device;
  clock.t = Instant::from_millis(1000);
  Random rng(size);
  auto loop = std::make_unique<runtime::Loop>(rng, clock, waker);
  Stack& stack = loop->stack();
  IfaceId id = *loop->attach(device, kMac);
  (void)stack.add_ipv4(id, Ipv4Cidr{wire::Ipv4Address::of(192, 0, 2, 2), 24});
  (void)stack.set_gateway(id, wire::Ipv4Address::of(192, 0, 2, 1));

  runtime::DnsService dns(rng);
  wire::IpAddress server = wire::Ipv4Address::of(192, 0, 2, 1);
  dns.set_servers(Span<const wire::IpAddress>(&server, 1));
  (void)loop->add_service(dns);
  (void)dns.resolver().start("www.example.com", 15, dns::QueryType::A, clock.t);
  dhcp::Config dcfg;
  dcfg.mac = kMac;
  dcfg.arp_probe = true;
  runtime::DhcpService dhcp(id, dcfg, rng);
  dhcp.set_dns(&dns);
  (void)loop->add_service(dhcp);
  dhcp.start(*loop);

  Handle echo = *stack.udp_open();
  (void)stack.udp_bind(echo, Endpoint{wire::IpAddress(), 7});
  Handle group = *stack.udp_open();
  (void)stack.udp_bind(group, Endpoint{wire::IpAddress(), 5000});
  (void)stack.udp_join(group, wire::Ipv4Address::of(239, 1, 2, 3));
  Handle ping = *stack.icmp_open(0x1234);
  Handle raw = *stack.raw_open(89);

  bool fix_mac = data[0] & 1;
  size_t off = 1;
  std::vector<uint8_t> frame, buf(70000);
  while (off + 2 <= size) {
    size_t len = size_t(data[off]) << 8 | data[off + 1];
    off += 2;
    len = len < size - off ? len : size - off;
    frame.assign(data + off, data + off + len);
    off += len;
    if (fix_mac && frame.size() >= 6) memcpy(frame.data(), kMac.bytes, 6);
    (void)loop->deliver_frame(id, Bytes(frame.data(), frame.size()));
    uint8_t step = off < size ? data[off++] : 1;
    clock.t = clock.t + Duration::millis(int64_t(step) * 20);
    (void)loop->run_once();
    // Applications drain their sockets (and echo), as keel-demo does.
    for (int i = 0; i < 8; ++i) {
      auto r = stack.udp(echo)->recv_from(MutBytes(buf.data(), buf.size()));
      if (!r) break;
      if (r->length > buf.size()) abort();
      (void)stack.udp(echo)->send_to(Bytes(buf.data(), r->length), r->remote);
    }
    while (stack.udp(group)->recv_from(MutBytes(buf.data(), buf.size()))) {}
    while (stack.icmp(ping)->recv_from(MutBytes(buf.data(), buf.size()))) {}
    while (stack.raw(raw)->recv_from(MutBytes(buf.data(), buf.size()))) {}
    if (loop->frame_pool().in_use() != 0) abort();  // every slab released after a pass
    Optional<Instant> at = stack.poll_at();
    (void)at;
  }
  // Let every timer fire once more.
  clock.t = clock.t + Duration::seconds(120);
  (void)loop->run_once();
  return 0;
}
