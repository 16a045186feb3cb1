// fuzz_stack.cpp — arbitrary frames into a whole keel loop: an Ethernet interface at
// 192.0.2.2/24 with a DHCP client running, a DNS query pending, a UDP echo socket, a
// multicast member, an ICMP echo socket and a raw socket open, and TCP: a listener on
// port 80, a connection from 192.0.2.1:40001 accepted and established, and one from
// 192.0.2.1:40002 that keel closed first, now an entry of the TIME-WAIT table (both
// built at the start by feeding the handshakes keel answers). Input: one flags byte,
// then records of [2-byte length][frame][1-byte time step]. Flag bit 0 rewrites each
// frame's destination MAC to keel's, so captured frames from other hosts reach deep.
// Flag bit 1 (TCP mode) adds a control byte to each record, [2-byte length][ctl]
// [frame][step], whose bits patch an IPv4 frame before it is delivered: 0 its addresses
// to 192.0.2.1 -> 192.0.2.2; 1-2 a TCP segment's ports to none / the listener / the
// established connection / the TIME-WAIT one; 3 its seq/ack made relative to that
// connection's rcv_nxt/snd_nxt; 4 keep the TCP checksum (else it is recomputed after
// any patch); 5-7 the application on the established connection sends, reads, closes
// it (once it is closed, bit 7 closes the oldest connection accepted since). In TCP
// mode a time step of 255 jumps 70 s (past 2MSL); accepted connections are drained.
// ASan and UBSan watch every path; the loop's invariants are checked after each frame,
// and in TCP mode: TCP sequence variables ordered, the TIME-WAIT table within capacity.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/base/bits.hpp"
#include "core/wire/arp.hpp"
#include "core/wire/ethernet.hpp"
#include "core/wire/ipv4.hpp"
#include "core/wire/tcp.hpp"
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
    // The last TCP segment keel sent (untagged IPv4, protocol 6), for the handshakes.
    if (frame.size() >= 34 && frame[12] == 0x08 && frame[13] == 0x00 && frame[23] == 6)
      last_tcp.assign(frame.begin(), frame.end());
    return true;
  }
  uint64_t sent = 0;
  std::vector<uint8_t> last_tcp;
};

const wire::MacAddress kMac{{0x02, 0, 0, 0, 0, 0x02}};
const wire::MacAddress kPeerMac{{0x02, 0, 0, 0, 0, 0x01}};
const wire::Ipv4Address kAddr = wire::Ipv4Address::of(192, 0, 2, 2);
const wire::Ipv4Address kPeer = wire::Ipv4Address::of(192, 0, 2, 1);
constexpr uint16_t kPort = 80, kEstPort = 40001, kTwPort = 40002;

// frame_of — an Ethernet frame from the peer to keel carrying l3 (IPv4 or ARP).
std::vector<uint8_t> frame_of(wire::EtherType type, Bytes l3) {
  wire::ethernet::Repr eth;
  eth.src = kPeerMac;
  eth.dst = kMac;
  eth.ethertype = type;
  std::vector<uint8_t> f(eth.buffer_len() + l3.size());
  if (!eth.emit(MutBytes(f.data(), eth.buffer_len()))) abort();
  memcpy(f.data() + eth.buffer_len(), l3.data(), l3.size());
  return f;
}

std::vector<uint8_t> tcp_frame(const wire::tcp::Repr& seg) {
  wire::ipv4::Repr ip;
  ip.src = kPeer;
  ip.dst = kAddr;
  ip.protocol = wire::IpProtocol::Tcp;
  ip.payload_len = uint16_t(seg.buffer_len());
  std::vector<uint8_t> b(ip.buffer_len());
  if (!ip.emit(MutBytes(b.data(), b.size()))) abort();
  if (!seg.emit(MutBytes(b.data() + ip.header_len(), seg.buffer_len()), kPeer, kAddr)) abort();
  return frame_of(wire::EtherType::Ipv4, Bytes(b.data(), b.size()));
}

// sent_tcp — keel's last TCP segment (its payload points into device.last_tcp).
Optional<wire::tcp::Repr> sent_tcp(const SinkDevice& d) {
  if (d.last_tcp.size() < 34) return none;
  size_t ihl = size_t(d.last_tcp[14] & 0xf) * 4;
  if (d.last_tcp.size() < 14 + ihl) return none;
  auto p = wire::tcp::Packet::check(Bytes(d.last_tcp.data() + 14 + ihl, d.last_tcp.size() - 14 - ihl));
  if (!p) return none;
  auto r = wire::tcp::Repr::parse(*p, kAddr, kPeer, true);
  if (!r) return none;
  return *r;
}

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(be16(p)) << 16 | be16(p + 2); }
void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, uint16_t(v >> 16));
  put16(p + 2, uint16_t(v));
}
uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) acc += be16(p + i);
  if (n % 2) acc += uint32_t(p[n - 1]) << 8;
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return uint16_t(~acc);
}

