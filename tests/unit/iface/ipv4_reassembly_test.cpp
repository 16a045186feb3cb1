// ipv4_reassembly_test.cpp — IPv4 reassembly policy: every arrival order, loss and
// timeout, duplicates, overlaps (RFC 5722 policy), byte budget, slots, bad fragments.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "core/iface/ipv4_reassembly.hpp"

using namespace keel;
using namespace keel::iface;
using Kind = ReassemblyOutcome::Kind;

namespace {

Instant at_ms(int64_t ms) { return Instant::from_millis(ms); }

FragmentKey key(uint16_t ident, uint8_t protocol = 17) {
  return {wire::Ipv4Address::of(192, 0, 2, 1), wire::Ipv4Address::of(192, 0, 2, 2), protocol,
          ident};
}

// pattern(n, seed) — n bytes that differ between datagrams and positions.
std::vector<uint8_t> pattern(size_t n, uint8_t seed = 1) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i * 7 + seed * 31 + (i >> 8));
  return v;
}

struct Frag {
  uint16_t offset;
  size_t len;
  bool more;
};

// The 4-fragment datagram of most tests: 2750 bytes, the last fragment partial.
const Frag kFour[4] = {{0, 800, true}, {800, 800, true}, {1600, 800, true}, {2400, 350, false}};
constexpr size_t kFourLen = 2750;

// Sends fragment f of datagram `data` (its bytes taken from data at f.offset).
ReassemblyOutcome send(Ipv4Reassembler& r, Instant now, const FragmentKey& k, const Frag& f,
                       const std::vector<uint8_t>& data) {
  return r.add(now, k, f.offset, f.more, Bytes(data.data() + f.offset, f.len));
}

// Sends f with its bytes flipped: same place, different content.
ReassemblyOutcome send_altered(Ipv4Reassembler& r, Instant now, const FragmentKey& k,
                               const Frag& f, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> other(data.begin() + f.offset, data.begin() + f.offset + f.len);
  for (uint8_t& b : other) b ^= 0xff;
  return r.add(now, k, f.offset, f.more, Bytes(other.data(), other.size()));
}

std::vector<uint8_t> vec(Bytes b) { return std::vector<uint8_t>(b.begin(), b.end()); }

std::unique_ptr<Ipv4Reassembler> make(const ReassemblyConfig& cfg = {}) {
  return std::make_unique<Ipv4Reassembler>(cfg);
}

}  // namespace

TEST(Ipv4Reassembly, reassembles_four_fragments_in_every_arrival_order) {
  auto data = pattern(kFourLen);
  int order[4] = {0, 1, 2, 3};
  int permutations = 0;
  do {
    auto r = make();
    for (int i = 0; i < 3; ++i) {
      auto out = send(*r, at_ms(i), key(1), kFour[order[i]], data);
      ASSERT_EQ(out.kind, Kind::Incomplete) << "order " << order[0] << order[1] << order[2];
    }
    auto out = send(*r, at_ms(3), key(1), kFour[order[3]], data);
    ASSERT_EQ(out.kind, Kind::Complete);
    EXPECT_EQ(vec(out.datagram), data);
    EXPECT_EQ(r->stats().complete, 1u);
    EXPECT_EQ(r->held_bytes(), 0u);
    EXPECT_EQ(r->slots_in_use(), 0u);
    EXPECT_FALSE(r->poll_at());
    ++permutations;
  } while (std::next_permutation(order, order + 4));
  EXPECT_EQ(permutations, 24);
}

TEST(Ipv4Reassembly, a_packet_that_is_not_a_fragment_is_returned_as_is) {
  auto r = make();
  auto data = pattern(100);
  auto out = r->add(at_ms(0), key(1), 0, false, Bytes(data.data(), data.size()));
  ASSERT_EQ(out.kind, Kind::Complete);
  EXPECT_EQ(out.datagram.data(), data.data());
  EXPECT_EQ(out.datagram.size(), 100u);
  EXPECT_EQ(r->slots_in_use(), 0u);
}

