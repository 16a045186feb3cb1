// tcp_capacity_sim_test.cpp — whole stacks with their fixed capacities under more
// connections than they hold, in simulated time: a server with 8 TCP sockets and a
// 16-entry listener serves 100 clients that arrive at once (the surplus waits — SYNs
// dropped and retransmitted, never reset); a server that closes first frees its socket
// the moment it enters TIME-WAIT, so it serves many connections in a row; its TIME-WAIT
// entry ACKs a retransmitted FIN and ends at exactly 2MSL; a SYN from the same client
// port reopens the 4-tuple (RFC 6191).
//
// The stacks share an in-test Ethernet hub: every frame a stack sends reaches all the
// others (each drops what is not for its MAC), and the hub records every TCP segment.
// Time advances 1 ms per round while frames move and jumps to the next timer when idle.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "core/iface/stack.hpp"
#include "core/wire/ethernet.hpp"
#include "core/wire/ipv4.hpp"
#include "core/wire/tcp.hpp"
#include "support/sim.hpp"

using namespace keel;
namespace flag = wire::tcp::flag;
using keel::test::pattern;

namespace {

wire::Ipv4Address host_ip(uint8_t host) { return wire::Ipv4Address::of(192, 0, 2, host); }

// Segment — one TCP segment the hub carried (or lost), parsed, with its frame.
struct Segment {
  size_t from = 0;  // the sending port
  bool lost = false;
  Instant at;
  wire::Ipv4Address src, dst;
  uint16_t src_port = 0, dst_port = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  size_t len = 0;
  std::vector<uint8_t> frame;
  bool has(uint8_t f) const { return (flags & f) != 0; }
};

class Hub {
 public:
  class Port final : public iface::Device {
   public:
    size_t receive(MutBytes buf, Instant) override {
      if (rx_.empty()) return 0;
      std::vector<uint8_t> f = std::move(rx_.front());
      rx_.pop_front();
      if (f.size() > buf.size()) return 0;
      std::memcpy(buf.data(), f.data(), f.size());
      return f.size();
    }
    bool transmit(Bytes frame, Instant now) override {
      hub_->carry(index_, frame, now);
      return true;
    }
    bool pending() const { return !rx_.empty(); }

   private:
    friend class Hub;
    Hub* hub_ = nullptr;
    size_t index_ = 0;
    std::deque<std::vector<uint8_t>> rx_;
  };

  Port& add_port() {
    ports_.push_back(std::make_unique<Port>());
    ports_.back()->hub_ = this;
    ports_.back()->index_ = ports_.size() - 1;
    return *ports_.back();
  }
  // drop_if — a test filter: true loses the segment (recorded as lost).
  std::function<bool(const Segment&)> drop_if;
  std::vector<Segment> segments;
  size_t carried = 0;
  bool pending() const {
    for (const auto& p : ports_)
      if (p->pending()) return true;
    return false;
  }
  // deliver — a frame to one port, as if sent by another (tests replaying a segment).
  void deliver(size_t to, const std::vector<uint8_t>& frame) { ports_[to]->rx_.push_back(frame); }

 private:
  void carry(size_t from, Bytes frame, Instant now) {
    ++carried;
    Segment s;
    bool tcp = parse(frame, s);
    if (tcp) {
      s.from = from;
      s.at = now;
      s.frame.assign(frame.begin(), frame.end());
      s.lost = drop_if && drop_if(s);
      segments.push_back(s);
      if (s.lost) return;
    }
    for (auto& p : ports_)
      if (p->index_ != from) p->rx_.emplace_back(frame.begin(), frame.end());
  }
  static bool parse(Bytes frame, Segment& s) {
    auto eth = wire::ethernet::Frame::check(frame);
    if (!eth || eth->ethertype() != wire::EtherType::Ipv4) return false;
    auto ip = wire::ipv4::Packet::check(eth->payload());
    if (!ip || ip->protocol() != wire::IpProtocol::Tcp) return false;
    auto tp = wire::tcp::Packet::check(ip->payload());
    if (!tp) return false;
    auto r = wire::tcp::Repr::parse(*tp, ip->src(), ip->dst());
    if (!r) return false;
    s.src = ip->src();
    s.dst = ip->dst();
    s.src_port = r->src_port;
    s.dst_port = r->dst_port;
    s.seq = r->seq;
    s.ack = r->ack;
    s.flags = r->flags;
    s.len = r->payload.size();
    return true;
  }
  std::vector<std::unique_ptr<Port>> ports_;
};

// Node — one stack on a hub port.
struct Node {
  Node(Hub& hub, uint8_t host, uint64_t seed)
      : rng(seed), stack(std::make_unique<Stack>(rng)), port(&hub.add_port()), ip(host_ip(host)) {
    wire::MacAddress mac{{0x02, 0, 0, 0, 0, host}};
    id = *stack->add_ethernet(*port, mac);
    EXPECT_TRUE(stack->add_ipv4(id, Ipv4Cidr{ip, 24}, false).ok());
  }
  Random rng;
  std::unique_ptr<Stack> stack;
  Hub::Port* port;
  wire::Ipv4Address ip;
  IfaceId id = 0;
};

// Net — a hub, its nodes, a clock and an application step run every round.
class Net {
 public:
  Hub hub;
  std::vector<std::unique_ptr<Node>> nodes;
  Instant now = Instant::from_millis(1000);
  std::function<void()> app = [] {};

