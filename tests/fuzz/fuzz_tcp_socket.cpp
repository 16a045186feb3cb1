// fuzz_tcp_socket.cpp — arbitrary segments delivered to a tcp::Listener, a SYN-SENT
// socket and an Established socket (and to whatever the listener accepts).
//
// Input: records of [len:1][ctl:1][segment bytes:len]. Each segment is checked and
// parsed with wire::tcp (checksum not verified: the stack verified it before). ctl bits:
// 0 patch the ports to the sockets', 1 make seq/ack relative to the receiver's
// rcv_nxt/snd_una (so in-window paths are reached), 2-3 the time step (0, 1 ms, 300 ms,
// to the next poll_at), 4 the application sends, 5 it reads, 6 it closes, 7 aborts.
// After every record each endpoint dispatches until none is left.
//
// Invariants (abort() on violation): snd_una <= snd_nxt <= snd_max; queues within their
// capacity; every dispatched segment emits into exactly buffer_len() bytes and parses
// back; a payload never exceeds the scratch buffer; poll_at() after a drained dispatch
// is none or in the future; Closed sockets send nothing but a pending RST.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/base/bits.hpp"
#include "core/socket/tcp/listener.hpp"
#include "core/socket/tcp/socket.hpp"

using namespace keel;
using namespace keel::tcp;
using wire::Ipv4Address;

namespace {

const IpAddress kLocal = Ipv4Address::of(192, 0, 2, 1);
const IpAddress kRemote = Ipv4Address::of(192, 0, 2, 2);

struct Isn final : IsnSource {
  uint32_t isn(const Endpoint&, const Endpoint&, Instant) override { return 0x1000; }
};
struct Cookies final : SynCookieCodec {
  uint32_t encode(const FourTuple&, uint32_t, uint16_t mss, Instant) override { return 0x7700000u | mss; }
  Optional<uint16_t> decode(const FourTuple&, uint32_t, uint32_t c, Instant) override {
    if ((c & 0xfff00000u) != 0x7700000u) return none;
    return uint16_t(c);
  }
};

uint8_t scratch[2048];

void check_socket(Socket& s) {
  auto d = s.diagnostics();
  if (d.state == State::Closed) return;
  if (!seq_le(d.snd_una, d.snd_nxt) || !seq_le(d.snd_nxt, d.snd_max)) abort();
  if (s.send_queue() > 4096 || s.recv_queue() > 4096) abort();
}

void check_out(const Outgoing& o) {
  if (o.repr.payload.size() > sizeof scratch) abort();
  std::vector<uint8_t> buf(o.repr.buffer_len());
  if (!o.repr.emit(MutBytes(buf.data(), buf.size()), o.src, o.dst)) abort();
  auto p = wire::tcp::Packet::check(Bytes(buf.data(), buf.size()));
  if (!p) abort();
  if (!wire::tcp::Repr::parse(*p, o.src, o.dst, true)) abort();
}

void drain(Socket& s, Instant now) {
  for (int i = 0; i < 64; ++i) {
    auto o = s.dispatch(now, MutBytes(scratch, sizeof scratch));
    if (!o) {
      auto t = s.poll_at();
      if (t && t->micros() != 0 && *t <= now) abort();  // a due timer left undone
      return;
    }
    if (s.state() == State::Closed && !(o->repr.flags & wire::tcp::flag::kRst)) abort();
    check_out(*o);
  }
}

void drain(Listener& l, Instant now) {
  for (int i = 0; i < 64; ++i) {
    auto o = l.dispatch(now, MutBytes(scratch, sizeof scratch));
    if (!o) return;
    check_out(*o);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Instant now = Instant::from_millis(1000000);
  Isn isns;
  Cookies cookies;
  FixedListener<2> listener(1, 1);
  (void)listener.listen(Endpoint{kLocal, 80}, isns, &cookies);
  listener.options().rx_capacity = 4096;
  FixedSocket<4096, 4096> est, syn_sent, accepted;
  Handshake h;
  h.tuple = {{kLocal, 81}, {kRemote, 5000}};
  h.iss = 0x1000;
  h.irs = 0x9000;
  h.peer_mss = 536;
  h.peer_wscale = uint8_t(2);
  h.rcv_wscale = 0;
  h.sack = h.timestamps = true;
  h.ts_recent = 1;
  h.peer_window = 4096;
  h.rcv_adv = 0x9001 + 4096;
  est.accept_from(now, h);
  const uint8_t msg[] = "0123456789abcdef0123456789abcdef";
  (void)est.send(Bytes(msg, sizeof msg));
  (void)syn_sent.connect(now, Endpoint{kLocal, 82}, Endpoint{kRemote, 5000}, 0x5000);
  Socket* sockets[] = {&est, &syn_sent, &accepted};
  for (Socket* s : sockets) drain(*s, now);
  drain(listener, now);

  size_t pos = 0;
  for (int rec = 0; rec < 64 && pos + 2 <= size; ++rec) {
    size_t len = data[pos];
    uint8_t ctl = data[pos + 1];
    pos += 2;
    Bytes seg(data + pos, len <= size - pos ? len : size - pos);
    pos += seg.size();
    uint8_t target = rec % 4;  // listener, est, syn_sent, accepted
    auto p = wire::tcp::Packet::check(seg);
    if (p) {
      auto r = wire::tcp::Repr::parse(*p, kRemote, kLocal, false);
      if (r) {
        wire::tcp::Repr s = *r;
        Socket* sock = target == 0 ? nullptr : sockets[target - 1];
        if (ctl & 1) {
          s.src_port = 5000;
          s.dst_port = target == 0 ? 80 : sock->local().port;
        }
        if ((ctl & 2) && sock) {
          auto d = sock->diagnostics();
          s.seq += d.rcv_nxt;
          s.ack += d.snd_una;
        }
        if (listener.accepts(kRemote, kLocal, s) && target == 0)
          listener.process(now, kRemote, kLocal, s);
        for (Socket* x : sockets)
          if (x->accepts(kRemote, kLocal, s)) x->process(now, kRemote, kLocal, s);
      }
    }
    Socket& app = *sockets[rec % 3];
    if (ctl & 0x10) (void)app.send(Bytes(msg, 1 + ctl % sizeof msg));
    if (ctl & 0x20) {
      uint8_t b[64];
      (void)app.recv(MutBytes(b, 1 + ctl % 64));
    }
    if (ctl & 0x40) app.close();
    if ((ctl & 0xc0) == 0xc0) app.abort();
    switch ((ctl >> 2) & 3) {
      case 1: now = now + Duration::millis(1); break;
      case 2: now = now + Duration::millis(300); break;
      case 3: {
        Optional<Instant> t;
        for (Socket* x : sockets)
          if (auto a = x->poll_at(); a && (!t || *a < *t)) t = a;
        if (t && *t > now) now = *t;
        break;
      }
      default: break;
    }
    if (listener.pending_accepts() && accepted.state() == State::Closed)
      (void)listener.accept(now, accepted);
    drain(listener, now);
    for (Socket* x : sockets) {
      drain(*x, now);
      check_socket(*x);
    }
  }
  return 0;
}
