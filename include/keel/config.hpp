// config.hpp — every capacity of keel, fixed at build time (DESIGN.md rule 5).
//
// Each option has a default here and can be overridden from the build: CMake
// `-DKEEL_CONFIG_<NAME>=<value>` (passed as a compile definition) or, on ESP-IDF, the
// matching Kconfig option. Memory is allocated once, statically, from these numbers;
// keel_memory_budget() reports the total. Each line says what one unit costs.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifndef KEEL_CONFIG_MAX_INTERFACES
#define KEEL_CONFIG_MAX_INTERFACES 2  // ~200 B each + its neighbor cache; loopback is extra
#endif
#ifndef KEEL_CONFIG_MAX_ADDRESSES_PER_INTERFACE
#define KEEL_CONFIG_MAX_ADDRESSES_PER_INTERFACE 2  // 8 B each (IPv4 address + prefix)
#endif
#ifndef KEEL_CONFIG_MAX_ROUTES
#define KEEL_CONFIG_MAX_ROUTES 8  // 16 B each
#endif
#ifndef KEEL_CONFIG_NEIGHBOR_ENTRIES
#define KEEL_CONFIG_NEIGHBOR_ENTRIES 16  // ~40 B each, per interface
#endif
#ifndef KEEL_CONFIG_NEIGHBOR_PENDING
#define KEEL_CONFIG_NEIGHBOR_PENDING 8  // frames waiting for ARP, 1.5 KiB each (a fragmented 8000-byte ping is 6)
#endif
#ifndef KEEL_CONFIG_REASSEMBLY_SLOTS
#define KEEL_CONFIG_REASSEMBLY_SLOTS 4  // datagrams reassembled at once
#endif
#ifndef KEEL_CONFIG_REASSEMBLY_MAX_DATAGRAM
#define KEEL_CONFIG_REASSEMBLY_MAX_DATAGRAM 9216  // bytes per slot (a 9000-byte ping fits)
#endif
#ifndef KEEL_CONFIG_REASSEMBLY_BUDGET
#define KEEL_CONFIG_REASSEMBLY_BUDGET 24576  // bytes held across all slots at once
#endif
#ifndef KEEL_CONFIG_MULTICAST_GROUPS
#define KEEL_CONFIG_MULTICAST_GROUPS 8  // IPv4 groups joined per interface, 12 B each
#endif
#ifndef KEEL_CONFIG_UDP_SOCKETS
#define KEEL_CONFIG_UDP_SOCKETS 8  // each holds rx + tx buffers below
#endif
#ifndef KEEL_CONFIG_UDP_RX_BYTES
#define KEEL_CONFIG_UDP_RX_BYTES 4096
#endif
#ifndef KEEL_CONFIG_UDP_TX_BYTES
#define KEEL_CONFIG_UDP_TX_BYTES 4096
#endif
#ifndef KEEL_CONFIG_UDP_DATAGRAMS
#define KEEL_CONFIG_UDP_DATAGRAMS 16  // datagram slots per direction per socket
#endif
#ifndef KEEL_CONFIG_TCP_SOCKETS
#define KEEL_CONFIG_TCP_SOCKETS 8  // connections; each holds the rx + tx rings below
#endif
#ifndef KEEL_CONFIG_TCP_RX_BYTES
#define KEEL_CONFIG_TCP_RX_BYTES 65536  // receive ring per connection (its window)
#endif
#ifndef KEEL_CONFIG_TCP_TX_BYTES
#define KEEL_CONFIG_TCP_TX_BYTES 65536  // send ring per connection
#endif
#ifndef KEEL_CONFIG_TCP_LISTENERS
#define KEEL_CONFIG_TCP_LISTENERS 4  // listening ports
#endif
#ifndef KEEL_CONFIG_TCP_BACKLOG
#define KEEL_CONFIG_TCP_BACKLOG 16  // SYN queue + accept queue slots per listener
#endif
#ifndef KEEL_CONFIG_TCP_TIME_WAIT
#define KEEL_CONFIG_TCP_TIME_WAIT 32  // connections in TIME-WAIT, ~80 B each (not a socket: freed at once)
#endif
#ifndef KEEL_CONFIG_ICMP_SOCKETS
#define KEEL_CONFIG_ICMP_SOCKETS 2
#endif
#ifndef KEEL_CONFIG_RAW_SOCKETS
#define KEEL_CONFIG_RAW_SOCKETS 2
#endif
#ifndef KEEL_CONFIG_DNS_SERVERS
#define KEEL_CONFIG_DNS_SERVERS 3
#endif
#ifndef KEEL_CONFIG_DNS_QUERIES
#define KEEL_CONFIG_DNS_QUERIES 4  // queries in flight
#endif
#ifndef KEEL_CONFIG_DNS_CACHE_ENTRIES
#define KEEL_CONFIG_DNS_CACHE_ENTRIES 8  // ~300 B each (name + addresses)
#endif
#ifndef KEEL_CONFIG_DNS_MAX_ADDRESSES
#define KEEL_CONFIG_DNS_MAX_ADDRESSES 4  // addresses kept per name
#endif
#ifndef KEEL_CONFIG_RX_POOL_FRAMES
#define KEEL_CONFIG_RX_POOL_FRAMES 64  // RX frame pool slabs, KEEL_CONFIG_FRAME_BYTES each
#endif
#ifndef KEEL_CONFIG_FRAME_BYTES
#define KEEL_CONFIG_FRAME_BYTES 1536  // one Ethernet frame (1514) rounded up
#endif

