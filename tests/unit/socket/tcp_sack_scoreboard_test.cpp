// tcp_sack_scoreboard_test.cpp — the RFC 6675 scoreboard: Update() with validation,
// IsLost(), SetPipe(), NextSeg() rules 1-4, and the recovery bookkeeping, on scripted
// SACK sequences. Sequence numbers start just below 2^32 so every script wraps.
#include <gtest/gtest.h>

#include "core/socket/tcp/sack_scoreboard.hpp"

using namespace keel;
using tcp::SackScoreboard;
using wire::tcp::SackBlock;
using Kind = SackScoreboard::Segment::Kind;

namespace {

constexpr uint32_t kSmss = 1000;
constexpr uint32_t kBase = 0xffffe000u;  // segment 8 starts at 0x00000140: wraps
constexpr uint32_t seg(uint32_t n) { return kBase + n * kSmss; }

// outstanding — a scoreboard with segments [0, n) sent and nothing acknowledged.
SackScoreboard outstanding(uint32_t n) {
  SackScoreboard sb;
  sb.reset(kBase, kSmss);
  sb.on_send_new(seg(n));
  return sb;
}

// sack — one ACK at ack carrying the given blocks (segment numbers [from, to)).
SackScoreboard::UpdateResult sack(SackScoreboard& sb, uint32_t ack_seg,
                                  std::initializer_list<std::pair<uint32_t, uint32_t>> b) {
  SackBlock blocks[8];
  uint8_t n = 0;
  for (auto [from, to] : b) blocks[n++] = {seg(from), seg(to)};
  return sb.update(seg(ack_seg), blocks, n);
}

void expect_ranges(const SackScoreboard& sb,
                   std::initializer_list<std::pair<uint32_t, uint32_t>> want) {
  ASSERT_EQ(sb.range_count(), want.size());
  size_t i = 0;
  for (auto [from, to] : want) {
    EXPECT_EQ(sb.range(i).start, seg(from)) << "range " << i;
    EXPECT_EQ(sb.range(i).end, seg(to)) << "range " << i;
    ++i;
  }
}

void expect_segment(SackScoreboard::Segment s, Kind kind, uint32_t start, uint32_t end) {
  EXPECT_EQ(s.kind, kind);
  EXPECT_EQ(s.start, start);
  EXPECT_EQ(s.end, end);
}

}  // namespace

TEST(SackScoreboard, reset_is_empty_with_nothing_outstanding) {
  SackScoreboard sb;
  sb.reset(kBase, kSmss);
  EXPECT_EQ(sb.snd_una(), kBase);
  EXPECT_EQ(sb.high_data(), kBase);
  EXPECT_EQ(sb.range_count(), 0u);
  EXPECT_EQ(sb.set_pipe(), 0u);
  EXPECT_FALSE(sb.first_lost());
  EXPECT_EQ(sb.enter_recovery().kind, Kind::None);
  EXPECT_FALSE(sb.in_recovery());
}

TEST(SackScoreboard, blocks_are_recorded_sorted_and_merged) {
  SackScoreboard sb = outstanding(10);
  EXPECT_EQ(sack(sb, 0, {{4, 5}}).newly_sacked, kSmss);
  EXPECT_EQ(sack(sb, 0, {{2, 3}, {4, 5}}).newly_sacked, kSmss);  // {4,5} again: nothing new
  expect_ranges(sb, {{2, 3}, {4, 5}});
  EXPECT_EQ(sack(sb, 0, {{3, 4}}).newly_sacked, kSmss);  // fills the gap: one range
  expect_ranges(sb, {{2, 5}});
  EXPECT_EQ(sack(sb, 0, {{1, 7}}).newly_sacked, 3 * kSmss);  // covers it and more
  expect_ranges(sb, {{1, 7}});
  EXPECT_EQ(sb.sacked_bytes(), 6 * kSmss);
  EXPECT_EQ(sb.highest_sacked(), seg(7));
  EXPECT_TRUE(sb.is_sacked(seg(1)));
  EXPECT_TRUE(sb.is_sacked(seg(7) - 1));
  EXPECT_FALSE(sb.is_sacked(seg(7)));
  EXPECT_FALSE(sb.is_sacked(seg(0)));
}

