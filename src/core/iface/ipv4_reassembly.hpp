// ipv4_reassembly.hpp — IPv4 fragment reassembly (RFC 791 §3.2) in a fixed number of
// slots, with a byte budget, a per-datagram timeout and strict overlap rules.
//
// Policy:
//  - a datagram is identified by (source, destination, protocol, identification)
//    (RFC 791 §3.2); each one being reassembled holds a slot with its own buffer;
//  - a new datagram when every slot is busy takes the slot of the oldest one (counted
//    in no_slot), as lwIP does: on a lossy link the datagrams that will never complete
//    are the old ones, and keeping them would stop all reassembly for the timeout
//    (seen against the kernel at 5 % loss). A flood of stray fragments can evict real
//    datagrams either way — by eviction or by holding every slot — and is bounded
//    by the budget;
//  - the bytes held across all slots never exceed the budget: a fragment that would
//    pass it is dropped (its datagram stays, and may complete if it is re-sent);
//  - the timer starts at the first fragment and is never extended by later ones
//    (RFC 791 suggests 15 s; RFC 1122 §3.3.2 says 60 to 120 s and lets it be
//    configured); an expired datagram is freed and counted;
//  - exact duplicates (same offset, length, flag and bytes) are ignored; any other
//    overlap, or fragments that disagree on where the datagram ends, drop the whole
//    datagram: RFC 5722's IPv6 rule applied to IPv4, since an ambiguous datagram
//    could be read differently by a firewall and by the host. The slot then stays
//    "poisoned" until the datagram's timeout, so its later fragments are dropped too
//    and cannot start a fresh, attacker-shaped reassembly;
//  - offsets must be multiples of 8, and every fragment but the last (MF = 0) must
//    carry a non-zero multiple of 8 bytes (RFC 791 §3.1); other fragments are malformed;
//  - a datagram longer than the slot buffer (or than 65515, the largest IPv4 payload)
//    is dropped whole, and poisoned like an overlap.
// Received data is tracked per 8-byte block (the fragment-offset unit), with a second
// bitmap marking where each fragment starts, so exact duplicates are recognised and
// any number of holes costs no extra memory.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/base/time.hpp"
#include "core/wire/address.hpp"
#include "keel/config.hpp"

namespace keel::iface {

// FragmentKey — what makes fragments belong to one datagram (RFC 791 §3.2).
struct FragmentKey {
  wire::Ipv4Address src;
  wire::Ipv4Address dst;
  uint8_t protocol = 0;
  uint16_t ident = 0;
  bool operator==(const FragmentKey& o) const {
    return src == o.src && dst == o.dst && protocol == o.protocol && ident == o.ident;
  }
};

struct ReassemblyConfig {
  Duration timeout = Duration::seconds(15);              // from the first fragment (RFC 791)
  size_t budget = config::kReassemblyBudget;             // bytes held over all slots (at most that)
  size_t max_datagram = config::kReassemblyMaxDatagram;  // per datagram (at most that)
  // How long a completed datagram's key is remembered, so that late duplicates of its
  // fragments (a duplicating or reordering link) are recognised instead of opening a
  // slot that can only time out. A new datagram reusing the key within this window
  // would be lost: IPv4 identifiers do not repeat that fast per source (RFC 6864).
  Duration completed_memory = Duration::seconds(2);
};

// ReassemblyDrop — why add() dropped a fragment.
enum class ReassemblyDrop : uint8_t {
  Malformed,   // offset not a multiple of 8, empty, or a non-last length not a multiple of 8
  TooBig,      // the datagram would exceed max_datagram (the datagram is dropped)
  Overlap,     // overlaps without being an exact duplicate, or disagrees on the end
  Poisoned,    // belongs to a datagram dropped earlier and not yet timed out
  OverBudget,  // keeping it would pass the byte budget
};

// ReassemblyOutcome — what add() did with a fragment.
struct ReassemblyOutcome {
  enum class Kind : uint8_t { Incomplete, Complete, Dropped };
  Kind kind = Kind::Incomplete;
  // Complete: the whole payload, valid until the next add() or expire().
  Bytes datagram;
  ReassemblyDrop reason = ReassemblyDrop::Malformed;  // Dropped only
  bool complete() const { return kind == Kind::Complete; }
  bool dropped() const { return kind == Kind::Dropped; }
};

struct ReassemblyStats {
  uint64_t complete = 0;     // datagrams delivered
  uint64_t duplicates = 0;   // exact duplicate fragments ignored
  uint64_t overlaps = 0;     // datagrams dropped for an overlap or conflicting end
  uint64_t timeouts = 0;     // datagrams that expired incomplete
  uint64_t no_slot = 0;      // datagrams evicted for a new one with every slot busy
  uint64_t over_budget = 0;  // fragments that would have passed the byte budget
  uint64_t too_big = 0;      // fragments of datagrams longer than max_datagram
  uint64_t malformed = 0;    // fragments with a bad offset or length
  uint64_t poisoned = 0;     // fragments of a datagram dropped earlier
  uint64_t late_duplicates = 0;  // fragments of a datagram already completed
};

class Ipv4Reassembler {
 public:
  // The largest IPv4 payload: 65535 minus a 20-byte header.
  static constexpr size_t kMaxPayload = 65515;
  // Bytes in each slot's buffer.
  static constexpr size_t kSlotBytes =
      config::kReassemblyMaxDatagram < kMaxPayload ? config::kReassemblyMaxDatagram : kMaxPayload;