  Node& add(uint8_t host) {
    nodes.push_back(std::make_unique<Node>(hub, host, 1000 + host));
    return *nodes.back();
  }
  // pump — the application, every frame delivered, every stack polled; again until
  // nothing moves (bounded).
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      size_t before = hub.carried;
      app();
      for (auto& n : nodes) {
        uint8_t buf[2048];
        for (size_t got; (got = n->port->receive(MutBytes(buf), now)) != 0;)
          n->stack->receive_frame(n->id, Bytes(buf, got), now);
      }
      for (auto& n : nodes) n->stack->poll(now);
      if (hub.carried == before && !hub.pending()) return;
    }
    ADD_FAILURE() << "the network did not settle";
  }
  // run_until — rounds until cond() or limit: 1 ms apart while a timer is due, else
  // straight to the next timer of any stack.
  bool run_until(const std::function<bool()>& cond, Duration limit) {
    Instant end = now + limit;
    for (;;) {
      pump();
      if (cond()) return true;
      if (now >= end) return false;
      Instant next = now + Duration::millis(1);
      Optional<Instant> timer;
      for (auto& n : nodes) {
        Optional<Instant> t = n->stack->poll_at();
        if (t && (!timer || *t < *timer)) timer = t;
      }
      if (timer && next < *timer) next = *timer;
      now = next < end ? next : end;
    }
  }
  // resets — RSTs the hub carried from one address.
  size_t resets_from(const wire::Ipv4Address& a) const {
    size_t n = 0;
    for (const Segment& s : hub.segments) n += s.src == a && s.has(flag::kRst);
    return n;
  }
};

// EchoServer — the demo's echo service on a stack: accept everything, echo what can be
// written back, close once the client's FIN was read.
struct EchoServer {
  Stack& stack;
  Handle listener;
  std::vector<Handle> conns;
  size_t accepted = 0, most_at_once = 0;
  EchoServer(Stack& s, uint16_t port) : stack(s), listener(*s.tcp_listen(Endpoint{wire::IpAddress(), port})) {}
  void step(Instant now) {
    for (auto h = stack.tcp_accept(listener, now); h; h = stack.tcp_accept(listener, now)) {
      conns.push_back(*h);
      ++accepted;
    }
    most_at_once = std::max(most_at_once, conns.size());
    uint8_t buf[4096];
    for (size_t i = 0; i < conns.size();) {
      tcp::Socket* s = stack.tcp(conns[i]);
      bool done = !s || !s->is_open();
      while (!done) {
        size_t room = s->may_send() ? std::min(s->send_window().size(), sizeof buf) : 0;
        if (room == 0) break;
        auto r = s->recv(MutBytes(buf, room));
        if (!r) {
          done = true;
          break;
        }
        if (*r == 0) break;
        EXPECT_EQ(*s->send(Bytes(buf, *r)), *r);
      }
      if (done) {
        stack.close(conns[i]);
        conns.erase(conns.begin() + long(i));
      } else {
        ++i;
      }
    }
  }
};

