// icmp.hpp — icmp::Socket: an ICMP echo ("ping") socket, with the semantics of Linux's
// unprivileged ICMP datagram sockets: the application sends a whole echo request
// (type, code, checksum, identifier, sequence, data); the stack sets the identifier to
// the socket's and computes the checksum; echo replies carrying that identifier are
// received whole. Works for either family (ICMPv6 comes with the IPv6 issue).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/socket/ip_datagram.hpp"
#include "keel/config.hpp"

namespace keel::icmp {

using SendError = socket::IpSendError;  // Invalid: not an echo request
using RecvError = socket::IpRecvError;
using RecvMeta = socket::IpRecvMeta;

class Socket final : public socket::IpDatagramSocket {
 public:
  Socket() : IpDatagramSocket(rx_, tx_) {}
  uint16_t ident() const { return ident_; }
  // send_to — queues one echo request (a whole ICMP message) for dst.
  Result<void, SendError> send_to(Bytes message, const wire::IpAddress& dst);

  // ---- used by the Stack ----
  void set_ident(uint16_t ident) { ident_ = ident; }
  void reset() {
    ident_ = 0;
    clear();
  }

 private:
  uint16_t ident_ = 0;
  socket::DatagramQueue<8, config::kReassemblyMaxDatagram> rx_;  // a reply to the largest ping fits
  socket::DatagramQueue<4, config::kReassemblyMaxDatagram> tx_;
};

}  // namespace keel::icmp
