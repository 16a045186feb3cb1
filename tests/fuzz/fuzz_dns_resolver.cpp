// fuzz_dns_resolver.cpp — arbitrary responses to a resolver with a query in flight.
//
// Input: [n][n bytes: the name to resolve, dotted][qtype: bit 0 set = AAAA], then
// steps [control][len: u16 big-endian][len bytes]. Each step advances the clock by
// (control >> 4) * 250 ms, lets the resolver send what is due, then delivers a
// response built from the step's bytes: their 12-byte header (the id replaced by the
// query's unless control bit 0, qdcount forced to 1 unless bit 1), then the question
// exactly as the resolver last sent it, then the rest of the bytes as records. So the
// fuzzer passes the id and question checks and reaches the CNAME, re-query, limit and
// cache paths; pointers to offset 12 name the question, as in real responses. Bits 2
// and 3 send from a wrong address or port. Shorter steps are delivered as they are.
//
// Checked: every datagram is counted under exactly one reason or outcome; a Done query
// has 1..kDnsMaxAddresses addresses of the asked family and a TTL within max_ttl;
// after sending, a pending query's deadline is in the future (no busy loop); and a Done
// answer is served again, identical, from the cache while its TTL lasts.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/socket/dns_resolver.hpp"

using namespace keel;
namespace wd = keel::wire::dns;

namespace {
uint64_t outcomes(const dns::Stats& s) {
  return s.unexpected + s.bad_source + s.bad_source_port + s.malformed + s.not_response +
         s.bad_id + s.bad_question + s.truncated + s.server_failures + s.answers +
         s.not_found + s.requeries + s.cname_loops;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t name_len = data[0];
  if (1 + name_len + 1 > size) return 0;
  const char* name = reinterpret_cast<const char*>(data + 1);
  dns::QueryType qtype = (data[1 + name_len] & 1) ? dns::QueryType::Aaaa : dns::QueryType::A;
  size_t pos = 2 + name_len;

  const wire::IpAddress servers[] = {wire::Ipv4Address::of(192, 0, 2, 53),
                                     wire::Ipv4Address::of(198, 51, 100, 53)};
  const wire::IpAddress stranger = wire::Ipv4Address::of(203, 0, 113, 66);
  Random rng(size);
  dns::Config cfg;
  dns::Resolver r(rng, cfg);
  r.set_servers(Span<const wire::IpAddress>(servers));
  Instant now = Instant::from_millis(1000);
  auto h = r.start(name, name_len, qtype, now);
  if (!h) {  // not a valid name: a fixed one
    name = "www.example.com";
    name_len = 15;
    h = r.start(name, name_len, qtype, now);
  }
  if (!h) abort();
  Optional<Instant> done_at;

  uint8_t sent[dns::kMaxQueryLen];
  dns::Transmit tx{0, servers[0], 0};
  std::vector<uint8_t> msg;
  while (pos + 3 <= size) {
    uint8_t control = data[pos];
    size_t len = size_t(data[pos + 1]) << 8 | data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    const uint8_t* body = data + pos;
    pos += len;

    now = now + Duration::millis((control >> 4) * 250);
    for (int i = 0; i < 8; ++i) {  // one query: at most one datagram is due
      auto t = r.poll_transmit(now, MutBytes(sent));
      if (!t) break;
      if (i > 0 || t->length < wd::kHeaderLen + 5 || t->length > sizeof sent) abort();
      tx = *t;
    }
    if (r.status(*h) == dns::Status::Pending) {
      auto at = r.poll_at();
      if (!at || !(*at > now) || !r.owns_port(tx.src_port)) abort();
    } else if (r.poll_at()) {
      abort();
    }

    msg.clear();
    if (len >= wd::kHeaderLen && tx.length != 0) {
      msg.assign(body, body + wd::kHeaderLen);
      if (!(control & 1)) memcpy(msg.data(), sent, 2);
      if (!(control & 2)) msg[4] = 0, msg[5] = 1;
      msg.insert(msg.end(), sent + wd::kHeaderLen, sent + tx.length);
      msg.insert(msg.end(), body + wd::kHeaderLen, body + len);
    } else {
      msg.assign(body, body + len);
    }
    uint64_t before = outcomes(r.stats());
    r.on_datagram(now, Bytes(msg.data(), msg.size()), (control & 4) ? stranger : tx.dst,
                  (control & 8) ? 5353 : wd::kPort, tx.src_port);
    if (outcomes(r.stats()) != before + 1) abort();

    const dns::Answer* a = r.answer(*h);
    if (bool(a) != (r.status(*h) == dns::Status::Done)) abort();
    if (a) {
      if (a->addresses.empty() || a->addresses.size() > config::kDnsMaxAddresses) abort();
      for (const auto& addr : a->addresses)
        if (addr.is_v6() != (qtype == dns::QueryType::Aaaa)) abort();
      if (a->ttl < Duration() || a->ttl > Duration::seconds(cfg.max_ttl_s)) abort();
      if (!done_at) done_at = now;
    }
  }

  // A Done answer comes back from the cache, identical, for what is left of its TTL.
  const dns::Answer* a = r.answer(*h);
  if (a && now < *done_at + a->ttl) {
    dns::Answer first = *a;
    r.release(*h);
    auto h2 = r.start(name, name_len, qtype, now);
    if (!h2 || r.status(*h2) != dns::Status::Done) abort();
    const dns::Answer* b = r.answer(*h2);
    if (!(b->ttl == first.ttl - (now - *done_at))) abort();
    if (b->addresses.size() != first.addresses.size()) abort();
    for (size_t i = 0; i < first.addresses.size(); ++i)
      if (!(b->addresses[i] == first.addresses[i])) abort();
  }
  return 0;
}
