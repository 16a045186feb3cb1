// dhcpv4.cpp — DHCPv4 view, option cursor and Repr.
#include "core/wire/dhcpv4.hpp"

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

// Each take_* checks an option's length; a repeated option keeps its first value.
bool take_addr(Bytes d, Optional<Ipv4Address>& out) {
  if (d.size() != 4) return false;
  if (!out) out = Ipv4Address::from(d);
  return true;
}
bool take_u32(Bytes d, Optional<uint32_t>& out) {
  if (d.size() != 4) return false;
  if (!out) out = load_be32(d.data());
  return true;
}
// take_list — address lists are concatenated across repeated options (RFC 3396).
bool take_list(Bytes d, AddressList& out) {
  if (d.empty() || d.size() % 4 != 0) return false;
  for (size_t i = 0; i < d.size() && out.count < kMaxAddresses; i += 4)
    out.addr[out.count++] = Ipv4Address::from(d.subspan(i, 4));
  return true;
}
bool take_bytes(Bytes d, Bytes& out, size_t min_len) {
  if (d.size() < min_len) return false;
  if (out.empty()) out = d;
  return true;
}

// name_of(field) — a NUL-terminated string field, up to its first NUL.
Bytes name_of(Bytes field) {
  const void* nul = memchr(field.data(), 0, field.size());
  return nul ? field.first(static_cast<size_t>(static_cast<const uint8_t*>(nul) - field.data()))
             : field;
}

// Writes one option at out + pos (when out is set) and returns the position after it.
size_t put(uint8_t* out, size_t pos, uint8_t code, const uint8_t* data, size_t len) {
  if (out) {
    out[pos] = code;
    out[pos + 1] = static_cast<uint8_t>(len);
    if (len) memcpy(out + pos + 2, data, len);
  }
  return pos + 2 + len;
}
size_t put_addr(uint8_t* out, size_t pos, uint8_t code, const Optional<Ipv4Address>& a) {
  return a ? put(out, pos, code, a->bytes, 4) : pos;
}
size_t put_u32(uint8_t* out, size_t pos, uint8_t code, const Optional<uint32_t>& v) {
  if (!v) return pos;
  uint8_t b[4];
  store_be32(b, *v);
  return put(out, pos, code, b, 4);
}
size_t put_list(uint8_t* out, size_t pos, uint8_t code, const AddressList& l) {
  size_t n = l.count < kMaxAddresses ? l.count : kMaxAddresses;
  if (n == 0) return pos;
  if (out) {
    out[pos] = code;
    out[pos + 1] = static_cast<uint8_t>(n * 4);
    for (size_t i = 0; i < n; ++i) memcpy(out + pos + 2 + i * 4, l.addr[i].bytes, 4);
  }
  return pos + 2 + n * 4;
}
size_t put_bytes(uint8_t* out, size_t pos, uint8_t code, Bytes b) {
  return b.empty() ? pos : put(out, pos, code, b.data(), b.size());
}

// encode_options(r, out) — the canonical options, End included; returns their length.
// With out null it only measures, so buffer_len() and emit() cannot disagree.
size_t encode_options(const Repr& r, uint8_t* out) {
  uint8_t type = static_cast<uint8_t>(r.message_type);
  size_t pos = put(out, 0, opt::kMessageType, &type, 1);
  pos = put_addr(out, pos, opt::kServerId, r.server_id);
  pos = put_addr(out, pos, opt::kRequestedIp, r.requested_ip);
  pos = put_u32(out, pos, opt::kLeaseTime, r.lease_time);
  pos = put_u32(out, pos, opt::kRenewalTime, r.renewal_time);
  pos = put_u32(out, pos, opt::kRebindingTime, r.rebinding_time);
  pos = put_addr(out, pos, opt::kSubnetMask, r.subnet_mask);
  pos = put_list(out, pos, opt::kRouter, r.routers);
  pos = put_list(out, pos, opt::kDnsServer, r.dns_servers);
  pos = put_bytes(out, pos, opt::kHostName, r.hostname);
  pos = put_bytes(out, pos, opt::kDomainName, r.domain_name);
  pos = put_list(out, pos, opt::kNtpServer, r.ntp_servers);
  pos = put_bytes(out, pos, opt::kParameterList, r.parameter_list);
  if (r.max_message_size) {
    uint8_t b[2];
    store_be16(b, *r.max_message_size);
    pos = put(out, pos, opt::kMaxMessageSize, b, 2);
  }
  pos = put_bytes(out, pos, opt::kClientId, r.client_id);
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
    bool ok = true;
    switch (o.code) {
      case opt::kSubnetMask: ok = take_addr(o.data, r.subnet_mask); break;
      case opt::kRouter: ok = take_list(o.data, r.routers); break;
      case opt::kDnsServer: ok = take_list(o.data, r.dns_servers); break;
      case opt::kHostName: ok = take_bytes(o.data, r.hostname, 1); break;
      case opt::kDomainName: ok = take_bytes(o.data, r.domain_name, 1); break;
      case opt::kNtpServer: ok = take_list(o.data, r.ntp_servers); break;
      case opt::kRequestedIp: ok = take_addr(o.data, r.requested_ip); break;
      case opt::kLeaseTime: ok = take_u32(o.data, r.lease_time); break;
      case opt::kServerId: ok = take_addr(o.data, r.server_id); break;
      case opt::kParameterList: ok = take_bytes(o.data, r.parameter_list, 1); break;
      case opt::kRenewalTime: ok = take_u32(o.data, r.renewal_time); break;
      case opt::kRebindingTime: ok = take_u32(o.data, r.rebinding_time); break;
      case opt::kClientId: ok = take_bytes(o.data, r.client_id, 2); break;  // RFC 2132 §9.14
      case opt::kMessageType:
        if (o.data.size() != 1) return Err(Error::Malformed);
        if (type == 0) type = o.data.data()[0];
        break;
      case opt::kMaxMessageSize:
        // RFC 2132 §9.10: two bytes, at least 576.
        if (o.data.size() != 2 || load_be16(o.data.data()) < 576) return Err(Error::Malformed);
        if (!r.max_message_size) r.max_message_size = load_be16(o.data.data());
        break;
      default: break;  // unknown options and overload (already applied by the cursor)
    }
    if (!ok) return Err(Error::Malformed);
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
  size_t len = kHeaderLen + (raw_options.empty() ? encode_options(*this, nullptr)
                                                 : raw_options.size());
  return len < kMinMessageLen ? kMinMessageLen : len;
}

Status Repr::emit(MutBytes buf) const {
  size_t len = buffer_len();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  if (sname.size() > kSnameLen || file.size() > kFileLen) return Err(Error::Malformed);
  if (raw_options.empty() && (hostname.size() > 255 || domain_name.size() > 255 ||
                              parameter_list.size() > 255 || client_id.size() > 255))
    return Err(Error::Malformed);
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
