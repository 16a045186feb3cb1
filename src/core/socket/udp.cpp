// udp.cpp — UDP socket state and buffers.
#include "core/socket/udp.hpp"

namespace keel::udp {

Result<void, SendError> Socket::send_to(Bytes payload, const Endpoint& dst) {
  if (dst.port == 0 || dst.addr.is_unspecified()) return Err(SendError::Unaddressable);
  if (dst.addr.is_v4() && dst.addr.v4().is_broadcast() && !broadcast_)
    return Err(SendError::BroadcastNotAllowed);
  if (!tx_.fits(payload.size()) || payload.size() > 65507) return Err(SendError::TooLarge);
  socket::DatagramMeta m;
  m.remote = dst;
  m.local = local_.addr;
  m.ttl = ttl_;
  if (!tx_.push(m, payload)) return Err(SendError::BufferFull);
  return {};
}

namespace {
Result<RecvMeta, RecvError> meta_of(const socket::DatagramMeta& m, size_t buf_size) {
  RecvMeta r;
  r.remote = m.remote;
  r.local = m.local;
  r.length = m.length;
  r.truncated = buf_size < m.length;
  r.iface = m.iface;
  return r;
}
}  // namespace

Result<RecvMeta, RecvError> Socket::recv_from(MutBytes buf) {
  Optional<socket::DatagramMeta> m = rx_.pop(buf);
  if (!m) return Err(RecvError::Exhausted);
  return meta_of(*m, buf.size());
}

Result<RecvMeta, RecvError> Socket::peek_from(MutBytes buf) {
  const socket::DatagramMeta* m = rx_.front();
  if (!m) return Err(RecvError::Exhausted);
  rx_.peek(0, buf);
  return meta_of(*m, buf.size());
}

bool Socket::accepts(const Endpoint& dst, const Endpoint& src, bool dst_is_local_unicast) const {
  if (local_.port == 0 || dst.port != local_.port) return false;
  if (!local_.addr.is_unspecified() && !(local_.addr == dst.addr)) {
    // Bound to one address: also take multicast for groups this socket joined.
    if (!(dst.addr.is_v4() && dst.addr.is_multicast())) return false;
  }
  if (!dst_is_local_unicast && dst.addr.is_v4() && dst.addr.is_multicast()) {
    bool member = false;
    for (const auto& g : groups_) member |= g == dst.addr.v4();
    if (!member) return false;
  }
  if (remote_.port != 0) {
    if (remote_.port != src.port) return false;
    if (!remote_.addr.is_unspecified() && !(remote_.addr == src.addr)) return false;
  }
  return true;
}

bool Socket::deliver(const socket::DatagramMeta& meta, Bytes payload) {
  if (!rx_.push(meta, payload)) {
    ++stats_.rx_dropped_full;
    return false;
  }
  ++stats_.rx_datagrams;
  return true;
}

void Socket::reset() {
  local_ = remote_ = Endpoint{};
  broadcast_ = false;
  ttl_ = 0;
  groups_.clear();
  rx_.clear();
  tx_.clear();
  stats_ = SocketStats{};
}

}  // namespace keel::udp
