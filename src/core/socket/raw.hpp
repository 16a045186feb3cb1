// raw.hpp — raw::Socket: a raw IP socket for one protocol number, as Linux's
// SOCK_RAW without IP_HDRINCL: received packets are whole (IPv4 header included),
// sent payloads get an IP header from the stack.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/socket/ip_datagram.hpp"

namespace keel::raw {

using SendError = socket::IpSendError;
using RecvError = socket::IpRecvError;
using RecvMeta = socket::IpRecvMeta;

class Socket final : public socket::IpDatagramSocket {
 public:
  Socket() : IpDatagramSocket(rx_, tx_) {}
  uint8_t protocol() const { return protocol_; }
  // send_to — queues one payload to go out as an IP packet of protocol() to dst.
  Result<void, SendError> send_to(Bytes payload, const wire::IpAddress& dst) {
    return queue(payload, dst);
  }

  // ---- used by the Stack ----
  void set_protocol(uint8_t p) { protocol_ = p; }
  void reset() {
    protocol_ = 0;
    clear();
  }

 private:
  uint8_t protocol_ = 0;
  socket::DatagramQueue<8, 4096> rx_;
  socket::DatagramQueue<4, 4096> tx_;
};

}  // namespace keel::raw
