// ip_datagram.hpp — IpDatagramSocket: the part ICMP echo and raw IP sockets share —
// whole messages to and from an address (no ports), queued in bounded buffers.
//
// Capacity-erased: the buffers belong to the derived socket and are reached through
// IDatagramQueue, so this code exists once whatever their sizes.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/result.hpp"
#include "core/socket/datagram_queue.hpp"
#include "core/wire/address.hpp"

namespace keel::socket {

enum class IpSendError : uint8_t {
  Unaddressable,  // no destination
  Invalid,        // not a message this socket may send (ICMP: not an echo request)
  BufferFull,     // the transmit queue has no room now
  TooLarge,       // larger than the transmit buffer could ever hold
};
enum class IpRecvError : uint8_t { Exhausted };

struct IpRecvMeta {
  wire::IpAddress remote;
  size_t length = 0;
  bool truncated = false;
};

class IpDatagramSocket {
 public:
  IpDatagramSocket(const IpDatagramSocket&) = delete;
  IpDatagramSocket& operator=(const IpDatagramSocket&) = delete;

  // recv_from — the oldest received message, copied into buf.
  Result<IpRecvMeta, IpRecvError> recv_from(MutBytes buf);
  bool can_recv() const { return !rx_.empty(); }
  uint64_t rx_dropped_full() const { return rx_dropped_full_; }

  // ---- used by the Stack ----
  // deliver — queues a received message; false (counted) when the queue is full.
  bool deliver(const wire::IpAddress& from, Bytes message);
  IDatagramQueue& tx_queue() { return tx_; }
  // has_tx — datagrams wait in the transmit queue.
  bool has_tx() const { return !tx_.empty(); }

 protected:
  IpDatagramSocket(IDatagramQueue& rx, IDatagramQueue& tx) : rx_(rx), tx_(tx) {}
  ~IpDatagramSocket() = default;
  // queue — checks size and queues message for dst (the derived class checked content).
  Result<void, IpSendError> queue(Bytes message, const wire::IpAddress& dst);
  void clear();

 private:
  IDatagramQueue& rx_;
  IDatagramQueue& tx_;
  uint64_t rx_dropped_full_ = 0;
};

}  // namespace keel::socket
