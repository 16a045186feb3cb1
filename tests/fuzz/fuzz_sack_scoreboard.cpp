// fuzz_sack_scoreboard.cpp — any sequence of ACKs with SACK blocks, sends, recovery
// entries and timeouts through tcp::SackScoreboard; after every step the scoreboard's
// invariants must hold: at most kMaxRanges ranges, sorted, disjoint and not touching,
// inside [snd_una, high_data), snd_una <= HighRxt <= HighData, SetPipe() no larger
// than twice the outstanding bytes, and NextSeg() never returning SACKed data. Any violation aborts.
#include <cstdint>
#include <cstdlib>

#include "core/base/bits.hpp"
#include "core/socket/tcp/sack_scoreboard.hpp"

using namespace keel;
using keel::tcp::SackScoreboard;

namespace {

struct Reader {
  const uint8_t* p;
  size_t n;
  bool empty() const { return n == 0; }
  uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  uint32_t u16() { return uint32_t(u8()) << 8 | u8(); }
  uint32_t u32() { return u16() << 16 | u16(); }
};

void check(const SackScoreboard& sb) {
  uint32_t una = sb.snd_una(), hi = sb.high_data();
  uint32_t span = hi - una;
  if (span >= 0x80000000u) abort();
  if (sb.range_count() > SackScoreboard::kMaxRanges) abort();
  uint32_t prev_end = una;
  for (size_t i = 0; i < sb.range_count(); ++i) {
    auto r = sb.range(i);
    uint32_t a = r.start - una, b = r.end - una;
    if (!(a < b) || b > span) abort();
    if (i > 0 && a <= prev_end - una) abort();  // sorted, disjoint, not touching
    prev_end = r.end;
  }
  if (sb.high_rxt() - una > span) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  SackScoreboard sb;
  uint32_t iss = in.u32();
  uint32_t smss = 1 + in.u16() % 9000;
  sb.reset(iss, smss);
  for (int step = 0; step < 256 && !in.empty(); ++step) {
    uint8_t op = in.u8() % 6;
    uint32_t una = sb.snd_una();
    if (op == 0) {  // send new data
      uint32_t len = in.u16() * 8;
      if (sb.high_data() - una + len < 0x40000000u) sb.on_send_new(sb.high_data() + len);
    } else if (op == 1) {  // an ACK with up to 4 blocks, offsets near the window
      uint32_t ack = una + (in.u16() - 0x4000) * 4;
      wire::tcp::SackBlock b[4];
      uint8_t count = in.u8() % 5;
      for (uint8_t i = 0; i < count; ++i) {
        uint32_t l = in.u8() & 0x80 ? in.u32() : una + in.u16() * 16;
        b[i] = {l, l + (in.u16() - 0x100) * 8};
      }
      sb.update(ack, b, count);
    } else if (op == 2) {
      if (sb.may_enter_recovery()) sb.enter_recovery();
    } else if (op == 3) {
      auto s = sb.next_seg(in.u8() * 64);
      if (s.kind != SackScoreboard::Segment::Kind::None) {
        if (!seq_le(una, s.start) || !seq_lt(s.start, s.end) || s.len() > smss) abort();
        if (s.kind != SackScoreboard::Segment::Kind::NewData && sb.is_sacked(s.start)) abort();
        sb.on_sent(s);
      }
    } else if (op == 4) {
      sb.on_rto();
    } else {
      uint32_t pipe = sb.set_pipe();
      if (pipe > 2 * (sb.high_data() - una)) abort();
      (void)sb.is_lost(una + in.u16());
    }
    check(sb);
  }
  return 0;
}
