// dhcpv4.cpp — DHCPv4 view, option cursor and Repr.
#include "core/wire/dhcpv4.hpp"

#include <stddef.h>
#include <string.h>

#include "core/base/byte_order.hpp"

namespace keel::wire::dhcpv4 {

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  if (load_be32(buf.data() + field::kCookie) != kMagicCookie) return Err(Error::Malformed);
  return Packet(buf);
}

uint32_t Packet::xid() const { return load_be32(buf_.data() + field::kXid); }
uint16_t Packet::secs() const { return load_be16(buf_.data() + field::kSecs); }
uint16_t Packet::flags() const { return load_be16(buf_.data() + field::kFlags); }

OptionCursor::OptionCursor(const Packet& packet) : packet_(packet), field_(packet.options()) {}

Result<bool> OptionCursor::next(Option& out) {
  for (;;) {
    if (stage_ > 2) return false;
    if (pos_ >= field_.size()) return Err(Error::Truncated);  // no End in this field
    const uint8_t* p = field_.data() + pos_;
    if (p[0] == opt::kPad) {
      ++pos_;
      continue;
    }
    if (p[0] == opt::kEnd) {
      // The next field that carries options: file, then sname (RFC 2132 §9.3).
      pos_ = 0;
      if (stage_ == 0 && (overload_ & kOverloadFile)) {
        stage_ = 1;
        field_ = packet_.file();
      } else if (stage_ < 2 && (overload_ & kOverloadSname)) {
        stage_ = 2;
        field_ = packet_.sname();
      } else {
        stage_ = 3;
      }
      continue;
    }
    if (!field_.in_bounds(pos_, 2) || !field_.in_bounds(pos_ + 2, p[1]))
      return Err(Error::Truncated);
    out.code = p[0];
    out.data = field_.subspan(pos_ + 2, p[1]);
    pos_ += 2u + p[1];
    if (out.code == opt::kOverload) {
      // Only the options field may overload, with 1 (file), 2 (sname) or 3 (both).
      if (stage_ != 0 || out.data.size() != 1 || out.data.data()[0] == 0 || out.data.data()[0] > 3)
        return Err(Error::Malformed);
      overload_ |= out.data.data()[0];
    }
    return true;
  }
}

