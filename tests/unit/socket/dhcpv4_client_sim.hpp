// dhcpv4_client_sim.hpp — the harness of the dhcp::Client tests: simulated time that
// jumps from one poll_at() to the next, a log of everything the client sends and
// reports (with the instant it happened), and a scripted DHCP server whose replies are
// built with wire::dhcpv4.
//
// Every drain() also checks the poll contract: once poll_transmit, poll_arp and
// poll_event have nothing left, poll_at() is none or strictly in the future.
#pragma once
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "core/socket/dhcpv4_client.hpp"
#include "core/wire/dhcpv4.hpp"
#include "support/bytes.hpp"

namespace keel::test::dhcp_sim {

using dhcp::ArpKind;
using dhcp::EventKind;
using dhcp::State;
using wire::Ipv4Address;
using wire::MacAddress;
using MT = wire::dhcpv4::MessageType;

inline const MacAddress kMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
inline const MacAddress kOtherMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x0c}};
inline const Ipv4Address kServer = Ipv4Address::of(192, 0, 2, 1);
inline const Ipv4Address kServer2 = Ipv4Address::of(192, 0, 2, 2);
inline const Ipv4Address kOffered = Ipv4Address::of(192, 0, 2, 104);
inline const Ipv4Address kOffered2 = Ipv4Address::of(192, 0, 2, 105);
inline const Ipv4Address kAny = Ipv4Address();
inline const Ipv4Address kAll = Ipv4Address::broadcast();
inline constexpr Instant kT0 = Instant::from_millis(5'000'000);  // not zero on purpose

inline Duration secs(int64_t s) { return Duration::seconds(s); }
inline Duration ms(int64_t m) { return Duration::millis(m); }

inline dhcp::Config config() {
  dhcp::Config c;
  c.mac = kMac;
  return c;
}

// Sent — one DHCP message the client wrote, and when.
struct Sent {
  Instant at;
  dhcp::Transmit tx{};
  std::vector<uint8_t> bytes;

  // repr — the message parsed with wire::dhcpv4 (a test failure if it does not parse).
  // The Repr points into bytes: keep this Sent alive while using it.
  wire::dhcpv4::Repr repr() const {
    auto p = wire::dhcpv4::Packet::check(bytes_of(bytes));
    EXPECT_TRUE(p) << "client message does not pass Packet::check";
    if (!p) return {};
    auto r = wire::dhcpv4::Repr::parse(*p);
    EXPECT_TRUE(r) << "client message does not parse";
    return r ? *r : wire::dhcpv4::Repr{};
  }
  // option(code) — the data of option code, read with the option cursor; "absent" marks none.
  std::vector<uint8_t> option(uint8_t code, bool* present = nullptr) const {
    if (present) *present = false;
    auto p = wire::dhcpv4::Packet::check(bytes_of(bytes));
    if (!p) return {};
    wire::dhcpv4::OptionCursor c(*p);
    wire::dhcpv4::Option o;
    for (;;) {
      auto more = c.next(o);
      if (!more || !*more) return {};
      if (o.code == code) {
        if (present) *present = true;
        return std::vector<uint8_t>(o.data.begin(), o.data.end());
      }
    }
  }
  bool has(uint8_t code) const {
    bool present = false;
    option(code, &present);
    return present;
  }
  MT type() const { return repr().message_type; }
  uint32_t xid() const { return repr().xid; }
};

struct ArpOut {
  Instant at;
  dhcp::ArpRequest req;
};
struct EventOut {
  Instant at;
  dhcp::Event ev;
};

// Server — a scripted DHCP server: replies echo the request's xid, flags and chaddr.
struct Server {
  Ipv4Address id = kServer;
  bool send_server_id = true;
  Optional<Ipv4Address> mask = Ipv4Address::of(255, 255, 255, 0);
  std::vector<Ipv4Address> routers{Ipv4Address::of(192, 0, 2, 254), Ipv4Address::of(192, 0, 2, 253)};
  std::vector<Ipv4Address> dns{Ipv4Address::of(192, 0, 2, 53), Ipv4Address::of(192, 0, 2, 54),
                               Ipv4Address::of(192, 0, 2, 55), Ipv4Address::of(192, 0, 2, 56)};
  std::vector<Ipv4Address> ntp{Ipv4Address::of(192, 0, 2, 123), Ipv4Address::of(192, 0, 2, 124),
                               Ipv4Address::of(192, 0, 2, 125)};
  Optional<uint32_t> lease = 3600u;
  Optional<uint32_t> t1, t2;
  std::string hostname = "keel-node";
  std::string domain = "example.net";

