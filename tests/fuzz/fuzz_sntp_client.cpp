// fuzz_sntp_client.cpp — arbitrary replies to an SNTP client with a request in flight.
//
// Input: 1 control byte, 8 bytes of wall clock (kept within 1968..2104),
// 2 bytes of reply delay in ms (below the 5 s retry), then the reply. Control bit 0 set: bytes 24..31 of the
// reply are overwritten with the request's Transmit Timestamp, so the fuzzer passes the
// origin check and reaches the stratum, leap and offset paths; bits 1 and 2 send from a
// wrong address or port. Every outcome must be counted exactly once, an accepted sample
// must carry the offset and delay recomputed here independently, and the schedule must
// stay sane (poll_at never in the past, the next request well-formed).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/socket/sntp_client.hpp"

using namespace keel;
namespace ntp = keel::wire::ntp;

namespace {
uint64_t rejected(const sntp::Stats& s) {
  return s.unexpected + s.bad_source + s.bad_source_port + s.truncated + s.bad_version +
         s.bad_mode + s.bad_origin + s.kiss_of_death + s.zero_transmit + s.bad_stratum +
         s.unsynchronized;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 11) return 0;
  uint8_t control = data[0];
  uint64_t raw;
  memcpy(&raw, data + 1, 8);
  // Within the two eras of RFC 4330 §3: Unix -61505152 s (1968) to 4233462144 s (2104).
  constexpr uint64_t kSpanUs = (uint64_t(1) << 32) * 1000000;
  int64_t wall0 = -61505152LL * 1000000 + int64_t(raw % kSpanUs);
  int64_t delay_ms = (int64_t(data[9]) << 8 | data[10]) % 5000;  // within the retry time
  std::vector<uint8_t> reply(data + 11, data + size);

  const wire::IpAddress server = wire::Ipv4Address::of(192, 0, 2, 1);
  const wire::IpAddress other = wire::Ipv4Address::of(192, 0, 2, 2);
  Random rng(size);
  sntp::Config cfg;
  sntp::Client c(cfg, rng);
  c.set_servers(Span<const wire::IpAddress>(&server, 1));
  uint8_t buf[64];
  Instant t0 = Instant::from_millis(1000);
  auto tx = c.poll_transmit(t0, wall0, MutBytes(buf));
  if (!tx || tx->length != ntp::kHeaderLen || !(tx->dst == server) || tx->src_port < 49152)
    abort();
  auto req = ntp::Packet::check(Bytes(buf, tx->length));
  if (!req || req->mode() != ntp::Mode::Client) abort();
  if (sntp::ntp_to_unix_us(req->transmit_time()) != wall0) abort();
  if ((control & 1) && reply.size() >= 32) memcpy(reply.data() + 24, buf + 40, 8);

  Instant t4 = t0 + Duration::millis(delay_ms);
  int64_t wall4 = wall0 + delay_ms * 1000;
  uint16_t src_port = (control & 4) ? uint16_t(data[9] | 1) : ntp::kPort;
  if (src_port == ntp::kPort && (control & 4)) src_port = 124;
  c.on_datagram(t4, wall4, Bytes(reply.data(), reply.size()), (control & 2) ? other : server,
                src_port, tx->src_port);

  const sntp::Stats& st = c.stats();
  if (st.samples + rejected(st) != 1) abort();
  auto sample = c.poll_sample();
  if (bool(sample) != (st.samples == 1) || c.poll_sample()) abort();
  if (sample) {
    auto p = ntp::Packet::check(Bytes(reply.data(), reply.size()));
    if (!p || p->stratum() < 1 || p->stratum() > 15 || p->mode() != ntp::Mode::Server ||
        p->leap() == ntp::Leap::Unsynchronized || p->transmit_time().is_zero() ||
        !(p->origin_time() == req->transmit_time()) || (control & 6))
      abort();
    int64_t t2 = sntp::ntp_to_unix_us(p->receive_time());
    int64_t t3 = sntp::ntp_to_unix_us(p->transmit_time());
    if (sample->offset_us != ((t2 - wall0) + (t3 - wall4)) / 2) abort();
    if (sample->delay_us != (wall4 - wall0) - (t3 - t2)) abort();
    if (sample->server_time_unix_us != t3 || sample->stratum != p->stratum()) abort();
    if (c.owns_port(tx->src_port)) abort();
  }
  auto at = c.poll_at();
  if (!at || *at < t4) abort();
  // The schedule goes on: the next request, whenever due, is well-formed.
  auto tx2 = c.poll_transmit(*at, wall4, MutBytes(buf));
  if (tx2 && (tx2->length != ntp::kHeaderLen || !ntp::Packet::check(Bytes(buf, 48)))) abort();
  return 0;
}
