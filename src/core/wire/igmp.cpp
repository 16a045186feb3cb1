// igmp.cpp — IGMP v1/v2/v3 view, group records and Repr.
#include "core/wire/igmp.hpp"

#include "core/base/byte_order.hpp"
#include "core/wire/checksum.hpp"

namespace keel::wire::igmp {

namespace {
constexpr uint8_t kQuery = static_cast<uint8_t>(Type::Query);
constexpr uint8_t kReportV3 = static_cast<uint8_t>(Type::ReportV3);

// records_len(area, count) — the length of count well-formed records at the start of area.
Result<size_t> records_len(Bytes area, uint16_t count) {
  RecordCursor c(area, count);
  for (;;) {
    auto r = c.next();
    if (!r) return Err(r.error());
    if (!r->has_value()) return c.consumed();
  }
}

// The type byte of each Message, in Message order.
constexpr uint8_t kTypeOf[] = {0x11, 0x11, 0x11, 0x12, 0x16, 0x17, 0x22};
}  // namespace

uint32_t decode_time_code(uint8_t code) {
  if (code < 128) return code;
  return uint32_t((code & 0x0f) | 0x10) << (((code >> 4) & 0x07) + 3);
}

Status GroupRecord::emit(MutBytes buf) const {
  if ((sources.size() & 3) != 0 || (aux.size() & 3) != 0 || sources.size() / 4 > 0xffff ||
      aux.size() / 4 > 0xff)
    return Err(Error::Malformed);
  if (buf.size() < buffer_len()) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  p[field::kRecordType] = type;
  p[field::kAuxLen] = static_cast<uint8_t>(aux.size() / 4);
  store_be16(p + field::kRecordNumSources, static_cast<uint16_t>(sources.size() / 4));
  memcpy(p + field::kRecordGroup, group.bytes, 4);
  copy_bytes(buf.subspan(kRecordHeaderLen, sources.size()), sources);
  copy_bytes(buf.subspan(kRecordHeaderLen + sources.size(), aux.size()), aux);
  return {};
}

Result<Optional<GroupRecord>> RecordCursor::next() {
  if (left_ == 0) return Optional<GroupRecord>();
  Bytes rest = area_.from(pos_);
  if (rest.size() < kRecordHeaderLen) return Err(Error::Truncated);
  const uint8_t* p = rest.data();
  size_t nsrc = size_t(load_be16(p + field::kRecordNumSources)) * 4;
  size_t aux = size_t(p[field::kAuxLen]) * 4;
  if (!rest.in_bounds(kRecordHeaderLen, nsrc + aux)) return Err(Error::Truncated);
  GroupRecord g;
  g.type = p[field::kRecordType];
  g.group = Ipv4Address::from(rest.subspan(field::kRecordGroup, 4));
  g.sources = rest.subspan(kRecordHeaderLen, nsrc);
  g.aux = rest.subspan(kRecordHeaderLen + nsrc, aux);
  pos_ += kRecordHeaderLen + nsrc + aux;
  --left_;
  return Optional<GroupRecord>(g);
}

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  const uint8_t* p = buf.data();
  if (p[field::kType] == kQuery && buf.size() > kHeaderLen) {
    if (buf.size() < kV3QueryLen) return Err(Error::Malformed);
    if (!buf.in_bounds(kV3QueryLen, size_t(load_be16(p + field::kNumSources)) * 4))
      return Err(Error::Truncated);
  }
  if (p[field::kType] == kReportV3) {
    auto len = records_len(buf.from(field::kRecords), load_be16(p + field::kNumRecords));
    if (!len) return Err(len.error());
  }
  return Packet(buf);
}

