// dns_resolver_test.cpp — the stub resolver against scripted servers (built with
// wire::dns::Builder) and against real dnsmasq responses (dns.pcap), in simulated time:
// answers, CNAME chains and loops, negative answers, bounds, every reason a response
// is ignored, server failover with exact retry times, and the cache.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/base/byte_order.hpp"
#include "core/socket/dns_resolver.hpp"
#include "support/bytes.hpp"
#include "support/pcap.hpp"

using namespace keel;
using namespace keel::dns;
namespace wd = keel::wire::dns;
using wire::IpAddress;
using wire::Ipv4Address;
using wire::Ipv6Address;

namespace {

const IpAddress kS1 = Ipv4Address::of(192, 0, 2, 53);
const IpAddress kS2 = Ipv4Address::of(198, 51, 100, 53);
const IpAddress kS3 = Ipv6Address{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53}};

Instant at_ms(int64_t ms) { return Instant::from_millis(ms); }
Bytes text(const char* s) { return Bytes(reinterpret_cast<const uint8_t*>(s), strlen(s)); }
IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return Ipv4Address::of(a, b, c, d); }

// Reply — a scripted server's response to a query, record by record.
class Reply {
 public:
  explicit Reply(const wd::Repr& query, wd::Rcode rcode = wd::Rcode::NoError) : buf_(1500) {
    wd::Repr h;
    h.id = query.id;
    h.response = true;
    h.recursion_desired = true;
    h.recursion_available = true;
    h.rcode = rcode;
    b_ = *wd::Builder::start(MutBytes(buf_.data(), buf_.size()), h);
    if (query.question) {
      EXPECT_TRUE(b_.add_question(wd::NameRef(query.question->name), query.question->type,
                                  query.question->qclass));
    }
  }
  // Records; owner "" means the question name (a compression pointer to it).
  Reply& a(const char* owner, IpAddress addr, uint32_t ttl = 300) {
    uint8_t rd[4];
    memcpy(rd, addr.v4().bytes, 4);
    EXPECT_TRUE(b_.add_record(wd::Section::Answer, ref(owner), wd::Type::A, wd::kClassIn, ttl,
                              Bytes(rd)));
    return *this;
  }
  Reply& aaaa(const char* owner, const Ipv6Address& addr, uint32_t ttl = 300) {
    EXPECT_TRUE(b_.add_record(wd::Section::Answer, ref(owner), wd::Type::Aaaa, wd::kClassIn,
                              ttl, Bytes(addr.bytes)));
    return *this;
  }
  Reply& cname(const char* owner, const char* target, uint32_t ttl = 300) {
    EXPECT_TRUE(b_.add_name_record(wd::Section::Answer, ref(owner), wd::Type::Cname, ttl,
                                   wd::NameRef::dotted(text(target))));
    return *this;
  }
  // soa — in the authority section, owner the zone "example.com", root names.
  Reply& soa(uint32_t ttl, uint32_t minimum) {
    uint8_t rd[22] = {};
    store_be32(rd + 18, minimum);
    EXPECT_TRUE(b_.add_record(wd::Section::Authority, wd::NameRef::dotted(text("example.com")),
                              wd::Type::Soa, wd::kClassIn, ttl, Bytes(rd)));
    return *this;
  }
  Reply& raw(wd::Section s, const char* owner, wd::Type t, uint16_t cls, Bytes rdata) {
    EXPECT_TRUE(b_.add_record(s, ref(owner), t, cls, 300, rdata));
    return *this;
  }
  std::vector<uint8_t> bytes() const {
    return std::vector<uint8_t>(b_.message().begin(), b_.message().end());
  }

 private:
  static wd::NameRef ref(const char* owner) {
    return *owner ? wd::NameRef::dotted(text(owner)) : wd::NameRef::pointer(wd::kQuestionOffset);
  }
  std::vector<uint8_t> buf_;
  wd::Builder b_;
};

// Sim — a resolver, the last query it sent (parsed), and ways to answer it.
struct Sim {
  Random rng{2024};
  Config cfg;
  Resolver r;
  uint8_t sent[kMaxQueryLen] = {};
  Transmit tx{};
  wd::Repr query;  // views into `sent`

  explicit Sim(std::vector<IpAddress> servers = {kS1, kS2}, Config config = {})
      : cfg(config), r(rng, cfg) {
    r.set_servers(Span<const IpAddress>(servers.data(), servers.size()));
  }
  QueryHandle start(const char* name, int64_t ms, QueryType t = QueryType::A) {
    auto h = r.start(name, strlen(name), t, at_ms(ms));
    EXPECT_TRUE(h);
    return h ? *h : 0xff;
  }
  // send(ms) — polls at ms; true if a query went out (then tx and query describe it).
  bool send(int64_t ms) {
    auto t = r.poll_transmit(at_ms(ms), MutBytes(sent));
    if (!t) return false;
    tx = *t;
    auto p = wd::Packet::check(Bytes(sent, t->length));
    EXPECT_TRUE(p);
    auto q = wd::Repr::parse(*p);
    EXPECT_TRUE(q);
    query = *q;
    return true;
  }
  void deliver(int64_t ms, const std::vector<uint8_t>& m, Optional<IpAddress> src = none,
               uint16_t src_port = wd::kPort, Optional<uint16_t> dst_port = none) {
    r.on_datagram(at_ms(ms), Bytes(m.data(), m.size()), src.value_or(tx.dst), src_port,
                  dst_port.value_or(tx.src_port));
  }
  Reply reply(wd::Rcode rc = wd::Rcode::NoError) const { return Reply(query, rc); }
  std::string qname() const {
    char buf[wd::kMaxDottedLen];
    auto n = query.question->name.read_dotted(MutBytes(reinterpret_cast<uint8_t*>(buf), sizeof buf));
    return n ? std::string(buf, *n) : "";
  }
  std::vector<IpAddress> addresses(QueryHandle h) const {
    const Answer* a = r.answer(h);
    if (!a) return {};
    return std::vector<IpAddress>(a->addresses.begin(), a->addresses.end());
  }
};