TEST(Ipv4Reassembly, a_lost_fragment_never_completes_and_times_out_at_exactly_15_s) {
  auto r = make();
  auto data = pattern(kFourLen);
  EXPECT_EQ(send(*r, at_ms(0), key(1), kFour[0], data).kind, Kind::Incomplete);
  EXPECT_EQ(send(*r, at_ms(5000), key(1), kFour[1], data).kind, Kind::Incomplete);
  EXPECT_EQ(send(*r, at_ms(14000), key(1), kFour[3], data).kind, Kind::Incomplete);
  EXPECT_EQ(r->held_bytes(), 1950u);
  ASSERT_TRUE(r->poll_at());
  EXPECT_EQ(r->poll_at()->millis(), 15000);  // from the first fragment, never extended
  EXPECT_EQ(r->expire(Instant::from_micros(14999999)), 0u);
  EXPECT_EQ(r->slots_in_use(), 1u);
  EXPECT_EQ(r->expire(at_ms(15000)), 1u);
  EXPECT_EQ(r->stats().timeouts, 1u);
  EXPECT_EQ(r->stats().complete, 0u);
  EXPECT_EQ(r->held_bytes(), 0u);
  EXPECT_EQ(r->slots_in_use(), 0u);
  EXPECT_FALSE(r->poll_at());
}

TEST(Ipv4Reassembly, timeout_is_configurable) {
  ReassemblyConfig cfg;
  cfg.timeout = Duration::seconds(60);
  auto r = make(cfg);
  auto data = pattern(kFourLen);
  ASSERT_EQ(send(*r, at_ms(1000), key(1), kFour[2], data).kind, Kind::Incomplete);
  EXPECT_EQ(r->poll_at()->millis(), 61000);
  EXPECT_EQ(r->expire(at_ms(60999)), 0u);
  EXPECT_EQ(r->expire(at_ms(61000)), 1u);
}

TEST(Ipv4Reassembly, a_fragment_after_the_timeout_starts_a_new_datagram) {
  auto r = make();
  auto data = pattern(kFourLen);
  ASSERT_EQ(send(*r, at_ms(0), key(1), kFour[0], data).kind, Kind::Incomplete);
  ASSERT_EQ(send(*r, at_ms(1), key(1), kFour[1], data).kind, Kind::Incomplete);
  ASSERT_EQ(send(*r, at_ms(2), key(1), kFour[2], data).kind, Kind::Incomplete);
  // The last fragment comes too late: add() expires the old datagram first.
  EXPECT_EQ(send(*r, at_ms(15000), key(1), kFour[3], data).kind, Kind::Incomplete);
  EXPECT_EQ(r->stats().timeouts, 1u);
  EXPECT_EQ(r->held_bytes(), 350u);
  EXPECT_EQ(r->poll_at()->millis(), 30000);
}

TEST(Ipv4Reassembly, exact_duplicates_are_ignored_and_counted) {
  auto r = make();
  auto data = pattern(kFourLen);
  ASSERT_EQ(send(*r, at_ms(0), key(1), kFour[1], data).kind, Kind::Incomplete);
  EXPECT_EQ(send(*r, at_ms(1), key(1), kFour[1], data).kind, Kind::Incomplete);
  ASSERT_EQ(send(*r, at_ms(2), key(1), kFour[3], data).kind, Kind::Incomplete);
  EXPECT_EQ(send(*r, at_ms(3), key(1), kFour[3], data).kind, Kind::Incomplete);
  ASSERT_EQ(send(*r, at_ms(4), key(1), kFour[0], data).kind, Kind::Incomplete);
  EXPECT_EQ(send(*r, at_ms(5), key(1), kFour[1], data).kind, Kind::Incomplete);
  EXPECT_EQ(r->held_bytes(), 1950u);
  auto out = send(*r, at_ms(6), key(1), kFour[2], data);
  ASSERT_EQ(out.kind, Kind::Complete);
  EXPECT_EQ(vec(out.datagram), data);
  EXPECT_EQ(r->stats().duplicates, 3u);
  EXPECT_EQ(r->stats().overlaps, 0u);
}

TEST(Ipv4Reassembly, a_duplicate_with_other_bytes_is_an_overlap) {
  auto r = make();
  auto data = pattern(kFourLen);
  ASSERT_EQ(send(*r, at_ms(0), key(1), kFour[1], data).kind, Kind::Incomplete);
  auto out = send_altered(*r, at_ms(1), key(1), kFour[1], data);
  ASSERT_TRUE(out.dropped());
  EXPECT_EQ(out.reason, ReassemblyDrop::Overlap);
  EXPECT_EQ(r->stats().overlaps, 1u);
  EXPECT_EQ(r->stats().duplicates, 0u);
}

