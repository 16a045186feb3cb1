// datagram_queue.cpp — metadata + ring storage of whole datagrams.
#include "core/socket/datagram_queue.hpp"

namespace keel::socket {

bool IDatagramQueue::push(const DatagramMeta& meta, Bytes payload) {
  if (meta_.full() || payload.size() > ring_.free_space() || payload.size() > 0xffff) return false;
  DatagramMeta m = meta;
  m.length = static_cast<uint16_t>(payload.size());
  ring_.write(payload);
  return meta_.push(m);
}

const DatagramMeta* IDatagramQueue::front() { return meta_.empty() ? nullptr : &meta_.front(); }

size_t IDatagramQueue::peek(size_t offset, MutBytes dst) const {
  if (meta_.empty() || offset >= meta_.front().length) return 0;
  size_t n = meta_.front().length - offset;
  return ring_.peek(offset, dst.first(n));
}

Optional<DatagramMeta> IDatagramQueue::pop(MutBytes dst) {
  Optional<DatagramMeta> m = meta_.pop();
  if (!m) return none;
  ring_.read(dst.first(m->length));
  if (dst.size() < m->length) ring_.consume(m->length - dst.size());
  return m;
}

void IDatagramQueue::clear() {
  meta_.clear();
  ring_.clear();
}

}  // namespace keel::socket