TEST(SackScoreboard, partial_segment_blocks_merge_by_bytes) {
  SackScoreboard sb = outstanding(4);
  SackBlock b[] = {{seg(1) + 100, seg(1) + 300}, {seg(1) + 300, seg(1) + 350}};
  EXPECT_EQ(sb.update(seg(0), b, 2).newly_sacked, 250u);
  ASSERT_EQ(sb.range_count(), 1u);
  EXPECT_EQ(sb.range(0).start, seg(1) + 100);
  EXPECT_EQ(sb.range(0).end, seg(1) + 350);
}

TEST(SackScoreboard, invalid_blocks_are_ignored) {
  SackScoreboard sb = outstanding(10);
  sack(sb, 2, {});
  SackBlock b[] = {
      {seg(0), seg(1)},         // entirely below snd_una: a D-SACK (RFC 2883)
      {seg(1), seg(2)},         // ends exactly at snd_una
      {seg(5), seg(5)},         // empty
      {seg(6), seg(5)},         // inverted
      {seg(9), seg(11)},        // beyond snd_nxt
      {seg(10), seg(12)},       // wholly beyond snd_nxt
      {seg(3), seg(3) + 0x80000000u},  // absurd length
  };
  auto r = sb.update(seg(2), b, uint8_t(sizeof b / sizeof b[0]));
  EXPECT_EQ(r.newly_sacked, 0u);
  EXPECT_EQ(r.acked, 0u);
  EXPECT_EQ(sb.range_count(), 0u);
  EXPECT_EQ(sb.update(seg(2), nullptr, 3).newly_sacked, 0u);  // no blocks at all
}

TEST(SackScoreboard, a_block_straddling_snd_una_is_cut_at_it) {
  SackScoreboard sb = outstanding(10);
  sack(sb, 3, {});
  EXPECT_EQ(sack(sb, 3, {{1, 5}}).newly_sacked, 2 * kSmss);
  expect_ranges(sb, {{3, 5}});
}

TEST(SackScoreboard, a_dsack_first_block_leaves_the_others_in_effect) {
  // RFC 2883 §4.1.1: a duplicate below the ack reported first, then the normal block.
  SackScoreboard sb = outstanding(10);
  auto r = sack(sb, 4, {{1, 2}, {6, 7}});
  EXPECT_EQ(r.acked, 4 * kSmss);
  EXPECT_EQ(r.newly_sacked, kSmss);
  expect_ranges(sb, {{6, 7}});
  // §4.2: a D-SACK inside an already SACKed block changes nothing.
  EXPECT_EQ(sack(sb, 4, {{6, 7}, {6, 8}}).newly_sacked, kSmss);
  expect_ranges(sb, {{6, 8}});
}

TEST(SackScoreboard, an_ack_beyond_high_data_is_ignored_with_its_blocks) {
  SackScoreboard sb = outstanding(5);
  auto r = sack(sb, 6, {{2, 3}});
  EXPECT_EQ(r.acked, 0u);
  EXPECT_EQ(r.newly_sacked, 0u);
  EXPECT_EQ(sb.snd_una(), seg(0));
  EXPECT_EQ(sb.range_count(), 0u);
}

TEST(SackScoreboard, an_old_ack_still_contributes_its_blocks) {
  SackScoreboard sb = outstanding(10);
  sack(sb, 3, {});
  auto r = sack(sb, 2, {{5, 6}});  // reordered: ack below snd_una
  EXPECT_EQ(r.acked, 0u);
  EXPECT_EQ(sb.snd_una(), seg(3));
  EXPECT_EQ(r.newly_sacked, kSmss);
}

TEST(SackScoreboard, cumulative_acks_trim_and_drop_ranges) {
  SackScoreboard sb = outstanding(12);
  sack(sb, 0, {{2, 4}, {6, 8}, {10, 11}});
  auto r = sb.update(seg(3), nullptr, 0);
  EXPECT_EQ(r.acked, 3 * kSmss);
  expect_ranges(sb, {{3, 4}, {6, 8}, {10, 11}});
  r = sb.update(seg(7) + 500, nullptr, 0);
  EXPECT_EQ(r.acked, 4 * kSmss + 500);
  ASSERT_EQ(sb.range_count(), 2u);
  EXPECT_EQ(sb.range(0).start, seg(7) + 500);
  EXPECT_EQ(sb.range(0).end, seg(8));
  sb.update(seg(12), nullptr, 0);
  EXPECT_EQ(sb.range_count(), 0u);
  EXPECT_EQ(sb.snd_una(), seg(12));
}

