// fuzz_dhcp_client.cpp — arbitrary datagrams and time steps fed to a dhcp::Client in each
// of its states.
//
// For every input, a fresh client (its Config picked by the input's first byte) is driven
// by a scripted server into each state in turn — Idle, Selecting, Requesting, Rebooting,
// Probing, Bound, Renewing, Rebinding — and then given the input as a datagram twice: as
// is, and with xid and chaddr patched to the client's so the checks past them are reached.
// Then it runs 48 steps where the input's bytes choose the next event: a jump to poll_at(),
// a jump of arbitrary length, a scripted ACK/NAK/OFFER for the last message, the patched
// input again, or an ARP conflict.
//
// Invariants (abort() on violation), checked after every step:
//  - once poll_transmit, poll_arp and poll_event have nothing left, poll_at() is none or
//    after now;
//  - lease() is set exactly in Bound, Renewing and Rebinding, and not past its expiry;
//  - every lease (lease() and in events): t1 <= t2 <= lease_time, a unicast address,
//    prefix <= 32, names NUL-terminated;
//  - every message sent fits the buffer, parses with wire::dhcpv4 as a BOOTREQUEST from
//    our MAC, and has src 0.0.0.0 unless it carries ciaddr (renew, rebind, release).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/socket/dhcpv4_client.hpp"
#include "core/wire/dhcpv4.hpp"

using namespace keel;
using namespace keel::wire;
using MT = dhcpv4::MessageType;
using dhcp::State;

namespace {

// The address, server and MAC of the dnsmasq capture the seeds come from (dhcp.pcap).
const MacAddress kMac{{0x02, 0, 0, 0, 0, 0x0b}};
const Ipv4Address kServer = Ipv4Address::of(192, 0, 2, 1);
const Ipv4Address kLeased = Ipv4Address::of(192, 0, 2, 104);

void check(bool ok) {
  if (!ok) abort();
}

void check_lease(const dhcp::Lease& l) {
  check(l.t1 <= l.t2 && l.t2 <= l.lease_time && Duration() <= l.t1);
  check(l.address.is_unicast());
  check(l.prefix_len <= 32);
  check(memchr(l.hostname, 0, sizeof(l.hostname)) != nullptr);
  check(memchr(l.domain, 0, sizeof(l.domain)) != nullptr);
  check(l.dns_servers.size() <= 3 && l.ntp_servers.size() <= 2);
}

class Harness {
 public:
  Harness(const dhcp::Config& cfg, uint64_t seed) : rng_(seed), client_(cfg, rng_) {}

  Instant now = Instant::from_millis(1000);
  std::vector<uint8_t> last;  // the last message the client sent
  uint32_t last_xid = 0;

  dhcp::Client& client() { return client_; }

  // drain — everything due now, each output checked; then the state invariants.
  void drain() {
    for (int round = 0; round < 64; ++round) {
      bool any = false;
      if (auto t = client_.poll_transmit(now, MutBytes(buf_, sizeof(buf_)))) {
        check(t->length <= sizeof(buf_));
        auto p = dhcpv4::Packet::check(Bytes(buf_, t->length));
        check(p.ok());
        auto r = dhcpv4::Repr::parse(*p);
        check(r.ok() && r->op == dhcpv4::Op::Request && r->chaddr == kMac);
        check(r->message_type == MT::Discover || r->message_type == MT::Request ||
              r->message_type == MT::Decline || r->message_type == MT::Release);
        check(t->src.is_unspecified() || t->src == r->ciaddr);
        last.assign(buf_, buf_ + t->length);
        last_xid = r->xid;
        any = true;
      }
      if (auto a = client_.poll_arp(now)) {
        check(a->address.is_unicast());
        any = true;
      }
      if (auto e = client_.poll_event()) {
        check_lease(e->lease);
        any = true;
      }
      if (!any) break;
    }
    Optional<Instant> at = client_.poll_at();
    check(!at || *at > now);
    State s = client_.state();
    bool holds = s == State::Bound || s == State::Renewing || s == State::Rebinding;
    check(holds == client_.lease().has_value());
    if (client_.lease()) {
      const dhcp::Lease& l = *client_.lease();
      check_lease(l);
      if (l.lease_time != Duration::seconds(0xffffffffLL)) check(now < l.acquired_at + l.lease_time);
    }
  }

  void deliver(Bytes payload, Ipv4Address src = kServer) {
    client_.on_datagram(now, payload, src);
    drain();
  }