  std::vector<uint8_t> reply(const Sent& req, MT type, Ipv4Address yiaddr) const {
    auto q = req.repr();
    wire::dhcpv4::Repr r;
    r.op = wire::dhcpv4::Op::Reply;
    r.message_type = type;
    r.xid = q.xid;
    r.broadcast = q.broadcast;
    r.chaddr = q.chaddr;
    if (send_server_id) r.server_id = id;
    if (type != MT::Nak) {
      r.yiaddr = yiaddr;
      r.siaddr = id;
      r.subnet_mask = mask;
      fill(r.routers, routers);
      fill(r.dns_servers, dns);
      fill(r.ntp_servers, ntp);
      r.lease_time = lease;
      r.renewal_time = t1;
      r.rebinding_time = t2;
      r.hostname = Bytes(reinterpret_cast<const uint8_t*>(hostname.data()), hostname.size());
      r.domain_name = Bytes(reinterpret_cast<const uint8_t*>(domain.data()), domain.size());
    }
    std::vector<uint8_t> out(r.buffer_len());
    EXPECT_TRUE(r.emit(mut_bytes_of(out)));
    return out;
  }
  std::vector<uint8_t> offer(const Sent& req, Ipv4Address a = kOffered) const {
    return reply(req, MT::Offer, a);
  }
  std::vector<uint8_t> ack(const Sent& req, Ipv4Address a = kOffered) const {
    return reply(req, MT::Ack, a);
  }
  std::vector<uint8_t> nak(const Sent& req) const { return reply(req, MT::Nak, kAny); }

 private:
  static void fill(wire::dhcpv4::AddressList& l, const std::vector<Ipv4Address>& v) {
    for (const auto& a : v)
      if (l.count < wire::dhcpv4::kMaxAddresses) l.addr[l.count++] = a;
  }
};

// Sim — the client on a simulated link, with its clock and logs.
class Sim {
 public:
  explicit Sim(const dhcp::Config& cfg = config(), uint64_t seed = 7)
      : rng(seed), client(cfg, rng) {}

  Random rng;
  dhcp::Client client;
  Instant now = kT0;
  std::deque<Sent> sent;  // a deque: references to logged messages stay valid
  std::vector<ArpOut> arps;
  std::vector<EventOut> events;
  size_t buf_size = 1500;

  // drain — everything the client has to do now, logged; then checks poll_at().
  void drain() {
    for (int round = 0; round < 50; ++round) {
      bool any = false;
      std::vector<uint8_t> buf(buf_size);
      if (auto t = client.poll_transmit(now, mut_bytes_of(buf))) {
        EXPECT_LE(t->length, buf.size());
        buf.resize(t->length);
        sent.push_back(Sent{now, *t, buf});
        any = true;
      }
      if (auto a = client.poll_arp(now)) {
        arps.push_back(ArpOut{now, *a});
        any = true;
      }
      if (auto e = client.poll_event()) {
        events.push_back(EventOut{now, *e});
        any = true;
      }
      if (!any) break;
    }
    auto at = client.poll_at();
    if (at) {
      EXPECT_GT(at->micros(), now.micros()) << "poll_at() not in the future after draining";
    }
  }

  void start() {
    client.start(now);
    drain();
  }
  // run_until(limit) — from deadline to deadline, up to and including limit.
  void run_until(Instant limit) {
    for (int i = 0; i < 100000; ++i) {
      drain();
      auto at = client.poll_at();
      if (!at || *at > limit) {
        now = limit;
        drain();
        return;
      }
      now = *at;
    }
    ADD_FAILURE() << "run_until did not converge";
  }
  void run_for(Duration d) { run_until(now + d); }

  // next_sent(within) — the oldest message not yet taken by next_sent, running the
  // clock until the client sends one if needed.
  Sent next_sent(Duration within = Duration::seconds(100000)) {
    Instant limit = now + within;
    for (int i = 0; i < 100000; ++i) {
      drain();
      if (sent.size() > taken_) return sent[taken_++];
      auto at = client.poll_at();
      if (!at || *at > limit) break;
      now = *at;
    }
    ADD_FAILURE() << "no DHCP message sent in time";
    return Sent{};
  }
  // skip_sent — marks every message sent so far as taken.
  void skip_sent() { taken_ = sent.size(); }
  // run_until_event(kind) — runs until an event of this kind is logged; returns it.
  EventOut run_until_event(EventKind kind, Duration within = Duration::seconds(100000)) {
    size_t n = events.size();
    Instant limit = now + within;
    for (int i = 0; i < 100000; ++i) {
      drain();
      for (size_t k = n; k < events.size(); ++k)
        if (events[k].ev.kind == kind) return events[k];
      auto at = client.poll_at();
      if (!at || *at > limit) break;
      now = *at;
    }
    ADD_FAILURE() << "no event of kind " << int(kind) << " in time";
    return EventOut{};
  }

  void deliver(const std::vector<uint8_t>& m, Ipv4Address src = kServer) {
    client.on_datagram(now, bytes_of(m), src);
    drain();
  }

  // acquire — DISCOVER, OFFER, REQUEST, ACK and (if configured) the probe: Bound.
  EventOut acquire(const Server& s, Ipv4Address a = kOffered) {
    if (client.state() == State::Idle) start();
    Sent d = next_sent();
    EXPECT_EQ(d.type(), MT::Discover);
    deliver(s.offer(d, a), s.id);
    Sent r = next_sent();
    EXPECT_EQ(r.type(), MT::Request);
    deliver(s.ack(r, a), s.id);
    return run_until_event(EventKind::Bound);
  }

  std::vector<EventKind> event_kinds() const {
    std::vector<EventKind> k;
    for (const auto& e : events) k.push_back(e.ev.kind);
    return k;
  }

 private:
  size_t taken_ = 0;
};

inline std::vector<uint8_t> addr_bytes(Ipv4Address a) {
  return std::vector<uint8_t>(a.bytes, a.bytes + 4);
}

}  // namespace keel::test::dhcp_sim