// Each shape overlaps the held fragments [800, 1600) and [1600, 2400) without being an
// exact duplicate of either; the bytes are the datagram's own, so only the shape counts.
TEST(Ipv4Reassembly, every_overlap_shape_drops_the_datagram_and_its_later_fragments) {
  const Frag shapes[] = {
      {800, 400, true},    // same start, shorter
      {800, 1600, true},   // same start, longer: covers both
      {1200, 400, true},   // inside one
      {400, 800, true},    // ends inside
      {1200, 800, true},   // straddles the two
      {2000, 400, true},   // same end, later start
      {0, 1600, true},     // reaches from a hole into one
      {2000, 750, false},  // last fragment starting inside
  };
  auto data = pattern(kFourLen);
  for (const Frag& shape : shapes) {
    SCOPED_TRACE(testing::Message() << "offset " << shape.offset << " len " << shape.len);
    auto r = make();
    ASSERT_EQ(send(*r, at_ms(0), key(1), kFour[1], data).kind, Kind::Incomplete);
    ASSERT_EQ(send(*r, at_ms(1), key(1), kFour[2], data).kind, Kind::Incomplete);
    auto out = send(*r, at_ms(2), key(1), shape, data);
    ASSERT_TRUE(out.dropped());
    EXPECT_EQ(out.reason, ReassemblyDrop::Overlap);
    EXPECT_EQ(r->stats().overlaps, 1u);
    EXPECT_EQ(r->held_bytes(), 0u);
    // The rest of the datagram, even a fragment that fits the holes, is dropped too.
    out = send(*r, at_ms(3), key(1), kFour[0], data);
    ASSERT_TRUE(out.dropped());
    EXPECT_EQ(out.reason, ReassemblyDrop::Poisoned);
    EXPECT_EQ(send(*r, at_ms(4), key(1), kFour[3], data).reason, ReassemblyDrop::Poisoned);
    EXPECT_EQ(r->stats().poisoned, 2u);
    EXPECT_EQ(r->stats().complete, 0u);
    EXPECT_EQ(r->held_bytes(), 0u);
  }
}

TEST(Ipv4Reassembly, a_poisoned_datagram_is_forgotten_at_its_timeout) {
  auto r = make();
  auto data = pattern(kFourLen);
  ASSERT_EQ(send(*r, at_ms(0), key(1), kFour[1], data).kind, Kind::Incomplete);
  ASSERT_TRUE(send(*r, at_ms(1), key(1), {1200, 800, true}, data).dropped());
  EXPECT_EQ(r->slots_in_use(), 1u);
  EXPECT_EQ(r->poll_at()->millis(), 15000);
  EXPECT_EQ(r->expire(at_ms(15000)), 0u);  // not a reassembly timeout
  EXPECT_EQ(r->stats().timeouts, 0u);
  EXPECT_EQ(r->slots_in_use(), 0u);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(send(*r, at_ms(15001), key(1), kFour[i], data).kind, Kind::Incomplete);
  auto out = send(*r, at_ms(15002), key(1), kFour[3], data);
  ASSERT_EQ(out.kind, Kind::Complete);
  EXPECT_EQ(vec(out.datagram), data);
}

TEST(Ipv4Reassembly, fragments_disagreeing_on_the_end_drop_the_datagram) {
  auto data = pattern(kFourLen);
  struct Case {
    Frag first, second;
  } cases[] = {
      {{2400, 350, false}, {2400, 344, false}},  // two last fragments, different ends
      {{2400, 350, false}, {2800, 8, true}},     // data beyond the end
      {{2400, 350, false}, {2744, 8, false}},    // a second, later end
      {{1600, 800, true}, {800, 800, false}},    // last fragment before held data
      {{2400, 344, false}, {2400, 344, true}},   // MF = 1 reaching the end
      {{800, 800, true}, {800, 800, false}},     // same bytes, but now claims to be last
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "second offset " << c.second.offset);
    auto r = make();
    ASSERT_EQ(send(*r, at_ms(0), key(1), c.first, data).kind, Kind::Incomplete);
    auto out = send(*r, at_ms(1), key(1), c.second, data);
    ASSERT_TRUE(out.dropped());
    EXPECT_EQ(out.reason, ReassemblyDrop::Overlap);
    EXPECT_EQ(r->stats().overlaps, 1u);
    EXPECT_EQ(r->held_bytes(), 0u);
  }
}

