// datagram_queue.hpp — a bounded queue of datagrams: metadata in a fixed queue, payload
// bytes in a ring. Used for both directions of UDP, ICMP and raw sockets.
//
// A datagram is stored whole or not at all: push() fails (and changes nothing) when
// either the metadata slots or the bytes run out.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/queue.hpp"
#include "core/base/span.hpp"
#include "core/socket/endpoint.hpp"
#include "core/storage/ring_buffer.hpp"

namespace keel::socket {

// DatagramMeta — where a datagram came from or goes to.
struct DatagramMeta {
  Endpoint remote;        // the peer (source on receive, destination on send)
  wire::IpAddress local;  // our address it arrived on / to send from (unspecified: any)
  uint8_t iface = 0xff;   // the interface it arrived on (0xff: unknown / route decides)
  uint8_t ttl = 0;        // hop limit to send with (0: default); received TTL on receive
  uint16_t length = 0;    // payload bytes
};

class IDatagramQueue {
 public:
  IDatagramQueue(const IDatagramQueue&) = delete;
  IDatagramQueue& operator=(const IDatagramQueue&) = delete;

  // push — stores meta + payload; false (nothing stored) when there is no room.
  [[nodiscard]] bool push(const DatagramMeta& meta, Bytes payload);
  // front — the oldest datagram's metadata, if any.
  const DatagramMeta* front();
  // peek — copies up to dst.size() bytes of the oldest payload (from offset) without
  // removing it; returns the count.
  size_t peek(size_t offset, MutBytes dst) const;
  // pop — copies up to dst.size() bytes of the oldest payload and removes the whole
  // datagram; returns its metadata (length is the full length, even if dst was short).
  Optional<DatagramMeta> pop(MutBytes dst);
  bool empty() const { return meta_.empty(); }
  size_t count() const { return meta_.size(); }
  size_t bytes_free() const { return ring_.free_space(); }
  // fits — whether a payload of n bytes could ever be stored (capacity, not free space).
  bool fits(size_t n) const { return n <= ring_.capacity(); }
  void clear();

 protected:
  IDatagramQueue(IQueue<DatagramMeta>& meta, MutBytes storage) : meta_(meta), ring_(storage) {}

 private:
  IQueue<DatagramMeta>& meta_;
  storage::RingBuffer ring_;
};

template <size_t Datagrams, size_t Bytes_>
class DatagramQueue : public IDatagramQueue {
 public:
  DatagramQueue() : IDatagramQueue(meta_storage_, MutBytes(bytes_, Bytes_)) {}

 private:
  Queue<DatagramMeta, Datagrams> meta_storage_;
  uint8_t bytes_[Bytes_];
};

}  // namespace keel::socket
