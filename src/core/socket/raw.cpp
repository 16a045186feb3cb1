// raw.cpp — raw socket buffers.
#include "core/socket/raw.hpp"

namespace keel::raw {

Result<void, SendError> Socket::send_to(Bytes payload, const wire::IpAddress& dst) {
  if (dst.is_unspecified()) return Err(SendError::Unaddressable);
  if (!tx_.fits(payload.size())) return Err(SendError::TooLarge);
  socket::DatagramMeta m;
  m.remote.addr = dst;
  if (!tx_.push(m, payload)) return Err(SendError::BufferFull);
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

bool Socket::deliver(const wire::IpAddress& from, Bytes packet) {
  socket::DatagramMeta m;
  m.remote.addr = from;
  if (!rx_.push(m, packet)) {
    ++rx_dropped_full_;
    return false;
  }
  return true;
}

void Socket::reset() {
  protocol_ = 0;
  rx_.clear();
  tx_.clear();
  rx_dropped_full_ = 0;
}

}  // namespace keel::raw