TEST(SackScoreboard, works_across_the_sequence_number_wrap) {
  SackScoreboard sb = outstanding(12);
  ASSERT_LT(seg(12), seg(0));  // numerically wrapped
  sack(sb, 0, {{7, 10}, {1, 3}});
  expect_ranges(sb, {{1, 3}, {7, 10}});
  EXPECT_TRUE(sb.is_lost(seg(0)));   // 5 segments SACKed above
  EXPECT_TRUE(sb.is_lost(seg(5)));   // 3 above: more than 2 * SMSS
  EXPECT_FALSE(sb.is_lost(seg(10)));
  sack(sb, 0, {{3, 7}});
  expect_ranges(sb, {{1, 10}});
}

TEST(SackScoreboard, a_full_scoreboard_forgets_the_highest_range) {
  SackScoreboard sb = outstanding(40);
  for (uint32_t i = 0; i < SackScoreboard::kMaxRanges; ++i) {
    sack(sb, 0, {{2 * i + 1, 2 * i + 2}});  // 1, 3, 5, ... 15
  }
  EXPECT_EQ(sb.range_count(), SackScoreboard::kMaxRanges);
  EXPECT_EQ(sb.forgotten_ranges(), 0u);
  // A ninth range above all is the one forgotten; it still counts as newly SACKed,
  // so the ACK is a DupAck (RFC 6675 §2).
  EXPECT_EQ(sack(sb, 0, {{30, 31}}).newly_sacked, kSmss);
  EXPECT_EQ(sb.forgotten_ranges(), 1u);
  EXPECT_EQ(sb.range_count(), SackScoreboard::kMaxRanges);
  EXPECT_EQ(sb.highest_sacked(), seg(16));
  EXPECT_FALSE(sb.is_sacked(seg(30)));
  // A ninth range below the top is kept, and the top range (15) goes.
  SackBlock low{seg(0) + 10, seg(0) + 20};
  EXPECT_EQ(sb.update(seg(0), &low, 1).newly_sacked, 10u);
  EXPECT_EQ(sb.forgotten_ranges(), 2u);
  EXPECT_EQ(sb.range(0).start, seg(0) + 10);
  EXPECT_EQ(sb.highest_sacked(), seg(14));
  // Filling a gap merges two ranges and makes room again.
  sack(sb, 0, {{2, 3}});
  EXPECT_EQ(sb.range_count(), SackScoreboard::kMaxRanges - 1);
  sack(sb, 0, {{15, 16}});
  EXPECT_EQ(sb.range_count(), SackScoreboard::kMaxRanges);
  EXPECT_EQ(sb.forgotten_ranges(), 2u);
}

TEST(SackScoreboard, is_lost_needs_more_than_two_smss_sacked_above) {
  SackScoreboard sb = outstanding(10);
  sack(sb, 0, {{1, 2}});
  EXPECT_FALSE(sb.is_lost(seg(0)));
  sack(sb, 0, {{1, 3}});
  EXPECT_FALSE(sb.is_lost(seg(0)));  // exactly 2 * SMSS: not more
  SackBlock one_more{seg(3), seg(3) + 1};
  sb.update(seg(0), &one_more, 1);
  EXPECT_TRUE(sb.is_lost(seg(0)));  // 2 * SMSS + 1 byte
  EXPECT_TRUE(sb.first_lost());
  EXPECT_FALSE(sb.is_lost(seg(1)));    // SACKed
  EXPECT_FALSE(sb.is_lost(seg(4)));    // nothing SACKed above
  EXPECT_FALSE(sb.is_lost(seg(10)));   // not sent
  EXPECT_FALSE(sb.is_lost(seg(0) - 1));  // already acknowledged
}

TEST(SackScoreboard, is_lost_after_three_discontiguous_sacked_ranges) {
  // Three small ranges (300 bytes in all) count as DupThresh SACKed sequences.
  SackScoreboard sb = outstanding(10);
  SackBlock b[] = {{seg(2), seg(2) + 100}, {seg(4), seg(4) + 100}};
  sb.update(seg(0), b, 2);
  EXPECT_FALSE(sb.is_lost(seg(0)));
  SackBlock c{seg(6), seg(6) + 100};
  sb.update(seg(0), &c, 1);
  EXPECT_TRUE(sb.is_lost(seg(0)));
  EXPECT_TRUE(sb.is_lost(seg(1)));
  EXPECT_FALSE(sb.is_lost(seg(3)));  // two ranges above
}