// captured(i) — the DNS payload of frame i (0-based) of dns.pcap, with its id set.
std::vector<uint8_t> captured(size_t i, uint16_t id) {
  auto f = test::capture("dns").frames.at(i).bytes;
  uint16_t type = 0;
  size_t l3 = test::l3_offset(f, &type);
  size_t ihl = (f[l3] & 15) * 4u;
  std::vector<uint8_t> m(f.begin() + static_cast<long>(l3 + ihl + 8), f.end());
  store_be16(m.data(), id);
  return m;
}

}  // namespace

// ---- the query ----

TEST(DnsResolver, sends_a_recursive_query_with_random_id_and_port_at_once) {
  Sim s;
  QueryHandle h = s.start("www.Example.com", 100);
  EXPECT_EQ(s.r.status(h), Status::Pending);
  EXPECT_EQ(*s.r.poll_at(), at_ms(100));
  ASSERT_TRUE(s.send(100));
  EXPECT_EQ(s.tx.dst, kS1);
  EXPECT_GE(s.tx.src_port, kPortMin);
  EXPECT_TRUE(s.r.owns_port(s.tx.src_port));
  EXPECT_FALSE(s.r.owns_port(wd::kPort));
  EXPECT_EQ(s.tx.length, 12u + 17 + 4);
  EXPECT_FALSE(s.query.response);
  EXPECT_TRUE(s.query.recursion_desired);
  EXPECT_EQ(s.query.opcode, wd::Opcode::Query);
  ASSERT_TRUE(s.query.question);
  EXPECT_EQ(s.qname(), "www.Example.com");  // sent as asked
  EXPECT_EQ(s.query.question->type, wd::Type::A);
  EXPECT_EQ(s.query.question->qclass, wd::kClassIn);
  EXPECT_EQ(*s.r.poll_at(), at_ms(1100));
  EXPECT_FALSE(s.send(1099));
  EXPECT_EQ(s.r.stats().requests, 1u);
}

TEST(DnsResolver, concurrent_queries_use_different_ids_and_ports) {
  Sim s;
  QueryHandle h1 = s.start("a.example.com", 0);
  QueryHandle h2 = s.start("b.example.com", 0, QueryType::Aaaa);
  EXPECT_NE(h1, h2);
  ASSERT_TRUE(s.send(0));
  Transmit t1 = s.tx;
  uint16_t id1 = s.query.id;
  std::vector<uint8_t> r1 = s.reply().a("", v4(192, 0, 2, 1)).bytes();
  ASSERT_TRUE(s.send(0));
  EXPECT_NE(s.tx.src_port, t1.src_port);
  EXPECT_NE(s.query.id, id1);
  EXPECT_EQ(s.query.question->type, wd::Type::Aaaa);
  EXPECT_FALSE(s.send(0));
  s.deliver(5, r1, none, wd::kPort, t1.src_port);
  EXPECT_EQ(s.r.status(h1), Status::Done);
  EXPECT_EQ(s.r.status(h2), Status::Pending);
}

TEST(DnsResolver, rejects_bad_names) {
  Sim s;
  std::string label63(63, 'x'), label64(64, 'x');
  std::string long253, long254;
  for (int i = 0; i < 4; ++i) long253 += std::string(i == 3 ? 61 : 63, 'a') + (i == 3 ? "" : ".");
  long254 = long253 + "a";
  ASSERT_EQ(long253.size(), 253u);
  for (const std::string& bad : {std::string(""), std::string("."), std::string("a..b"),
                                 std::string(".a"), label64 + ".com", long254})
    EXPECT_EQ(s.r.start(bad.data(), bad.size(), QueryType::A, at_ms(0)).error(), Error::BadName)
        << bad;
  EXPECT_EQ(s.r.start(nullptr, 3, QueryType::A, at_ms(0)).error(), Error::BadName);
  EXPECT_EQ(s.r.stats().queries, 0u);
  for (const std::string& good : {label63 + ".com", long253, std::string("host.example.")}) {
    auto h = s.r.start(good.data(), good.size(), QueryType::A, at_ms(0));
    ASSERT_TRUE(h) << good;
    s.r.release(*h);
  }
  // Any byte is allowed inside a label.
  const char odd[] = {'a', ' ', '\0', '_', '.', 'b'};
  EXPECT_TRUE(s.r.start(odd, sizeof odd, QueryType::A, at_ms(0)));
}

TEST(DnsResolver, without_servers_start_fails_and_nothing_is_sent) {
  Sim s(std::vector<IpAddress>{});
  EXPECT_EQ(s.r.start("a.example", 9, QueryType::A, at_ms(0)).error(), Error::NoServers);
  EXPECT_FALSE(s.r.poll_at());
  EXPECT_FALSE(s.send(0));
}

TEST(DnsResolver, runs_out_of_handles_and_release_frees_one) {
  Sim s;
  std::vector<QueryHandle> hs;
  for (size_t i = 0; i < config::kDnsQueries; ++i) hs.push_back(s.start("a.example.com", 0));
  EXPECT_EQ(s.r.start("b.example.com", 13, QueryType::A, at_ms(0)).error(), Error::NoRoom);
  s.r.release(hs[1]);
  EXPECT_EQ(s.r.status(hs[1]), Status::Failed);  // names no query now
  EXPECT_TRUE(s.r.start("b.example.com", 13, QueryType::A, at_ms(0)));
}