uint8_t Packet::type() const { return buf_.data()[field::kType]; }
uint8_t Packet::max_resp() const { return buf_.data()[field::kMaxResp]; }
uint16_t Packet::checksum() const { return load_be16(buf_.data() + field::kChecksum); }
bool Packet::verify_checksum() const { return wire::checksum(buf_) == 0; }
bool Packet::is_v3_query() const { return type() == kQuery && buf_.size() >= kV3QueryLen; }
bool Packet::suppress() const {
  return is_v3_query() && (buf_.data()[field::kQueryFlags] & 0x08) != 0;
}
uint8_t Packet::qrv() const { return is_v3_query() ? buf_.data()[field::kQueryFlags] & 0x07 : 0; }
uint8_t Packet::qqic() const { return is_v3_query() ? buf_.data()[field::kQqic] : 0; }
uint16_t Packet::source_count() const {
  return is_v3_query() ? load_be16(buf_.data() + field::kNumSources) : 0;
}
Ipv4Address Packet::source(size_t i) const {
  if (i >= source_count()) return {};
  return Ipv4Address::from(buf_.subspan(field::kSources + i * 4, 4));
}
uint16_t Packet::record_count() const {
  return type() == kReportV3 ? load_be16(buf_.data() + field::kNumRecords) : 0;
}
Bytes Packet::sources() const {
  return buf_.subspan(field::kSources, size_t(source_count()) * 4);
}
Bytes Packet::records() const {
  Bytes area = buf_.from(field::kRecords);
  auto len = records_len(area, record_count());
  return len ? area.first(*len) : Bytes();
}

Result<Repr> Repr::parse(const Packet& packet, bool verify_checksum) {
  if (verify_checksum && !packet.verify_checksum()) return Err(Error::BadChecksum);
  Repr r;
  r.group = packet.group();
  switch (static_cast<Type>(packet.type())) {
    case Type::Query:
      r.max_resp_time = packet.max_resp();
      if (packet.is_v3_query()) {
        r.message = Message::QueryV3;
        r.suppress = packet.suppress();
        r.qrv = packet.qrv();
        r.qqic = packet.qqic();
        r.sources = packet.sources();
        return r;
      }
      r.message = r.max_resp_time == 0 ? Message::QueryV1 : Message::QueryV2;
      return r;
    case Type::ReportV1: r.message = Message::ReportV1; return r;
    case Type::ReportV2: r.message = Message::ReportV2; return r;
    case Type::LeaveV2: r.message = Message::LeaveV2; return r;
    case Type::ReportV3:
      r.message = Message::ReportV3;
      r.group = Ipv4Address();
      r.record_count = packet.record_count();
      r.records = packet.records();
      return r;
  }
  return Err(Error::Unsupported);
}

size_t Repr::buffer_len() const {
  if (message == Message::QueryV3) return kV3QueryLen + sources.size();
  if (message == Message::ReportV3) return field::kRecords + records.size();
  return kHeaderLen;
}

Status Repr::emit(MutBytes buf) const {
  size_t m = static_cast<size_t>(message);
  if (m >= sizeof kTypeOf) return Err(Error::Malformed);
  bool v3_query = message == Message::QueryV3;
  bool v3_report = message == Message::ReportV3;
  if (message == Message::QueryV2 && max_resp_time == 0) return Err(Error::Malformed);
  if (v3_query && (qrv > 7 || (sources.size() & 3) != 0 || sources.size() / 4 > 0xffff))
    return Err(Error::Malformed);
  if (v3_report) {
    auto len = records_len(records, record_count);
    if (!len || *len != records.size()) return Err(Error::Malformed);
  }
  size_t len = buffer_len();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  p[field::kType] = kTypeOf[m];
  p[field::kMaxResp] = message == Message::QueryV2 || v3_query ? max_resp_time : 0;
  store_be16(p + field::kChecksum, 0);
  if (v3_report) {
    store_be16(p + field::kGroup, 0);
    store_be16(p + field::kNumRecords, record_count);
    copy_bytes(buf.subspan(field::kRecords, records.size()), records);
  } else {
    memcpy(p + field::kGroup, group.bytes, 4);
  }
  if (v3_query) {
    p[field::kQueryFlags] = static_cast<uint8_t>((suppress ? 0x08 : 0) | qrv);
    p[field::kQqic] = qqic;
    store_be16(p + field::kNumSources, static_cast<uint16_t>(sources.size() / 4));
    copy_bytes(buf.subspan(field::kSources, sources.size()), sources);
  }
  store_be16(p + field::kChecksum, wire::checksum(Bytes(p, len)));
  return {};
}

}  // namespace keel::wire::igmp