TEST(SackScoreboard, set_pipe_counts_unlost_and_retransmitted_octets) {
  // Segments 0..9 out; 0 and 5 lost, the rest SACKed.
  SackScoreboard sb = outstanding(10);
  EXPECT_EQ(sb.set_pipe(), 10 * kSmss);  // nothing known: all in flight
  sack(sb, 0, {{1, 5}, {6, 10}});
  EXPECT_EQ(sb.set_pipe(), 0u);  // both holes lost, nothing retransmitted
  expect_segment(sb.enter_recovery(), Kind::Retransmit, seg(0), seg(1));
  EXPECT_EQ(sb.recovery_point(), seg(10));
  EXPECT_EQ(sb.high_rxt(), seg(1));
  EXPECT_EQ(sb.pipe(), kSmss);  // enter_recovery ran SetPipe: the retransmission
  SackScoreboard::Segment s = sb.next_seg(0);
  expect_segment(s, Kind::Retransmit, seg(5), seg(6));  // rule 1
  sb.on_sent(s);
  EXPECT_EQ(sb.high_rxt(), seg(6));
  EXPECT_EQ(sb.pipe(), 2 * kSmss);
  EXPECT_EQ(sb.set_pipe(), 2 * kSmss);
  // Nothing lost remains and no new data: rules 1-3 fail; HighACK has not passed
  // RescueRxt, so no rescue either.
  EXPECT_EQ(sb.next_seg(0).kind, Kind::None);
  expect_segment(sb.next_seg(5000), Kind::NewData, seg(10), seg(11));  // rule 2
  expect_segment(sb.next_seg(300), Kind::NewData, seg(10), seg(10) + 300);
}

TEST(SackScoreboard, set_pipe_counts_a_retransmitted_unlost_octet_twice) {
  SackScoreboard sb = outstanding(4);
  sack(sb, 0, {{2, 3}});
  ASSERT_FALSE(sb.is_lost(seg(0)));
  sb.enter_recovery();  // e.g. after three duplicate ACKs
  // Hole [0,1): not lost, retransmitted: 2 per octet; [1,2) and [3,4): 1 per octet.
  EXPECT_EQ(sb.set_pipe(), 2 * kSmss + kSmss + kSmss);
}

TEST(SackScoreboard, rule_1_stops_a_retransmission_at_sacked_data) {
  SackScoreboard sb = outstanding(10);
  SackBlock b[] = {{seg(0) + 400, seg(5)}, {seg(5) + 200, seg(9)}};
  sb.update(seg(0), b, 2);
  expect_segment(sb.enter_recovery(), Kind::Retransmit, seg(0), seg(0) + 400);
  expect_segment(sb.next_seg(0), Kind::Retransmit, seg(5), seg(5) + 200);
}

TEST(SackScoreboard, rule_3_resends_unsacked_data_not_yet_lost_when_no_new_data) {
  SackScoreboard sb = outstanding(10);
  sack(sb, 0, {{2, 3}});
  expect_segment(sb.enter_recovery(), Kind::Retransmit, seg(0), seg(1));
  ASSERT_FALSE(sb.is_lost(seg(1)));
  expect_segment(sb.next_seg(1000), Kind::NewData, seg(10), seg(11));  // rule 2 first
  SackScoreboard::Segment s = sb.next_seg(0);
  expect_segment(s, Kind::Retransmit, seg(1), seg(2));  // rule 3
  sb.on_sent(s);
  // Above the SACKed range nothing is below the highest SACKed octet: rule 3 is done.
  EXPECT_EQ(sb.next_seg(0).kind, Kind::None);
}

TEST(SackScoreboard, rule_4_rescues_the_tail_once_per_recovery) {
  // Segment 0 and the tail 8, 9 lost; 1..7 SACKed.
  SackScoreboard sb = outstanding(10);
  sack(sb, 0, {{1, 8}});
  expect_segment(sb.enter_recovery(), Kind::Retransmit, seg(0), seg(1));
  // The retransmission arrives: the ACK jumps to 8, short of RecoveryPoint (10).
  auto r = sack(sb, 8, {});
  EXPECT_EQ(r.acked, 8 * kSmss);
  EXPECT_FALSE(r.recovery_ended);
  EXPECT_EQ(sb.high_rxt(), seg(8));  // pulled up to snd_una
  SackScoreboard::Segment s = sb.next_seg(0);
  expect_segment(s, Kind::Rescue, seg(9), seg(10));  // holds the highest unSACKed octet
  sb.on_sent(s);
  EXPECT_EQ(sb.high_rxt(), seg(8));  // a rescue leaves HighRxt alone
  EXPECT_EQ(sb.next_seg(0).kind, Kind::None);  // only once
}

