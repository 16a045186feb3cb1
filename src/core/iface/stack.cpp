// stack.cpp — Stack construction, interfaces and addresses, and the poll cycle.
// The receive path is in stack_rx.cpp, the send path in stack_tx.cpp, the socket API in
// stack_sockets.cpp.
#include "core/base/bits.hpp"
#include "core/base/construct.hpp"
#include "core/iface/stack.hpp"

namespace keel {

using wire::Ipv4Address;

Stack::Stack(Random& rng, const StackConfig& config)
    : rng_(rng),
      config_(config),
      reassembly_(iface::ReassemblyConfig{config.reassembly_timeout, config::kReassemblyBudget,
                                          config::kReassemblyMaxDatagram}),
      next_ip_ident_(static_cast<uint16_t>(rng.next_u32())),
      isn_(rng),
      cookies_(rng) {
  Interface* lo = construct_at<Interface>(iface_storage_[kLoopback], rng_, config_.neighbor);
  lo->id = kLoopback;
  lo->mtu = config::kFrameBytes - 14;
  (void)lo->addresses.push_back(Ipv4Cidr{Ipv4Address::of(127, 0, 0, 1), 8});
  (void)routes_.add(iface::Route{Ipv4Address::of(127, 0, 0, 0), 8, Ipv4Address{}, kLoopback});
}

Stack::Interface* Stack::find_iface(IfaceId id) {
  if (id == kLoopback) return reinterpret_cast<Interface*>(iface_storage_[kLoopback]);
  if (id >= ethernet_count_) return nullptr;
  return reinterpret_cast<Interface*>(iface_storage_[id]);
}

const Stack::Interface* Stack::find_iface(IfaceId id) const {
  return const_cast<Stack*>(this)->find_iface(id);
}

Result<IfaceId, StackError> Stack::add_ethernet(iface::Device& device, const wire::MacAddress& mac) {
  if (ethernet_count_ >= config::kMaxInterfaces) return Err(StackError::NoRoom);
  if (!mac.is_unicast() || mac.is_zero()) return Err(StackError::BadArgument);
  IfaceId id = static_cast<IfaceId>(ethernet_count_);
  Interface* ifc = construct_at<Interface>(iface_storage_[id], rng_, config_.neighbor);
  ifc->id = id;
  ifc->device = &device;
  ifc->mac = mac;
  ifc->mtu = device.caps().mtu;
  ifc->icmp_tokens = config_.icmp_error_burst;
  ++ethernet_count_;
  return id;
}

Result<void, StackError> Stack::add_ipv4(IfaceId id, const Ipv4Cidr& cidr, bool announce) {
  Interface* ifc = find_iface(id);
  if (!ifc || id == kLoopback) return Err(StackError::NotFound);
  const Ipv4Address& a = cidr.address;
  uint32_t mask = prefix_mask32(cidr.prefix_len);
  bool host_all_ones = cidr.prefix_len < 31 && (a.to_u32() | mask) == 0xffffffffu;
  bool host_zero = cidr.prefix_len < 31 && (a.to_u32() & ~mask) == 0;
  if (cidr.prefix_len > 32 || !a.is_unicast() || a.is_loopback() || host_all_ones || host_zero)
    return Err(StackError::BadArgument);
  for (const Ipv4Cidr& c : ifc->addresses)
    if (c.address == a) return {};
  if (!ifc->addresses.push_back(cidr)) return Err(StackError::NoRoom);
  iface::Route connected{Ipv4Address::from_u32(a.to_u32() & mask), cidr.prefix_len, {}, id};
  if (!routes_.add(connected)) {
    ifc->addresses.pop_back();
    return Err(StackError::NoRoom);
  }
  // Announce the new address (RFC 5227 §2.3) from the next poll on.
  if (announce && ifc->addresses.size() == 1) {
    ifc->announcements_left = config_.gratuitous_arps;
    ifc->next_announcement = Instant();
  }
  return {};
}

Result<void, StackError> Stack::remove_ipv4(IfaceId id, const Ipv4Address& address) {
  Interface* ifc = find_iface(id);
  if (!ifc || id == kLoopback) return Err(StackError::NotFound);
  for (size_t i = 0; i < ifc->addresses.size(); ++i) {
    const Ipv4Cidr c = ifc->addresses[i];
    if (!(c.address == address)) continue;
    uint32_t mask = prefix_mask32(c.prefix_len);
    (void)routes_.remove(
        iface::Route{Ipv4Address::from_u32(c.address.to_u32() & mask), c.prefix_len, {}, id});
    ifc->addresses.erase(i);
    if (ifc->addresses.empty()) ifc->announcements_left = 0;
    return {};
  }
  return Err(StackError::NotFound);
}

void Stack::clear_ipv4(IfaceId id) {
  Interface* ifc = find_iface(id);
  if (!ifc || id == kLoopback) return;
  while (!ifc->addresses.empty()) (void)remove_ipv4(id, ifc->addresses[0].address);
  (void)set_gateway(id, Ipv4Address{});
}

Result<void, StackError> Stack::set_gateway(IfaceId id, const Ipv4Address& gateway) {
  Interface* ifc = find_iface(id);
  if (!ifc || id == kLoopback) return Err(StackError::NotFound);
  if (!ifc->gateway.is_unspecified())
    (void)routes_.remove(iface::Route{Ipv4Address{}, 0, ifc->gateway, id});
  ifc->gateway = Ipv4Address{};
  if (gateway.is_unspecified()) return {};
  if (!gateway.is_unicast()) return Err(StackError::BadArgument);
  if (!routes_.add(iface::Route{Ipv4Address{}, 0, gateway, id})) return Err(StackError::NoRoom);
  ifc->gateway = gateway;
  return {};
}

Optional<Ipv4Cidr> Stack::ipv4(IfaceId id) const {
  const Interface* ifc = find_iface(id);
  if (!ifc || ifc->addresses.empty()) return none;
  return ifc->addresses[0];
}

Optional<Ipv4Address> Stack::gateway() const {
  for (const iface::Route& r : routes_.all())
    if (r.prefix_len == 0 && !r.gateway.is_unspecified()) return r.gateway;
  return none;
}

const iface::InterfaceStats& Stack::stats(IfaceId id) const { return find_iface(id)->stats; }
const iface::NeighborCache& Stack::neighbors(IfaceId id) const { return find_iface(id)->neighbors; }
const wire::MacAddress& Stack::mac(IfaceId id) const { return find_iface(id)->mac; }

bool Stack::is_local_address(const Interface& ifc, const Ipv4Address& a) const {
  if (ifc.id == kLoopback) return a.is_loopback();
  for (const Ipv4Cidr& c : ifc.addresses)
    if (c.address == a) return true;
  return false;
}

Stack::Interface* Stack::iface_owning(const Ipv4Address& a) {
  if (a.is_loopback()) return find_iface(kLoopback);
  for (size_t i = 0; i < ethernet_count_; ++i) {
    Interface* ifc = find_iface(static_cast<IfaceId>(i));
    if (is_local_address(*ifc, a)) return ifc;
  }
  return nullptr;
}

bool Stack::is_broadcast_for(const Interface& ifc, const Ipv4Address& a) const {
  if (a.is_broadcast()) return true;
  for (const Ipv4Cidr& c : ifc.addresses) {
    if (c.prefix_len >= 31) continue;
    uint32_t mask = prefix_mask32(c.prefix_len);
    if ((a.to_u32() & mask) == (c.address.to_u32() & mask) && (a.to_u32() | mask) == 0xffffffffu)
      return true;
  }
  return false;
}

void Stack::poll(Instant now) {
  poll_loopback(now);
  for (size_t i = 0; i < ethernet_count_; ++i) poll_interface(*find_iface(static_cast<IfaceId>(i)), now);
  reassembly_.expire(now);
  poll_sockets(now);
  poll_tcp(now);
}

void Stack::poll_interface(Interface& ifc, Instant now) {
  // ARP retries for addresses still unresolved; failures drop what waited for them.
  for (int i = 0; i < 16; ++i) {
    Optional<wire::IpAddress> due = ifc.neighbors.due_request(now);
    if (!due) break;
    Ipv4Address target = due->v4();
    send_arp(ifc, false, wire::MacAddress{}, source_for(ifc, target), target,
             wire::MacAddress::broadcast(), now);
  }
  drop_failed_pending(ifc, now);
  if (ifc.announcements_left != 0 && !ifc.addresses.empty() && now >= ifc.next_announcement) {
    arp_announce(ifc.id, ifc.addresses[0].address, now);
    --ifc.announcements_left;
    ifc.next_announcement = now + config_.gratuitous_interval;
  }
  sync_igmp(ifc, now);
}

Optional<Instant> Stack::poll_at() const {
  Optional<Instant> at;
  auto consider = [&at](const Optional<Instant>& t) {
    if (t && (!at || *t < *at)) at = t;
  };
  if (!loop_queue_.empty()) consider(Instant());
  for (const UdpSlot& s : udp_)
    if (s.open && s.socket.has_tx()) consider(Instant());
  for (const IcmpSlot& s : icmp_)
    if (s.open && s.socket.has_tx()) consider(Instant());
  for (const RawSlot& s : raw_)
    if (s.open && s.socket.has_tx()) consider(Instant());
  for (const TcpSlot& s : tcp_) {
    consider(s.socket.poll_at());
    // A closed connection in TIME-WAIT moves to the table on the next poll.
    if (!s.open && s.socket.state() == tcp::State::TimeWait) consider(Instant());
  }
  for (const ListenerSlot& s : listeners_)
    if (s.open) consider(s.listener.poll_at(tcp_room(s)));
  for (size_t i = 0; i < ethernet_count_; ++i) {
    const Interface& ifc = *find_iface(static_cast<IfaceId>(i));
    consider(ifc.neighbors.poll_at());
    consider(ifc.igmp.poll_at());
    if (ifc.announcements_left != 0 && !ifc.addresses.empty()) consider(ifc.next_announcement);
  }
  consider(reassembly_.poll_at());
  return at;
}

}  // namespace keel
