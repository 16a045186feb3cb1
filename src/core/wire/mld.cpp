// mld.cpp — MLD message views, record cursor and Repr.
#include "core/wire/mld.hpp"

#include <string.h>

#include "core/base/byte_order.hpp"

namespace keel::wire::mld {

namespace {

using icmpv6::Type;

Ipv6Address address_at(Bytes b, size_t at) { return Ipv6Address::from(b.subspan(at, 16)); }

// copy(dst, src) — src to dst unless it is already there (a caller building in place).
void copy(uint8_t* dst, Bytes src) {
  if (!src.empty() && src.data() != dst) memmove(dst, src.data(), src.size());
}

bool is_v1(Type t) { return t == Type::MldQuery || t == Type::MldReport || t == Type::MldDone; }

}  // namespace

uint32_t max_resp_delay(uint16_t code) {
  if (code < 0x8000) return code;
  uint32_t mant = code & 0x0fff, exp = (code >> 12) & 7;
  return (mant | 0x1000) << (exp + 3);
}

uint32_t query_interval(uint8_t qqic) {
  if (qqic < 0x80) return qqic;
  uint32_t mant = qqic & 0x0f, exp = (qqic >> 4) & 7;
  return (mant | 0x10) << (exp + 3);
}

Status Record::emit(MutBytes buf) const {
  if (sources.size() % 16 != 0 || sources.size() / 16 > 0xffff || aux.size() % 4 != 0 ||
      aux.size() / 4 > 0xff)
    return Err(Error::Malformed);
  if (buf.size() < buffer_len()) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  p[rec::kType] = type;
  p[rec::kAuxLen] = static_cast<uint8_t>(aux.size() / 4);
  store_be16(p + rec::kNumSources, static_cast<uint16_t>(sources.size() / 16));
  memcpy(p + rec::kAddress, address.bytes, 16);
  copy(p + rec::kSources, sources);
  copy(p + rec::kSources + sources.size(), aux);
  return {};
}

Result<Optional<Record>> RecordCursor::next() {
  if (left_ == 0) return Optional<Record>();
  size_t room = buf_.size() - pos_;
  const uint8_t* p = buf_.data() + pos_;
  size_t sources = 0, aux = 0;
  if (room >= kRecordHeaderLen) {
    sources = size_t{load_be16(p + rec::kNumSources)} * 16;
    aux = size_t{p[rec::kAuxLen]} * 4;
  }
  if (room < kRecordHeaderLen || kRecordHeaderLen + sources + aux > room) {
    left_ = 0;
    return Err(Error::Truncated);
  }
  Record r;
  r.type = p[rec::kType];
  r.address = address_at(buf_, pos_ + rec::kAddress);
  r.sources = buf_.subspan(pos_ + rec::kSources, sources);
  r.aux = buf_.subspan(pos_ + rec::kSources + sources, aux);
  pos_ += kRecordHeaderLen + sources + aux;
  --left_;
  return Optional<Record>(r);
}

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < icmpv6::kHeaderLen) return Err(Error::Truncated);
  Packet p(buf);
  Type t = p.type();
  if (t == Type::MldV2Report) {
    RecordCursor c = p.records();
    for (;;) {
      auto r = c.next();
      if (!r) return Err(r.error());
      if (!r->has_value()) return p;
    }
  }
  if (!is_v1(t)) return Err(Error::Unsupported);
  if (buf.size() < kV1Len) return Err(Error::Truncated);
  if (t != Type::MldQuery || buf.size() == kV1Len) return p;
  if (buf.size() < kV2QueryLen) return Err(Error::Malformed);  // RFC 3810 §8.1
  if (field::kSources + 16 * size_t{p.num_sources()} > buf.size()) return Err(Error::Truncated);
  return p;
}

