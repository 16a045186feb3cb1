// fuzz_dns.cpp — any bytes through dns::Packet::check, the Reader (every question and
// record, every typed accessor, every name read and compared) and Repr::parse. Whatever
// parses is re-emitted twice and must parse back the same: the Repr as a query, and the
// whole message rebuilt by the Builder with every name written in full.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/wire/dns.hpp"

using namespace keel;
using namespace keel::wire;

namespace {

void touch(const dns::Name& n) {
  uint8_t wire[dns::kMaxNameLen], dotted[dns::kMaxDottedLen];
  auto w = n.read_wire(MutBytes(wire));
  auto d = n.read_dotted(MutBytes(dotted));
  if (!w || !d || *w != n.wire_len()) abort();
  // A name equals its own expansion, and its dotted form unless a label holds a dot.
  auto copy = dns::Name::parse(Bytes(wire, *w), 0);
  if (!copy || !copy->equals(n) || !n.equals(*copy)) abort();
  if (!memchr(wire, '.', *w) && !n.is_root() && !n.equals_dotted(Bytes(dotted, *d))) abort();
}

bool same_rdata(const dns::Record& a, const dns::Record& b) {
  switch (a.type) {
    case dns::Type::Cname:
    case dns::Type::Ns:
    case dns::Type::Ptr: return a.target().value().equals(b.target().value());
    case dns::Type::Mx:
      return a.mx().value().preference == b.mx().value().preference &&
             a.mx().value().exchange.equals(b.mx().value().exchange);
    case dns::Type::Soa: {
      auto x = a.soa().value(), y = b.soa().value();
      return x.mname.equals(y.mname) && x.rname.equals(y.rname) && x.serial == y.serial &&
             x.refresh == y.refresh && x.retry == y.retry && x.expire == y.expire &&
             x.minimum == y.minimum;
    }
    default: return equal_bytes(a.rdata, b.rdata);
  }
}

// rebuild(m, out) — every question and record of m through the Builder, names in full.
// False if it does not fit (expansion can outgrow 64 KiB); aborts on any other failure.
bool rebuild(const dns::Packet& p, const dns::Repr& h, std::vector<uint8_t>& out) {
  out.assign(0x10000, 0);
  auto b = dns::Builder::start(MutBytes(out.data(), out.size()), h);
  if (!b) abort();
  dns::Reader reader(p);
  dns::Question q;
  for (;;) {
    auto more = reader.next_question(q);
    if (!more) abort();
    if (!*more) break;
    auto at = b->add_question(dns::NameRef(q.name), q.type, q.qclass);
    if (!at) return at.error() == Error::BufferTooSmall ? false : (abort(), false);
  }
  dns::Record r;
  for (;;) {
    auto more = reader.next_record(r);
    if (!more) abort();
    if (!*more) break;
    wire::Result<uint16_t> at = Err(Error::Malformed);
    dns::NameRef owner(r.name);
    bool in = r.rclass == dns::kClassIn;
    uint8_t rd[2 * dns::kMaxNameLen + 20];  // rdata with its names expanded
    if (in && (r.type == dns::Type::Cname || r.type == dns::Type::Ns || r.type == dns::Type::Ptr)) {
      at = b->add_name_record(reader.section(), owner, r.type, r.ttl,
                              dns::NameRef(r.target().value()));
    } else if (in && r.type == dns::Type::Mx) {
      at = b->add_mx(reader.section(), owner, r.ttl, r.mx().value().preference,
                     dns::NameRef(r.mx().value().exchange));
    } else if (r.type == dns::Type::Cname || r.type == dns::Type::Ns || r.type == dns::Type::Ptr) {
      size_t n = r.target().value().read_wire(MutBytes(rd)).value();
      at = b->add_record(reader.section(), owner, r.type, r.rclass, r.ttl, Bytes(rd, n));
    } else if (r.type == dns::Type::Mx) {
      memcpy(rd, r.rdata.data(), 2);
      size_t n = r.mx().value().exchange.read_wire(MutBytes(rd + 2, sizeof rd - 2)).value();
      at = b->add_record(reader.section(), owner, r.type, r.rclass, r.ttl, Bytes(rd, n + 2));
    } else if (r.type == dns::Type::Soa) {
      auto s = r.soa().value();
      size_t n = s.mname.read_wire(MutBytes(rd)).value();
      n += s.rname.read_wire(MutBytes(rd + n, sizeof rd - n)).value();
      memcpy(rd + n, r.rdata.data() + r.rdata.size() - 20, 20);
      at = b->add_record(reader.section(), owner, r.type, r.rclass, r.ttl, Bytes(rd, n + 20));
    } else {
      at = b->add_record(reader.section(), owner, r.type, r.rclass, r.ttl, r.rdata);
    }
    if (!at) {
      if (at.error() == Error::BufferTooSmall) return false;
      abort();
    }
  }
  out.resize(b->size());
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = dns::Packet::check(Bytes(data, size));
  if (!p) return 0;
  // The walker alone, to its end or its first error, touching everything it returns.
  {
    dns::Reader reader(*p);
    dns::Question q;
    while (true) {
      auto more = reader.next_question(q);
      if (!more || !*more) break;
      touch(q.name);
    }
    dns::Record r;
    while (true) {
      auto more = reader.next_record(r);
      if (!more || !*more) break;
      touch(r.name);
      (void)r.a();
      (void)r.aaaa();
      if (auto t = r.target()) touch(*t);
      if (auto m = r.mx()) touch(m->exchange);
      if (auto s = r.soa()) {
        touch(s->mname);
        touch(s->rname);
      }
    }
  }
  auto r = dns::Repr::parse(*p);
  if (!r) return 0;

  // As a query: header and first question.
  std::vector<uint8_t> out(r->buffer_len());
  if (!r->emit(MutBytes(out.data(), out.size()))) abort();
  auto p2 = dns::Packet::check(Bytes(out.data(), out.size()));
  if (!p2) abort();
  auto r2 = dns::Repr::parse(*p2);
  if (!r2 || r2->id != r->id || r2->response != r->response || r2->opcode != r->opcode ||
      r2->authoritative != r->authoritative || r2->truncated != r->truncated ||
      r2->recursion_desired != r->recursion_desired ||
      r2->recursion_available != r->recursion_available ||
      r2->authentic_data != r->authentic_data || r2->checking_disabled != r->checking_disabled ||
      r2->rcode != r->rcode || r2->question.has_value() != r->question.has_value())
    abort();
  if (r->question && (!r2->question->name.equals(r->question->name) ||
                      r2->question->type != r->question->type ||
                      r2->question->qclass != r->question->qclass))
    abort();

  // The whole message through the Builder: every record parses back the same.
  std::vector<uint8_t> all;
  if (!rebuild(*p, *r, all)) return 0;
  auto p3 = dns::Packet::check(Bytes(all.data(), all.size()));
  if (!p3 || !dns::Repr::parse(*p3)) abort();
  dns::Reader a(*p), b(*p3);
  dns::Record x, y;
  for (;;) {
    auto ma = a.next_record(x), mb = b.next_record(y);
    if (!ma || !mb || *ma != *mb) abort();
    if (!*ma) break;
    if (a.section() != b.section() || x.type != y.type || x.rclass != y.rclass ||
        x.ttl != y.ttl || !x.name.equals(y.name) || !same_rdata(x, y))
      abort();
  }
  return 0;
}
