// dns_resolver.cpp — stub resolver state machine (see the header for the rules).
#include "core/socket/dns_resolver.hpp"

#include <string.h>

namespace keel::dns {

using wire::IpAddress;
namespace wd = wire::dns;

static_assert(config::kDnsServers >= 1 && config::kDnsServers <= 8, "a bit per server in a byte");
static_assert(config::kDnsQueries <= 255, "handles are 8 bits");

namespace {

uint8_t fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? uint8_t(c + 32) : c; }

// ttl_of(r) — RFC 2181 §8: a TTL with the top bit set reads as zero.
uint32_t ttl_of(const wd::Record& r) { return r.ttl > 0x7fffffffu ? 0 : r.ttl; }
uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

wd::Type wire_type(QueryType t) { return t == QueryType::A ? wd::Type::A : wd::Type::Aaaa; }

}  // namespace

// ---- names and cache ----

namespace {
// same_name(a, alen, b, blen) — wire forms equal, ASCII case-insensitively. Length
// bytes are at most 63, below 'A', so folding every byte folds only label characters.
bool same_name(const uint8_t* a, size_t alen, const uint8_t* b, size_t blen) {
  if (alen != blen) return false;
  for (size_t i = 0; i < alen; ++i)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}
}  // namespace

Resolver::CacheEntry* Resolver::cache_find(const Name& n, QueryType t, Instant now) {
  for (CacheEntry& e : cache_) {
    if (!e.used || e.type != t || now >= e.expires) continue;
    if (!same_name(e.name.bytes, e.name.len, n.bytes, n.len)) continue;
    e.last_used = now;
    return &e;
  }
  return nullptr;
}

void Resolver::cache_put(const Query& q, Instant now, bool negative, uint32_t ttl_s) {
  if (ttl_s == 0) return;
  CacheEntry* slot = nullptr;
  for (CacheEntry& e : cache_)  // the same key first: replaced, expired or not
    if (e.used && e.type == q.type && same_name(e.name.bytes, e.name.len, q.name.bytes, q.name.len))
      slot = &e;
  for (CacheEntry& e : cache_) {
    if (slot) break;
    if (!e.used || now >= e.expires) slot = &e;
  }
  if (!slot) {
    for (CacheEntry& e : cache_)
      if (!slot || e.last_used < slot->last_used) slot = &e;
    ++stats_.cache_evictions;
  }
  slot->used = true;
  slot->negative = negative;
  slot->type = q.type;
  slot->expires = now + Duration::seconds(ttl_s);
  slot->last_used = now;
  slot->name = q.name;
  slot->addresses = q.answer.addresses;
}

// ---- queries ----

void Resolver::set_servers(Span<const IpAddress> servers) {
  servers_.clear();
  for (const IpAddress& a : servers)
    if (!a.is_unspecified() && !servers_.full()) (void)servers_.push_back(a);
  preferred_ = 0;
  for (Query& q : queries_) {
    if (!q.used || q.status != Status::Pending) continue;
    if (servers_.empty()) {
      q.status = Status::NoServers;
      q.sent = false;
    } else {
      begin(q, Instant());  // start over at once: old server indexes mean nothing now
    }
  }
}

uint16_t Resolver::draw_port(const Query& q) {
  uint16_t port = 0;
  for (int tries = 0; tries < 8; ++tries) {  // a port no other query uses
    port = uint16_t(random_.range(kPortMin, kPortMax));
    bool clash = false;
    for (const Query& o : queries_)
      clash |= &o != &q && o.used && o.status == Status::Pending && o.port == port;
    if (!clash) break;
  }
  return port;
}

void Resolver::begin(Query& q, Instant due) {
  q.id = uint16_t(random_.next_u32());
  q.port = ports_ ? 0 : draw_port(q);  // the old port, if any, is given up
  q.first = q.server = preferred_ < servers_.size() ? preferred_ : 0;
  q.round = q.asked = q.failed = 0;
  q.any_failure = q.sent = false;
  q.due = due;
}

bool Resolver::next_server(Query& q) {
  size_t n = servers_.size();
  for (size_t step = 0; step < n; ++step) {
    q.server = uint8_t((q.server + 1) % n);
    if (q.server == q.first && ++q.round >= config_.tries) return false;
    if (!((q.failed >> q.server) & 1)) return true;
  }
  return false;
}

