// icmp.cpp — echo socket buffers.
#include "core/socket/icmp.hpp"

namespace keel::icmp {

Result<void, SendError> Socket::send_to(Bytes message, const wire::IpAddress& dst) {
  if (dst.is_unspecified()) return Err(SendError::Unaddressable);
  bool echo = message.size() >= 8 && message[1] == 0 &&
              ((dst.is_v4() && message[0] == 8) || (dst.is_v6() && message[0] == 128));
  if (!echo) return Err(SendError::NotEcho);
  if (!tx_.fits(message.size())) return Err(SendError::TooLarge);
  socket::DatagramMeta m;
  m.remote.addr = dst;
  if (!tx_.push(m, message)) return Err(SendError::BufferFull);
  return {};
}

Result<RecvMeta, RecvError> Socket::recv_from(MutBytes buf) {
  Optional<socket::DatagramMeta> m = rx_.pop(buf);
  if (!m) return Err(RecvError::Exhausted);
  RecvMeta r;
  r.remote = m->remote.addr;
  r.length = m->length;
  r.truncated = buf.size() < m->length;
  return r;
}

bool Socket::deliver(const wire::IpAddress& from, Bytes message) {
  socket::DatagramMeta m;
  m.remote.addr = from;
  if (!rx_.push(m, message)) {
    ++rx_dropped_full_;
    return false;
  }
  return true;
}

void Socket::reset() {
  ident_ = 0;
  rx_.clear();
  tx_.clear();
  rx_dropped_full_ = 0;
}

}  // namespace keel::icmp