// EchoClient — one connection: send the payload, shut down the write side, read the
// echo until the server's FIN, then close.
struct EchoClient {
  Stack* stack = nullptr;
  Handle h;
  std::vector<uint8_t> payload, got;
  size_t sent = 0;
  bool shut = false, done = false;
  tcp::Error error = tcp::Error::None;
  void step() {
    if (done) return;
    tcp::Socket* s = stack->tcp(h);
    if (s->state() == tcp::State::Closed && s->error() != tcp::Error::None) {
      error = s->error();
      done = true;
      stack->close(h);
      return;
    }
    if (sent < payload.size() && s->may_send()) {
      auto n = s->send(Bytes(payload.data() + sent, payload.size() - sent));
      if (n) sent += *n;
    }
    if (sent == payload.size() && !shut && s->state() == tcp::State::Established) {
      s->shutdown_write();
      shut = true;
    }
    uint8_t buf[4096];
    for (;;) {
      auto r = s->recv(MutBytes(buf));
      if (!r) {
        if (r.error() == tcp::RecvError::Finished) {
          done = true;
          stack->close(h);
        }
        return;
      }
      if (*r == 0) return;
      got.insert(got.end(), buf, buf + *r);
    }
  }
};

}  // namespace

TEST(TcpCapacitySim, eight_sockets_serve_a_hundred_clients_arriving_at_once_without_a_reset) {
  constexpr size_t kClients = 100;
  Net net;
  Node& server = net.add(2);
  std::vector<Node*> client_nodes;
  for (size_t k = 0; k * config::kTcpSockets < kClients; ++k)
    client_nodes.push_back(&net.add(static_cast<uint8_t>(10 + k)));
  EchoServer echo(*server.stack, 7);
  std::vector<EchoClient> clients(kClients);
  for (size_t i = 0; i < kClients; ++i) {
    EchoClient& c = clients[i];
    c.stack = client_nodes[i / config::kTcpSockets]->stack.get();
    c.h = *c.stack->tcp_open();
    c.payload = pattern(1 + (i * 7919) % 2000, uint32_t(i));
  }
  // ARP first, both ways, so that the SYNs leave together and no answer waits for a
  // neighbour (this test is about TCP's queues, not ARP's).
  ASSERT_TRUE(net.run_until([&] {
    bool ready = true;
    for (Node* n : client_nodes) {
      ready &= n->stack->prepare_next_hop(server.ip, net.now) == Stack::NextHopState::Ready;
      ready &= server.stack->prepare_next_hop(n->ip, net.now) == Stack::NextHopState::Ready;
    }
    return ready;
  }, Duration::seconds(5)));
  for (EchoClient& c : clients) ASSERT_TRUE(c.stack->tcp_connect(c.h, Endpoint{server.ip, 7}, net.now).ok());
  net.app = [&] {
    echo.step(net.now);
    for (EchoClient& c : clients) c.step();
  };
  Instant start = net.now;
  // The bound is a hang guard. All SYNs leave at the same instant and are retransmitted
  // together (1, 3, 7, 15, 31, 63 s): each round the 16 listener slots take 16 clients
  // and the rest are dropped, so the last ones get in at 63 s of simulated time.
  ASSERT_TRUE(net.run_until([&] {
    for (const EchoClient& c : clients)
      if (!c.done) return false;
    return true;
  }, Duration::seconds(200)));
  size_t exact = 0;
  for (size_t i = 0; i < kClients; ++i) {
    EXPECT_EQ(clients[i].error, tcp::Error::None) << "client " << i;
    EXPECT_TRUE(clients[i].got == clients[i].payload) << "client " << i << ": " << clients[i].got.size()
                                                      << " of " << clients[i].payload.size() << " bytes back";
    exact += clients[i].got == clients[i].payload;
  }
  EXPECT_EQ(exact, kClients);
  EXPECT_EQ(echo.accepted, kClients);
  EXPECT_LE(echo.most_at_once, config::kTcpSockets);
  // Nobody was reset; the surplus waited: its SYNs were dropped (counted) and sent again.
  EXPECT_EQ(net.resets_from(server.ip), 0u);
  for (Node* n : client_nodes) EXPECT_EQ(net.resets_from(n->ip), 0u);
  const tcp::ListenerStats& st = server.stack->tcp_listener(echo.listener)->stats();
  EXPECT_GT(st.syns_dropped, 0u);
  EXPECT_EQ(st.cookies_sent, 0u);  // no cookie without room for it
  EXPECT_EQ(st.resets_sent, 0u);
  EXPECT_EQ(st.syns_queued, kClients);
  EXPECT_EQ(st.syns, st.syns_queued + st.cookies_sent + st.syns_dropped);
  // SYN,ACKs waited for free sockets, so no client sent data into a full accept queue.
  EXPECT_GT(st.synacks_deferred, 0u);
  EXPECT_EQ(st.dropped_before_accept, 0u);
  std::printf("100 clients served in %.3f s of simulated time; listener: syns=%u queued=%u dropped=%u "
              "deferred=%u\n",
              double((net.now - start).as_micros()) / 1e6, st.syns, st.syns_queued, st.syns_dropped,
              st.synacks_deferred);
}