TEST(Ipv4Reassembly, bad_offsets_and_lengths_are_malformed) {
  auto r = make();
  auto data = pattern(kFourLen);
  EXPECT_EQ(r->add(at_ms(0), key(1), 4, true, Bytes(data.data(), 8)).reason,
            ReassemblyDrop::Malformed);  // offset not a multiple of 8
  EXPECT_EQ(r->add(at_ms(0), key(1), 804, false, Bytes(data.data(), 8)).reason,
            ReassemblyDrop::Malformed);  // not even for the last fragment
  EXPECT_EQ(r->add(at_ms(0), key(1), 0, true, Bytes(data.data(), 12)).reason,
            ReassemblyDrop::Malformed);  // a non-last length not a multiple of 8
  EXPECT_EQ(r->add(at_ms(0), key(1), 8, true, Bytes(data.data(), 0)).reason,
            ReassemblyDrop::Malformed);  // empty
  EXPECT_EQ(r->add(at_ms(0), key(1), 8, false, Bytes(data.data(), 0)).reason,
            ReassemblyDrop::Malformed);  // empty last fragment
  EXPECT_EQ(r->stats().malformed, 5u);
  EXPECT_EQ(r->slots_in_use(), 0u);
  // An odd length is fine for the last fragment.
  EXPECT_EQ(r->add(at_ms(0), key(1), 8, false, Bytes(data.data() + 8, 13)).kind,
            Kind::Incomplete);
  auto out = r->add(at_ms(0), key(1), 0, true, Bytes(data.data(), 8));
  ASSERT_EQ(out.kind, Kind::Complete);
  EXPECT_EQ(vec(out.datagram), std::vector<uint8_t>(data.begin(), data.begin() + 21));
}

TEST(Ipv4Reassembly, a_datagram_longer_than_a_slot_is_dropped_whole) {
  auto r = make();
  const size_t max = Ipv4Reassembler::kSlotBytes;
  auto data = pattern(max + 16);
  ASSERT_EQ(r->add(at_ms(0), key(1), 0, true, Bytes(data.data(), 8)).kind, Kind::Incomplete);
  // Ends exactly at the limit: accepted.
  ASSERT_EQ(r->add(at_ms(0), key(1), uint16_t(max - 8), true, Bytes(data.data(), 8)).kind,
            Kind::Incomplete);
  // One byte past it: the datagram is gone, and so are its later fragments.
  auto out = r->add(at_ms(1), key(1), uint16_t(max), false, Bytes(data.data(), 1));
  ASSERT_TRUE(out.dropped());
  EXPECT_EQ(out.reason, ReassemblyDrop::TooBig);
  EXPECT_EQ(r->stats().too_big, 1u);
  EXPECT_EQ(r->held_bytes(), 0u);
  EXPECT_EQ(r->add(at_ms(2), key(1), 8, true, Bytes(data.data(), 8)).reason,
            ReassemblyDrop::Poisoned);
  // The largest possible fragment offset, for a datagram never seen: no slot is taken.
  out = r->add(at_ms(3), key(2), 65528, false, Bytes(data.data(), 100));
  EXPECT_EQ(out.reason, ReassemblyDrop::TooBig);
  EXPECT_EQ(r->slots_in_use(), 1u);
}

TEST(Ipv4Reassembly, max_datagram_is_configurable_below_the_slot_size) {
  ReassemblyConfig cfg;
  cfg.max_datagram = 1500;
  auto r = make(cfg);
  auto data = pattern(1600);
  EXPECT_EQ(r->add(at_ms(0), key(1), 1496, false, Bytes(data.data(), 4)).kind,
            Kind::Incomplete);
  EXPECT_EQ(r->add(at_ms(0), key(2), 1496, false, Bytes(data.data(), 5)).reason,
            ReassemblyDrop::TooBig);
}

