// udp.hpp — udp::Socket: a UDP endpoint of the stack (RFC 768).
//
// The socket holds state and buffers only; the Stack demultiplexes received datagrams
// to it (accepts() + deliver()) and drains its transmit queue on poll(). Binding goes
// through the Stack, which owns the port space (conflicts, ephemeral ports per
// RFC 6056). Dual-stack: endpoints carry an IpAddress of either family.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/result.hpp"
#include "core/base/vec.hpp"
#include "core/socket/datagram_queue.hpp"
#include "core/socket/endpoint.hpp"
#include "keel/config.hpp"

namespace keel::udp {

using socket::Endpoint;

enum class SendError : uint8_t {
  NotBound,             // no local port yet (the Stack binds an ephemeral one on send)
  Unaddressable,        // no destination (unconnected send) or port 0
  BufferFull,           // the transmit queue has no room now (try after poll)
  TooLarge,             // larger than the transmit buffer could ever hold
  BroadcastNotAllowed,  // a broadcast destination without set_broadcast(true)
};
enum class RecvError : uint8_t { Exhausted };  // nothing to receive now

// RecvMeta — what recv_from() says about the datagram it returned.
struct RecvMeta {
  Endpoint remote;
  wire::IpAddress local;  // the destination address it was sent to
  size_t length = 0;      // the datagram's full length
  bool truncated = false; // the caller's buffer was shorter than the datagram
  uint8_t iface = 0xff;
};

struct SocketStats {
  uint64_t rx_datagrams = 0, tx_datagrams = 0;
  uint64_t rx_dropped_full = 0;  // arrived with the receive queue full
};

class Socket {
 public:
  static constexpr size_t kMaxGroups = 4;  // multicast groups per socket

  // local / remote — the bound endpoint and the connected peer (port 0: none).
  const Endpoint& local() const { return local_; }
  const Endpoint& remote() const { return remote_; }
  bool is_bound() const { return local_.port != 0; }
  // connect — only datagrams from remote are received; send() goes there. Port 0
  // disconnects.
  void connect(const Endpoint& remote) { remote_ = remote; }
  void set_broadcast(bool on) { broadcast_ = on; }
  bool broadcast() const { return broadcast_; }
  void set_ttl(uint8_t ttl) { ttl_ = ttl; }

  // send_to — queues one datagram for dst.
  Result<void, SendError> send_to(Bytes payload, const Endpoint& dst);
  // send — queues one datagram for the connected peer.
  Result<void, SendError> send(Bytes payload) { return send_to(payload, remote_); }
  // recv_from — the oldest datagram, copied into buf (truncated if buf is short).
  Result<RecvMeta, RecvError> recv_from(MutBytes buf);
  // peek_from — like recv_from, but the datagram stays queued (readiness never
  // consumes data).
  Result<RecvMeta, RecvError> peek_from(MutBytes buf);
  bool can_recv() const { return !rx_.empty(); }
  bool can_send(size_t n) const { return tx_.fits(n) && tx_.bytes_free() >= n; }

  // Multicast groups this socket joined (the Stack turns them into IGMP membership).
  const IVec<wire::Ipv4Address>& groups() const { return groups_; }
  const SocketStats& stats() const { return stats_; }

  // ---- used by the Stack ----
  void set_local(const Endpoint& local) { local_ = local; }
  IVec<wire::Ipv4Address>& groups_mut() { return groups_; }
  // accepts — whether a datagram to dst from src belongs to this socket.
  bool accepts(const Endpoint& dst, const Endpoint& src, bool dst_is_local_unicast) const;
  // deliver — queues a received datagram; false (counted) when the queue is full.
  bool deliver(const socket::DatagramMeta& meta, Bytes payload);
  socket::IDatagramQueue& tx_queue() { return tx_; }
  // has_tx — datagrams wait in the transmit queue.
  bool has_tx() const { return !tx_.empty(); }
  void count_sent() { ++stats_.tx_datagrams; }
  uint8_t ttl() const { return ttl_; }
  void reset();

 private:
  Endpoint local_, remote_;
  bool broadcast_ = false;
  uint8_t ttl_ = 0;
  Vec<wire::Ipv4Address, kMaxGroups> groups_;
  socket::DatagramQueue<config::kUdpDatagrams, config::kUdpRxBytes> rx_;
  socket::DatagramQueue<config::kUdpDatagrams, config::kUdpTxBytes> tx_;
  SocketStats stats_;
};

}  // namespace keel::udp