namespace {

// Server — answers each connection's request (any bytes, then the client's write side
// open) with `response` bytes and closes first, as an HTTP server does.
struct ClosingServer {
  Stack& stack;
  Handle listener;
  size_t response;
  std::vector<std::pair<Handle, size_t>> conns;  // handle, bytes still to send
  size_t accepted = 0;
  ClosingServer(Stack& s, uint16_t port, size_t n)
      : stack(s), listener(*s.tcp_listen(Endpoint{wire::IpAddress(), port})), response(n) {}
  void step(Instant now) {
    for (auto h = stack.tcp_accept(listener, now); h; h = stack.tcp_accept(listener, now)) {
      conns.push_back({*h, response});
      ++accepted;
    }
    static const std::vector<uint8_t> body = pattern(1 << 16, 77);
    for (size_t i = 0; i < conns.size();) {
      tcp::Socket* s = stack.tcp(conns[i].first);
      uint8_t buf[512];
      if (s && s->recv_queue() == 0) {
        ++i;
        continue;  // the request is not here yet
      }
      if (s) (void)s->recv(MutBytes(buf));
      size_t& left = conns[i].second;
      while (s && left > 0) {
        auto n = s->send(Bytes(body.data(), std::min(left, body.size())));
        if (!n || *n == 0) break;
        left -= *n;
      }
      if (!s || left == 0) {
        stack.close(conns[i].first);  // FIN after the response: the server closes first
        conns.erase(conns.begin() + long(i));
      } else {
        ++i;
      }
    }
  }
};

// Getter — a client connection: sends a request, reads the response until the server's
// FIN, then closes (so the server is in TIME-WAIT, the client not).
struct Getter {
  Stack* stack = nullptr;
  Handle h;
  size_t got = 0;
  bool sent = false, done = false;
  tcp::Error error = tcp::Error::None;
  uint32_t rcv_nxt_at_fin = 0;  // the server's SND.NXT after its FIN, seen from here
  void step() {
    if (done) return;
    tcp::Socket* s = stack->tcp(h);
    if (s->state() == tcp::State::Closed && s->error() != tcp::Error::None) {
      error = s->error();
      done = true;
      stack->close(h);
      return;
    }
    if (!sent && s->state() == tcp::State::Established) {
      sent = *s->send(Bytes(reinterpret_cast<const uint8_t*>("GET /\r\n"), 7)) == 7;
    }
    uint8_t buf[4096];
    for (;;) {
      auto r = s->recv(MutBytes(buf));
      if (!r) {
        if (r.error() == tcp::RecvError::Finished) {
          rcv_nxt_at_fin = s->diagnostics().rcv_nxt;
          done = true;
          stack->close(h);
        }
        return;
      }
      if (*r == 0) return;
      got += *r;
    }
  }
};

}  // namespace

