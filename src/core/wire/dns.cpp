// dns.cpp — DNS header view, names, record walker, query Repr and message builder.
#include "core/wire/dns.hpp"

#include <string.h>

#include "core/base/byte_order.hpp"

namespace keel::wire::dns {

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  if (buf.size() > 0xffff) return Err(Error::Malformed);  // offsets are 16-bit
  return Packet(buf);
}

uint16_t Packet::id() const { return load_be16(buf_.data() + field::kId); }
uint16_t Packet::flags() const { return load_be16(buf_.data() + field::kFlags); }
uint16_t Packet::qdcount() const { return load_be16(buf_.data() + field::kQdCount); }
uint16_t Packet::ancount() const { return load_be16(buf_.data() + field::kAnCount); }
uint16_t Packet::nscount() const { return load_be16(buf_.data() + field::kNsCount); }
uint16_t Packet::arcount() const { return load_be16(buf_.data() + field::kArCount); }

namespace {

// Labels — steps through a name label by label, following compression pointers. Every
// check of the safety rules lives here; Name::parse runs it once over the whole name
// and later walks of the same name cannot fail, but stay bounded all the same.
struct Labels {
  Bytes msg;
  size_t pos;
  size_t run_start;   // start of the current label run: pointers must land before it
  size_t end = 0;     // offset just after the name in place (0 until known)
  size_t total = 0;   // expanded length so far
  uint8_t jumps = 0;

  Labels(Bytes m, size_t offset) : msg(m), pos(offset), run_start(offset) {}

  // next(label) — true with the next label; false at the root (label empty).
  Result<bool> next(Bytes& label) {
    for (;;) {
      if (pos >= msg.size()) return Err(Error::Truncated);
      uint8_t len = msg.data()[pos];
      if ((len & 0xc0) == 0xc0) {  // compression pointer (RFC 1035 §4.1.4)
        if (pos + 1 >= msg.size()) return Err(Error::Truncated);
        size_t target = static_cast<size_t>(len & 0x3f) << 8 | msg.data()[pos + 1];
        if (end == 0) end = pos + 2;
        if (target >= run_start || ++jumps > kMaxPointerJumps) return Err(Error::Malformed);
        pos = run_start = target;
        continue;
      }
      if (len > kMaxLabelLen) return Err(Error::Malformed);  // 0x40 / 0x80 label types
      if (len == 0) {
        if (end == 0) end = pos + 1;
        total += 1;
        label = Bytes();
        return false;
      }
      total += 1u + len;
      if (total >= kMaxNameLen) return Err(Error::Malformed);  // no room left for the root
      if (!msg.in_bounds(pos + 1, len)) return Err(Error::Truncated);
      label = msg.subspan(pos + 1, len);
      pos += 1u + len;
      return true;
    }
  }
};

uint8_t fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c; }

bool same_label(Bytes a, const uint8_t* b, size_t blen) {
  if (a.size() != blen) return false;
  for (size_t i = 0; i < blen; ++i)
    if (fold(a.data()[i]) != fold(b[i])) return false;
  return true;
}

// next_of(l) — the next label of a validated name (empty at the root or on failure).
Bytes next_of(Labels& l) {
  Bytes label;
  Result<bool> more = l.next(label);
  return (more && *more) ? label : Bytes();
}

}  // namespace

// ---- names ----

Result<Name> Name::parse(Bytes msg, size_t offset) {
  if (msg.size() > 0xffff) return Err(Error::Malformed);
  if (offset >= msg.size()) return Err(Error::Truncated);
  Labels l(msg, offset);
  Bytes label;
  for (;;) {
    Result<bool> more = l.next(label);
    if (!more) return Err(more.error());
    if (!*more) break;
  }
  Name n;
  n.msg_ = msg;
  n.offset_ = static_cast<uint16_t>(offset);
  n.in_place_len_ = static_cast<uint16_t>(l.end - offset);
  n.wire_len_ = static_cast<uint16_t>(l.total);
  return n;
}

