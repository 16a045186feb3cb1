// dns_resolver.hpp — dns::Resolver: a sans-IO stub resolver for A and AAAA records
// (RFC 1035 §7, RFC 2308 negative caching, RFC 5452 forgery resilience).
//
// The Stack sends what poll_transmit() returns to port 53 from the given random source
// port, routes datagrams to on_datagram() while owns_port() holds for their destination
// port, and calls poll_transmit() again when poll_at() is due. Applications start() a
// query and read status()/answer() until they release() it.
//
// Sending: each query draws a random id and a random source port (49152..65535, not one
// in use by another query) and keeps them while it is retried. With a PortSource
// (set_port_source) the port is taken from it instead when the query is first sent: in
// the runtime that is the stack's ephemeral allocator, so the port is one no other
// socket holds (RFC 6056 §3.3.1). When the source has none, the attempt is not sent
// (counted in no_port) and times out like a lost one. Attempts go round the
// servers, starting with the one that answered last: each round waits initial_timeout
// per server, doubled every round (1 s, 2 s, 4 s…) and bounded by max_timeout, for
// `tries` rounds; then TimedOut. A server that answers SERVFAIL, REFUSED, any other
// error rcode, or a truncated (TC) response is skipped for the rest of the query and
// the next one is asked at once: there is no TCP fallback yet, so a response too large
// for UDP fails that server. When every server has failed so, or the tries run out
// after one did, the query is Failed.
//
// Accepting: a response is used only if it arrives at the query's port, from port 53
// of a server this query asked, parses completely (wire::dns rejects compression loops
// and every inconsistency), is a response (QR, opcode QUERY) with the query's id, and
// holds exactly one question equal to ours (name case-insensitively, type, class IN).
// Anything else is ignored, counted by reason, and the query keeps waiting.
//
// Answers: the answer section is walked once, in order, following CNAMEs from the
// question name (RFC 1034 §3.6.2) and keeping records of the asked type owned by the
// current name; at most kMaxRecords records are walked, kDnsMaxAddresses addresses
// kept (the first ones), kMaxCnames CNAMEs followed per query in all. A CNAME back to
// the question name, or more than kMaxCnames, is a loop: Failed. A chain that ends
// without addresses is asked again for its last name (unless an SOA in the authority
// section says that name has no data). NXDOMAIN, or no data, is NotFound.
//
// Cache: config::kDnsCacheEntries names with up to kDnsMaxAddresses addresses each, for
// the smallest TTL of the chain (RFC 2181 §8: over 2^31-1 reads as 0), at most max_ttl;
// NotFound for min(SOA TTL, SOA minimum) at most max_negative_ttl (RFC 2308 §5), and
// not at all without an SOA. When full, an expired entry or else the least recently
// used one is replaced. Names are kept in wire form (at most 255 bytes).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/random.hpp"
#include "core/base/result.hpp"
#include "core/base/span.hpp"
#include "core/base/time.hpp"
#include "core/base/vec.hpp"
#include "core/socket/port_source.hpp"
#include "core/wire/address.hpp"
#include "core/wire/dns.hpp"
#include "keel/config.hpp"

namespace keel::dns {

inline constexpr size_t kMaxRecords = 64;    // records walked per response
inline constexpr uint8_t kMaxCnames = 8;     // CNAMEs followed per query, re-queries included
inline constexpr uint16_t kPortMin = 49152;  // random source ports (RFC 6335 §6)
inline constexpr uint16_t kPortMax = 65535;
// A query's datagram is at most this long: header, the longest name, type and class.
inline constexpr size_t kMaxQueryLen = wire::dns::kHeaderLen + wire::dns::kMaxNameLen + 4;

enum class QueryType : uint8_t { A, Aaaa };
enum class Status : uint8_t {
  Pending,
  Done,
  NotFound,   // NXDOMAIN or no data
  Failed,     // SERVFAIL/REFUSED/truncated from every server, or a CNAME loop
  TimedOut,   // no server answered
  NoServers,  // the server list was emptied while the query was pending
};
// Error — why start() refused a query.
enum class Error : uint8_t { NoRoom, BadName, NoServers };

struct Answer {
  Vec<wire::IpAddress, config::kDnsMaxAddresses> addresses;
  Duration ttl;  // how long the answer stays valid from when it completed
};

// Transmit — a query written into the caller's buffer, to be sent to dst port 53.
struct Transmit {
  size_t length;
  wire::IpAddress dst;
  uint16_t src_port;
};

using QueryHandle = uint8_t;

struct Config {
  Duration initial_timeout = Duration::seconds(1);  // first round, per server
  Duration max_timeout = Duration::seconds(8);      // bound of the doubling
  uint8_t tries = 3;                                // rounds over the servers
  uint32_t max_ttl_s = 86400;                       // cache bound for answers
  uint32_t max_negative_ttl_s = 300;                // cache bound for NotFound
};

struct Stats {
  uint64_t queries = 0;          // start() calls accepted
  uint64_t cache_hits = 0;       // start() answered from the cache
  uint64_t requests = 0;         // datagrams sent, retries included
  uint64_t timeouts = 0;         // attempts unanswered within their timeout
  uint64_t answers = 0;          // queries Done from the network
  uint64_t not_found = 0;        // NXDOMAIN or no data
  uint64_t requeries = 0;        // a CNAME chain asked again for its target
  // Responses ignored, one reason each:
  uint64_t unexpected = 0;       // to no query's port
  uint64_t bad_source = 0;       // from an address this query did not ask
  uint64_t bad_source_port = 0;  // not from port 53
  uint64_t malformed = 0;        // rejected by wire::dns
  uint64_t not_response = 0;     // QR clear or opcode not QUERY
  uint64_t bad_id = 0;
  uint64_t bad_question = 0;     // not exactly our question
  // Server failures (the next server is asked):
  uint64_t truncated = 0;        // TC set (no TCP fallback)
  uint64_t server_failures = 0;  // SERVFAIL, REFUSED or another error rcode
  // Bounds met while reading answers:
  uint64_t cname_loops = 0;      // a loop or more than kMaxCnames: Failed
  uint64_t addresses_dropped = 0;  // beyond kDnsMaxAddresses
  uint64_t records_limited = 0;  // responses with more than kMaxRecords records walked
  uint64_t cache_evictions = 0;  // valid entries replaced
  uint64_t no_port = 0;          // attempts not sent: the port source had no port
};

class Resolver {
 public:
  explicit Resolver(Random& random, const Config& config = {})
      : random_(random), config_(config) {}