TEST(DnsResolver, release_cancels_a_pending_query) {
  Sim s;
  QueryHandle h = s.start("a.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.r.release(h);
  EXPECT_FALSE(s.r.owns_port(s.tx.src_port));
  EXPECT_FALSE(s.r.poll_at());
  s.deliver(5, s.reply().a("", v4(192, 0, 2, 1)).bytes());
  EXPECT_EQ(s.r.stats().unexpected, 1u);
}

TEST(DnsResolver, unknown_handles_report_failed_and_no_answer) {
  Sim s;
  EXPECT_EQ(s.r.status(0), Status::Failed);
  EXPECT_EQ(s.r.status(200), Status::Failed);
  EXPECT_EQ(s.r.answer(200), nullptr);
  s.r.release(200);  // harmless
}

// ---- answers ----

TEST(DnsResolver, resolves_an_a_record) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  EXPECT_EQ(s.r.answer(h), nullptr);
  s.deliver(30, s.reply().a("", v4(192, 0, 2, 80), 300).bytes());
  EXPECT_EQ(s.r.status(h), Status::Done);
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{v4(192, 0, 2, 80)}));
  EXPECT_EQ(s.r.answer(h)->ttl, Duration::seconds(300));
  EXPECT_FALSE(s.r.owns_port(s.tx.src_port));
  EXPECT_FALSE(s.r.poll_at());
  EXPECT_EQ(s.r.stats().answers, 1u);
}

TEST(DnsResolver, resolves_an_aaaa_record_and_ignores_a_records) {
  Sim s;
  QueryHandle h = s.start("v6.example.com", 0, QueryType::Aaaa);
  ASSERT_TRUE(s.send(0));
  Ipv6Address six{{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}};
  s.deliver(30, s.reply().a("", v4(192, 0, 2, 80)).aaaa("", six, 120).bytes());
  EXPECT_EQ(s.r.status(h), Status::Done);
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{IpAddress(six)}));
  EXPECT_EQ(s.r.answer(h)->ttl, Duration::seconds(120));
}

TEST(DnsResolver, ignores_records_of_other_owners_and_other_classes) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  uint8_t chaos_addr[4] = {192, 0, 2, 66};
  s.deliver(30, s.reply()
                    .a("other.example.com", v4(192, 0, 2, 99))
                    .raw(wd::Section::Answer, "", wd::Type::A, 3, Bytes(chaos_addr))
                    .a("", v4(192, 0, 2, 80))
                    .raw(wd::Section::Additional, "", wd::Type::A, wd::kClassIn,
                         Bytes(chaos_addr))
                    .bytes());
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{v4(192, 0, 2, 80)}));
}

TEST(DnsResolver, keeps_the_first_addresses_when_there_are_more_than_fit) {
  Sim s;
  QueryHandle h = s.start("many.example.com", 0);
  ASSERT_TRUE(s.send(0));
  Reply rep = s.reply();
  std::vector<IpAddress> expect;
  for (uint8_t i = 1; i <= config::kDnsMaxAddresses + 5; ++i) {
    rep.a("", v4(198, 51, 100, i));
    if (i <= config::kDnsMaxAddresses) expect.push_back(v4(198, 51, 100, i));
  }
  s.deliver(30, rep.bytes());
  EXPECT_EQ(s.addresses(h), expect);
  EXPECT_EQ(s.r.stats().addresses_dropped, 5u);
}

TEST(DnsResolver, walks_at_most_kmaxrecords_records_of_a_response) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  Reply rep = s.reply();
  const uint8_t txt[] = {1, 'x'};
  for (size_t i = 0; i < kMaxRecords; ++i)
    rep.raw(wd::Section::Answer, "", wd::Type::Txt, wd::kClassIn, Bytes(txt));
  rep.a("", v4(192, 0, 2, 80));  // record kMaxRecords + 1: never read
  s.deliver(30, rep.bytes());
  EXPECT_EQ(s.r.stats().records_limited, 1u);
  EXPECT_EQ(s.r.status(h), Status::NotFound);
}

TEST(DnsResolver, follows_a_cname_chain_in_one_response_with_the_smallest_ttl) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply()
                    .cname("", "web.example.net", 3600)
                    .cname("WEB.example.NET", "host.cdn.example", 90)  // owner case differs
                    .a("host.cdn.example", v4(203, 0, 113, 7), 600)
                    .a("host.cdn.example", v4(203, 0, 113, 8), 120)
                    .bytes());
  EXPECT_EQ(s.r.status(h), Status::Done);
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{v4(203, 0, 113, 7), v4(203, 0, 113, 8)}));
  EXPECT_EQ(s.r.answer(h)->ttl, Duration::seconds(90));
  EXPECT_EQ(s.r.stats().requeries, 0u);
}