Result<size_t> Name::read_wire(MutBytes out) const {
  if (out.size() < wire_len_) return Err(Error::BufferTooSmall);
  Labels l(msg_, offset_);
  size_t n = 0;
  for (Bytes label = next_of(l); !label.empty(); label = next_of(l)) {
    out.data()[n] = static_cast<uint8_t>(label.size());
    memcpy(out.data() + n + 1, label.data(), label.size());
    n += 1 + label.size();
  }
  out.data()[n] = 0;
  return n + 1;
}

Result<size_t> Name::read_dotted(MutBytes out) const {
  size_t len = is_root() ? 1 : wire_len_ - 2u;
  if (out.size() < len + 1) return Err(Error::BufferTooSmall);
  uint8_t* p = out.data();
  if (is_root()) p[0] = '.';
  Labels l(msg_, offset_);
  size_t n = 0;
  for (Bytes label = next_of(l); !label.empty(); label = next_of(l)) {
    if (n != 0) p[n++] = '.';
    memcpy(p + n, label.data(), label.size());
    n += label.size();
  }
  p[len] = 0;
  return len;
}

bool Name::equals(const Name& other) const {
  if (wire_len_ != other.wire_len_) return false;
  Labels a(msg_, offset_), b(other.msg_, other.offset_);
  for (;;) {
    Bytes x = next_of(a), y = next_of(b);
    if (!same_label(x, y.data(), y.size())) return false;
    if (x.empty()) return true;
  }
}

bool Name::equals_dotted(Bytes text) const {
  size_t n = text.size();
  if (n != 0 && text.data()[n - 1] == '.') --n;  // the trailing dot of an absolute name
  Labels l(msg_, offset_);
  size_t pos = 0;
  for (Bytes label = next_of(l); !label.empty(); label = next_of(l)) {
    if (pos != 0) {
      if (pos >= n || text.data()[pos] != '.') return false;
      ++pos;
    }
    if (label.size() > n - pos || !same_label(label, text.data() + pos, label.size()))
      return false;
    pos += label.size();
  }
  return pos == n;
}

Result<size_t> encode_name(Bytes text, MutBytes out) {
  size_t n = text.size();
  if (n != 0 && text.data()[n - 1] == '.') --n;
  size_t need = n == 0 ? 1 : n + 2;  // a length byte per label, the root byte
  if (need > kMaxNameLen) return Err(Error::Malformed);
  if (out.size() < need) return Err(Error::BufferTooSmall);
  uint8_t* p = out.data();
  size_t len_at = 0;
  for (size_t i = 0; i <= n; ++i) {
    if (i == n || text.data()[i] == '.') {
      size_t len = i - len_at;
      if (n != 0 && (len == 0 || len > kMaxLabelLen)) return Err(Error::Malformed);
      p[len_at] = static_cast<uint8_t>(len);
      len_at = i + 1;
    } else {
      p[i + 1] = text.data()[i];
    }
  }
  p[need - 1] = 0;
  return need;
}

// ---- records ----

Result<Ipv4Address> Record::a() const {
  if (type != Type::A || rclass != kClassIn) return Err(Error::Unsupported);
  if (rdata.size() != 4) return Err(Error::Malformed);
  return Ipv4Address::from(rdata);
}

Result<Ipv6Address> Record::aaaa() const {
  if (type != Type::Aaaa || rclass != kClassIn) return Err(Error::Unsupported);
  if (rdata.size() != 16) return Err(Error::Malformed);
  return Ipv6Address::from(rdata);
}

namespace {
// name_in_rdata(r, at) — the name at rdata offset at, which must lie inside rdata.
Result<Name> name_in_rdata(const Record& r, size_t at) {
  if (at >= r.rdata.size()) return Err(Error::Malformed);
  Result<Name> n = Name::parse(r.name.message().first(r.rdata_offset + r.rdata.size()),
                               r.rdata_offset + at);
  if (!n) return Err(Error::Malformed);
  return n;
}
}  // namespace