TEST(SackScoreboard, rule_4_rescues_the_last_hole_below_a_sacked_top) {
  SackScoreboard sb = outstanding(10);
  sack(sb, 0, {{1, 3}});
  sb.enter_recovery();  // resends 0; RescueRxt = 1
  sack(sb, 3, {{9, 10}});  // 3..8 missing, 9 SACKed: nothing IsLost (one range above)
  ASSERT_FALSE(sb.is_lost(seg(8)));
  // Rule 3 walks the holes below the highest SACKed octet first...
  for (uint32_t i = 3; i < 9; ++i) {
    SackScoreboard::Segment s = sb.next_seg(0);
    expect_segment(s, Kind::Retransmit, seg(i), seg(i + 1));
    sb.on_sent(s);
  }
  // ...then HighACK (3) is past RescueRxt: one rescue of the highest unSACKed segment.
  expect_segment(sb.next_seg(0), Kind::Rescue, seg(8), seg(9));
  EXPECT_EQ(sb.next_seg(0).kind, Kind::None);
}

TEST(SackScoreboard, recovery_ends_when_the_recovery_point_is_acknowledged) {
  SackScoreboard sb = outstanding(10);
  sack(sb, 0, {{1, 5}});
  EXPECT_TRUE(sb.may_enter_recovery());
  sb.enter_recovery();
  EXPECT_TRUE(sb.in_recovery());
  EXPECT_FALSE(sb.may_enter_recovery());
  sb.on_send_new(seg(12));  // sent during recovery: beyond RecoveryPoint
  EXPECT_FALSE(sack(sb, 9, {}).recovery_ended);
  auto r = sack(sb, 10, {});
  EXPECT_TRUE(r.recovery_ended);
  EXPECT_FALSE(sb.in_recovery());
  EXPECT_TRUE(sb.may_enter_recovery());
  EXPECT_FALSE(sack(sb, 11, {}).recovery_ended);  // reported once
}

TEST(SackScoreboard, a_timeout_ends_recovery_and_blocks_a_new_one_until_high_data) {
  SackScoreboard sb = outstanding(10);
  sack(sb, 0, {{1, 5}});
  sb.enter_recovery();
  sb.on_send_new(seg(14));
  sb.on_rto();  // §5.1
  EXPECT_FALSE(sb.in_recovery());
  EXPECT_EQ(sb.recovery_point(), seg(14));
  EXPECT_EQ(sb.high_rxt(), seg(0));
  expect_ranges(sb, {{1, 5}});  // kept
  sack(sb, 13, {});
  EXPECT_FALSE(sb.may_enter_recovery());
  sack(sb, 14, {});
  EXPECT_TRUE(sb.may_enter_recovery());
}

TEST(SackScoreboard, clear_forgets_sack_information_for_reneging) {
  SackScoreboard sb = outstanding(10);
  sack(sb, 0, {{1, 5}});
  sb.clear();
  EXPECT_EQ(sb.range_count(), 0u);
  EXPECT_FALSE(sb.first_lost());
  EXPECT_EQ(sb.set_pipe(), 10 * kSmss);
}

TEST(SackScoreboard, on_sent_tracks_high_data_and_high_rxt) {
  SackScoreboard sb = outstanding(4);
  sb.set_pipe();
  sb.on_sent({Kind::Retransmit, seg(1), seg(2)});
  EXPECT_EQ(sb.high_rxt(), seg(2));
  EXPECT_EQ(sb.high_data(), seg(4));
  // A segment partly new: HighRxt stops at HighData, HighData moves to its end.
  sb.on_sent({Kind::Retransmit, seg(3), seg(5)});
  EXPECT_EQ(sb.high_rxt(), seg(4));
  EXPECT_EQ(sb.high_data(), seg(5));
  EXPECT_EQ(sb.pipe(), 4 * kSmss + 3 * kSmss);
  sb.on_sent({Kind::None, seg(5), seg(9)});  // nothing
  sb.on_sent({Kind::NewData, seg(6), seg(6)});  // empty
  EXPECT_EQ(sb.high_data(), seg(5));
}