TEST(TcpCapacitySim, a_server_closing_first_frees_each_socket_at_time_wait_and_serves_many_in_a_row) {
  constexpr size_t kConnections = 100;
  Net net;
  Node& server = net.add(2);
  Node& client = net.add(10);
  ClosingServer http(*server.stack, 80, 3000);
  std::vector<Getter> gets(kConnections);
  size_t next = 0;
  net.app = [&] {
    http.step(net.now);
    for (Getter& g : gets)
      if (g.stack) g.step();
    // One connection at a time: the next starts when the previous one is done.
    if (next < kConnections && (next == 0 || gets[next - 1].done)) {
      Getter& g = gets[next++];
      g.stack = client.stack.get();
      g.h = *g.stack->tcp_open();
      EXPECT_TRUE(g.stack->tcp_connect(g.h, Endpoint{server.ip, 80}, net.now).ok());
    }
  };
  // 2MSL is 60 s: with TIME-WAIT holding sockets, the ninth connection would wait for
  // the first one's minute; with the table all of them finish in a few seconds.
  ASSERT_TRUE(net.run_until([&] { return next == kConnections && gets.back().done; }, Duration::seconds(20)));
  for (size_t i = 0; i < kConnections; ++i) {
    EXPECT_EQ(gets[i].error, tcp::Error::None) << i;
    EXPECT_EQ(gets[i].got, 3000u) << i;
  }
  EXPECT_EQ(http.accepted, kConnections);
  const tcp::TimeWaitStats& tw = server.stack->tcp_time_wait().stats();
  EXPECT_EQ(tw.entered, kConnections);
  EXPECT_EQ(tw.in_use, config::kTcpTimeWait);
  EXPECT_EQ(tw.high_water, config::kTcpTimeWait);
  // The oldest entries made room (counted); a client port that came round again
  // reopened its entry (RFC 6191). Every entry is accounted for.
  EXPECT_GE(tw.evicted, kConnections - config::kTcpTimeWait - 3);
  EXPECT_EQ(tw.entered, tw.in_use + tw.evicted + tw.reopened + tw.expired + tw.resets);
  EXPECT_EQ(tw.expired, 0u);
  // Every socket of the server is free while the table holds the TIME-WAITs.
  std::vector<Handle> opened;
  for (size_t i = 0; i < config::kTcpSockets; ++i) {
    auto h = server.stack->tcp_open();
    ASSERT_TRUE(h.ok()) << i;
    opened.push_back(*h);
  }
  for (Handle h : opened) server.stack->close(h);
  EXPECT_EQ(net.resets_from(server.ip), 0u);
  EXPECT_EQ(net.resets_from(client.ip), 0u);
  // 2MSL later every entry has expired.
  net.app = [] {};
  net.now = net.now + Duration::seconds(60);
  net.pump();
  EXPECT_EQ(tw.in_use, 0u);
  EXPECT_EQ(tw.expired, config::kTcpTimeWait);
}

TEST(TcpCapacitySim, a_time_wait_entry_acks_a_retransmitted_fin_and_ends_at_exactly_2msl) {
  Net net;
  Node& server = net.add(2);
  Node& client = net.add(10);
  ClosingServer http(*server.stack, 80, 100);
  Getter g;
  g.stack = client.stack.get();
  g.h = *g.stack->tcp_open();
  ASSERT_TRUE(g.stack->tcp_connect(g.h, Endpoint{server.ip, 80}, net.now).ok());
  // Lose the server's ACK of the client's FIN, once: the client (LAST-ACK) retransmits
  // its FIN, which only the TIME-WAIT entry can answer.
  bool lost = false;
  net.hub.drop_if = [&](const Segment& sg) {
    if (lost || sg.src != server.ip || sg.flags != flag::kAck) return false;
    tcp::Socket* s = client.stack->tcp(g.h);
    if (!s || s->state() != tcp::State::LastAck) return false;
    return lost = true;
  };
  tcp::Socket* cs = client.stack->tcp(g.h);
  net.app = [&] {
    http.step(net.now);
    if (!g.sent && cs->state() == tcp::State::Established)
      g.sent = *cs->send(Bytes(reinterpret_cast<const uint8_t*>("GET /\r\n"), 7)) == 7;
    uint8_t buf[512];
    while (cs->recv_queue() > 0) g.got += cs->recv(MutBytes(buf)).value();
    auto r = cs->recv(MutBytes(buf));
    if (!r && r.error() == tcp::RecvError::Finished && cs->state() == tcp::State::CloseWait) cs->close();
  };
  ASSERT_TRUE(net.run_until([&] { return cs->state() == tcp::State::Closed; }, Duration::seconds(10)));
  EXPECT_TRUE(lost);
  EXPECT_EQ(cs->error(), tcp::Error::None);
  EXPECT_EQ(g.got, 100u);
  const tcp::TimeWaitStats& tw = server.stack->tcp_time_wait().stats();
  EXPECT_EQ(tw.entered, 1u);
  EXPECT_EQ(tw.acks, 1u);
  EXPECT_EQ(tw.fin_restarts, 1u);
  // The client's FINs: the first, and its retransmission that restarted 2MSL.
  std::vector<const Segment*> fins;
  for (const Segment& sg : net.hub.segments)
    if (sg.src == client.ip && sg.has(flag::kFin)) fins.push_back(&sg);
  ASSERT_EQ(fins.size(), 2u);
  Instant end = fins[1]->at + Duration::seconds(60);
  // The FIN once more just before 2MSL ends: the entry answers it with an ACK (and
  // restarts 2MSL); then nothing until exactly 2MSL after that: at that instant the
  // segment reaches the listener instead, which resets an ACK it knows nothing about.
  auto replay_at = [&](Instant t) {
    size_t before = net.hub.segments.size();
    net.now = t;
    net.hub.deliver(0, fins[1]->frame);
    net.pump();
    std::vector<Segment> out;
    for (size_t i = before; i < net.hub.segments.size(); ++i)
      if (net.hub.segments[i].src == server.ip) out.push_back(net.hub.segments[i]);
    return out;
  };
  net.app = [] {};
  // The client has forgotten the connection: it would answer the entry's ACK with a
  // RST (which ends TIME-WAIT). Keep it quiet.
  net.hub.drop_if = [&](const Segment& sg) { return sg.src == client.ip; };
  std::vector<Segment> a = replay_at(end - Duration::micros(1));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].flags, flag::kAck);
  EXPECT_EQ(tw.fin_restarts, 2u);
  Instant end2 = end - Duration::micros(1) + Duration::seconds(60);
  std::vector<Segment> b = replay_at(end2);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].flags, flag::kRst);
  EXPECT_EQ(tw.expired, 1u);
  EXPECT_EQ(tw.in_use, 0u);
}