Result<Name> Record::target() const {
  if (type != Type::Cname && type != Type::Ns && type != Type::Ptr) return Err(Error::Unsupported);
  Result<Name> n = name_in_rdata(*this, 0);
  if (n && n->in_place().size() != rdata.size()) return Err(Error::Malformed);
  return n;
}

Result<Mx> Record::mx() const {
  if (type != Type::Mx) return Err(Error::Unsupported);
  Result<Name> n = name_in_rdata(*this, 2);
  if (!n) return Err(n.error());
  if (2 + n->in_place().size() != rdata.size()) return Err(Error::Malformed);
  Mx mx;
  mx.preference = load_be16(rdata.data());
  mx.exchange = *n;
  return mx;
}

Result<Soa> Record::soa() const {
  if (type != Type::Soa) return Err(Error::Unsupported);
  Result<Name> m = name_in_rdata(*this, 0);
  if (!m) return Err(m.error());
  Result<Name> r = name_in_rdata(*this, m->in_place().size());
  if (!r) return Err(r.error());
  size_t at = m->in_place().size() + r->in_place().size();
  if (at + 20 != rdata.size()) return Err(Error::Malformed);
  Soa s;
  s.mname = *m;
  s.rname = *r;
  const uint8_t* p = rdata.data() + at;
  s.serial = load_be32(p);
  s.refresh = load_be32(p + 4);
  s.retry = load_be32(p + 8);
  s.expire = load_be32(p + 12);
  s.minimum = load_be32(p + 16);
  return s;
}

Status Record::check_rdata() const {
  bool ok = true;
  switch (type) {
    case Type::A: ok = rclass != kClassIn || a(); break;
    case Type::Aaaa: ok = rclass != kClassIn || aaaa(); break;
    case Type::Cname:
    case Type::Ns:
    case Type::Ptr: ok = bool(target()); break;
    case Type::Mx: ok = bool(mx()); break;
    case Type::Soa: ok = bool(soa()); break;
    case Type::Txt: {
      // One or more character-strings filling rdata exactly (RFC 1035 §3.3.14).
      size_t i = 0;
      while (i < rdata.size()) i += 1u + rdata.data()[i];
      ok = !rdata.empty() && i == rdata.size();
      break;
    }
    default: break;
  }
  if (!ok) return Err(Error::Malformed);
  return {};
}

// ---- the walker ----

Reader::Reader(const Packet& packet) : msg_(packet.bytes()) {
  left_[0] = packet.qdcount();
  left_[1] = packet.ancount();
  left_[2] = packet.nscount();
  left_[3] = packet.arcount();
}

Result<size_t> Reader::entry(Name& name, size_t fixed_len) {
  Result<Name> n = Name::parse(msg_, pos_);
  if (!n) return Err(n.error());
  size_t at = pos_ + n->in_place().size();
  if (!msg_.in_bounds(at, fixed_len)) return Err(Error::Truncated);
  name = *n;
  return at;
}

Result<bool> Reader::next_question(Question& out) {
  if (left_[0] == 0) return false;
  Result<size_t> at = entry(out.name, 4);
  if (!at) return Err(at.error());
  const uint8_t* p = msg_.data() + *at;
  out.type = static_cast<Type>(load_be16(p));
  out.qclass = load_be16(p + 2);
  pos_ = *at + 4;
  --left_[0];
  return true;
}