TEST(DnsResolver, a_cname_without_addresses_is_asked_again_for_its_target) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  uint16_t first_id = s.query.id, first_port = s.tx.src_port;
  s.deliver(30, s.reply().cname("", "edge.example.net", 60).bytes());
  EXPECT_EQ(s.r.status(h), Status::Pending);
  EXPECT_EQ(s.r.stats().requeries, 1u);
  EXPECT_EQ(*s.r.poll_at(), at_ms(30));
  ASSERT_TRUE(s.send(30));
  EXPECT_EQ(s.qname(), "edge.example.net");
  EXPECT_EQ(s.tx.dst, kS1);
  EXPECT_NE(s.query.id, first_id);  // a new query: new id and port
  EXPECT_NE(s.tx.src_port, first_port);
  EXPECT_FALSE(s.r.owns_port(first_port));
  s.deliver(60, s.reply().a("", v4(192, 0, 2, 44), 300).bytes());
  EXPECT_EQ(s.r.status(h), Status::Done);
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{v4(192, 0, 2, 44)}));
  EXPECT_EQ(s.r.answer(h)->ttl, Duration::seconds(60));  // the CNAME's TTL bounds it
  // Cached under the name asked.
  QueryHandle again = s.start("WWW.example.com", 1000);
  EXPECT_EQ(s.r.status(again), Status::Done);
  EXPECT_EQ(s.addresses(again), (std::vector<IpAddress>{v4(192, 0, 2, 44)}));
}

TEST(DnsResolver, a_cname_ending_in_no_data_with_an_soa_is_not_found) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply().cname("", "edge.example.com").soa(300, 60).bytes());
  EXPECT_EQ(s.r.status(h), Status::NotFound);
  EXPECT_EQ(s.r.stats().requeries, 0u);
}

TEST(DnsResolver, a_cname_loop_in_one_response_fails) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply()
                    .cname("", "alias.example.com")
                    .cname("alias.example.com", "www.example.com")
                    .bytes());
  EXPECT_EQ(s.r.status(h), Status::Failed);
  EXPECT_EQ(s.r.stats().cname_loops, 1u);
  EXPECT_FALSE(s.r.poll_at());
}

TEST(DnsResolver, a_cname_to_itself_fails) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply().cname("", "WWW.EXAMPLE.COM").bytes());
  EXPECT_EQ(s.r.status(h), Status::Failed);
  EXPECT_EQ(s.r.stats().cname_loops, 1u);
}

TEST(DnsResolver, a_cname_chain_longer_than_the_bound_fails) {
  Sim s;
  QueryHandle h = s.start("c0.example.com", 0);
  ASSERT_TRUE(s.send(0));
  Reply rep = s.reply();
  std::vector<std::string> names;
  for (int i = 0; i <= kMaxCnames + 1; ++i) names.push_back("c" + std::to_string(i) + ".example.com");
  for (int i = 0; i <= kMaxCnames; ++i) rep.cname(names[i].c_str(), names[i + 1].c_str());
  rep.a(names.back().c_str(), v4(192, 0, 2, 1));
  s.deliver(30, rep.bytes());
  EXPECT_EQ(s.r.status(h), Status::Failed);
  EXPECT_EQ(s.r.stats().cname_loops, 1u);
}

TEST(DnsResolver, a_chain_of_exactly_the_bound_resolves) {
  Sim s;
  QueryHandle h = s.start("c0.example.com", 0);
  ASSERT_TRUE(s.send(0));
  Reply rep = s.reply();
  std::vector<std::string> names;
  for (int i = 0; i <= kMaxCnames; ++i) names.push_back("c" + std::to_string(i) + ".example.com");
  for (int i = 0; i < kMaxCnames; ++i) rep.cname(names[i].c_str(), names[i + 1].c_str());
  rep.a(names.back().c_str(), v4(192, 0, 2, 1));
  s.deliver(30, rep.bytes());
  EXPECT_EQ(s.r.status(h), Status::Done);
}

TEST(DnsResolver, cname_loops_across_requeries_are_bounded) {
  Sim s;
  QueryHandle h = s.start("a.example.com", 0);
  int sent = 0;
  // Every answer sends it to the other name: a → b → a → ... one CNAME per response.
  while (s.r.status(h) == Status::Pending && sent < 20) {
    ASSERT_TRUE(s.send(sent * 10));
    const char* next = s.qname() == "a.example.com" ? "b.example.com" : "a.example.com";
    s.deliver(sent * 10 + 5, s.reply().cname("", next).bytes());
    ++sent;
  }
  EXPECT_EQ(s.r.status(h), Status::Failed);
  EXPECT_EQ(sent, kMaxCnames + 1);
  EXPECT_EQ(s.r.stats().cname_loops, 1u);
}

// ---- negative answers ----