TEST(Ipv4Reassembly, fragments_past_the_byte_budget_are_dropped_and_the_datagram_kept) {
  ReassemblyConfig cfg;
  cfg.budget = 3000;
  auto r = make(cfg);
  auto a = pattern(kFourLen, 1), b = pattern(500, 2);
  ASSERT_EQ(send(*r, at_ms(0), key(1), kFour[0], a).kind, Kind::Incomplete);
  ASSERT_EQ(send(*r, at_ms(0), key(1), kFour[1], a).kind, Kind::Incomplete);
  ASSERT_EQ(send(*r, at_ms(0), key(1), kFour[3], a).kind, Kind::Incomplete);
  ASSERT_EQ(send(*r, at_ms(0), key(2), {0, 400, true}, b).kind, Kind::Incomplete);
  EXPECT_EQ(r->held_bytes(), 2350u);
  // A fragment of a held datagram that would pass the budget.
  auto out = send(*r, at_ms(1), key(1), kFour[2], a);
  ASSERT_TRUE(out.dropped());
  EXPECT_EQ(out.reason, ReassemblyDrop::OverBudget);
  // The first fragment of a new datagram: no slot is taken for it.
  EXPECT_EQ(send(*r, at_ms(1), key(3), kFour[0], a).reason, ReassemblyDrop::OverBudget);
  EXPECT_EQ(r->stats().over_budget, 2u);
  EXPECT_EQ(r->held_bytes(), 2350u);
  EXPECT_EQ(r->slots_in_use(), 2u);
  // Datagram 2 completes and frees its bytes; the dropped fragment, sent again, fits.
  ASSERT_EQ(send(*r, at_ms(2), key(2), {400, 100, false}, b).kind, Kind::Complete);
  EXPECT_EQ(r->held_bytes(), 1950u);
  out = send(*r, at_ms(3), key(1), kFour[2], a);
  ASSERT_EQ(out.kind, Kind::Complete);
  EXPECT_EQ(vec(out.datagram), a);
}

TEST(Ipv4Reassembly, default_budget_is_held_in_full_and_never_passed) {
  auto r = make();
  const size_t budget = config::kReassemblyBudget, slot = Ipv4Reassembler::kSlotBytes;
  if (budget > (config::kReassemblySlots - 1) * slot) GTEST_SKIP() << "slots run out first";
  auto data = pattern(slot);
  uint16_t ident = 0;
  while (budget - r->held_bytes() >= 8) {
    size_t len = std::min(slot - 8, budget - r->held_bytes()) / 8 * 8;
    ASSERT_EQ(r->add(at_ms(0), key(ident++), 0, true, Bytes(data.data(), len)).kind,
              Kind::Incomplete);
  }
  EXPECT_EQ(r->held_bytes(), budget / 8 * 8);
  // A slot is free, but not one more block of bytes.
  EXPECT_LT(r->slots_in_use(), config::kReassemblySlots);
  auto out = r->add(at_ms(0), key(ident), 0, true, Bytes(data.data(), 8));
  EXPECT_EQ(out.reason, ReassemblyDrop::OverBudget);
  EXPECT_EQ(r->held_bytes(), budget / 8 * 8);
}

TEST(Ipv4Reassembly, a_new_datagram_with_every_slot_busy_evicts_the_oldest) {
  auto r = make();
  std::vector<std::vector<uint8_t>> data;
  for (size_t i = 0; i <= config::kReassemblySlots; ++i)
    data.push_back(pattern(kFourLen, uint8_t(i)));
  for (size_t i = 0; i < config::kReassemblySlots; ++i)
    ASSERT_EQ(send(*r, at_ms(0), key(uint16_t(i)), kFour[0], data[i]).kind, Kind::Incomplete);
  uint16_t extra = uint16_t(config::kReassemblySlots);
  auto out = send(*r, at_ms(1), key(extra), kFour[0], data[extra]);
  EXPECT_EQ(out.kind, Kind::Incomplete);
  EXPECT_EQ(r->stats().no_slot, 1u);
  EXPECT_EQ(r->slots_in_use(), config::kReassemblySlots);
  // The new datagram and the younger old ones complete; the oldest (key 0) was given up.
  for (int f = 1; f < 4; ++f) ASSERT_FALSE(send(*r, at_ms(2), key(extra), kFour[f], data[extra]).dropped());
  for (int f = 1; f < 4; ++f) ASSERT_FALSE(send(*r, at_ms(3), key(1), kFour[f], data[1]).dropped());
  EXPECT_EQ(r->stats().complete, 2u);
  // Key 0's later fragments start a new datagram, which evicts the next oldest.
  EXPECT_FALSE(send(*r, at_ms(4), key(0), kFour[1], data[0]).complete());
}