// Tcp — the TCP side of the harness: what the fuzzed frames are aimed at.
struct Tcp {
  Handle listener, est;
  // est_sock — est's socket, still followed after the application closed the handle
  // (FIN-WAIT, TIME-WAIT; then whatever connection reuses the slot).
  tcp::Socket* est_sock = nullptr;
  std::vector<Handle> accepted;
};

// handshake — the peer connects from port src to the listener; returns the accepted
// connection (aborts if keel does not answer as it must: the harness is broken then).
Handle handshake(runtime::Loop& loop, IfaceId id, SinkDevice& dev, FakeClock& clock, Handle listener,
                 uint16_t src, bool timestamps) {
  Stack& stack = loop.stack();
  wire::tcp::Repr syn;
  syn.src_port = src;
  syn.dst_port = kPort;
  syn.seq = 0x1000u * src;
  syn.flags = wire::tcp::flag::kSyn;
  syn.window = 65535;
  syn.mss = uint16_t(1460);
  syn.window_scale = uint8_t(2);
  syn.sack_permitted = true;
  if (timestamps) syn.timestamps = wire::tcp::Timestamps{100, 0};
  dev.last_tcp.clear();
  auto f = tcp_frame(syn);
  (void)loop.deliver_frame(id, Bytes(f.data(), f.size()));
  (void)loop.run_once();
  if (!sent_tcp(dev)) {
    // The SYN,ACK waits for ARP (keel learns only what it asked for): the peer answers.
    wire::arp::Repr rep;
    rep.operation = wire::arp::Operation::Reply;
    rep.sender_mac = kPeerMac;
    rep.sender_ip = kPeer;
    rep.target_mac = kMac;
    rep.target_ip = kAddr;
    uint8_t arp[28];
    if (!rep.emit(MutBytes(arp, sizeof arp))) abort();
    auto a = frame_of(wire::EtherType::Arp, Bytes(arp, sizeof arp));
    (void)loop.deliver_frame(id, Bytes(a.data(), a.size()));
    (void)loop.run_once();
  }
  auto sa = sent_tcp(dev);
  if (!sa || sa->flags != (wire::tcp::flag::kSyn | wire::tcp::flag::kAck) || sa->ack != syn.seq + 1) abort();
  wire::tcp::Repr ack;
  ack.src_port = src;
  ack.dst_port = kPort;
  ack.seq = syn.seq + 1;
  ack.ack = sa->seq + 1;
  ack.flags = wire::tcp::flag::kAck;
  ack.window = 16384;
  if (timestamps) ack.timestamps = wire::tcp::Timestamps{101, sa->timestamps ? sa->timestamps->tsval : 0};
  f = tcp_frame(ack);
  clock.t = clock.t + Duration::millis(1);
  (void)loop.deliver_frame(id, Bytes(f.data(), f.size()));
  (void)loop.run_once();
  auto h = stack.tcp_accept(listener, clock.t);
  if (!h || stack.tcp(*h)->state() != tcp::State::Established) abort();
  return *h;
}

// setup_tcp — listener, an established connection, and one closed by keel first that
// the TIME-WAIT table took over.
Tcp setup_tcp(runtime::Loop& loop, IfaceId id, SinkDevice& dev, FakeClock& clock) {
  Stack& stack = loop.stack();
  Tcp t;
  t.listener = *stack.tcp_listen(Endpoint{wire::IpAddress(), kPort});
  t.est = handshake(loop, id, dev, clock, t.listener, kEstPort, true);
  t.est_sock = stack.tcp(t.est);
  Handle tw = handshake(loop, id, dev, clock, t.listener, kTwPort, false);
  // keel closes first: FIN; the peer ACKs it with its own FIN; keel ACKs, enters
  // TIME-WAIT, and the table takes the connection over.
  uint32_t peer_seq = 0x1000u * kTwPort + 1;
  dev.last_tcp.clear();
  stack.close(tw);
  (void)loop.run_once();
  auto fin = sent_tcp(dev);
  if (!fin || !(fin->flags & wire::tcp::flag::kFin)) abort();
  wire::tcp::Repr finack;
  finack.src_port = kTwPort;
  finack.dst_port = kPort;
  finack.seq = peer_seq;
  finack.ack = fin->seq + 1;
  finack.flags = wire::tcp::flag::kAck | wire::tcp::flag::kFin;
  finack.window = 16384;
  auto f = tcp_frame(finack);
  clock.t = clock.t + Duration::millis(1);
  (void)loop.deliver_frame(id, Bytes(f.data(), f.size()));
  (void)loop.run_once();
  (void)loop.run_once();
  if (stack.tcp_time_wait().stats().in_use != 1) abort();
  return t;
}

