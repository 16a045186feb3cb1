// ipv4_reassembly.cpp — IPv4 reassembly policy (see the header for the rules).
#include "core/iface/ipv4_reassembly.hpp"

#include <string.h>

#include "core/base/bits.hpp"

namespace keel::iface {

namespace {
// The counter of each ReassemblyDrop, in the enum's order.
constexpr uint64_t ReassemblyStats::*kDropCounters[] = {
    &ReassemblyStats::malformed, &ReassemblyStats::too_big, &ReassemblyStats::overlaps,
    &ReassemblyStats::poisoned,  &ReassemblyStats::over_budget};
static_assert(sizeof kDropCounters / sizeof kDropCounters[0] ==
              size_t(ReassemblyDrop::OverBudget) + 1);

bool bit(const uint8_t* map, size_t i) { return (map[i >> 3] >> (i & 7)) & 1; }
void set_bit(uint8_t* map, size_t i) { map[i >> 3] = uint8_t(map[i >> 3] | 1u << (i & 7)); }
}  // namespace

Ipv4Reassembler::Ipv4Reassembler(const ReassemblyConfig& config) : config_(config) {
  config_.budget = min_of(config_.budget, config::kReassemblyBudget);
  config_.max_datagram = min_of(config_.max_datagram, kSlotBytes);
}

Ipv4Reassembler::Slot* Ipv4Reassembler::find(const FragmentKey& key) {
  for (Slot& s : slots_)
    if (s.state != State::Empty && s.key == key) return &s;
  return nullptr;
}

ReassemblyOutcome Ipv4Reassembler::drop(ReassemblyDrop reason) {
  ++(stats_.*kDropCounters[size_t(reason)]);
  ReassemblyOutcome out;
  out.kind = ReassemblyOutcome::Kind::Dropped;
  out.reason = reason;
  return out;
}

void Ipv4Reassembler::poison(Slot& s) {
  held_ -= s.held;
  s.held = 0;
  s.state = State::Poisoned;  // keeps its deadline: later fragments are dropped until then
}

// The fragment [offset, end) lies wholly in received blocks. It is an exact duplicate
// if a received fragment starts at offset, ends at end and holds the same bytes. The
// MF flags then agree too: add() has already rejected an MF = 1 fragment reaching the
// datagram's end and an MF = 0 fragment ending anywhere else.
bool Ipv4Reassembler::is_exact_duplicate(const Slot& s, size_t offset, size_t end,
                                         Bytes payload) const {
  size_t first = offset / 8;
  if (!bit(s.starts, first)) return false;
  size_t k = first + 1;
  while (k < kBlocks && bit(s.have, k) && !bit(s.starts, k)) ++k;
  size_t old_end = k * 8;
  if (s.total != 0 && old_end > s.total) old_end = s.total;
  return old_end == end && memcmp(s.data + offset, payload.data(), payload.size()) == 0;
}

ReassemblyOutcome Ipv4Reassembler::add(Instant now, const FragmentKey& key, uint16_t offset_bytes,
                                       bool more_fragments, Bytes payload) {
  expire(now);
  ReassemblyOutcome out;
  size_t offset = offset_bytes, len = payload.size();
  if (offset == 0 && !more_fragments) {  // not a fragment at all
    ++stats_.complete;
    out.kind = ReassemblyOutcome::Kind::Complete;
    out.datagram = payload;
    return out;
  }
  if (len == 0 || offset % 8 != 0 || (more_fragments && len % 8 != 0))
    return drop(ReassemblyDrop::Malformed);

  Slot* s = find(key);
  if (s && s->state == State::Poisoned) return drop(ReassemblyDrop::Poisoned);
  if (!s && completed_recently(key, now)) {
    ++stats_.late_duplicates;
    return out;  // Incomplete: nothing kept, nothing to report
  }
  if (len > config_.max_datagram || offset + len > config_.max_datagram) {
    if (s) poison(*s);
    return drop(ReassemblyDrop::TooBig);
  }
  size_t end = offset + len;
  size_t first = offset / 8, last = (end + 7) / 8;  // blocks [first, last)

  if (s) {
    // The end of the datagram: only the MF = 0 fragment may reach it, and nothing
    // may lie beyond it.
    bool conflict = more_fragments ? (s->total != 0 && end >= s->total)
                                   : (s->total != 0 ? end != s->total : s->high >= end);
    size_t seen = 0;
    for (size_t b = first; b < last; ++b) seen += bit(s->have, b);
    if (!conflict && seen == last - first && is_exact_duplicate(*s, offset, end, payload)) {
      ++stats_.duplicates;
      return out;  // Incomplete: the datagram is unchanged
    }
    if (conflict || seen != 0) {
      poison(*s);
      return drop(ReassemblyDrop::Overlap);
    }
    if (held_ + len > config_.budget) return drop(ReassemblyDrop::OverBudget);
  } else {
    for (Slot& free : slots_)
      if (free.state == State::Empty) {
        s = &free;
        break;
      }
    if (!s) {
      // Every slot busy: the oldest datagram gives way (see the policy above).
      for (Slot& old : slots_)
        if (!s || old.created < s->created) s = &old;
      if (s->state == State::Active) held_ -= s->held;
      s->state = State::Empty;
      ++stats_.no_slot;
    }
    if (held_ + len > config_.budget) return drop(ReassemblyDrop::OverBudget);
    s->created = next_created_++;
    s->key = key;
    s->state = State::Active;
    s->deadline = now + config_.timeout;
    s->held = s->total = s->high = 0;
    memset(s->have, 0, sizeof s->have);
    memset(s->starts, 0, sizeof s->starts);
  }

  memcpy(s->data + offset, payload.data(), len);
  for (size_t b = first; b < last; ++b) set_bit(s->have, b);
  set_bit(s->starts, first);
  s->held = uint16_t(s->held + len);
  held_ += len;
  s->high = uint16_t(max_of(size_t(s->high), end));
  if (!more_fragments) s->total = uint16_t(end);
  if (s->total != 0 && s->held == s->total) {
    ++stats_.complete;
    held_ -= s->held;
    s->state = State::Empty;  // the buffer stays intact until the next add()
    recent_[recent_next_] = Recent{key, now + config_.completed_memory};
    recent_next_ = (recent_next_ + 1) % kRecent;
    out.kind = ReassemblyOutcome::Kind::Complete;
    out.datagram = Bytes(s->data, s->total);
  }
  return out;
}

bool Ipv4Reassembler::completed_recently(const FragmentKey& key, Instant now) const {
  for (const Recent& r : recent_)
    if (now < r.until && r.key == key) return true;
  return false;
}

size_t Ipv4Reassembler::expire(Instant now) {
  size_t n = 0;
  for (Slot& s : slots_) {
    if (s.state == State::Empty || now < s.deadline) continue;
    if (s.state == State::Active) {
      ++n;
      held_ -= s.held;
    }
    s.state = State::Empty;
  }
  stats_.timeouts += n;
  return n;
}

Optional<Instant> Ipv4Reassembler::poll_at() const {
  Optional<Instant> at;
  for (const Slot& s : slots_)
    if (s.state != State::Empty && (!at || s.deadline < *at)) at = s.deadline;
  return at;
}

size_t Ipv4Reassembler::slots_in_use() const {
  size_t n = 0;
  for (const Slot& s : slots_) n += s.state != State::Empty;
  return n;
}

}  // namespace keel::iface
