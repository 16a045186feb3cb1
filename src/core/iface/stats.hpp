// stats.hpp — per-interface counters: traffic in and out, and one counter per reason a
// frame or packet was dropped. Every drop in keel has a reason and is counted here.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace keel::iface {

enum class Drop : uint8_t {
  Malformed,         // a header failed its checks (length, version, options...)
  BadChecksum,       // a checksum did not verify
  NotForUs,          // unicast to another MAC or IP address
  UnknownEtherType,  // an EtherType keel does not speak
  UnknownProtocol,   // an IP protocol with no handler and no raw socket
  NoListener,        // UDP to a port nobody listens on
  SocketFull,        // the receiving socket's queue was full
  TtlExpired,        // unused by hosts; kept for a forwarding build
  Reassembly,        // a fragment dropped by reassembly (budget, overlap, timeout...)
  NeighborQueueFull, // a packet waiting for ARP found the waiting queue full
  NeighborFailed,    // the next hop did not answer ARP
  NoRoute,           // no route to the destination
  TxFailed,          // the device refused a frame
  TooBig,            // larger than the MTU with DF set, or than any buffer
  ArpIgnored,        // an ARP packet not for us or not asked for
  IcmpRateLimited,   // an ICMP error suppressed by the rate limit
  Martian,           // a source address that cannot be (ours, broadcast, multicast)
  IcmpIgnored,       // an ICMP error about no connection, or failing RFC 5927's checks
  Count
};

// drop_name(d) — a short stable name, used in statistics output.
const char* drop_name(Drop d);

// TcpCounters — one interface's TCP counters, as RFC 4022 (TCP-MIB) defines them.
struct TcpCounters {
  uint64_t active_opens = 0;   // tcpActiveOpens: connects started (CLOSED -> SYN-SENT)
  uint64_t passive_opens = 0;  // tcpPassiveOpens: connections a listener handed over
  uint64_t attempt_fails = 0;  // tcpAttemptFails: SYN-SENT/SYN-RECEIVED -> CLOSED
  uint64_t estab_resets = 0;   // tcpEstabResets: ESTABLISHED/CLOSE-WAIT -> CLOSED by RST
  uint64_t in_segs = 0;        // tcpInSegs: segments received, errors included
  uint64_t out_segs = 0;       // tcpOutSegs: segments sent, retransmissions excluded
  uint64_t retrans_segs = 0;   // tcpRetransSegs: segments sent again
  uint64_t in_errs = 0;        // tcpInErrs: malformed or bad checksum
  uint64_t out_rsts = 0;       // tcpOutRsts: segments sent with RST
};

struct InterfaceStats {
  uint64_t rx_frames = 0, rx_bytes = 0;
  uint64_t tx_frames = 0, tx_bytes = 0;
  uint64_t drops[static_cast<size_t>(Drop::Count)] = {};
  TcpCounters tcp;

  void drop(Drop d) { ++drops[static_cast<size_t>(d)]; }
  uint64_t dropped(Drop d) const { return drops[static_cast<size_t>(d)]; }
  uint64_t total_drops() const;
};

}  // namespace keel::iface