TEST(DnsResolver, nxdomain_is_not_found_and_cached_for_the_soa_minimum) {
  Sim s;
  QueryHandle h = s.start("nosuch.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply(wd::Rcode::NxDomain).soa(3600, 60).bytes());
  EXPECT_EQ(s.r.status(h), Status::NotFound);
  EXPECT_EQ(s.r.answer(h), nullptr);
  EXPECT_EQ(s.r.stats().not_found, 1u);
  s.r.release(h);
  h = s.start("nosuch.example.com", 30 + 59999);
  EXPECT_EQ(s.r.status(h), Status::NotFound);
  EXPECT_EQ(s.r.stats().cache_hits, 1u);
  s.r.release(h);
  h = s.start("nosuch.example.com", 30 + 60000);
  EXPECT_EQ(s.r.status(h), Status::Pending);
}

TEST(DnsResolver, negative_ttl_is_the_smaller_of_soa_ttl_and_minimum_and_bounded) {
  Config cfg;
  cfg.max_negative_ttl_s = 300;
  for (auto [ttl, minimum, expect_s] : {std::tuple<uint32_t, uint32_t, int64_t>{20, 600, 20},
                                        {86400, 86400, 300}}) {
    Sim s({kS1}, cfg);
    QueryHandle h = s.start("nosuch.example.com", 0);
    ASSERT_TRUE(s.send(0));
    s.deliver(0, s.reply(wd::Rcode::NxDomain).soa(ttl, minimum).bytes());
    s.r.release(h);
    h = s.start("nosuch.example.com", expect_s * 1000 - 1);
    EXPECT_EQ(s.r.status(h), Status::NotFound) << expect_s;
    s.r.release(h);
    h = s.start("nosuch.example.com", expect_s * 1000);
    EXPECT_EQ(s.r.status(h), Status::Pending) << expect_s;
  }
}

TEST(DnsResolver, a_negative_answer_without_soa_is_not_cached) {
  Sim s;
  QueryHandle h = s.start("nosuch.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply(wd::Rcode::NxDomain).bytes());
  EXPECT_EQ(s.r.status(h), Status::NotFound);
  s.r.release(h);
  h = s.start("nosuch.example.com", 40);
  EXPECT_EQ(s.r.status(h), Status::Pending);
}

TEST(DnsResolver, no_data_is_not_found) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0, QueryType::Aaaa);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply().soa(300, 300).bytes());
  EXPECT_EQ(s.r.status(h), Status::NotFound);
  s.r.release(h);
  EXPECT_EQ(s.r.status(s.start("www.example.com", 100, QueryType::Aaaa)), Status::NotFound);
  // The negative answer is for AAAA only.
  EXPECT_EQ(s.r.status(s.start("www.example.com", 100, QueryType::A)), Status::Pending);
}

// ---- ignored responses: counted, and the query keeps waiting ----

namespace {
// expect_still_waiting — nothing changed: the right answer is still taken afterwards.
void expect_still_waiting(Sim& s, QueryHandle h) {
  EXPECT_EQ(s.r.status(h), Status::Pending);
  EXPECT_TRUE(s.r.owns_port(s.tx.src_port));
  EXPECT_EQ(*s.r.poll_at(), at_ms(1000));
  s.deliver(40, s.reply().a("", v4(192, 0, 2, 80)).bytes());
  EXPECT_EQ(s.r.status(h), Status::Done);
}
}  // namespace

TEST(DnsResolver, ignores_a_response_with_another_id) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  auto m = s.reply().a("", v4(6, 6, 6, 6)).bytes();
  store_be16(m.data(), uint16_t(s.query.id + 1));
  s.deliver(30, m);
  EXPECT_EQ(s.r.stats().bad_id, 1u);
  expect_still_waiting(s, h);
}

TEST(DnsResolver, ignores_a_response_from_another_address) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply().a("", v4(6, 6, 6, 6)).bytes(), v4(192, 0, 2, 66));
  s.deliver(30, s.reply().a("", v4(6, 6, 6, 6)).bytes(), kS2);  // a server not asked yet
  EXPECT_EQ(s.r.stats().bad_source, 2u);
  expect_still_waiting(s, h);
}

TEST(DnsResolver, ignores_a_response_not_from_port_53) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply().a("", v4(6, 6, 6, 6)).bytes(), none, 5353);
  EXPECT_EQ(s.r.stats().bad_source_port, 1u);
  expect_still_waiting(s, h);
}

TEST(DnsResolver, ignores_a_response_to_another_port) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, s.reply().a("", v4(6, 6, 6, 6)).bytes(), none, wd::kPort,
            uint16_t(s.tx.src_port ^ 0x100));
  EXPECT_EQ(s.r.stats().unexpected, 1u);
  expect_still_waiting(s, h);
}

TEST(DnsResolver, ignores_a_response_for_another_question) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  wd::Repr other = s.query;
  uint8_t name[32];
  auto n = wd::encode_name(text("evil.example.com"), MutBytes(name));
  other.question->name = *wd::Name::parse(Bytes(name, *n), 0);
  s.deliver(30, Reply(other).a("", v4(6, 6, 6, 6)).bytes());  // another name
  wd::Repr aaaa = s.query;
  aaaa.question->type = wd::Type::Aaaa;
  s.deliver(30, Reply(aaaa).a("", v4(6, 6, 6, 6)).bytes());  // another type
  wd::Repr chaos = s.query;
  chaos.question->qclass = 3;
  s.deliver(30, Reply(chaos).a("", v4(6, 6, 6, 6)).bytes());  // another class
  wd::Repr none_q = s.query;
  none_q.question.reset();
  s.deliver(30, Reply(none_q).bytes());  // no question
  auto two = s.reply().a("", v4(6, 6, 6, 6)).bytes();
  two[5] = 2;  // qdcount 2: the answer record reads as a second question... malformed
  s.deliver(30, two);
  EXPECT_EQ(s.r.stats().bad_question, 4u);
  EXPECT_EQ(s.r.stats().malformed, 1u);
  expect_still_waiting(s, h);
}

TEST(DnsResolver, ignores_a_response_with_two_questions) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  wd::Repr hdr = s.query;
  hdr.response = true;
  std::vector<uint8_t> buf(512);
  auto b = wd::Builder::start(MutBytes(buf.data(), buf.size()), hdr);
  ASSERT_TRUE(b->add_question(wd::NameRef(s.query.question->name), wd::Type::A));
  ASSERT_TRUE(b->add_question(wd::NameRef::dotted(text("evil.example.com")), wd::Type::A));
  uint8_t rd[4] = {6, 6, 6, 6};
  ASSERT_TRUE(b->add_record(wd::Section::Answer, wd::NameRef::pointer(wd::kQuestionOffset),
                            wd::Type::A, wd::kClassIn, 300, Bytes(rd)));
  s.deliver(30, std::vector<uint8_t>(b->message().begin(), b->message().end()));
  EXPECT_EQ(s.r.stats().bad_question, 1u);
  expect_still_waiting(s, h);
}

