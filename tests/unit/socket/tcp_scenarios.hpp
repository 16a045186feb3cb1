// tcp_scenarios.hpp — helpers shared by the tcp::Socket tests on top of tcp_sim.hpp:
// pattern data, a state tracker, hand-made segments from a socket's peer, reading a
// socket dry, the data segments one side sent, and driving a connected Pair's client
// into any state of RFC 9293 §3.3.2.
#pragma once
#include <string.h>

#include <memory>
#include <string>
#include <vector>

#include "core/base/bits.hpp"
#include "tcp_sim.hpp"

namespace keel::test::tcp_sim {

// data_of — n pattern bytes (byte i is pattern(i)).
inline std::vector<uint8_t> data_of(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = pattern(i);
  return v;
}

inline Bytes bytes_of(const std::vector<uint8_t>& v) { return Bytes(v.data(), v.size()); }
inline Bytes bytes_of(const char* s) { return Bytes(reinterpret_cast<const uint8_t*>(s), strlen(s)); }

// Track — records the distinct states a socket passes through (call it on every event).
struct Track {
  const Socket& s;
  std::vector<State> seen;
  void operator()() {
    if (seen.empty() || seen.back() != s.state()) seen.push_back(s.state());
  }
};

// names — states as text, for readable failure messages.
inline std::string names(const std::vector<State>& v) {
  std::string out;
  for (State s : v) out += std::string(out.empty() ? "" : " ") + state_name(s);
  return out;
}

// peer_segment — a segment as sock's peer would send it: the peer's ports, seq at the
// socket's rcv_nxt, ack at its snd_nxt, ACK set unless flags say RST or SYN alone.
inline wire::tcp::Repr peer_segment(const Socket& sock, uint8_t flags, Bytes payload = Bytes()) {
  auto d = sock.diagnostics();
  wire::tcp::Repr r;
  r.src_port = sock.remote().port;
  r.dst_port = sock.local().port;
  r.seq = d.rcv_nxt;
  r.ack = d.snd_nxt;
  r.flags = flags;
  r.window = 8192;
  r.payload = payload;
  return r;
}

// read_all — everything sock has received so far.
inline std::vector<uint8_t> read_all(Socket& sock) {
  std::vector<uint8_t> got;
  uint8_t b[4096];
  for (;;) {
    auto r = sock.recv(MutBytes(b, sizeof b));
    if (!r || *r == 0) break;
    got.insert(got.end(), b, b + *r);
  }
  return got;
}

// data_segments — the segments with payload `who` sent (lost ones included).
inline std::vector<const Seg*> data_segments(const Sim& sim, char who) {
  std::vector<const Seg*> v;
  for (const Seg* g : sim.from(who))
    if (g->len()) v.push_back(g);
  return v;
}

// sent_since — how many segments `who` sent since the log held `mark` entries.
inline size_t sent_since(const Sim& sim, char who, size_t mark) {
  size_t n = 0;
  for (size_t i = mark; i < sim.log.size(); ++i) n += sim.log[i].from == who;
  return n;
}

// bring_client_to — drives a connected Pair's client into state `want` (any synchronized
// state, also SYN-RECEIVED through a crossing SYN); loses segments with sim.drop_if where
// the state needs a segment to stay unanswered. False if the state was not reached.
template <class P>
bool bring_client_to(P& p, State want) {
  Sim& sim = p.sim;
  switch (want) {
    case State::SynReceived: {
      // The listener never hears our SYN; the peer's own SYN crosses it.
      sim.drop_if = [](const Seg& s) { return s.from == 'A'; };
      if (!p.client.connect(sim.now(), kEpA, kEpB, 0x10000000)) return false;
      sim.flush();
      wire::tcp::Repr r;
      r.src_port = kEpB.port;
      r.dst_port = kEpA.port;
      r.seq = 900;
      r.flags = flag::kSyn;
      r.window = 8192;
      sim.inject('A', r);
      return p.client.state() == State::SynReceived;
    }
    case State::Established:
      return p.connect();
    case State::FinWait1:  // our FIN never arrives
      if (!p.connect()) return false;
      sim.drop_if = [](const Seg& s) { return s.from == 'A' && s.has(flag::kFin); };
      p.client.shutdown_write();
      break;
    case State::FinWait2:
      if (!p.connect()) return false;
      p.client.shutdown_write();
      break;
    case State::CloseWait:
      if (!p.connect()) return false;
      p.server.close();
      break;
    case State::Closing:  // both FINs cross; the ACK of ours is lost
      if (!p.connect()) return false;
      sim.drop_if = [](const Seg& s) { return s.from == 'B' && !s.has(flag::kFin); };
      p.client.shutdown_write();
      p.server.close();
      break;
    case State::LastAck:  // the peer closed first; our FIN's ACK is lost
      if (!p.connect()) return false;
      p.server.close();
      if (!sim.run_until([&] { return p.client.state() == State::CloseWait; }, secs(2)))
        return false;
      sim.drop_if = [](const Seg& s) { return s.from == 'B'; };
      p.client.close();
      break;
    case State::TimeWait:
      if (!p.connect()) return false;
      p.client.shutdown_write();
      p.server.close();
      break;
    default:
      return false;
  }
  return sim.run_until([&] { return p.client.state() == want; }, secs(2)) &&
         p.client.state() == want;
}

}  // namespace keel::test::tcp_sim
