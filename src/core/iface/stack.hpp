// stack.hpp — Stack: the interfaces, IPv4, ARP, ICMP, IGMP, routes and the datagram
// sockets of keel, driven by one owner through receive_frame() / poll() / poll_at().
//
// Ownership: the Stack owns every protocol table and socket; devices are the caller's
// (the runtime Loop's). Nothing happens between calls: receive_frame() processes one
// frame, poll() runs timers and sends what is due, poll_at() says when poll() must run
// next. Time and randomness come in; nothing here reads a clock or an entropy source.
//
// Interfaces: Ethernet interfaces attached with add_ethernet(), plus the loopback
// interface (127.0.0.0/8), which never reaches a driver: packets to it wait in RAM and
// are received by the next poll(). Dual-stack types throughout; IPv6 arrives with its
// own issue.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/queue.hpp"
#include "core/base/random.hpp"
#include "core/base/result.hpp"
#include "core/base/time.hpp"
#include "core/base/vec.hpp"
#include "core/iface/device.hpp"
#include "core/iface/igmp_membership.hpp"
#include "core/iface/ipv4_reassembly.hpp"
#include "core/iface/neighbor_cache.hpp"
#include "core/iface/routes.hpp"
#include "core/iface/stats.hpp"
#include "core/socket/endpoint.hpp"
#include "core/socket/icmp.hpp"
#include "core/socket/raw.hpp"
#include "core/socket/tcp/isn.hpp"
#include "core/socket/tcp/listener.hpp"
#include "core/socket/tcp/socket.hpp"
#include "core/socket/tcp/syn_cookie.hpp"
#include "core/socket/tcp/time_wait.hpp"
#include "core/socket/udp.hpp"
#include "core/wire/address.hpp"
#include "core/wire/icmpv4.hpp"
#include "keel/config.hpp"

namespace keel {

using IfaceId = uint8_t;
using socket::Endpoint;
using socket::Handle;

enum class StackError : uint8_t {
  NoRoom,       // a fixed table (interfaces, addresses, routes, sockets) is full
  BadArgument,  // an address or prefix that cannot be used
  NotFound,     // no such interface, address or socket
  InUse,        // the port (or ICMP identifier) is taken
};

// Ipv4Cidr — an address with its prefix length.
struct Ipv4Cidr {
  wire::Ipv4Address address;
  uint8_t prefix_len = 0;
  bool operator==(const Ipv4Cidr& o) const {
    return address == o.address && prefix_len == o.prefix_len;
  }
};

struct StackConfig {
  uint8_t default_ttl = 64;
  uint32_t icmp_error_rate = 10;     // ICMP errors per second at most (per interface)
  uint32_t icmp_error_burst = 10;
  Duration reassembly_timeout = Duration::seconds(15);
  iface::NeighborConfig neighbor;
  uint8_t gratuitous_arps = 2;       // announcements when an address is set (RFC 5227 §2.3)
  // tcp_min_rto — the floor of every TCP socket's RTO. RFC 6298 (2.4) says 1 s; Linux
  // (and most stacks) use 200 ms, which recovers five times faster from a lost
  // retransmission on a LAN. Sockets may set their own (tcp::Options::min_rto).
  Duration tcp_min_rto = Duration::millis(200);
  Duration gratuitous_interval = Duration::seconds(2);
};

// ArpSeen — the last ARP packet that claimed an address (for DHCP's RFC 5227 probe).
struct ArpSeen {
  wire::Ipv4Address address;
  wire::MacAddress mac;
  Instant at;
};

class Stack {
 public:
  static constexpr IfaceId kLoopback = config::kMaxInterfaces;  // the loopback's id