TEST(DnsResolver, matches_the_question_name_case_insensitively) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  wd::Repr upper = s.query;
  uint8_t name[32];
  auto n = wd::encode_name(text("WWW.EXAMPLE.COM"), MutBytes(name));
  upper.question->name = *wd::Name::parse(Bytes(name, *n), 0);
  s.deliver(30, Reply(upper).a("", v4(192, 0, 2, 80)).bytes());
  EXPECT_EQ(s.r.status(h), Status::Done);
}

TEST(DnsResolver, ignores_a_query_echoed_back) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(30, std::vector<uint8_t>(s.sent, s.sent + s.tx.length));  // QR clear
  auto notify = s.reply().a("", v4(6, 6, 6, 6)).bytes();
  notify[2] = uint8_t((notify[2] & 0x87) | 4 << 3);  // opcode NOTIFY
  s.deliver(30, notify);
  EXPECT_EQ(s.r.stats().not_response, 2u);
  expect_still_waiting(s, h);
}

TEST(DnsResolver, ignores_a_response_with_a_compression_loop) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  auto m = s.reply().bytes();
  // One answer whose owner name is a pointer to itself.
  size_t at = m.size();
  m.push_back(uint8_t(0xc0 | at >> 8));
  m.push_back(uint8_t(at));
  const uint8_t fixed[] = {0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 6, 6, 6, 6};
  m.insert(m.end(), fixed, fixed + sizeof fixed);
  m[7] = 1;  // ancount
  s.deliver(30, m);
  // And a two-pointer loop: the answer's owner points at a later pointer back to it.
  auto m2 = s.reply().bytes();
  size_t a = m2.size();
  m2.push_back(uint8_t(0xc0 | (a + 16) >> 8));
  m2.push_back(uint8_t(a + 16));
  m2.insert(m2.end(), fixed, fixed + sizeof fixed);
  m2.push_back(uint8_t(0xc0 | a >> 8));
  m2.push_back(uint8_t(a));
  m2[7] = 1;
  s.deliver(30, m2);
  s.deliver(30, std::vector<uint8_t>(s.sent, s.sent + 11));  // shorter than a header
  EXPECT_EQ(s.r.stats().malformed, 3u);
  expect_still_waiting(s, h);
}

// ---- server failures and failover ----

TEST(DnsResolver, a_truncated_response_fails_that_server_and_asks_the_next_at_once) {
  Sim s;
  QueryHandle h = s.start("big.example.com", 0);
  ASSERT_TRUE(s.send(0));
  uint16_t id = s.query.id, port = s.tx.src_port;
  auto tc = s.reply().a("", v4(192, 0, 2, 1)).bytes();
  tc[2] |= 0x02;  // TC
  s.deliver(30, tc);
  EXPECT_EQ(s.r.stats().truncated, 1u);
  EXPECT_EQ(s.r.status(h), Status::Pending);
  EXPECT_EQ(*s.r.poll_at(), at_ms(30));
  ASSERT_TRUE(s.send(30));
  EXPECT_EQ(s.tx.dst, kS2);
  EXPECT_EQ(s.query.id, id);  // the same query, to another server
  EXPECT_EQ(s.tx.src_port, port);
  s.deliver(60, tc);  // TC from the second server too: nobody is left
  EXPECT_EQ(s.r.status(h), Status::Failed);
  EXPECT_EQ(s.r.stats().requests, 2u);
}

TEST(DnsResolver, servfail_and_refused_fail_over_and_fail_when_every_server_did) {
  Sim s({kS1, kS2, kS3});
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(10, s.reply(wd::Rcode::ServFail).bytes());
  ASSERT_TRUE(s.send(10));
  EXPECT_EQ(s.tx.dst, kS2);
  s.deliver(20, s.reply(wd::Rcode::Refused).bytes());
  ASSERT_TRUE(s.send(20));
  EXPECT_EQ(s.tx.dst, kS3);
  s.deliver(30, s.reply(wd::Rcode::NotImp).bytes());
  EXPECT_EQ(s.r.status(h), Status::Failed);
  EXPECT_EQ(s.r.stats().server_failures, 3u);
  EXPECT_FALSE(s.r.poll_at());
}

TEST(DnsResolver, a_failed_server_is_skipped_in_later_rounds) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(10, s.reply(wd::Rcode::ServFail).bytes());
  // Only the second server is asked from now on: 1 s, 2 s, 4 s, then Failed (a server
  // did answer, with an error).
  for (int64_t ms : {10, 1010, 3010}) {
    ASSERT_TRUE(s.send(ms)) << ms;
    EXPECT_EQ(s.tx.dst, kS2);
    EXPECT_FALSE(s.send(ms + 1));
  }
  EXPECT_FALSE(s.send(7010));
  EXPECT_EQ(s.r.status(h), Status::Failed);
}

