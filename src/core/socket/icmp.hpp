// icmp.hpp — icmp::Socket: an ICMP echo ("ping") socket, with the semantics of Linux's
// unprivileged ICMP datagram sockets: the application sends a whole echo request
// (type, code, checksum, identifier, sequence, data); the stack sets the identifier to
// the socket's and computes the checksum; echo replies carrying that identifier are
// received whole. Works for either family (ICMPv6 comes with the IPv6 issue).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/result.hpp"
#include "core/socket/datagram_queue.hpp"
#include "core/socket/endpoint.hpp"
#include "keel/config.hpp"

namespace keel::icmp {

enum class SendError : uint8_t {
  Unaddressable,  // no destination
  NotEcho,        // not an echo request (shorter than 8 bytes, or another type)
  BufferFull,
  TooLarge,
};
enum class RecvError : uint8_t { Exhausted };

struct RecvMeta {
  wire::IpAddress remote;
  size_t length = 0;
  bool truncated = false;
};

class Socket {
 public:
  uint16_t ident() const { return ident_; }
  // send_to — queues one echo request (a whole ICMP message) for dst.
  Result<void, SendError> send_to(Bytes message, const wire::IpAddress& dst);
  // recv_from — the oldest echo reply (a whole ICMP message).
  Result<RecvMeta, RecvError> recv_from(MutBytes buf);
  bool can_recv() const { return !rx_.empty(); }
  uint64_t rx_dropped_full() const { return rx_dropped_full_; }

  // ---- used by the Stack ----
  void set_ident(uint16_t ident) { ident_ = ident; }
  bool deliver(const wire::IpAddress& from, Bytes message);
  socket::IDatagramQueue& tx_queue() { return tx_; }
  void reset();

 private:
  uint16_t ident_ = 0;
  socket::DatagramQueue<8, config::kReassemblyMaxDatagram> rx_;  // a reply to the largest ping fits
  socket::DatagramQueue<4, config::kReassemblyMaxDatagram> tx_;
  uint64_t rx_dropped_full_ = 0;
};

}  // namespace keel::icmp
