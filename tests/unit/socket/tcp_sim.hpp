// tcp_sim.hpp — the harness of the tcp::Socket tests: two hosts (A 192.0.2.1, B
// 192.0.2.2) whose sockets and listeners exchange real segments through an in-test
// channel. Every segment a socket dispatches is emitted with wire::tcp::Repr::emit
// (checksum filled), logged, optionally dropped/duplicated/reordered by a seeded fault
// model or a test filter, delivered after a one-way delay, re-parsed with
// Packet::check + Repr::parse (checksum verified) and processed. Time is simulated and
// jumps from one event (delivery or poll_at) to the next.
#pragma once
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <random>
#include <vector>

#include "core/socket/tcp/listener.hpp"
#include "core/socket/tcp/socket.hpp"
#include "core/wire/tcp.hpp"

namespace keel::test::tcp_sim {

using namespace keel::tcp;
namespace flag = wire::tcp::flag;
using wire::Ipv4Address;

inline const IpAddress kAddrA = Ipv4Address::of(192, 0, 2, 1);
inline const IpAddress kAddrB = Ipv4Address::of(192, 0, 2, 2);
inline const Endpoint kEpA{kAddrA, 40000};
inline const Endpoint kEpB{kAddrB, 80};
inline constexpr Instant kT0 = Instant::from_millis(1'000'000);
inline Duration ms(int64_t m) { return Duration::millis(m); }
inline Duration secs(int64_t s) { return Duration::seconds(s); }

// FixedIsn — an IsnSource returning a set value.
struct FixedIsn final : IsnSource {
  uint32_t value;
  explicit FixedIsn(uint32_t v) : value(v) {}
  uint32_t isn(const Endpoint&, const Endpoint&, Instant) override { return value; }
};

// Seg — one logged segment: who sent it, when, and its parsed fields.
struct Seg {
  Instant at;
  char from = '?';  // 'A' or 'B'
  bool dropped = false;
  wire::tcp::Repr repr;  // payload views `bytes`
  std::vector<uint8_t> bytes;
  size_t len() const { return repr.payload.size(); }
  bool has(uint8_t f) const { return (repr.flags & f) != 0; }
  bool pure_ack() const {
    return repr.flags == flag::kAck && repr.payload.empty();
  }
};

// Faults — seeded impairment of the channel (each in percent).
struct Faults {
  int loss = 0, dup = 0, reorder = 0;
};

// Host — the sockets and the listener living at one address.
struct Host {
  IpAddress addr;
  char name;
  std::vector<Socket*> sockets;
  Listener* listener = nullptr;
  std::vector<Socket*> accept_into;  // free sockets the harness accepts into
  size_t unmatched = 0;              // segments nobody took
};

class Sim {
 public:
  explicit Sim(uint64_t seed = 1) : rng_(seed) {
    a_.addr = kAddrA;
    a_.name = 'A';
    b_.addr = kAddrB;
    b_.name = 'B';
  }
  Host& a() { return a_; }
  Host& b() { return b_; }
  Instant now() const { return now_; }
  void set_now(Instant t) { now_ = t; }
  Duration delay = ms(10);  // one way
  Faults faults;
  // drop_if — a test filter: returning true loses the segment (logged as dropped).
  std::function<bool(const Seg&)> drop_if;
  std::deque<Seg> log;

  // step — sends what is due, delivers what has arrived by now; false when idle.
  void flush() {
    for (int round = 0; round < 10000; ++round) {
      bool any = pump(a_) | pump(b_);
      any |= deliver_due();
      accept_pending(a_);
      accept_pending(b_);
      if (!any) return;
    }
    ADD_FAILURE() << "flush did not settle";
  }
  // next_event — the earliest delivery or timer after now (none: idle).
  Optional<Instant> next_event() const {
    Optional<Instant> t;
    auto take = [&](Optional<Instant> c) {
      if (!c) return;
      Instant v = *c < now_ ? now_ : *c;
      if (!t || v < *t) t = v;
    };
    for (const auto& f : wire_) take(f.at);
    for (const Host* h : {&a_, &b_}) {
      for (Socket* s : h->sockets) take(s->poll_at());
      if (h->listener) take(h->listener->poll_at());
    }
    return t;
  }
  // run_until — flushes and jumps between events until cond() or limit; returns cond().
  bool run_until(const std::function<bool()>& cond, Duration limit) {
    Instant end = now_ + limit;
    for (int i = 0; i < 5'000'000; ++i) {
      flush();
      if (cond()) return true;
      auto t = next_event();
      if (!t || *t > end) {
        now_ = end;
        flush();
        return cond();
      }
      now_ = *t;
    }
    return cond();
  }
  // run_for — all events in the next d.
  void run_for(Duration d) {
    run_until([] { return false; }, d);
  }

  // Segments logged from one side.
  std::vector<const Seg*> from(char who) const {
    std::vector<const Seg*> v;
    for (const auto& s : log)
      if (s.from == who) v.push_back(&s);
    return v;
  }

  // inject — delivers a hand-made segment to host `to` now (as if from the other host).
  void inject(char to, const wire::tcp::Repr& r) {
    Host& dst = to == 'A' ? a_ : b_;
    Host& src = to == 'A' ? b_ : a_;
    std::vector<uint8_t> buf(r.buffer_len());
    ASSERT_TRUE(r.emit(MutBytes(buf.data(), buf.size()), src.addr, dst.addr));
    wire_.push_back({now_, dst.name, src.addr, dst.addr, buf});
    flush();
  }