TEST(DnsResolver, times_out_over_servers_and_rounds_with_doubling_timeouts) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  struct Step {
    int64_t ms;
    IpAddress dst;
  };
  // Round 1: 1 s per server; round 2: 2 s; round 3: 4 s.
  const Step steps[] = {{0, kS1}, {1000, kS2}, {2000, kS1}, {4000, kS2}, {6000, kS1},
                        {10000, kS2}};
  uint16_t id = 0, port = 0;
  for (const Step& st : steps) {
    EXPECT_EQ(*s.r.poll_at(), at_ms(st.ms));
    EXPECT_FALSE(s.send(st.ms - 1));
    ASSERT_TRUE(s.send(st.ms)) << st.ms;
    EXPECT_EQ(s.tx.dst, st.dst) << st.ms;
    if (st.ms == 0) {
      id = s.query.id;
      port = s.tx.src_port;
    }
    EXPECT_EQ(s.query.id, id);
    EXPECT_EQ(s.tx.src_port, port);
  }
  EXPECT_EQ(*s.r.poll_at(), at_ms(14000));
  EXPECT_FALSE(s.send(13999));
  EXPECT_EQ(s.r.status(h), Status::Pending);
  EXPECT_FALSE(s.send(14000));
  EXPECT_EQ(s.r.status(h), Status::TimedOut);
  EXPECT_EQ(s.r.stats().timeouts, 6u);
  EXPECT_EQ(s.r.stats().requests, 6u);
  EXPECT_FALSE(s.r.poll_at());
  EXPECT_FALSE(s.r.owns_port(port));
}

TEST(DnsResolver, the_timeout_doubling_is_bounded) {
  Config cfg;
  cfg.tries = 6;
  cfg.max_timeout = Duration::seconds(5);
  Sim s({kS1}, cfg);
  QueryHandle h = s.start("www.example.com", 0);
  int64_t t = 0;
  for (int64_t wait : {1000, 2000, 4000, 5000, 5000, 5000}) {
    ASSERT_TRUE(s.send(t)) << t;
    EXPECT_EQ(*s.r.poll_at(), at_ms(t + wait));
    t += wait;
  }
  EXPECT_FALSE(s.send(t));
  EXPECT_EQ(s.r.status(h), Status::TimedOut);
}

TEST(DnsResolver, a_late_answer_from_a_server_asked_earlier_is_taken) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  auto late = s.reply().a("", v4(192, 0, 2, 80)).bytes();
  ASSERT_TRUE(s.send(1000));
  ASSERT_EQ(s.tx.dst, kS2);
  s.deliver(1200, late, kS1);
  EXPECT_EQ(s.r.status(h), Status::Done);
}

TEST(DnsResolver, the_server_that_answered_is_asked_first_next_time) {
  Sim s;
  QueryHandle h = s.start("a.example.com", 0);
  ASSERT_TRUE(s.send(0));
  ASSERT_TRUE(s.send(1000));
  ASSERT_EQ(s.tx.dst, kS2);
  s.deliver(1010, s.reply().a("", v4(192, 0, 2, 80)).bytes());
  ASSERT_EQ(s.r.status(h), Status::Done);
  s.start("b.example.com", 2000);
  ASSERT_TRUE(s.send(2000));
  EXPECT_EQ(s.tx.dst, kS2);
  ASSERT_TRUE(s.send(3000));
  EXPECT_EQ(s.tx.dst, kS1);  // failover wraps round
}

TEST(DnsResolver, set_servers_restarts_pending_queries_or_ends_them) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  uint16_t old_port = s.tx.src_port;
  IpAddress one[] = {kS3};
  s.r.set_servers(Span<const IpAddress>(one));
  EXPECT_FALSE(s.r.owns_port(old_port));
  ASSERT_TRUE(s.send(10));
  EXPECT_EQ(s.tx.dst, kS3);
  s.r.set_servers(Span<const IpAddress>());
  EXPECT_EQ(s.r.status(h), Status::NoServers);
  EXPECT_FALSE(s.r.poll_at());
}

TEST(DnsResolver, keeps_at_most_kdnsservers_servers) {
  std::vector<IpAddress> many;
  for (uint8_t i = 1; i <= config::kDnsServers + 2; ++i) many.push_back(v4(192, 0, 2, i));
  Config cfg;
  cfg.tries = 1;
  Sim s(many, cfg);
  s.start("www.example.com", 0);
  size_t n = 0;
  for (int64_t t = 0; s.send(t); t += 1000) ++n;
  EXPECT_EQ(n, config::kDnsServers);
}

// ---- cache ----

TEST(DnsResolver, answers_from_the_cache_within_the_ttl_and_asks_again_after) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(500, s.reply().a("", v4(192, 0, 2, 80), 30).bytes());
  s.r.release(h);
  h = s.start("www.example.com", 500 + 29999);
  EXPECT_EQ(s.r.status(h), Status::Done);
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{v4(192, 0, 2, 80)}));
  EXPECT_EQ(s.r.answer(h)->ttl, Duration::millis(1));  // what is left of it
  EXPECT_EQ(s.r.stats().cache_hits, 1u);
  EXPECT_FALSE(s.r.poll_at());
  s.r.release(h);
  EXPECT_EQ(s.r.status(s.start("www.example.com", 500, QueryType::Aaaa)), Status::Pending);
  h = s.start("www.example.com", 500 + 30000);
  EXPECT_EQ(s.r.status(h), Status::Pending);
  EXPECT_EQ(s.r.stats().requests, 1u);
  EXPECT_TRUE(s.send(500 + 30000));
}