namespace {

// The options Repr carries, in the order emit() writes them (after 53), with how each
// is stored: one table drives both parse() and emit().
enum class Kind : uint8_t { Addr, U32, U16, List, Str, Str2 };
struct Field {
  uint8_t code;
  Kind kind;
  uint16_t offset;  // of the member in Repr
};
static_assert(__is_standard_layout(Repr), "Repr members are located with offsetof");
constexpr Field kFields[] = {
    {opt::kServerId, Kind::Addr, offsetof(Repr, server_id)},
    {opt::kRequestedIp, Kind::Addr, offsetof(Repr, requested_ip)},
    {opt::kLeaseTime, Kind::U32, offsetof(Repr, lease_time)},
    {opt::kRenewalTime, Kind::U32, offsetof(Repr, renewal_time)},
    {opt::kRebindingTime, Kind::U32, offsetof(Repr, rebinding_time)},
    {opt::kSubnetMask, Kind::Addr, offsetof(Repr, subnet_mask)},
    {opt::kRouter, Kind::List, offsetof(Repr, routers)},
    {opt::kDnsServer, Kind::List, offsetof(Repr, dns_servers)},
    {opt::kHostName, Kind::Str, offsetof(Repr, hostname)},
    {opt::kDomainName, Kind::Str, offsetof(Repr, domain_name)},
    {opt::kNtpServer, Kind::List, offsetof(Repr, ntp_servers)},
    {opt::kParameterList, Kind::Str, offsetof(Repr, parameter_list)},
    {opt::kMaxMessageSize, Kind::U16, offsetof(Repr, max_message_size)},
    {opt::kClientId, Kind::Str2, offsetof(Repr, client_id)},  // type and id, RFC 2132 §9.14
};

template <typename T>
T& member(Repr& r, const Field& f) {
  return *reinterpret_cast<T*>(reinterpret_cast<uint8_t*>(&r) + f.offset);
}
template <typename T>
const T& member(const Repr& r, const Field& f) {
  return *reinterpret_cast<const T*>(reinterpret_cast<const uint8_t*>(&r) + f.offset);
}

// take(r, f, d) — stores option data d in r; false on a bad length or value. A repeated
// option keeps its first value, except address lists, which are concatenated (RFC 3396).
bool take(Repr& r, const Field& f, Bytes d) {
  switch (f.kind) {
    case Kind::Addr: {
      auto& v = member<Optional<Ipv4Address>>(r, f);
      if (d.size() != 4) return false;
      if (!v) v = Ipv4Address::from(d);
      return true;
    }
    case Kind::U32: {
      auto& v = member<Optional<uint32_t>>(r, f);
      if (d.size() != 4) return false;
      if (!v) v = load_be32(d.data());
      return true;
    }
    case Kind::U16: {  // 57: at least 576 (RFC 2132 §9.10)
      auto& v = member<Optional<uint16_t>>(r, f);
      if (d.size() != 2 || load_be16(d.data()) < 576) return false;
      if (!v) v = load_be16(d.data());
      return true;
    }
    case Kind::List: {
      auto& l = member<AddressList>(r, f);
      if (d.empty() || d.size() % 4 != 0) return false;
      for (size_t i = 0; i < d.size() && l.count < kMaxAddresses; i += 4)
        l.addr[l.count++] = Ipv4Address::from(d.subspan(i, 4));
      return true;
    }
    case Kind::Str:
    case Kind::Str2: {
      auto& v = member<Bytes>(r, f);
      if (d.size() < (f.kind == Kind::Str2 ? 2u : 1u)) return false;
      if (v.empty()) v = d;
      return true;
    }
  }
  return false;
}

// name_of(field) — a NUL-terminated string field, up to its first NUL.
Bytes name_of(Bytes field) {
  const void* nul = memchr(field.data(), 0, field.size());
  return nul ? field.first(static_cast<size_t>(static_cast<const uint8_t*>(nul) - field.data()))
             : field;
}

// value_of(r, f, tmp) — the data of option f in r (empty: absent); tmp holds numbers
// and address lists in wire order.
Bytes value_of(const Repr& r, const Field& f, uint8_t (&tmp)[4 * kMaxAddresses]) {
  switch (f.kind) {
    case Kind::Addr: {
      const auto& v = member<Optional<Ipv4Address>>(r, f);
      return v ? Bytes(v->bytes) : Bytes();
    }
    case Kind::U32: {
      const auto& v = member<Optional<uint32_t>>(r, f);
      if (!v) return Bytes();
      store_be32(tmp, *v);
      return Bytes(tmp, 4);
    }
    case Kind::U16: {
      const auto& v = member<Optional<uint16_t>>(r, f);
      if (!v) return Bytes();
      store_be16(tmp, *v);
      return Bytes(tmp, 2);
    }
    case Kind::List: {
      const auto& l = member<AddressList>(r, f);
      size_t n = l.count < kMaxAddresses ? l.count : kMaxAddresses;
      for (size_t i = 0; i < n; ++i) memcpy(tmp + 4 * i, l.addr[i].bytes, 4);
      return Bytes(tmp, 4 * n);
    }
    case Kind::Str:
    case Kind::Str2: return member<Bytes>(r, f);
  }
  return Bytes();
}

// encode_options(r, out) — the canonical options, End included; returns their length,
// or 0 if a value is longer than 255 bytes. With out null it only measures, so
// buffer_len() and emit() cannot disagree.
size_t encode_options(const Repr& r, uint8_t* out) {
  if (out) {
    out[0] = opt::kMessageType;
    out[1] = 1;
    out[2] = static_cast<uint8_t>(r.message_type);
  }
  size_t pos = 3;
  uint8_t tmp[4 * kMaxAddresses];
  for (const Field& f : kFields) {
    Bytes v = value_of(r, f, tmp);
    if (v.empty()) continue;
    if (v.size() > 255) return 0;
    if (out) {
      out[pos] = f.code;
      out[pos + 1] = static_cast<uint8_t>(v.size());
      memcpy(out + pos + 2, v.data(), v.size());
    }
    pos += 2 + v.size();
  }
  if (out) out[pos] = opt::kEnd;
  return pos + 1;
}

}  // namespace