// patch_tcp — the record's ctl byte applied to an untagged IPv4 frame (see the top).
void patch_tcp(std::vector<uint8_t>& f, uint8_t ctl, const Stack& stack, const Tcp& t, Instant now) {
  if (f.size() < 34 || f[12] != 0x08 || f[13] != 0x00) return;
  uint8_t* ip = f.data() + 14;
  size_t ihl = size_t(ip[0] & 0xf) * 4;
  if (ihl < 20 || f.size() < 14 + ihl) return;
  if (ctl & 1) {
    memcpy(ip + 12, kPeer.bytes, 4);
    memcpy(ip + 16, kAddr.bytes, 4);
    put16(ip + 10, 0);
    put16(ip + 10, fold(sum16(ip, ihl)));
  }
  if (ip[9] != 6) return;
  size_t total = be16(ip + 2);
  if (total < ihl + 20 || 14 + total > f.size()) return;
  uint8_t* seg = ip + ihl;
  size_t seg_len = total - ihl;
  uint32_t rcv_nxt = 0, snd_nxt = 0;
  bool patched = ctl & 1;
  switch ((ctl >> 1) & 3) {
    case 1:
      put16(seg + 2, kPort);
      patched = true;
      break;
    case 2: {
      put16(seg, kEstPort);
      put16(seg + 2, kPort);
      if (t.est_sock->state() != tcp::State::Closed) {
        auto d = t.est_sock->diagnostics();
        rcv_nxt = d.rcv_nxt;
        snd_nxt = d.snd_nxt;
      }
      patched = true;
      break;
    }
    case 3: {
      put16(seg, kTwPort);
      put16(seg + 2, kPort);
      tcp::FourTuple tuple{{kAddr, kPort}, {kPeer, kTwPort}};
      if (const tcp::TimeWaitEntry* e = stack.tcp_time_wait().find(tuple, now)) {
        rcv_nxt = e->rcv_nxt;
        snd_nxt = e->snd_nxt;
      }
      patched = true;
      break;
    }
    default: break;
  }
  if (ctl & 8) {
    put32(seg + 4, be32(seg + 4) + rcv_nxt);
    put32(seg + 8, be32(seg + 8) + snd_nxt);
    patched = true;
  }
  if (patched && !(ctl & 0x10)) {
    put16(seg + 16, 0);
    uint32_t acc = sum16(ip + 12, 8);
    acc += 6 + uint32_t(seg_len);
    put16(seg + 16, fold(sum16(seg, seg_len, acc)));
  }
}

void check_tcp(Stack& stack, const Tcp& t) {
  auto ordered = [](const tcp::Socket* s) {
    if (!s || s->state() == tcp::State::Closed) return;
    auto d = s->diagnostics();
    if (!seq_le(d.snd_una, d.snd_nxt) || !seq_le(d.snd_nxt, d.snd_max)) abort();
  };
  ordered(t.est_sock);
  for (Handle h : t.accepted) ordered(stack.tcp(h));
  const tcp::TimeWaitStats& tw = stack.tcp_time_wait().stats();
  size_t cap = stack.tcp_time_wait().capacity();
  if (tw.in_use > cap || tw.high_water > cap || tw.in_use > tw.high_water) abort();
}

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
  bool tcp_mode = data[0] & 2;
  Tcp tcp;
  if (tcp_mode) tcp = setup_tcp(*loop, id, device, clock);
  size_t off = 1;
  std::vector<uint8_t> frame, buf(70000);
  while (off + 2 <= size) {
    size_t len = size_t(data[off]) << 8 | data[off + 1];
    off += 2;
    uint8_t ctl = 0;
    if (tcp_mode && off < size) ctl = data[off++];
    len = len < size - off ? len : size - off;
    frame.assign(data + off, data + off + len);
    off += len;
    if (fix_mac && frame.size() >= 6) memcpy(frame.data(), kMac.bytes, 6);
    if (tcp_mode) patch_tcp(frame, ctl, stack, tcp, clock.t);
    (void)loop->deliver_frame(id, Bytes(frame.data(), frame.size()));
    uint8_t step = off < size ? data[off++] : 1;
    bool jump = tcp_mode && step == 255;
    clock.t = clock.t + (jump ? Duration::seconds(70) : Duration::millis(int64_t(step) * 20));
    if (tcp_mode) {
      if (tcp::Socket* s = stack.tcp(tcp.est)) {
        static const uint8_t msg[] = "GET / HTTP/1.0\r\n\r\n0123456789abcdef";
        if (ctl & 0x20) (void)s->send(Bytes(msg, 1 + ctl % (sizeof msg - 1)));
        if (ctl & 0x40) (void)s->recv(MutBytes(buf.data(), 1 + ctl % 512));
      }
      if ((ctl & 0x80) && stack.tcp(tcp.est)) {
        stack.close(tcp.est);
      } else if ((ctl & 0x80) && !tcp.accepted.empty()) {  // then the oldest accepted one
        stack.close(tcp.accepted.front());
        tcp.accepted.erase(tcp.accepted.begin());
      }
    }
    (void)loop->run_once();
    if (tcp_mode) {
      for (int i = 0; i < 4 && tcp.accepted.size() < 8; ++i) {
        auto h = stack.tcp_accept(tcp.listener, clock.t);
        if (!h) break;
        tcp.accepted.push_back(*h);
      }
      for (Handle h : tcp.accepted)
        if (tcp::Socket* s = stack.tcp(h)) (void)s->recv(MutBytes(buf.data(), buf.size()));
      check_tcp(stack, tcp);
    }
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