TEST(DnsResolver, ttl_is_capped_at_max_ttl_and_huge_ttls_read_as_zero) {
  Sim s;
  QueryHandle h = s.start("www.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(0, s.reply().a("", v4(192, 0, 2, 80), 7 * 86400).bytes());
  EXPECT_EQ(s.r.answer(h)->ttl, Duration::seconds(86400));
  h = s.start("zero.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(0, s.reply().a("", v4(192, 0, 2, 81), 0x80000000u).bytes());
  EXPECT_EQ(s.r.answer(h)->ttl, Duration::seconds(0));
  s.r.release(h);
  EXPECT_EQ(s.r.status(s.start("zero.example.com", 1)), Status::Pending);  // not cached
}

TEST(DnsResolver, a_full_cache_replaces_the_least_recently_used_entry) {
  Sim s({kS1});
  auto name = [](size_t i) { return "h" + std::to_string(i) + ".example.com"; };
  auto resolve = [&](size_t i, int64_t ms) {
    QueryHandle h = s.start(name(i).c_str(), ms);
    ASSERT_TRUE(s.send(ms));
    s.deliver(ms, s.reply().a("", v4(192, 0, 2, uint8_t(i)), 3600).bytes());
    ASSERT_EQ(s.r.status(h), Status::Done);
    s.r.release(h);
  };
  for (size_t i = 0; i < config::kDnsCacheEntries; ++i) resolve(i, int64_t(i) * 10);
  // Use entry 0 again: entry 1 is now the least recently used.
  QueryHandle h0 = s.start(name(0).c_str(), 1000);
  ASSERT_EQ(s.r.status(h0), Status::Done);
  s.r.release(h0);
  resolve(config::kDnsCacheEntries, 2000);
  EXPECT_EQ(s.r.stats().cache_evictions, 1u);
  for (size_t i = 0; i <= config::kDnsCacheEntries; ++i) {
    QueryHandle h = s.start(name(i).c_str(), 3000);
    EXPECT_EQ(s.r.status(h), i == 1 ? Status::Pending : Status::Done) << i;
    s.r.release(h);
  }
}

TEST(DnsResolver, expired_entries_are_reused_before_evicting_valid_ones) {
  Sim s({kS1});
  auto resolve = [&](const std::string& n, int64_t ms, uint32_t ttl) {
    QueryHandle h = s.start(n.c_str(), ms);
    ASSERT_TRUE(s.send(ms));
    s.deliver(ms, s.reply().a("", v4(192, 0, 2, 1), ttl).bytes());
    s.r.release(h);
  };
  resolve("short.example.com", 0, 1);
  for (size_t i = 1; i < config::kDnsCacheEntries; ++i)
    resolve("h" + std::to_string(i) + ".example.com", 0, 3600);
  resolve("new.example.com", 5000, 3600);
  EXPECT_EQ(s.r.stats().cache_evictions, 0u);
}

// ---- real dnsmasq responses (dns.pcap) ----

TEST(DnsResolver, takes_dnsmasq_answers_from_the_capture) {
  Sim s;
  QueryHandle h = s.start("host.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(5, captured(1, s.query.id));
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{v4(192, 0, 2, 20)}));

  h = s.start("host.example.com", 0, QueryType::Aaaa);  // TTL 0 there: nothing cached
  ASSERT_TRUE(s.send(0));
  s.deliver(5, captured(3, s.query.id));  // with an EDNS OPT record in additional
  Ipv6Address six{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20}};
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{IpAddress(six)}));
}

TEST(DnsResolver, follows_the_dnsmasq_cname_chain_from_the_capture) {
  Sim s;
  QueryHandle h = s.start("alias.example.com", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(5, captured(5, s.query.id));  // alias → mid → host → 192.0.2.20
  EXPECT_EQ(s.r.status(h), Status::Done);
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{v4(192, 0, 2, 20)}));
}

TEST(DnsResolver, dnsmasq_truncated_response_fails_over) {
  Sim s;
  QueryHandle h = s.start("many.example.org", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(5, captured(13, s.query.id));  // 29 A records, TC set
  EXPECT_EQ(s.r.stats().truncated, 1u);
  EXPECT_EQ(s.r.status(h), Status::Pending);
  ASSERT_TRUE(s.send(5));
  EXPECT_EQ(s.tx.dst, kS2);
}

TEST(DnsResolver, dnsmasq_many_records_keeps_the_first_addresses) {
  Sim s;
  QueryHandle h = s.start("many.example.org", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(5, captured(15, s.query.id));  // 40 A records (EDNS)
  std::vector<IpAddress> first = {v4(198, 51, 100, 30), v4(198, 51, 100, 20),
                                  v4(198, 51, 100, 31), v4(198, 51, 100, 15)};
  first.resize(config::kDnsMaxAddresses < 4 ? config::kDnsMaxAddresses : 4);
  auto got = s.addresses(h);
  ASSERT_EQ(got.size(), config::kDnsMaxAddresses);
  EXPECT_EQ(std::vector<IpAddress>(got.begin(), got.begin() + long(first.size())), first);
  EXPECT_EQ(s.r.stats().addresses_dropped, 40 - config::kDnsMaxAddresses);
}

TEST(DnsResolver, dnsmasq_authoritative_nxdomain_is_cached_by_its_soa) {
  Sim s;
  QueryHandle h = s.start("nosuch.auth.test", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(5, captured(21, s.query.id));
  EXPECT_EQ(s.r.status(h), Status::NotFound);
  s.r.release(h);
  EXPECT_EQ(s.r.status(s.start("nosuch.auth.test", 1000)), Status::NotFound);
}

TEST(DnsResolver, a_captured_response_for_another_name_is_ignored) {
  Sim s;
  QueryHandle h = s.start("www.auth.test", 0);
  ASSERT_TRUE(s.send(0));
  s.deliver(5, captured(1, s.query.id));  // host.example.com's answer
  EXPECT_EQ(s.r.stats().bad_question, 1u);
  s.deliver(6, captured(25, s.query.id));
  EXPECT_EQ(s.addresses(h), (std::vector<IpAddress>{v4(192, 0, 2, 30)}));
  EXPECT_EQ(s.r.answer(h)->ttl, Duration::seconds(600));
}
