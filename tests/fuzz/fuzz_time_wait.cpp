// fuzz_time_wait.cpp — arbitrary segments offered to a small tcp::TimeWaitTable
// (RFC 9293 §3.10.7.4, RFC 5961, RFC 6191, RFC 7323 §5), with inserts, expiry and time
// running past 2MSL.
//
// Setup: a table of 4 entries filled with 3 of 6 template connections (distinct local
// ports; IPv4 and IPv6; with and without timestamps; 2MSL 10 s or 60 s).
// Input: records of [len:1][ctl:1][segment bytes:len]. Each segment is checked and
// parsed with wire::tcp (checksum not verified: the stack verified it before). ctl bits:
// 0-2 the template connection aimed at (mod 6), 3 patch ports and addresses to its
// 4-tuple, 4 make seq/ack/tsval relative to its rcv_nxt/snd_nxt/ts_recent, 5-6 the time
// step (0, 1 ms, 1 s, past the entry's 2MSL), 7 the new connection would use
// timestamps. A record whose ctl has bits 0-2 == 7 (after the time step) inserts the
// template (rec % 6) afresh, with its numbers shifted by the segment's first bytes.
// Every fourth record also calls expire(now).
//
// Invariants (abort() on violation): every reply emits into exactly buffer_len() bytes
// and parses back, is a bare ACK <SEQ=SND.NXT><ACK=RCV.NXT> from the entry's 4-tuple;
// NotOurs carries no reply; stats.in_use <= capacity and high_water <= capacity; after
// expire(now) no entry outlives its deadline (a local port is held exactly when its
// live entry is found, and in_use counts the live entries); a Reopen verdict's ISN lies
// beyond the old SND.NXT and the entry is gone.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/base/bits.hpp"
#include "core/socket/tcp/time_wait.hpp"

using namespace keel;
using namespace keel::tcp;
using wire::Ipv4Address;
using wire::Ipv6Address;