TEST(Ipv4Reassembly, two_interleaved_datagrams_complete_with_their_own_bytes) {
  auto r = make();
  auto a = pattern(kFourLen, 1), b = pattern(kFourLen, 2);
  // Same addresses and identification, different protocol: different datagrams.
  FragmentKey ka = key(7, 17), kb = key(7, 6);
  const int order_a[4] = {3, 0, 2, 1}, order_b[4] = {1, 3, 0, 2};
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(send(*r, at_ms(i), ka, kFour[order_a[i]], a).kind, Kind::Incomplete);
    ASSERT_EQ(send(*r, at_ms(i), kb, kFour[order_b[i]], b).kind, Kind::Incomplete);
  }
  auto out = send(*r, at_ms(3), ka, kFour[order_a[3]], a);
  ASSERT_EQ(out.kind, Kind::Complete);
  EXPECT_EQ(vec(out.datagram), a);
  out = send(*r, at_ms(4), kb, kFour[order_b[3]], b);
  ASSERT_EQ(out.kind, Kind::Complete);
  EXPECT_EQ(vec(out.datagram), b);
}

TEST(Ipv4Reassembly, every_key_field_separates_datagrams) {
  auto data = pattern(kFourLen);
  FragmentKey base = key(9);
  FragmentKey others[4] = {base, base, base, base};
  others[0].src = wire::Ipv4Address::of(192, 0, 2, 9);
  others[1].dst = wire::Ipv4Address::of(192, 0, 2, 9);
  others[2].protocol = 1;
  others[3].ident = 10;
  for (const FragmentKey& other : others) {
    auto r = make();
    ASSERT_EQ(send(*r, at_ms(0), base, kFour[0], data).kind, Kind::Incomplete);
    // Different bytes at the same place would be an overlap within one datagram.
    EXPECT_EQ(send_altered(*r, at_ms(0), other, kFour[0], data).kind, Kind::Incomplete);
    EXPECT_EQ(r->stats().overlaps, 0u);
    EXPECT_EQ(r->slots_in_use(), 2u);
  }
}

TEST(Ipv4Reassembly, poll_at_is_the_earliest_deadline) {
  auto r = make();
  auto data = pattern(kFourLen);
  ASSERT_FALSE(r->poll_at());
  ASSERT_EQ(send(*r, at_ms(1000), key(2), kFour[0], data).kind, Kind::Incomplete);
  ASSERT_EQ(send(*r, at_ms(3000), key(1), kFour[0], data).kind, Kind::Incomplete);
  EXPECT_EQ(r->poll_at()->millis(), 16000);
  EXPECT_EQ(r->expire(at_ms(16000)), 1u);
  EXPECT_EQ(r->poll_at()->millis(), 18000);
}

TEST(Ipv4ReassemblyLate, late_duplicates_of_a_completed_datagram_are_recognised_not_kept) {
  keel::iface::Ipv4Reassembler r;
  keel::iface::FragmentKey key{keel::wire::Ipv4Address::of(192, 0, 2, 1),
                               keel::wire::Ipv4Address::of(192, 0, 2, 2), 1, 77};
  uint8_t a[16] = {}, b[8] = {};
  keel::Instant t = keel::Instant::from_millis(1);
  EXPECT_FALSE(r.add(t, key, 0, true, keel::Bytes(a, 16)).complete());
  EXPECT_TRUE(r.add(t, key, 16, false, keel::Bytes(b, 8)).complete());
  // A duplicated first fragment arriving after completion takes no slot.
  auto late = r.add(t + keel::Duration::millis(5), key, 0, true, keel::Bytes(a, 16));
  EXPECT_FALSE(late.complete());
  EXPECT_FALSE(late.dropped());
  EXPECT_EQ(r.slots_in_use(), 0u);
  EXPECT_EQ(r.stats().late_duplicates, 1u);
  // After the memory window the key is a new datagram again.
  auto fresh = r.add(t + keel::Duration::seconds(3), key, 0, true, keel::Bytes(a, 16));
  EXPECT_FALSE(fresh.dropped());
  EXPECT_EQ(r.slots_in_use(), 1u);
}
