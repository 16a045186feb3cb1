// fuzz_chain.cpp — any bytes as an Ethernet frame through the whole parse chain:
// Ethernet → ARP | IPv4 | IPv6 (+ extension headers) → ICMPv4 | IGMP | UDP | TCP | ICMPv6
// → DHCPv4 | DNS | NTP. Every layer that parses is re-emitted, and the emitted bytes must
// parse again to the same key fields; any failure aborts.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/arp.hpp"
#include "core/wire/dhcpv4.hpp"
#include "core/wire/dns.hpp"
#include "core/wire/ethernet.hpp"
#include "core/wire/icmpv4.hpp"
#include "core/wire/icmpv6.hpp"
#include "core/wire/igmp.hpp"
#include "core/wire/ipv4.hpp"
#include "core/wire/ipv6.hpp"
#include "core/wire/ipv6ext.hpp"
#include "core/wire/ntp.hpp"
#include "core/wire/tcp.hpp"
#include "core/wire/udp.hpp"

using namespace keel;
using namespace keel::wire;

namespace {

void require(bool ok) {
  if (!ok) abort();
}

MutBytes room(std::vector<uint8_t>& v, size_t n) {
  v.assign(n, 0);
  return MutBytes(v.data(), v.size());
}

void application(uint16_t sport, uint16_t dport, Bytes payload) {
  std::vector<uint8_t> out;
  auto either = [&](uint16_t p) { return sport == p || dport == p; };
  if (either(67) || either(68)) {
    if (auto p = dhcpv4::Packet::check(payload)) {
      if (auto r = dhcpv4::Repr::parse(*p)) {
        require(r->emit(room(out, r->buffer_len())).ok());
        auto p2 = dhcpv4::Packet::check(Bytes(out.data(), out.size()));
        require(p2.ok());
        auto r2 = dhcpv4::Repr::parse(*p2);
        require(r2.ok() && r2->xid == r->xid && r2->message_type == r->message_type);
      }
    }
  }
  if (either(53)) {
    if (auto p = dns::Packet::check(payload)) {
      if (auto r = dns::Repr::parse(*p)) {
        require(r->emit(room(out, r->buffer_len())).ok());
        auto p2 = dns::Packet::check(Bytes(out.data(), out.size()));
        require(p2.ok());
        auto r2 = dns::Repr::parse(*p2);
        require(r2.ok() && r2->id == r->id);
      }
    }
  }
  if (either(123)) {
    if (auto p = ntp::Packet::check(payload)) {
      if (auto r = ntp::Repr::parse(*p)) {
        require(r->emit(room(out, r->buffer_len())).ok());
        require(equal_bytes(Bytes(out.data(), out.size()), payload.first(out.size())));
      }
    }
  }
}

void transport(uint8_t protocol, Bytes l4, const IpAddress& src, const IpAddress& dst) {
  std::vector<uint8_t> out;
  switch (protocol) {
    case 17: {
      auto p = udp::Packet::check(l4);
      if (!p) return;
      auto r = udp::Repr::parse(*p, src, dst, false);
      if (!r) return;
      require(r->emit(room(out, r->buffer_len()), src, dst).ok());
      auto p2 = udp::Packet::check(Bytes(out.data(), out.size()));
      require(p2.ok());
      auto r2 = udp::Repr::parse(*p2, src, dst, true);
      require(r2.ok() && r2->src_port == r->src_port && r2->dst_port == r->dst_port);
      application(r->src_port, r->dst_port, r->payload);
      return;
    }
    case 6: {
      auto p = tcp::Packet::check(l4);
      if (!p) return;
      auto r = tcp::Repr::parse(*p, src, dst, false);
      if (!r) return;
      require(r->emit(room(out, r->buffer_len()), src, dst).ok());
      auto p2 = tcp::Packet::check(Bytes(out.data(), out.size()));
      require(p2.ok());
      auto r2 = tcp::Repr::parse(*p2, src, dst, true);
      require(r2.ok() && r2->seq == r->seq && r2->flags == r->flags &&
              r2->payload.size() == r->payload.size());
      return;
    }
    case 1: {
      auto p = icmpv4::Packet::check(l4);
      if (!p) return;
      auto r = icmpv4::Repr::parse(*p, false);
      if (!r) return;
      require(r->emit(room(out, r->buffer_len())).ok());
      auto p2 = icmpv4::Packet::check(Bytes(out.data(), out.size()));
      require(p2.ok());
      auto r2 = icmpv4::Repr::parse(*p2, true);
      require(r2.ok() && r2->type == r->type && r2->data.size() == r->data.size());
      if (r->is_error()) (void)icmpv4::Quote::parse(r->data);
      return;
    }
    case 2: {
      auto p = igmp::Packet::check(l4);
      if (!p) return;
      auto r = igmp::Repr::parse(*p, false);
      if (!r) return;
      require(r->emit(room(out, r->buffer_len())).ok());
      auto p2 = igmp::Packet::check(Bytes(out.data(), out.size()));
      require(p2.ok());
      auto r2 = igmp::Repr::parse(*p2, true);
      require(r2.ok() && r2->message == r->message && r2->group == r->group);
      return;
    }
    case 58: {
      if (!src.is_v6()) return;
      auto p = icmpv6::Packet::check(l4);
      if (!p) return;
      auto r = icmpv6::Repr::parse(*p, src.v6(), dst.v6(), false);
      if (!r) return;
      require(r->emit(room(out, r->buffer_len()), src.v6(), dst.v6()).ok());
      auto p2 = icmpv6::Packet::check(Bytes(out.data(), out.size()));
      require(p2.ok());
      auto r2 = icmpv6::Repr::parse(*p2, src.v6(), dst.v6(), true);
      require(r2.ok() && r2->type == r->type);
      return;
    }
    default:
      return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> out;
  auto f = ethernet::Frame::check(Bytes(data, size));
  if (!f) return 0;
  auto eth = ethernet::Repr::parse(*f);
  if (!eth) return 0;
  require(eth->emit(room(out, eth->buffer_len())).ok());
  require(equal_bytes(Bytes(out.data(), out.size()), Bytes(data, eth->buffer_len())));
  Bytes l3 = f->payload();
  switch (eth->ethertype) {
    case EtherType::Arp: {
      auto p = arp::Packet::check(l3);
      if (!p) return 0;
      auto r = arp::Repr::parse(*p);
      if (!r) return 0;
      require(r->emit(room(out, r->buffer_len())).ok());
      auto r2 = arp::Repr::parse(*arp::Packet::check(Bytes(out.data(), out.size())));
      require(r2.ok() && r2->sender_ip == r->sender_ip && r2->target_ip == r->target_ip);
      return 0;
    }
    case EtherType::Ipv4: {
      auto p = ipv4::Packet::check(l3);
      if (!p) return 0;
      auto r = ipv4::Repr::parse(*p, false);
      if (!r) return 0;
      require(r->emit(room(out, r->buffer_len())).ok());
      auto p2 = ipv4::Packet::check(Bytes(out.data(), out.size()));
      require(p2.ok());
      auto r2 = ipv4::Repr::parse(*p2, true);
      require(r2.ok() && r2->src == r->src && r2->dst == r->dst && r2->protocol == r->protocol);
      if (!r->is_fragment())
        transport(static_cast<uint8_t>(r->protocol), p->payload().first(r->payload_len), r->src, r->dst);
      return 0;
    }
    case EtherType::Ipv6: {
      auto p = ipv6::Packet::check(l3);
      if (!p) return 0;
      auto r = ipv6::Repr::parse(*p);
      if (!r) return 0;
      require(r->emit(room(out, ipv6::kHeaderLen + r->payload_len)).ok());
      auto p2 = ipv6::Packet::check(Bytes(out.data(), out.size()));
      require(p2.ok());
      auto r2 = ipv6::Repr::parse(*p2);
      require(r2.ok() && r2->src == r->src && r2->next_header == r->next_header);
      Bytes payload = p->payload().first(r->payload_len);
      auto chain = ipv6ext::walk(r->next_header, payload);
      if (!chain || chain->fragment) return 0;
      transport(chain->protocol, payload.from(chain->offset), r->src, r->dst);
      return 0;
    }
    default:
      return 0;
  }
}
