// raw.hpp — raw::Socket: a raw IP socket for one protocol number, as Linux's
// SOCK_RAW without IP_HDRINCL: received packets are whole (IPv4 header included),
// sent payloads get an IP header from the stack.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/result.hpp"
#include "core/socket/datagram_queue.hpp"
#include "core/socket/endpoint.hpp"
#include "keel/config.hpp"

namespace keel::raw {

enum class SendError : uint8_t { Unaddressable, BufferFull, TooLarge };
enum class RecvError : uint8_t { Exhausted };

struct RecvMeta {
  wire::IpAddress remote;
  size_t length = 0;
  bool truncated = false;
};

class Socket {
 public:
  uint8_t protocol() const { return protocol_; }
  // send_to — queues one payload to go out as an IP packet of protocol() to dst.
  Result<void, SendError> send_to(Bytes payload, const wire::IpAddress& dst);
  // recv_from — the oldest received packet, IP header included.
  Result<RecvMeta, RecvError> recv_from(MutBytes buf);
  bool can_recv() const { return !rx_.empty(); }
  uint64_t rx_dropped_full() const { return rx_dropped_full_; }

  // ---- used by the Stack ----
  void set_protocol(uint8_t p) { protocol_ = p; }
  bool deliver(const wire::IpAddress& from, Bytes packet);
  socket::IDatagramQueue& tx_queue() { return tx_; }
  void reset();

 private:
  uint8_t protocol_ = 0;
  socket::DatagramQueue<8, 4096> rx_;
  socket::DatagramQueue<4, 4096> tx_;
  uint64_t rx_dropped_full_ = 0;
};

}  // namespace keel::raw