  explicit Ipv4Reassembler(const ReassemblyConfig& config = {});

  // add — one fragment: offset_bytes is the fragment offset field times 8,
  // more_fragments the MF flag, payload the bytes after the IP header. A packet with
  // offset 0 and MF = 0 is not a fragment: it is returned as Complete as is.
  ReassemblyOutcome add(Instant now, const FragmentKey& key, uint16_t offset_bytes,
                        bool more_fragments, Bytes payload);
  // expire — frees every datagram whose timeout has come; returns how many timed out.
  size_t expire(Instant now);
  // poll_at — when the next datagram (or poisoned key) times out.
  Optional<Instant> poll_at() const;
  // held_bytes — payload bytes held over all slots (never above the budget).
  size_t held_bytes() const { return held_; }
  // slots_in_use — slots reassembling or remembering a poisoned datagram.
  size_t slots_in_use() const;
  const ReassemblyStats& stats() const { return stats_; }

 private:
  static constexpr size_t kBlocks = (kSlotBytes + 7) / 8;
  static constexpr size_t kMapBytes = (kBlocks + 7) / 8;
  enum class State : uint8_t { Empty, Active, Poisoned };
  struct Slot {
    FragmentKey key;
    State state = State::Empty;
    Instant deadline;
    uint16_t held = 0;          // bytes received
    uint16_t total = 0;         // datagram length once the last fragment came, else 0
    uint16_t high = 0;          // end of the highest fragment received
    uint32_t created = 0;       // creation order: the smallest is the oldest slot
    uint8_t have[kMapBytes];    // 8-byte blocks received
    uint8_t starts[kMapBytes];  // blocks where a received fragment starts
    uint8_t data[kSlotBytes];
  };
  // Recent — a completed datagram's key, remembered until `until`.
  struct Recent {
    FragmentKey key;
    Instant until;
  };
  static constexpr size_t kRecent = 8;
  bool completed_recently(const FragmentKey& key, Instant now) const;
  Slot* find(const FragmentKey& key);
  bool is_exact_duplicate(const Slot& s, size_t offset, size_t end, Bytes payload) const;
  ReassemblyOutcome drop(ReassemblyDrop reason);
  void poison(Slot& s);

  ReassemblyConfig config_;
  size_t held_ = 0;
  ReassemblyStats stats_;
  Recent recent_[kRecent];
  size_t recent_next_ = 0;
  uint32_t next_created_ = 0;
  Slot slots_[config::kReassemblySlots];
};

}  // namespace keel::iface
