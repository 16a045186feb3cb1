// neighbor_cache.hpp — IP → MAC mappings learnt by ARP (and later NDP), with a fixed
// number of entries, expiry, bounded request retries and a global request rate.
//
// Policy (see DESIGN.md and the IPv4 issue):
//  - an entry is created only when we want to reach an address (want()); a reply or
//    announcement for an address we never asked about is not cached — it cannot
//    evict useful entries or poison the cache (it may refresh an entry we already have);
//  - an unresolved address is asked max_requests times, retry_interval apart, then
//    marked Failed for failed_hold, during which packets to it are dropped at once, so
//    one dead host cannot starve the others;
//  - at most rate_burst requests are sent per rate_window across all entries;
//  - when full, the least recently used entry that is not being resolved is replaced.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/time.hpp"
#include "core/wire/address.hpp"
#include "keel/config.hpp"

namespace keel::iface {

struct NeighborConfig {
  Duration lifetime = Duration::seconds(60);        // a resolved entry is trusted this long
  Duration retry_interval = Duration::seconds(1);   // between requests for one address
  uint8_t max_requests = 3;                         // requests before giving up
  Duration failed_hold = Duration::seconds(10);     // how long a failure is remembered
  uint8_t rate_burst = 8;                           // requests per rate_window, all entries
  Duration rate_window = Duration::seconds(1);
};

// What the caller should do to reach an address that lookup() could not resolve.
enum class NeighborAction : uint8_t {
  SendRequest,  // send an ARP request (or NS) now, then queue or drop the packet
  Wait,         // a request is outstanding; queue or drop the packet
  Unreachable,  // resolution failed recently; drop the packet
  NoRoom,       // every entry is busy resolving; drop the packet
};

struct NeighborStats {
  uint64_t requests = 0;       // requests the cache asked to send
  uint64_t rate_limited = 0;   // requests held back by the global rate
  uint64_t failures = 0;       // addresses that never answered
  uint64_t evictions = 0;      // entries replaced while still valid
  uint64_t ignored_unsolicited = 0;  // replies for addresses we never asked about
};

class NeighborCache {
 public:
  enum class State : uint8_t { Empty, Incomplete, Reachable, Failed };

  explicit NeighborCache(const NeighborConfig& config = {}) : config_(config) {}

  // lookup — the MAC of addr if resolved and not expired (and marks it used).
  Optional<wire::MacAddress> lookup(const wire::IpAddress& addr, Instant now);
  // want — addr must be reached and lookup() failed: what to do now.
  NeighborAction want(const wire::IpAddress& addr, Instant now);
  // learn — a reply/announcement says addr is at mac. Updates an existing entry (and
  // completes an Incomplete one); returns false and caches nothing for unknown addr.
  bool learn(const wire::IpAddress& addr, const wire::MacAddress& mac, Instant now);
  // due_request — an address whose retry is due now (marking it asked), if any;
  // entries that used up their requests become Failed here.
  Optional<wire::IpAddress> due_request(Instant now);
  // poll_at — the next time due_request() may have work.
  Optional<Instant> poll_at() const;
  // state — for tests and diagnostics.
  State state(const wire::IpAddress& addr) const;
  void flush();
  size_t size() const;
  const NeighborStats& stats() const { return stats_; }

 private:
  struct Entry {
    wire::IpAddress addr;
    wire::MacAddress mac;
    State state = State::Empty;
    uint8_t requests = 0;
    Instant expires;     // Reachable: lifetime end; Failed: hold end; Incomplete: next retry
    Instant last_used;
  };
  Entry* find(const wire::IpAddress& addr);
  const Entry* find(const wire::IpAddress& addr) const;
  Entry* slot_for_new(Instant now);
  bool take_rate_token(Instant now);

  NeighborConfig config_;
  Entry entries_[config::kNeighborEntries];
  Instant window_start_;
  uint8_t window_sent_ = 0;
  NeighborStats stats_;
};

}  // namespace keel::iface