namespace keel::config {

inline constexpr size_t kMaxInterfaces = KEEL_CONFIG_MAX_INTERFACES;
inline constexpr size_t kMaxAddresses = KEEL_CONFIG_MAX_ADDRESSES_PER_INTERFACE;
inline constexpr size_t kMaxRoutes = KEEL_CONFIG_MAX_ROUTES;
inline constexpr size_t kNeighborEntries = KEEL_CONFIG_NEIGHBOR_ENTRIES;
inline constexpr size_t kNeighborPending = KEEL_CONFIG_NEIGHBOR_PENDING;
inline constexpr size_t kReassemblySlots = KEEL_CONFIG_REASSEMBLY_SLOTS;
inline constexpr size_t kReassemblyMaxDatagram = KEEL_CONFIG_REASSEMBLY_MAX_DATAGRAM;
inline constexpr size_t kReassemblyBudget = KEEL_CONFIG_REASSEMBLY_BUDGET;
inline constexpr size_t kMulticastGroups = KEEL_CONFIG_MULTICAST_GROUPS;
inline constexpr size_t kUdpSockets = KEEL_CONFIG_UDP_SOCKETS;
inline constexpr size_t kUdpRxBytes = KEEL_CONFIG_UDP_RX_BYTES;
inline constexpr size_t kUdpTxBytes = KEEL_CONFIG_UDP_TX_BYTES;
inline constexpr size_t kUdpDatagrams = KEEL_CONFIG_UDP_DATAGRAMS;
inline constexpr size_t kTcpSockets = KEEL_CONFIG_TCP_SOCKETS;
inline constexpr size_t kTcpRxBytes = KEEL_CONFIG_TCP_RX_BYTES;
inline constexpr size_t kTcpTxBytes = KEEL_CONFIG_TCP_TX_BYTES;
inline constexpr size_t kTcpListeners = KEEL_CONFIG_TCP_LISTENERS;
inline constexpr size_t kTcpBacklog = KEEL_CONFIG_TCP_BACKLOG;
inline constexpr size_t kTcpTimeWait = KEEL_CONFIG_TCP_TIME_WAIT;
inline constexpr size_t kIcmpSockets = KEEL_CONFIG_ICMP_SOCKETS;
inline constexpr size_t kRawSockets = KEEL_CONFIG_RAW_SOCKETS;
inline constexpr size_t kDnsServers = KEEL_CONFIG_DNS_SERVERS;
inline constexpr size_t kDnsQueries = KEEL_CONFIG_DNS_QUERIES;
inline constexpr size_t kDnsCacheEntries = KEEL_CONFIG_DNS_CACHE_ENTRIES;
inline constexpr size_t kDnsMaxAddresses = KEEL_CONFIG_DNS_MAX_ADDRESSES;
inline constexpr size_t kRxPoolFrames = KEEL_CONFIG_RX_POOL_FRAMES;
inline constexpr size_t kFrameBytes = KEEL_CONFIG_FRAME_BYTES;

static_assert(kMaxInterfaces >= 1, "at least one interface");
static_assert(kFrameBytes >= 1514, "a frame buffer must hold a full Ethernet frame");
static_assert(kReassemblyBudget >= kReassemblyMaxDatagram,
              "the reassembly budget must hold at least one largest datagram");
static_assert(kUdpDatagrams >= 1 && kUdpRxBytes >= 576, "UDP buffers too small");

}  // namespace keel::config