  explicit Stack(Random& rng, const StackConfig& config = {});
  ~Stack() = default;
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // ---- interfaces and addresses ----
  Result<IfaceId, StackError> add_ethernet(iface::Device& device, const wire::MacAddress& mac);
  // add_ipv4 — announce: send gratuitous ARPs for the first address (RFC 5227 §2.3);
  // a DHCP client that probes and announces itself passes false.
  Result<void, StackError> add_ipv4(IfaceId id, const Ipv4Cidr& cidr, bool announce = true);
  Result<void, StackError> remove_ipv4(IfaceId id, const wire::Ipv4Address& address);
  void clear_ipv4(IfaceId id);
  // set_gateway — the default route through iface id (unspecified clears it).
  Result<void, StackError> set_gateway(IfaceId id, const wire::Ipv4Address& gateway);
  Optional<Ipv4Cidr> ipv4(IfaceId id) const;  // the first address
  Optional<wire::Ipv4Address> gateway() const;
  const iface::InterfaceStats& stats(IfaceId id) const;
  const iface::NeighborCache& neighbors(IfaceId id) const;
  const wire::MacAddress& mac(IfaceId id) const;
  size_t interface_count() const { return ethernet_count_; }
  iface::Routes& routes() { return routes_; }
  const iface::Ipv4Reassembler& reassembler() const { return reassembly_; }
  // no_route_drops — packets dropped because no route led to their destination.
  uint64_t no_route_drops() const { return no_route_; }

  // ---- the poll model ----
  // receive_frame — processes one Ethernet frame received on iface id.
  void receive_frame(IfaceId id, Bytes frame, Instant now);
  // poll — timers (ARP, reassembly, IGMP, announcements), loopback delivery, and
  // every socket's queued transmissions.
  void poll(Instant now);
  // poll_at — when poll() must run next (now if work is waiting); none: only on input.
  Optional<Instant> poll_at() const;

  // ---- UDP ----
  Result<Handle, StackError> udp_open();
  udp::Socket* udp(Handle h);
  // udp_bind — port 0 picks a random free ephemeral port (RFC 6056 §3.3.1).
  Result<void, StackError> udp_bind(Handle h, const Endpoint& local);
  Result<void, StackError> udp_join(Handle h, const wire::Ipv4Address& group);
  Result<void, StackError> udp_leave(Handle h, const wire::Ipv4Address& group);
  // udp_bind_device — datagrams of this socket go out of iface id, and it accepts
  // datagrams to any address there (a DHCP client before it has an address).
  void udp_bind_device(Handle h, IfaceId id);

  // ---- ICMP echo and raw IP ----
  // icmp_open — ident 0 picks a random free identifier.
  Result<Handle, StackError> icmp_open(uint16_t ident = 0);
  icmp::Socket* icmp(Handle h);
  Result<Handle, StackError> raw_open(uint8_t protocol);
  raw::Socket* raw(Handle h);

  // ---- TCP ----
  Result<Handle, StackError> tcp_open();
  tcp::Socket* tcp(Handle h);
  // tcp_connect — active open to remote from local_port, or with 0 from an ephemeral
  // port (RFC 6056); MSS from the route's MTU, ISN per RFC 6528. InUse when the port is
  // taken by a socket, a listener or a connection in TIME-WAIT.
  Result<void, StackError> tcp_connect(Handle h, const Endpoint& remote, Instant now,
                                       uint16_t local_port = 0);
  // tcp_listen — a listening socket on local (address unspecified: any).
  Result<Handle, StackError> tcp_listen(const Endpoint& local);
  tcp::Listener* tcp_listener(Handle h);
  // tcp_accept — the oldest established connection of listener h as a new socket.
  Result<Handle, StackError> tcp_accept(Handle listener, Instant now);
  // tcp_time_wait — connections in TIME-WAIT: a socket its user has closed is freed the
  // moment it enters TIME-WAIT and an entry of this table answers for it until 2MSL
  // ends (time_wait.hpp); its counters.
  const tcp::TimeWaitTable& tcp_time_wait() const { return time_wait_; }

  void close(Handle h);