Result<Repr> Repr::parse(const Packet& packet) {
  if (packet.op() != static_cast<uint8_t>(Op::Request) &&
      packet.op() != static_cast<uint8_t>(Op::Reply))
    return Err(Error::Malformed);
  if (packet.htype() != kHtypeEthernet || packet.hlen() != 6) return Err(Error::Unsupported);
  Repr r;
  r.op = static_cast<Op>(packet.op());
  r.hops = packet.hops();
  r.xid = packet.xid();
  r.secs = packet.secs();
  r.broadcast = (packet.flags() & kFlagBroadcast) != 0;
  r.ciaddr = packet.ciaddr();
  r.yiaddr = packet.yiaddr();
  r.siaddr = packet.siaddr();
  r.giaddr = packet.giaddr();
  r.chaddr = packet.chaddr();

  uint8_t type = 0;
  OptionCursor cursor(packet);
  Option o;
  for (;;) {
    Result<bool> more = cursor.next(o);
    if (!more) return Err(more.error());
    if (!*more) break;
    if (o.code == opt::kMessageType) {
      if (o.data.size() != 1) return Err(Error::Malformed);
      if (type == 0) type = o.data.data()[0];
      continue;
    }
    for (const Field& f : kFields) {  // unknown options (and 52, applied by the cursor) skipped
      if (f.code == o.code && !take(r, f, o.data)) return Err(Error::Malformed);
    }
  }
  if (type == 0) return Err(Error::Malformed);
  if (type > static_cast<uint8_t>(MessageType::Inform)) return Err(Error::Unsupported);
  r.message_type = static_cast<MessageType>(type);
  r.overload = cursor.overload();
  r.sname = (r.overload & kOverloadSname) ? packet.sname() : name_of(packet.sname());
  r.file = (r.overload & kOverloadFile) ? packet.file() : name_of(packet.file());
  r.raw_options = packet.options();
  return r;
}

size_t Repr::buffer_len() const {
  // A value over 255 bytes measures 0 here; emit() then reports it as Malformed.
  size_t opts = raw_options.empty() ? encode_options(*this, nullptr) : raw_options.size();
  size_t len = kHeaderLen + opts;
  return len < kMinMessageLen ? kMinMessageLen : len;
}

Status Repr::emit(MutBytes buf) const {
  size_t len = buffer_len();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  if (sname.size() > kSnameLen || file.size() > kFileLen) return Err(Error::Malformed);
  if (raw_options.empty() && encode_options(*this, nullptr) == 0) return Err(Error::Malformed);
  uint8_t* p = buf.data();
  memset(p, 0, len);
  p[field::kOp] = static_cast<uint8_t>(op);
  p[field::kHtype] = kHtypeEthernet;
  p[field::kHlen] = 6;
  p[field::kHops] = hops;
  store_be32(p + field::kXid, xid);
  store_be16(p + field::kSecs, secs);
  store_be16(p + field::kFlags, broadcast ? kFlagBroadcast : 0);
  memcpy(p + field::kCiaddr, ciaddr.bytes, 4);
  memcpy(p + field::kYiaddr, yiaddr.bytes, 4);
  memcpy(p + field::kSiaddr, siaddr.bytes, 4);
  memcpy(p + field::kGiaddr, giaddr.bytes, 4);
  memcpy(p + field::kChaddr, chaddr.bytes, 6);
  store_be32(p + field::kCookie, kMagicCookie);
  if (raw_options.empty()) {
    // Canonical: fields that carried overloaded options are left zero.
    if (!(overload & kOverloadSname)) copy_bytes(buf.subspan(field::kSname, kSnameLen), sname);
    if (!(overload & kOverloadFile)) copy_bytes(buf.subspan(field::kFile, kFileLen), file);
    encode_options(*this, p + field::kOptions);
  } else {
    copy_bytes(buf.subspan(field::kSname, kSnameLen), sname);
    copy_bytes(buf.subspan(field::kFile, kFileLen), file);
    copy_bytes(buf.subspan(field::kOptions, raw_options.size()), raw_options);
  }
  return {};
}

}  // namespace keel::wire::dhcpv4