 private:
  struct Frame {
    Instant at;
    char to;
    IpAddress src, dst;
    std::vector<uint8_t> bytes;
  };

  bool pump(Host& h) {
    bool any = false;
    auto one = [&](Optional<Outgoing> o) {
      if (!o) return false;
      send(h, *o);
      return true;
    };
    for (Socket* s : h.sockets)
      for (int i = 0; i < 1000 && one(s->dispatch(now_, MutBytes(scratch_, sizeof scratch_))); ++i)
        any = true;
    if (h.listener)
      for (int i = 0; i < 1000 &&
                      one(h.listener->dispatch(now_, MutBytes(scratch_, sizeof scratch_)));
           ++i)
        any = true;
    return any;
  }

  void send(Host& h, const Outgoing& o) {
    std::vector<uint8_t> buf(o.repr.buffer_len());
    auto st = o.repr.emit(MutBytes(buf.data(), buf.size()), o.src, o.dst);
    EXPECT_TRUE(st) << "emit failed";
    if (!st) return;
    Seg s;
    s.at = now_;
    s.from = h.name;
    s.bytes = buf;
    auto p = wire::tcp::Packet::check(Bytes(s.bytes.data(), s.bytes.size()));
    EXPECT_TRUE(p);
    auto r = wire::tcp::Repr::parse(*p, o.src, o.dst, true);
    EXPECT_TRUE(r) << "sent segment does not parse";
    if (!r) return;
    s.repr = *r;
    bool lose = (drop_if && drop_if(s)) || (faults.loss && int(rng_() % 100) < faults.loss);
    s.dropped = lose;
    log.push_back(std::move(s));
    if (log.size() > 200000) log.pop_front();
    if (lose) return;
    char to = h.name == 'A' ? 'B' : 'A';
    Duration d = delay;
    if (faults.reorder && int(rng_() % 100) < faults.reorder) d = d + ms(1 + rng_() % 20);
    wire_.push_back({now_ + d, to, o.src, o.dst, buf});
    if (faults.dup && int(rng_() % 100) < faults.dup) wire_.push_back({now_ + d + ms(1), to, o.src, o.dst, buf});
  }

  bool deliver_due() {
    bool any = false;
    for (size_t i = 0; i < wire_.size();) {
      if (wire_[i].at > now_) {
        ++i;
        continue;
      }
      Frame f = std::move(wire_[i]);
      wire_.erase(wire_.begin() + long(i));
      any = true;
      Host& h = f.to == 'A' ? a_ : b_;
      auto p = wire::tcp::Packet::check(Bytes(f.bytes.data(), f.bytes.size()));
      if (!p) continue;
      auto r = wire::tcp::Repr::parse(*p, f.src, f.dst, true);
      if (!r) continue;
      bool taken = false;
      for (Socket* s : h.sockets)
        if (s->accepts(f.src, f.dst, *r)) {
          s->process(now_, f.src, f.dst, *r);
          taken = true;
          break;
        }
      if (!taken && h.listener && h.listener->accepts(f.src, f.dst, *r)) {
        // Data on the segment completing a handshake is dropped here (the harness
        // accepts only after delivery); the peer retransmits it.
        if (h.listener->process(now_, f.src, f.dst, *r)) h.listener->dropped_before_accept();
        taken = true;
      }
      if (!taken) ++h.unmatched;
    }
    return any;
  }

  void accept_pending(Host& h) {
    if (!h.listener) return;
    while (h.listener->pending_accepts() && !h.accept_into.empty()) {
      Socket* s = h.accept_into.front();
      h.accept_into.erase(h.accept_into.begin());
      ASSERT_TRUE(h.listener->accept(now_, *s));
      h.sockets.push_back(s);
    }
  }

  std::mt19937_64 rng_;
  Instant now_ = kT0;
  Host a_, b_;
  std::vector<Frame> wire_;
  uint8_t scratch_[65536];
};

// Pair — a client socket on A and a listener on B accepting into a server socket.
template <size_t RX = 16384, size_t TX = 16384>
struct Pair {
  Sim sim;
  FixedSocket<RX, TX> client;
  FixedSocket<RX, TX> server;
  FixedListener<4> listener;
  FixedIsn isn_b{0x20000000};
  explicit Pair(uint64_t seed = 1) : sim(seed) {
    sim.a().sockets.push_back(&client);
    sim.b().listener = &listener;
    sim.b().accept_into.push_back(&server);
    listener.options().rx_capacity = RX;
    EXPECT_TRUE(listener.listen(kEpB, isn_b));
  }
  // connect — the client opens to the listener; true once both are Established.
  bool connect(uint32_t isn = 0x10000000) {
    EXPECT_TRUE(client.connect(sim.now(), kEpA, kEpB, isn));
    return sim.run_until(
        [&] {
          return client.state() == State::Established && server.state() == State::Established;
        },
        secs(5));
  }
};

// fnv1a — a hash of a byte stream, for byte-exact transfer checks.
inline uint64_t fnv1a(const uint8_t* p, size_t n, uint64_t h = 1469598103934665603ull) {
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// pattern — a deterministic byte at stream offset i.
inline uint8_t pattern(uint64_t i) { return uint8_t((i * 2654435761u) >> 13); }

}  // namespace keel::test::tcp_sim