  // NextHop — whether a packet to an address could leave now.
  enum class NextHopState : uint8_t {
    Ready,        // routed and the link-layer address known (or not needed)
    Resolving,    // ARP is asking (a request was sent if none was outstanding)
    Unreachable,  // no route, or the next hop did not answer ARP recently
  };
  // prepare_next_hop — for senders whose packets carry the time they were built (SNTP):
  // resolves dst's next hop ahead, so the packet is built only when it can leave.
  NextHopState prepare_next_hop(const wire::IpAddress& dst, Instant now);

  // ---- ARP services for DHCP (RFC 5227) ----
  // arp_probe — an ARP probe for address (sender IP 0.0.0.0) out of iface id.
  void arp_probe(IfaceId id, const wire::Ipv4Address& address, Instant now);
  // arp_announce — an ARP announcement (gratuitous request) of address.
  void arp_announce(IfaceId id, const wire::Ipv4Address& address, Instant now);
  // arp_seen — the last ARP packet from another host that used address as its sender
  // or, as a probe, as its target.
  Optional<ArpSeen> arp_seen(IfaceId id) const;

 private:
  // Interface — one attached link: its device, addresses, ARP cache, IGMP state.
  struct Interface {
    IfaceId id = 0;
    iface::Device* device = nullptr;  // null for the loopback
    wire::MacAddress mac;
    Vec<Ipv4Cidr, config::kMaxAddresses> addresses;
    wire::Ipv4Address gateway;
    iface::NeighborCache neighbors;
    iface::IgmpMembership igmp;
    iface::InterfaceStats stats;
    size_t mtu = 1500;
    // ICMP error token bucket.
    uint32_t icmp_tokens = 0;
    Instant icmp_refill;
    // Gratuitous ARP announcements still to send for addresses[0].
    uint8_t announcements_left = 0;
    Instant next_announcement;
    Optional<ArpSeen> arp_seen;
    wire::Ipv4Address probing;  // the address DHCP is probing (RFC 5227), if any
    Interface(Random& rng, const iface::NeighborConfig& nc) : neighbors(nc), igmp(rng) {}
  };
  // Pending — a frame built except for its destination MAC, waiting for ARP.
  struct Pending {
    IfaceId iface = 0;
    wire::Ipv4Address next_hop;
    uint16_t length = 0;
    uint8_t frame[config::kFrameBytes];
  };
  struct UdpSlot {
    bool open = false;
    uint16_t generation = 0;
    uint8_t bound_iface = 0xff;
    udp::Socket socket;
  };
  struct TcpSlot {
    bool open = false;
    uint16_t generation = 0;
    tcp::FixedSocket<config::kTcpRxBytes, config::kTcpTxBytes> socket;
  };
  struct ListenerSlot {
    bool open = false;
    uint16_t generation = 0;
    tcp::FixedListener<config::kTcpBacklog> listener;
    // Connections taken out of the listener into sockets the moment they are
    // established, so data the peer sends before accept() lands in a receive buffer;
    // tcp_accept() hands them out in order.
    Queue<Handle, config::kTcpBacklog> ready;
  };
  // CookieCodec — the listener's SYN-cookie hook over tcp::SynCookies.
  class CookieCodec final : public tcp::SynCookieCodec {
   public:
    explicit CookieCodec(Random& rng) : cookies_(rng) {}
    uint32_t encode(const tcp::FourTuple& t, uint32_t client_isn, uint16_t mss, Instant now) override {
      return cookies_.encode(t.local, t.remote, client_isn, mss, now);
    }
    Optional<uint16_t> decode(const tcp::FourTuple& t, uint32_t client_isn, uint32_t cookie,
                              Instant now) override {
      return cookies_.decode(t.local, t.remote, client_isn, cookie, now);
    }

   private:
    tcp::SynCookies cookies_;
  };
  // IsnHook — the sockets' ISN hook over tcp::IsnGenerator.
  class IsnHook final : public tcp::IsnSource {
   public:
    explicit IsnHook(Random& rng) : gen_(rng) {}
    uint32_t isn(const Endpoint& local, const Endpoint& remote, Instant now) override {
      return gen_.isn(local, remote, now);
    }