Result<QueryHandle, Error> Resolver::start(const char* name, size_t len, QueryType type,
                                           Instant now) {
  Name n;
  auto w = wd::encode_name(Bytes(reinterpret_cast<const uint8_t*>(name), name ? len : 0),
                                     MutBytes(n.bytes));
  if (!name || !w || *w <= 1) return Err(Error::BadName);  // the root is no host name
  n.len = uint8_t(*w);
  QueryHandle h = 0;
  while (h < config::kDnsQueries && queries_[h].used) ++h;
  if (h == config::kDnsQueries) return Err(Error::NoRoom);
  const CacheEntry* hit = cache_find(n, type, now);
  if (!hit && servers_.empty()) return Err(Error::NoServers);

  Query& q = queries_[h];
  q = Query{};
  q.used = true;
  q.type = type;
  q.name = q.qname = n;
  q.ttl_s = config_.max_ttl_s;
  ++stats_.queries;
  if (hit) {
    ++stats_.cache_hits;
    q.status = hit->negative ? Status::NotFound : Status::Done;
    q.answer.addresses = hit->addresses;
    q.answer.ttl = hit->expires - now;
    return h;
  }
  begin(q, now);
  return h;
}

Status Resolver::status(QueryHandle h) const {
  if (h >= config::kDnsQueries || !queries_[h].used) return Status::Failed;
  return queries_[h].status;
}

const Answer* Resolver::answer(QueryHandle h) const {
  if (status(h) != Status::Done) return nullptr;
  return &queries_[h].answer;
}

void Resolver::release(QueryHandle h) {
  if (h < config::kDnsQueries) queries_[h] = Query{};
}

void Resolver::finish(Query& q, Status s, Instant now, uint32_t ttl_s) {
  q.status = s;
  q.sent = false;
  if (s == Status::Done) {
    ttl_s = min_u32(ttl_s, config_.max_ttl_s);
    q.answer.ttl = Duration::seconds(ttl_s);
    ++stats_.answers;
    cache_put(q, now, false, ttl_s);
  } else if (s == Status::NotFound) {
    q.answer.addresses.clear();
    ++stats_.not_found;
    cache_put(q, now, true, min_u32(ttl_s, config_.max_negative_ttl_s));
  }
}

Optional<Transmit> Resolver::poll_transmit(Instant now, MutBytes buf) {
  for (Query& q : queries_) {
    if (!q.used || q.status != Status::Pending || now < q.due) continue;
    if (q.sent) {  // the attempt timed out
      ++stats_.timeouts;
      q.sent = false;
      if (!next_server(q)) {
        finish(q, q.any_failure ? Status::Failed : Status::TimedOut, now, 0);
        continue;
      }
    }
    auto name = wd::Name::parse(Bytes(q.qname.bytes, q.qname.len), 0);
    if (!name) {  // cannot happen: qname was validated when it was stored
      finish(q, Status::Failed, now, 0);
      continue;
    }
    wd::Repr r;
    r.id = q.id;
    r.recursion_desired = true;
    r.question = wd::Question{*name, wire_type(q.type), wd::kClassIn};
    if (!r.emit(buf)) return none;  // buf too short: the caller must give kMaxQueryLen
    Duration timeout = config_.initial_timeout;
    for (uint8_t i = 0; i < q.round && timeout < config_.max_timeout; ++i) timeout = timeout * 2;
    if (timeout > config_.max_timeout) timeout = config_.max_timeout;
    if (q.port == 0) {  // first send since begin() with a port source
      Optional<uint16_t> port = ports_ ? ports_->acquire() : Optional<uint16_t>(draw_port(q));
      if (!port || *port == 0) {  // nothing sent: this attempt times out as if lost
        ++stats_.no_port;
        q.sent = true;
        q.due = now + timeout;
        continue;
      }
      q.port = *port;
    }
    q.sent = true;
    q.asked |= uint8_t(1u << q.server);
    q.due = now + timeout;
    ++stats_.requests;
    return Transmit{r.buffer_len(), servers_[q.server], q.port};
  }
  return none;
}

Resolver::Query* Resolver::pending_for_port(uint16_t port) {
  for (Query& q : queries_)
    if (q.used && q.status == Status::Pending && q.port != 0 && q.port == port) return &q;
  return nullptr;
}

const Resolver::Query* Resolver::pending_for_port(uint16_t port) const {
  for (const Query& q : queries_)
    if (q.used && q.status == Status::Pending && q.port != 0 && q.port == port) return &q;
  return nullptr;
}

bool Resolver::owns_port(uint16_t local_port) const {
  return pending_for_port(local_port) != nullptr;
}

Optional<Instant> Resolver::poll_at() const {
  Optional<Instant> at;
  for (const Query& q : queries_)
    if (q.used && q.status == Status::Pending && (!at || q.due < *at)) at = q.due;
  return at;
}

void Resolver::server_failed(Query& q, uint8_t server, Instant now) {
  q.failed |= uint8_t(1u << server);
  q.any_failure = true;
  if (server != q.server) return;  // a late answer of an earlier attempt: keep waiting
  q.sent = false;
  q.due = now;
  if (!next_server(q)) finish(q, Status::Failed, now, 0);
}