  // set_servers — up to config::kDnsServers (unspecified skipped). Pending queries start
  // over with the new list at once, or end NoServers if it is empty.
  void set_servers(Span<const wire::IpAddress> servers);
  // set_port_source — where queries begun from now take their source port (nullptr:
  // drawn here); the source must outlive the resolver or be unset.
  void set_port_source(PortSource* source) { ports_ = source; }
  // start — a query for name (dotted, trailing dot optional; labels 1..63 bytes of any
  // value, at most 253 characters). Answers from the cache complete at once.
  Result<QueryHandle, Error> start(const char* name, size_t len, QueryType type, Instant now);
  // status — Failed for a handle that names no query.
  Status status(QueryHandle h) const;
  // answer — the addresses of a Done query, else nullptr.
  const Answer* answer(QueryHandle h) const;
  // release — frees the handle (cancels the query if still pending).
  void release(QueryHandle h);
  // poll_transmit — the next query due now, written into buf (kMaxQueryLen is enough);
  // also expires attempts whose timeout passed.
  Optional<Transmit> poll_transmit(Instant now, MutBytes buf);
  // on_datagram — a UDP datagram to one of our ports; validated, counted, maybe an answer.
  void on_datagram(Instant now, Bytes payload, const wire::IpAddress& src, uint16_t src_port,
                   uint16_t dst_port);
  // poll_at — the earliest send or timeout of a pending query; none if nothing pends.
  Optional<Instant> poll_at() const;
  // owns_port — whether a pending query uses local_port.
  bool owns_port(uint16_t local_port) const;
  const Stats& stats() const { return stats_; }

 private:
  // Name — a name in wire form, as asked (case kept; compared case-insensitively).
  struct Name {
    uint8_t bytes[wire::dns::kMaxNameLen] = {};
    uint8_t len = 0;
  };
  struct Query {
    bool used = false;
    bool sent = false;        // an attempt is outstanding (due = its timeout)
    bool any_failure = false; // some server failed explicitly: Failed, not TimedOut
    Status status = Status::Pending;
    QueryType type = QueryType::A;
    uint8_t server = 0;       // the server of the current attempt
    uint8_t first = 0;        // the server each round starts with
    uint8_t round = 0;
    uint8_t asked = 0;        // bit per server asked with the current id
    uint8_t failed = 0;       // bit per server skipped for this query
    uint8_t cnames = 0;       // CNAMEs followed so far
    uint16_t id = 0, port = 0;
    uint32_t ttl_s = 0;       // smallest TTL along the chain so far
    Instant due;              // when to send, or when the attempt times out
    Name name;                // as started: the cache key
    Name qname;               // asked now (the end of the CNAME chain so far)
    Answer answer;
  };
  struct CacheEntry {
    bool used = false;
    bool negative = false;
    QueryType type = QueryType::A;
    Instant expires, last_used;
    Name name;
    Vec<wire::IpAddress, config::kDnsMaxAddresses> addresses;
  };
  enum class Outcome : uint8_t { Done, NotFound, Requery, Loop };

  Query* pending_for_port(uint16_t port);
  const Query* pending_for_port(uint16_t port) const;
  // begin — a new id and port (port 0 with a port source: taken when first sent), and a
  // new round over the servers from the preferred one.
  void begin(Query& q, Instant due);
  // draw_port — a random port no other pending query uses.
  uint16_t draw_port(const Query& q);
  // next_server — on to the next server not failed; false when the tries are used up.
  bool next_server(Query& q);
  // finish — the final status; answers and negative answers go to the cache.
  void finish(Query& q, Status s, Instant now, uint32_t ttl_s);
  // server_failed — server answered with an error or TC: skip it for this query.
  void server_failed(Query& q, uint8_t server, Instant now);
  // read_answer — walks a NOERROR/NXDOMAIN response to qname (see the file comment).
  Outcome read_answer(Query& q, const wire::dns::Packet& p, const wire::dns::Name& qname,
                      uint32_t& ttl_s, uint32_t& negative_ttl_s);
  CacheEntry* cache_find(const Name& n, QueryType t, Instant now);
  void cache_put(const Query& q, Instant now, bool negative, uint32_t ttl_s);

  Random& random_;
  Config config_;
  PortSource* ports_ = nullptr;
  Vec<wire::IpAddress, config::kDnsServers> servers_;
  uint8_t preferred_ = 0;  // the server that answered last
  Query queries_[config::kDnsQueries];
  CacheEntry cache_[config::kDnsCacheEntries];
  Stats stats_;
};

}  // namespace keel::dns