   private:
    tcp::IsnGenerator gen_;
  };
  struct IcmpSlot {
    bool open = false;
    uint16_t generation = 0;
    icmp::Socket socket;
  };
  struct RawSlot {
    bool open = false;
    uint16_t generation = 0;
    raw::Socket socket;
  };
  // Ipv4Info — what the receive path knows about the packet being processed.
  struct Ipv4Info {
    wire::Ipv4Address src, dst;
    uint8_t protocol = 0;
    uint8_t ttl = 0;
    bool dst_unicast = true;      // to one of our addresses (not broadcast/multicast)
    bool link_unicast = true;     // the frame was sent to our MAC
    bool first_fragment = true;   // offset 0 (errors only ever quote first fragments)
    Bytes header;                 // the IPv4 header (for ICMP errors and raw sockets)
    Bytes payload;                // the transport bytes (reassembled if fragmented)
  };
  // Ipv4Out — one packet to send.
  struct Ipv4Out {
    wire::Ipv4Address src;  // unspecified: the outgoing interface's address
    wire::Ipv4Address dst;
    uint8_t protocol = 0;
    uint8_t ttl = 0;        // 0: the default
    uint8_t iface = 0xff;   // force this interface (broadcast, multicast, DHCP)
    bool dont_fragment = false;
  };

  Interface* find_iface(IfaceId id);
  const Interface* find_iface(IfaceId id) const;
  Interface* iface_owning(const wire::Ipv4Address& a);
  bool is_local_address(const Interface& ifc, const wire::Ipv4Address& a) const;
  bool is_broadcast_for(const Interface& ifc, const wire::Ipv4Address& a) const;
  // source_for — our address on ifc to use toward dst: one in dst's subnet if any, else
  // the first; unspecified when ifc has none.
  wire::Ipv4Address source_for(const Interface& ifc, const wire::Ipv4Address& dst) const;
  // RouteChoice — where a packet to dst goes, and the source address it gets.
  struct RouteChoice {
    Interface* ifc = nullptr;
    wire::Ipv4Address next_hop;
    wire::Ipv4Address src;
  };
  Optional<RouteChoice> route(const wire::Ipv4Address& dst, const wire::Ipv4Address& src,
                              uint8_t forced_iface);

  void receive_arp(Interface& ifc, Bytes payload, Instant now);
  void receive_ipv4(Interface& ifc, Bytes packet, bool link_unicast, Instant now);
  void dispatch_ipv4(Interface& ifc, const Ipv4Info& ip, Instant now);
  void receive_icmp(Interface& ifc, const Ipv4Info& ip, Instant now);
  void receive_igmp(Interface& ifc, const Ipv4Info& ip, Instant now);
  void receive_udp(Interface& ifc, const Ipv4Info& ip, Instant now);
  void receive_tcp(Interface& ifc, const Ipv4Info& ip, Instant now);
  void send_tcp(const tcp::Outgoing& out, Instant now);
  void poll_tcp(Instant now);
  // find_listener — the open listener a segment to dst:port would go to.
  ListenerSlot* find_listener(const wire::IpAddress& src, const wire::IpAddress& dst,
                              const wire::tcp::Repr& seg);
  void tcp_reset_for(const Ipv4Info& ip, const wire::tcp::Repr& seg, Instant now);
  uint16_t tcp_mss_to(const wire::Ipv4Address& dst);
  bool tcp_port_in_use(uint16_t port) const;
  // tcp_room — how many more connections listener l may answer: free TCP sockets less
  // what the other listeners have committed.
  size_t tcp_room(const ListenerSlot& l) const;
  // adopt_established — moves a listener's established connections into sockets.
  void adopt_established(ListenerSlot& l, Instant now);
  void count_close(Interface& ifc, tcp::State before, const tcp::Socket& s);
  static bool tcp_slot_free(const TcpSlot& s);
  bool deliver_raw(const Ipv4Info& ip);
  void send_icmp_error(Interface& ifc, const Ipv4Info& ip, uint8_t type, uint8_t code,
                       uint32_t rest, Instant now);

