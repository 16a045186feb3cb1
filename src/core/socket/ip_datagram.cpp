// ip_datagram.cpp — address-only datagram socket buffers.
#include "core/socket/ip_datagram.hpp"

namespace keel::socket {

Result<void, IpSendError> IpDatagramSocket::queue(Bytes message, const wire::IpAddress& dst) {
  if (dst.is_unspecified()) return Err(IpSendError::Unaddressable);
  if (!tx_.fits(message.size())) return Err(IpSendError::TooLarge);
  DatagramMeta m;
  m.remote.addr = dst;
  if (!tx_.push(m, message)) return Err(IpSendError::BufferFull);
  return {};
}

Result<IpRecvMeta, IpRecvError> IpDatagramSocket::recv_from(MutBytes buf) {
  Optional<DatagramMeta> m = rx_.pop(buf);
  if (!m) return Err(IpRecvError::Exhausted);
  IpRecvMeta r;
  r.remote = m->remote.addr;
  r.length = m->length;
  r.truncated = buf.size() < m->length;
  return r;
}

bool IpDatagramSocket::deliver(const wire::IpAddress& from, Bytes message) {
  DatagramMeta m;
  m.remote.addr = from;
  if (!rx_.push(m, message)) {
    ++rx_dropped_full_;
    return false;
  }
  return true;
}

void IpDatagramSocket::clear() {
  rx_.clear();
  tx_.clear();
  rx_dropped_full_ = 0;
}

}  // namespace keel::socket