Result<bool> Reader::next_record(Record& out) {
  Question q;
  for (;;) {
    Result<bool> more = next_question(q);
    if (!more) return Err(more.error());
    if (!*more) break;
  }
  while (section_ < 4 && left_[section_] == 0) ++section_;
  if (section_ == 4) {
    section_ = 3;
    return false;
  }
  Result<size_t> at = entry(out.name, 10);
  if (!at) return Err(at.error());
  const uint8_t* p = msg_.data() + *at;
  uint16_t rdlength = load_be16(p + 8);
  size_t rdata = *at + 10;
  if (!msg_.in_bounds(rdata, rdlength)) return Err(Error::Truncated);
  out.type = static_cast<Type>(load_be16(p));
  out.rclass = load_be16(p + 2);
  out.ttl = load_be32(p + 4);
  out.rdata_offset = static_cast<uint16_t>(rdata);
  out.rdata = msg_.subspan(rdata, rdlength);
  Status st = out.check_rdata();
  if (!st) return Err(st.error());
  pos_ = rdata + rdlength;
  --left_[section_];
  return true;
}

// ---- Repr ----

Result<Repr> Repr::parse(const Packet& packet) {
  uint16_t f = packet.flags();
  Repr r;
  r.id = packet.id();
  r.response = f & flag::kQr;
  r.opcode = packet.opcode();
  r.authoritative = f & flag::kAa;
  r.truncated = f & flag::kTc;
  r.recursion_desired = f & flag::kRd;
  r.recursion_available = f & flag::kRa;
  r.authentic_data = f & flag::kAd;
  r.checking_disabled = f & flag::kCd;
  r.rcode = packet.rcode();
  Reader reader(packet);
  Question q;
  Result<bool> more = reader.next_question(q);
  if (!more) return Err(more.error());
  if (*more) r.question = q;
  Record rec;
  for (;;) {
    more = reader.next_record(rec);  // also walks the remaining questions
    if (!more) return Err(more.error());
    if (!*more) break;
  }
  return r;
}

size_t Repr::buffer_len() const {
  return kHeaderLen + (question ? question->name.wire_len() + 4 : 0);
}

Status Repr::emit(MutBytes buf) const {
  if (buf.size() < buffer_len()) return Err(Error::BufferTooSmall);
  Result<Builder> b = Builder::start(buf, *this);
  if (!b) return Err(b.error());
  if (question) {
    Result<uint16_t> at = b->add_question(NameRef(question->name), question->type,
                                          question->qclass);
    if (!at) return Err(at.error());
  }
  return {};
}

// ---- Builder ----

NameRef NameRef::dotted(Bytes t) {
  NameRef n;
  n.kind = Kind::Dotted;
  n.text = t;
  return n;
}

NameRef NameRef::pointer(uint16_t offset) {
  NameRef n;
  n.offset = offset;
  return n;
}

Result<Builder> Builder::start(MutBytes buf, const Repr& h) {
  if (buf.size() < kHeaderLen) return Err(Error::BufferTooSmall);
  uint16_t f = static_cast<uint16_t>((static_cast<unsigned>(h.opcode) & 15) << 11 |
                                     (static_cast<unsigned>(h.rcode) & 15));
  if (h.response) f |= flag::kQr;
  if (h.authoritative) f |= flag::kAa;
  if (h.truncated) f |= flag::kTc;
  if (h.recursion_desired) f |= flag::kRd;
  if (h.recursion_available) f |= flag::kRa;
  if (h.authentic_data) f |= flag::kAd;
  if (h.checking_disabled) f |= flag::kCd;
  uint8_t* p = buf.data();
  memset(p, 0, kHeaderLen);
  store_be16(p + field::kId, h.id);
  store_be16(p + field::kFlags, f);
  Builder b(buf.first(0xffff));  // a message is at most 64 KiB: offsets fit 16 bits
  b.len_ = kHeaderLen;
  return b;
}

Result<uint16_t> Builder::put_name(const NameRef& n) {
  MutBytes room = buf_.from(len_);
  Result<size_t> written = Err(Error::Malformed);
  switch (n.kind) {
    case NameRef::Kind::Name: written = n.name.read_wire(room); break;
    case NameRef::Kind::Dotted: written = encode_name(n.text, room); break;
    case NameRef::Kind::Pointer:
      // It must point back at a name already written, after the header.
      if (n.offset < kHeaderLen || n.offset >= len_ || n.offset > 0x3fff)
        return Err(Error::Malformed);
      if (room.size() < 2) return Err(Error::BufferTooSmall);
      store_be16(room.data(), static_cast<uint16_t>(0xc000 | n.offset));
      written = size_t{2};
      break;
  }
  if (!written) return Err(written.error());
  uint16_t at = static_cast<uint16_t>(len_);
  len_ += *written;
  return at;
}