  // reply — a scripted server's answer of type t to the last message sent.
  void reply(MT t, Ipv4Address yiaddr = kLeased, uint32_t lease = 3600) {
    if (last.empty()) return;
    auto p = dhcpv4::Packet::check(Bytes(last.data(), last.size()));
    if (!p) return;
    auto q = dhcpv4::Repr::parse(*p);
    if (!q) return;
    dhcpv4::Repr r;
    r.op = dhcpv4::Op::Reply;
    r.message_type = t;
    r.xid = q->xid;
    r.chaddr = q->chaddr;
    r.server_id = kServer;
    if (t != MT::Nak) {
      r.yiaddr = yiaddr;
      r.subnet_mask = Ipv4Address::of(255, 255, 255, 0);
      r.routers.addr[0] = kServer;
      r.routers.count = 1;
      r.lease_time = lease;
    }
    std::vector<uint8_t> out(r.buffer_len());
    check(r.emit(MutBytes(out.data(), out.size())).ok());
    deliver(Bytes(out.data(), out.size()));
  }

  // jump — to poll_at() (capped at limit from now), then drain.
  void jump(Duration limit) {
    Optional<Instant> at = client_.poll_at();
    now = at && *at < now + limit ? *at : now + limit;
    drain();
  }

  // reach — drives the client into state s (as far as the config allows).
  void reach(State s) {
    if (s == State::Idle) return;
    client_.start(now);
    drain();
    if (s == State::Selecting || s == State::Rebooting) return;
    if (client_.state() == State::Rebooting) {
      reply(MT::Ack);
    } else {
      reply(MT::Offer);
      if (s == State::Requesting) return;
      reply(MT::Ack);
    }
    if (s == State::Probing) return;
    for (int i = 0; i < 16 && client_.state() == State::Probing; ++i) jump(Duration::seconds(10));
    if (s == State::Bound) return;
    now = now + Duration::seconds(1800);  // T1
    drain();
    if (s == State::Renewing) return;
    now = now + Duration::seconds(1350);  // T2
    drain();
  }

 private:
  Random rng_;
  dhcp::Client client_;
  uint8_t buf_[1500];
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint8_t ctl = size ? data[0] : 0;
  static const char kHost[] = "fuzz-host";
  dhcp::Config cfg;
  cfg.mac = kMac;
  cfg.arp_probe = !(ctl & 1);
  cfg.broadcast_flag = ctl & 2;
  cfg.max_discover_tries = (ctl & 4) ? 2 : 0;
  if (ctl & 8) cfg.hostname = Bytes(reinterpret_cast<const uint8_t*>(kHost), sizeof(kHost) - 1);

  const State states[] = {State::Idle,    State::Selecting, State::Requesting,
                          State::Rebooting, State::Probing, State::Bound,
                          State::Renewing, State::Rebinding};
  for (State target : states) {
    dhcp::Config c = cfg;
    if (target == State::Rebooting) c.previous_address = kLeased;
    Harness h(c, size * 131 + uint64_t(target));
    h.reach(target);

    // The input as is, then patched to our xid and chaddr.
    h.deliver(Bytes(data, size));
    std::vector<uint8_t> patched(data, data + size);
    if (patched.size() >= dhcpv4::kHeaderLen) {
      patched[4] = uint8_t(h.last_xid >> 24);
      patched[5] = uint8_t(h.last_xid >> 16);
      patched[6] = uint8_t(h.last_xid >> 8);
      patched[7] = uint8_t(h.last_xid);
      memcpy(patched.data() + dhcpv4::field::kChaddr, kMac.bytes, 6);
    }
    h.deliver(Bytes(patched.data(), patched.size()));

    for (size_t step = 0; step < 48; ++step) {
      uint8_t b = size ? data[(step * 7 + 1) % size] : 0;
      switch (b & 7) {
        case 0:
        case 1: h.jump(Duration::seconds(100000)); break;
        case 2: h.jump(Duration::millis(int64_t(b) * 37011)); break;
        case 3: h.reply(MT::Ack, (b & 0x10) ? Ipv4Address::of(192, 0, 2, b) : kLeased, b < 0x80 ? 3600 : b); break;
        case 4: h.reply(MT::Nak); break;
        case 5: h.reply(MT::Offer, Ipv4Address::of(192, 0, 2, b)); break;
        case 6:
          if (patched.size() >= dhcpv4::kHeaderLen) {
            patched[4] = uint8_t(h.last_xid >> 24);
            patched[5] = uint8_t(h.last_xid >> 16);
            patched[6] = uint8_t(h.last_xid >> 8);
            patched[7] = uint8_t(h.last_xid);
          }
          h.deliver(Bytes(patched.data(), patched.size()));
          break;
        default: {
          Ipv4Address a = (b & 0x10) ? Ipv4Address::of(192, 0, 2, b) : kLeased;
          if (h.client().lease()) a = h.client().lease()->address;
          h.client().on_arp_conflict(h.now, a);
          h.drain();
          break;
        }
      }
    }
    // Whatever happened, release() or stop() leaves the client Idle and silent.
    if (ctl & 16)
      h.client().release(h.now);
    else
      h.client().stop();
    h.drain();
    check(h.client().state() == State::Idle && !h.client().lease() && !h.client().poll_at());
  }
  return 0;
}