TEST(TcpCapacitySim, a_syn_from_the_same_port_reopens_a_time_wait_connection_rfc_6191) {
  Net net;
  Node& server = net.add(2);
  Node& client = net.add(10);
  ClosingServer http(*server.stack, 80, 500);
  Getter first, second;
  net.app = [&] {
    http.step(net.now);
    if (first.stack) first.step();
    if (second.stack) second.step();
  };
  // Without timestamps RFC 6191 compares the new SYN's sequence number with the old
  // RCV.NXT; the client's ISN clock (RFC 6528, 4 µs) has moved on by then.
  auto start = [&](Getter& g) {
    g.stack = client.stack.get();
    g.h = *g.stack->tcp_open();
    g.stack->tcp(g.h)->options().timestamps = false;
    ASSERT_TRUE(g.stack->tcp_connect(g.h, Endpoint{server.ip, 80}, net.now, 50000).ok());
  };
  start(first);
  ASSERT_TRUE(net.run_until([&] { return first.done; }, Duration::seconds(5)));
  ASSERT_EQ(first.error, tcp::Error::None);
  ASSERT_EQ(server.stack->tcp_time_wait().stats().in_use, 1u);
  net.run_until([] { return false; }, Duration::millis(10));
  start(second);
  ASSERT_TRUE(net.run_until([&] { return second.done; }, Duration::seconds(5)));
  EXPECT_EQ(second.error, tcp::Error::None);
  EXPECT_EQ(second.got, 500u);
  const tcp::TimeWaitStats& tw = server.stack->tcp_time_wait().stats();
  EXPECT_EQ(tw.reopened, 1u);
  EXPECT_EQ(tw.entered, 2u);
  EXPECT_EQ(tw.in_use, 1u);
  // The new connection's ISN lies 2^16 + 1 beyond the old connection's last number.
  const Segment* synack = nullptr;
  for (const Segment& sg : net.hub.segments)
    if (sg.src == server.ip && sg.flags == (flag::kSyn | flag::kAck)) synack = &sg;
  ASSERT_NE(synack, nullptr);
  EXPECT_EQ(synack->seq, first.rcv_nxt_at_fin + 65537u);
  EXPECT_EQ(net.resets_from(server.ip), 0u);
  EXPECT_EQ(net.resets_from(client.ip), 0u);
  // The client closed second each time: it holds no TIME-WAIT, its port stays free.
  EXPECT_EQ(client.stack->tcp_time_wait().stats().entered, 0u);
}