Resolver::Outcome Resolver::read_answer(Query& q, const wd::Packet& p, const wd::Name& qname,
                                        uint32_t& ttl_s, uint32_t& negative_ttl_s) {
  wd::Reader reader(p);
  wd::Record rec;
  wd::Name current = qname;
  bool followed = false, soa = false;
  uint32_t ttl = q.ttl_s;
  negative_ttl_s = 0;
  q.answer.addresses.clear();
  for (size_t walked = 0;; ++walked) {
    auto more = reader.next_record(rec);
    if (!more || !*more) break;  // cannot fail: the message parsed completely
    if (walked == kMaxRecords) {
      ++stats_.records_limited;
      break;
    }
    if (reader.section() == wd::Section::Authority) {
      auto s = rec.soa();
      if (s && !soa) {
        soa = true;
        negative_ttl_s = min_u32(ttl_of(rec), s->minimum);  // RFC 2308 §5
      }
      continue;
    }
    if (reader.section() != wd::Section::Answer || !rec.name.equals(current)) continue;
    if (rec.type == wd::Type::Cname && rec.rclass == wd::kClassIn) {
      auto target = rec.target();
      if (!target) continue;
      if (++q.cnames > kMaxCnames || target->equals(qname)) return Outcome::Loop;
      current = *target;
      ttl = min_u32(ttl, ttl_of(rec));
      followed = true;
      continue;
    }
    IpAddress addr;
    if (q.type == QueryType::A) {
      auto a = rec.a();
      if (!a) continue;
      addr = *a;
    } else {
      auto a = rec.aaaa();
      if (!a) continue;
      addr = *a;
    }
    if (!q.answer.addresses.push_back(addr)) {
      ++stats_.addresses_dropped;
      continue;
    }
    ttl = min_u32(ttl, ttl_of(rec));
  }
  ttl_s = ttl;
  if (!q.answer.addresses.empty()) return Outcome::Done;
  if (followed && !soa) {  // the chain's end must be asked for itself
    auto w = current.read_wire(MutBytes(q.qname.bytes));
    if (!w) return Outcome::Loop;  // cannot happen: a name is at most 255 bytes
    q.qname.len = uint8_t(*w);
    q.ttl_s = ttl;
    return Outcome::Requery;
  }
  return Outcome::NotFound;
}

void Resolver::on_datagram(Instant now, Bytes payload, const IpAddress& src, uint16_t src_port,
                           uint16_t dst_port) {
  Query* q = pending_for_port(dst_port);
  if (!q) {
    ++stats_.unexpected;
    return;
  }
  uint8_t server = 0;
  while (server < servers_.size() && !(((q->asked >> server) & 1) && servers_[server] == src))
    ++server;
  if (server == servers_.size()) {
    ++stats_.bad_source;
    return;
  }
  if (src_port != wd::kPort) {
    ++stats_.bad_source_port;
    return;
  }
  auto p = wd::Packet::check(payload);
  auto r = p ? wd::Repr::parse(*p) : wire::Result<wd::Repr>(Err(p.error()));
  if (!r) {
    ++stats_.malformed;
    return;
  }
  if (!r->response || r->opcode != wd::Opcode::Query) {
    ++stats_.not_response;
    return;
  }
  if (r->id != q->id) {
    ++stats_.bad_id;
    return;
  }
  auto mine = wd::Name::parse(Bytes(q->qname.bytes, q->qname.len), 0);
  if (p->qdcount() != 1 || !r->question || !mine || r->question->type != wire_type(q->type) ||
      r->question->qclass != wd::kClassIn || !r->question->name.equals(*mine)) {
    ++stats_.bad_question;
    return;
  }
  // The answer of `server` to this query.
  if (r->truncated) {
    ++stats_.truncated;
    server_failed(*q, server, now);
    return;
  }
  if (r->rcode != wd::Rcode::NoError && r->rcode != wd::Rcode::NxDomain) {
    ++stats_.server_failures;
    server_failed(*q, server, now);
    return;
  }
  preferred_ = server;
  uint32_t ttl = 0, negative_ttl = 0;
  Outcome o = read_answer(*q, *p, r->question->name, ttl, negative_ttl);
  if (r->rcode == wd::Rcode::NxDomain) o = Outcome::NotFound;  // RFC 2308 §2.1
  switch (o) {
    case Outcome::Done: finish(*q, Status::Done, now, ttl); break;
    case Outcome::NotFound: finish(*q, Status::NotFound, now, negative_ttl); break;
    case Outcome::Loop:
      ++stats_.cname_loops;
      finish(*q, Status::Failed, now, 0);
      break;
    case Outcome::Requery:
      ++stats_.requeries;
      begin(*q, now);
      break;
  }
}

}  // namespace keel::dns