namespace {

constexpr size_t kTemplates = 6;
constexpr size_t kCapacity = 4;

Ipv6Address v6(uint8_t last) {
  Ipv6Address a;
  a.bytes[0] = 0x20;
  a.bytes[1] = 0x01;
  a.bytes[2] = 0x0d;
  a.bytes[3] = 0xb8;
  a.bytes[15] = last;
  return a;
}

TimeWaitEntry make_template(size_t i, Instant now) {
  TimeWaitEntry e;
  bool six = i % 3 == 2;
  IpAddress local = six ? IpAddress(v6(1)) : IpAddress(Ipv4Address::of(192, 0, 2, 1));
  IpAddress remote =
      six ? IpAddress(v6(uint8_t(2 + i))) : IpAddress(Ipv4Address::of(192, 0, 2, uint8_t(2 + i)));
  e.tuple = FourTuple{{local, uint16_t(80 + i)}, {remote, uint16_t(40000 + i)}};
  e.msl2_ms = i % 2 ? 10000 : 60000;
  e.expires = now + Duration::millis(e.msl2_ms - 1000 * i);
  e.snd_nxt = 0x10000000u * uint32_t(i) + 0x1234;
  e.rcv_nxt = 0xfffff000u + 0x100u * uint32_t(i);  // some wrap around 2^32 soon
  e.rcv_wnd = i == 4 ? 0 : 65535u << (i % 3);
  e.rcv_wscale = uint8_t(i % 3);
  e.timestamps = i % 2 == 0;
  e.ts_recent = e.timestamps ? 0x7ffffff0u + uint32_t(i) : 0;
  e.ts_offset = 0x100u * uint32_t(i);
  return e;
}

uint32_t rd32(Bytes b, size_t at) {
  uint32_t v = 0;
  for (size_t k = 0; k < 4; ++k) v = v << 8 | (at + k < b.size() ? b[at + k] : 0);
  return v;
}

void check_reply(const Outgoing& o, const TimeWaitEntry& e) {
  std::vector<uint8_t> buf(o.repr.buffer_len());
  if (!o.repr.emit(MutBytes(buf.data(), buf.size()), o.src, o.dst)) abort();
  auto p = wire::tcp::Packet::check(Bytes(buf.data(), buf.size()));
  if (!p) abort();
  auto back = wire::tcp::Repr::parse(*p, o.src, o.dst, true);
  if (!back) abort();
  if (back->flags != wire::tcp::flag::kAck || !back->payload.empty()) abort();
  if (!(o.src == e.tuple.local.addr) || !(o.dst == e.tuple.remote.addr)) abort();
  if (back->src_port != e.tuple.local.port || back->dst_port != e.tuple.remote.port) abort();
  if (back->seq != e.snd_nxt || back->ack != e.rcv_nxt) abort();
  if (bool(back->timestamps) != e.timestamps) abort();
}

// check_table — the gauges, and after expire(now) that no dead entry lingers.
void check_table(TimeWaitTable& t, const TimeWaitEntry* tpl, Instant now, bool expired) {
  const TimeWaitStats& s = t.stats();
  if (s.in_use > t.capacity() || s.high_water > t.capacity() || s.in_use > s.high_water) abort();
  if (!expired) return;
  uint32_t live = 0;
  for (size_t i = 0; i < kTemplates; ++i) {
    const TimeWaitEntry* e = t.find(tpl[i].tuple, now);
    if (e && !(now < e->expires)) abort();
    if (t.holds_local_port(tpl[i].tuple.local.port) != (e != nullptr)) abort();
    live += e != nullptr;
  }
  if (live != s.in_use) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Instant now = Instant::from_millis(5000000);
  FixedTimeWaitTable<kCapacity> table;
  TimeWaitEntry tpl[kTemplates];
  for (size_t i = 0; i < kTemplates; ++i) tpl[i] = make_template(i, now);
  for (size_t i = 0; i < 3; ++i) table.insert(tpl[i], now);
  check_table(table, tpl, now, true);

  size_t pos = 0;
  for (int rec = 0; rec < 64 && pos + 2 <= size; ++rec) {
    size_t len = data[pos];
    uint8_t ctl = data[pos + 1];
    pos += 2;
    Bytes raw(data + pos, len <= size - pos ? len : size - pos);
    pos += raw.size();
    size_t which = (ctl & 7) % kTemplates;
    const TimeWaitEntry& target = tpl[which];

    switch ((ctl >> 5) & 3) {
      case 1: now = now + Duration::millis(1); break;
      case 2: now = now + Duration::seconds(1); break;
      case 3: {
        const TimeWaitEntry* e = table.find(target.tuple, now);
        Instant until = e ? e->expires : now + Duration::millis(target.msl2_ms);
        now = until + Duration::millis(ctl & 1);  // exactly at, or just past, the deadline
        break;
      }
      default: break;
    }

    if ((ctl & 7) == 7) {  // a connection (re)entering TIME-WAIT
      TimeWaitEntry e = tpl[size_t(rec) % kTemplates];
      e.snd_nxt += rd32(raw, 0);
      e.rcv_nxt += rd32(raw, 4);
      e.ts_recent += rd32(raw, 8);
      e.expires = now + Duration::millis(e.msl2_ms);
      table.insert(e, now);
      if (!table.find(e.tuple, now)) abort();
      check_table(table, tpl, now, true);  // insert() expires first
      continue;
    }

    IpAddress src = target.tuple.remote.addr, dst = target.tuple.local.addr;
    auto p = wire::tcp::Packet::check(raw);
    if (p) {
      auto r = wire::tcp::Repr::parse(*p, src, dst, false);
      if (r) {
        wire::tcp::Repr s = *r;
        if (ctl & 8) {
          s.src_port = target.tuple.remote.port;
          s.dst_port = target.tuple.local.port;
        } else if (p->dst_port() % 2) {  // unpatched addresses: some other family or host
          src = Ipv4Address::of(192, 0, 2, uint8_t(p->src_port()));
          dst = Ipv4Address::of(192, 0, 2, 1);
        }
        const TimeWaitEntry* found = table.find(FourTuple{{dst, s.dst_port}, {src, s.src_port}}, now);
        TimeWaitEntry before;
        if (found) before = *found;
        if ((ctl & 0x10) && found) {
          s.seq += before.rcv_nxt;
          s.ack += before.snd_nxt;
          if (s.timestamps) s.timestamps->tsval += before.ts_recent;
        }
        bool new_ts = ctl & 0x80;
        TimeWaitResult res = table.process(now, src, dst, s, new_ts);
        switch (res.verdict) {
          case TimeWaitVerdict::NotOurs:
            if (found || res.reply) abort();
            break;
          case TimeWaitVerdict::Consumed:
            if (!found) abort();
            if (res.reply) check_reply(*res.reply, before);
            break;
          case TimeWaitVerdict::Reopen:
            if (!found || res.reply) abort();
            if (!(s.flags & wire::tcp::flag::kSyn) || (s.flags & wire::tcp::flag::kAck)) abort();
            if (!seq_lt(before.snd_nxt, res.iss)) abort();
            if (table.find(before.tuple, now)) abort();
            break;
        }
      }
    }
    bool expired = rec % 4 == 3;
    if (expired) table.expire(now);
    check_table(table, tpl, now, expired);
  }
  table.expire(now);
  check_table(table, tpl, now, true);
  return 0;
}