Status Builder::put_fixed(const uint8_t* data, size_t len) {
  if (buf_.size() - len_ < len) return Err(Error::BufferTooSmall);
  if (len != 0) memcpy(buf_.data() + len_, data, len);
  len_ += len;
  return {};
}

void Builder::count(Section section) {
  section_ = static_cast<uint8_t>(section);
  uint8_t* c = buf_.data() + field::kQdCount + 2 * static_cast<size_t>(section);
  store_be16(c, static_cast<uint16_t>(load_be16(c) + 1));
}

Result<uint16_t> Builder::add_question(const NameRef& name, Type type, uint16_t qclass) {
  if (section_ != 0) return Err(Error::Malformed);
  size_t save = len_;
  Result<uint16_t> at = put_name(name);
  uint8_t fixed[4];
  store_be16(fixed, static_cast<uint16_t>(type));
  store_be16(fixed + 2, qclass);
  Status st = at ? put_fixed(fixed, 4) : Status(Err(at.error()));
  if (!st) {
    len_ = save;
    return Err(st.error());
  }
  count(Section::Question);
  return at;
}

Result<uint16_t> Builder::add(Section section, const NameRef& owner, Type type, uint16_t rclass,
                              uint32_t ttl, Bytes rdata, const NameRef* name,
                              uint16_t* name_at) {
  if (section == Section::Question || static_cast<uint8_t>(section) < section_)
    return Err(Error::Malformed);
  size_t save = len_;
  Result<uint16_t> at = put_name(owner);
  Status st = at ? Status() : Status(Err(at.error()));
  size_t fixed_at = len_;
  uint8_t fixed[10];
  store_be16(fixed, static_cast<uint16_t>(type));
  store_be16(fixed + 2, rclass);
  store_be32(fixed + 4, ttl);
  store_be16(fixed + 8, 0);  // rdlength, set below
  if (st) st = put_fixed(fixed, 10);
  if (st) st = put_fixed(rdata.data(), rdata.size());
  if (st && name) {
    Result<uint16_t> n = put_name(*name);
    if (n) *name_at = *n;
    else st = Err(n.error());
  }
  if (st && len_ - fixed_at - 10 > 0xffff) st = Err(Error::Malformed);
  if (!st) {
    len_ = save;
    return Err(st.error());
  }
  store_be16(buf_.data() + fixed_at + 8, static_cast<uint16_t>(len_ - fixed_at - 10));
  count(section);
  return at;
}

Result<uint16_t> Builder::add_record(Section section, const NameRef& owner, Type type,
                                     uint16_t rclass, uint32_t ttl, Bytes rdata) {
  return add(section, owner, type, rclass, ttl, rdata, nullptr, nullptr);
}

Result<uint16_t> Builder::add_name_record(Section section, const NameRef& owner, Type type,
                                          uint32_t ttl, const NameRef& target) {
  uint16_t name_at = 0;
  Result<uint16_t> r = add(section, owner, type, kClassIn, ttl, Bytes(), &target, &name_at);
  if (!r) return r;
  return name_at;
}

Result<uint16_t> Builder::add_mx(Section section, const NameRef& owner, uint32_t ttl,
                                 uint16_t preference, const NameRef& exchange) {
  uint8_t pref[2];
  store_be16(pref, preference);
  uint16_t name_at = 0;
  Result<uint16_t> r = add(section, owner, Type::Mx, kClassIn, ttl, Bytes(pref), &exchange,
                           &name_at);
  if (!r) return r;
  return name_at;
}

}  // namespace keel::wire::dns