Type Packet::type() const { return static_cast<Type>(buf_.data()[icmpv6::field::kType]); }
uint8_t Packet::code() const { return buf_.data()[icmpv6::field::kCode]; }
bool Packet::is_v2_query() const {
  return type() == Type::MldQuery && buf_.size() >= kV2QueryLen;
}
uint16_t Packet::max_resp_code() const {
  return is_v1(type()) ? load_be16(buf_.data() + field::kMaxResp) : 0;
}
Ipv6Address Packet::address() const {
  return is_v1(type()) ? address_at(buf_, field::kAddress) : Ipv6Address{};
}
uint8_t Packet::flags() const { return is_v2_query() ? buf_.data()[field::kFlags] : 0; }
uint8_t Packet::qqic() const { return is_v2_query() ? buf_.data()[field::kQqic] : 0; }
uint16_t Packet::num_sources() const {
  return is_v2_query() ? load_be16(buf_.data() + field::kNumSources) : 0;
}
Bytes Packet::sources() const {
  return is_v2_query() ? buf_.subspan(field::kSources, 16 * size_t{num_sources()}) : Bytes();
}
uint16_t Packet::num_records() const {
  return type() == Type::MldV2Report ? load_be16(buf_.data() + field::kNumRecords) : 0;
}
RecordCursor Packet::records() const {
  return RecordCursor(buf_.from(field::kRecords), num_records());
}

Result<Repr> Repr::parse(const Packet& packet, const Ipv6Address& src, const Ipv6Address& dst,
                         bool verify_checksum) {
  if (verify_checksum && !icmpv6::verify_checksum(packet.message(), src, dst))
    return Err(Error::BadChecksum);
  Repr r;
  r.type = packet.type();
  bool query = r.type == Type::MldQuery;
  if (!src.is_link_local() && (query || !src.is_unspecified())) return Err(Error::Malformed);
  if (r.type == Type::MldV2Report) {
    r.v2 = true;
    r.num_records = packet.num_records();
    RecordCursor c = packet.records();
    for (;;) {  // check() walked them already: this only finds where they end
      auto rec = c.next();
      if (!rec || !rec->has_value()) break;
    }
    r.records = packet.message().subspan(field::kRecords, c.offset());
    return r;
  }
  r.address = packet.address();
  if (!r.address.is_multicast() && !(query && r.address.is_unspecified()))
    return Err(Error::Malformed);
  if (!query) return r;  // a report's or done's max response delay is ignored
  r.max_resp_code = packet.max_resp_code();
  if (packet.is_v2_query()) {
    r.v2 = true;
    r.suppress = (packet.flags() & kSuppress) != 0;
    r.qrv = packet.flags() & kQrvMask;
    r.qqic = packet.qqic();
    r.sources = packet.sources();
  }
  return r;
}

size_t Repr::buffer_len() const {
  if (type == Type::MldV2Report) return kV2ReportLen + records.size();
  if (type == Type::MldQuery && v2) return kV2QueryLen + sources.size();
  return kV1Len;
}

Status Repr::emit(MutBytes buf, const Ipv6Address& src, const Ipv6Address& dst) const {
  bool report = type == Type::MldV2Report;
  bool v2_query = type == Type::MldQuery && v2;
  if (!report && !is_v1(type)) return Err(Error::Unsupported);
  if (v2_query && (qrv > kQrvMask || sources.size() % 16 != 0 || sources.size() / 16 > 0xffff))
    return Err(Error::Malformed);
  if (report) {  // the records must be num_records whole records
    RecordCursor c(records, num_records);
    for (;;) {
      auto rec = c.next();
      if (!rec) return Err(Error::Malformed);
      if (!rec->has_value()) break;
    }
    if (c.offset() != records.size()) return Err(Error::Malformed);
  }
  size_t len = buffer_len();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  size_t fixed = report ? kV2ReportLen : v2_query ? kV2QueryLen : kV1Len;
  memset(p, 0, fixed);
  p[icmpv6::field::kType] = static_cast<uint8_t>(type);
  if (report) {
    store_be16(p + field::kNumRecords, num_records);
    copy(p + field::kRecords, records);
  } else {
    store_be16(p + field::kMaxResp, max_resp_code);
    memcpy(p + field::kAddress, address.bytes, 16);
  }
  if (v2_query) {
    p[field::kFlags] = static_cast<uint8_t>((suppress ? kSuppress : 0) | qrv);
    p[field::kQqic] = qqic;
    store_be16(p + field::kNumSources, static_cast<uint16_t>(sources.size() / 16));
    copy(p + field::kSources, sources);
  }
  icmpv6::fill_checksum(buf.first(len), src, dst);
  return {};
}

}  // namespace keel::wire::mld
