// stats.cpp — drop reason names.
#include "core/iface/stats.hpp"

namespace keel::iface {

namespace {
const char* const kDropNames[] = {
    "malformed",      "bad_checksum",   "not_for_us",        "unknown_ethertype",
    "unknown_protocol", "no_listener",  "socket_full",       "ttl_expired",
    "reassembly",     "neighbor_queue_full", "neighbor_failed", "no_route",
    "tx_failed",      "too_big",        "arp_ignored",       "icmp_rate_limited",
    "martian",        "icmp_ignored",
};
static_assert(sizeof kDropNames / sizeof kDropNames[0] == static_cast<size_t>(Drop::Count),
              "one name per drop reason");
}  // namespace

const char* drop_name(Drop d) {
  size_t i = static_cast<size_t>(d);
  return i < static_cast<size_t>(Drop::Count) ? kDropNames[i] : "unknown";
}

uint64_t InterfaceStats::total_drops() const {
  uint64_t n = 0;
  for (uint64_t d : drops) n += d;
  return n;
}

}  // namespace keel::iface