  // send_ipv4 — routes and sends one IP packet whose transport bytes are l4; fragments
  // when larger than the MTU. False (counted) when it could not be sent or queued.
  bool send_ipv4(const Ipv4Out& out, Bytes l4, Instant now);
  bool send_routed(const RouteChoice& rc, const Ipv4Out& out, Bytes l4, Instant now);
  bool send_ip_packet(Interface& ifc, const wire::Ipv4Address& next_hop, Bytes packet,
                      Instant now);
  void send_arp(Interface& ifc, bool reply, const wire::MacAddress& target_mac,
                const wire::Ipv4Address& sender_ip, const wire::Ipv4Address& target_ip,
                const wire::MacAddress& dst_mac, Instant now);
  bool transmit(Interface& ifc, Bytes frame, Instant now);
  void flush_pending(Interface& ifc, const wire::Ipv4Address& addr, const wire::MacAddress& mac,
                     Instant now);
  void drop_failed_pending(Interface& ifc, Instant now);
  void poll_interface(Interface& ifc, Instant now);
  void poll_sockets(Instant now);
  // drain_ip_queue — sends every queued ICMP/raw message whose prepare(msg) agrees.
  template <typename Prepare>
  void drain_ip_queue(socket::IDatagramQueue& q, uint8_t protocol, Instant now, Prepare prepare);
  void poll_loopback(Instant now);
  void sync_igmp(Interface& ifc, Instant now);
  bool take_icmp_token(Interface& ifc, Instant now);
  // tcp_icmp_error — an ICMP error about one of our TCP segments (RFC 5927, RFC 1191).
  void tcp_icmp_error(Interface& ifc, const wire::icmpv4::Repr& err);
  bool port_in_use(uint16_t port, const wire::IpAddress& addr, const UdpSlot* except) const;

  Random& rng_;
  StackConfig config_;
  iface::Routes routes_;
  iface::Ipv4Reassembler reassembly_;
  uint16_t next_ip_ident_;
  uint64_t no_route_ = 0;  // packets with no route (no interface to count them on)
  // Storage for interfaces, constructed in place (construct_at) when attached, because
  // each needs constructor arguments. Never destroyed: an interface lives as long as
  // the stack, and its parts have trivial teardown.
  alignas(Interface) uint8_t iface_storage_[config::kMaxInterfaces + 1][sizeof(Interface)];
  size_t ethernet_count_ = 0;
  Queue<Pending*, config::kNeighborPending> pending_;
  Pending pending_storage_[config::kNeighborPending];
  // Loopback: IP packets waiting to be received by the next poll().
  struct LoopPacket {
    uint16_t length = 0;
    uint8_t bytes[config::kFrameBytes];
  };
  static constexpr size_t kLoopPackets = 8;  // a bit each in loop_free_mask_
  LoopPacket loop_storage_[kLoopPackets];
  Queue<uint8_t, kLoopPackets> loop_queue_;  // indexes into loop_storage_ in send order
  uint8_t loop_free_mask_ = 0xff;
  UdpSlot udp_[config::kUdpSockets];
  TcpSlot tcp_[config::kTcpSockets];
  ListenerSlot listeners_[config::kTcpListeners];
  tcp::FixedTimeWaitTable<config::kTcpTimeWait> time_wait_;
  IsnHook isn_;
  CookieCodec cookies_;
  IcmpSlot icmp_[config::kIcmpSockets];
  RawSlot raw_[config::kRawSockets];
  // Scratch buffers of the send path: transport bytes, and one frame.
  uint8_t l4_scratch_[config::kReassemblyMaxDatagram];
  uint8_t frame_scratch_[config::kFrameBytes];
};

}  // namespace keel
