// ipv6ext.cpp — IPv6 extension header views, Reprs and the chain walker.
#include "core/wire/ipv6ext.hpp"

#include <string.h>

#include "core/base/bits.hpp"
#include "core/base/byte_order.hpp"
#include "core/wire/numbers.hpp"

namespace keel::wire::ipv6ext {

namespace {

constexpr uint8_t kPad1 = static_cast<uint8_t>(OptionType::Pad1);
constexpr uint8_t kPadN = static_cast<uint8_t>(OptionType::PadN);
constexpr uint8_t kRouterAlert = static_cast<uint8_t>(OptionType::RouterAlert);

// sized(buf) — the header at the start of buf, by its hdr ext len (options and routing).
Result<Bytes> sized(Bytes buf) {
  if (buf.size() < kMinHeaderLen) return Err(Error::Truncated);
  size_t len = (size_t{buf.data()[field::kHdrExtLen]} + 1) * 8;
  if (len > buf.size()) return Err(Error::Truncated);
  return buf.first(len);
}

// pad(p, n) — n bytes of padding as options: Pad1 for one, PadN otherwise.
void pad(uint8_t* p, size_t n) {
  if (n == 0) return;
  memset(p, 0, n);
  if (n >= 2) {
    p[0] = kPadN;
    p[1] = static_cast<uint8_t>(n - 2);
  }
}

}  // namespace

Result<Optional<Option>> OptionCursor::next() {
  size_t room = buf_.size() - pos_;
  if (room == 0) return Optional<Option>();
  const uint8_t* p = buf_.data() + pos_;
  Option o;
  o.type = p[0];
  o.offset = static_cast<uint16_t>(base_ + pos_);
  size_t len = 1;
  if (o.type != kPad1) {
    if (room < 2 || p[1] > room - 2) {
      pos_ = buf_.size();
      return Err(Error::Malformed);
    }
    o.data = buf_.subspan(pos_ + 2, p[1]);
    len = 2 + size_t{p[1]};
  }
  pos_ += len;
  return Optional<Option>(o);
}

Result<OptionsHeader> OptionsHeader::check(Bytes buf) {
  auto b = sized(buf);
  if (!b) return Err(b.error());
  OptionsHeader h(*b);
  OptionCursor c = h.cursor();
  for (;;) {
    auto o = c.next();
    if (!o) return Err(o.error());
    if (!o->has_value()) return h;
    const Option& opt = o->value();
    if (opt.type == kRouterAlert && opt.data.size() != 2) return Err(Error::Malformed);
  }
}

uint8_t OptionsHeader::next_header() const { return buf_.data()[field::kNextHeader]; }

Optional<uint16_t> OptionsHeader::router_alert() const {
  OptionCursor c = cursor();
  for (auto o = c.next(); o && o->has_value(); o = c.next()) {
    const Option& opt = o->value();
    if (opt.type == kRouterAlert) return load_be16(opt.data.data());  // 2 bytes, by check()
  }
  return none;
}

Result<OptionsRepr> OptionsRepr::parse(const OptionsHeader& header) {
  OptionsRepr r;
  r.next_header = header.next_header();
  r.router_alert = header.router_alert();
  r.options = header.options();
  return r;
}

size_t OptionsRepr::buffer_len() const {
  size_t body = options.empty() && router_alert ? 4 : options.size();
  return align_up(field::kOptions + body, 8);
}

Status OptionsRepr::emit(MutBytes buf) const {
  size_t len = buffer_len();
  if (len > kMaxHeaderLen) return Err(Error::Malformed);
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  p[field::kNextHeader] = next_header;
  p[field::kHdrExtLen] = static_cast<uint8_t>(len / 8 - 1);
  size_t body = options.size();
  if (options.empty() && router_alert) {
    p[2] = kRouterAlert;
    p[3] = 2;
    store_be16(p + 4, *router_alert);
    body = 4;
  } else if (body != 0) {
    memmove(p + field::kOptions, options.data(), body);
  }
  pad(p + field::kOptions + body, len - field::kOptions - body);
  return {};
}

Result<RoutingHeader> RoutingHeader::check(Bytes buf) {
  auto b = sized(buf);
  if (!b) return Err(b.error());
  return RoutingHeader(*b);
}

uint8_t RoutingHeader::next_header() const { return buf_.data()[field::kNextHeader]; }
uint8_t RoutingHeader::routing_type() const { return buf_.data()[field::kRoutingType]; }
uint8_t RoutingHeader::segments_left() const { return buf_.data()[field::kSegmentsLeft]; }

Result<RoutingRepr> RoutingRepr::parse(const RoutingHeader& header) {
  RoutingRepr r;
  r.next_header = header.next_header();
  r.routing_type = header.routing_type();
  r.segments_left = header.segments_left();
  r.data = header.data();
  return r;
}

Status RoutingRepr::emit(MutBytes buf) const {
  size_t len = buffer_len();
  if (len % 8 != 0 || len > kMaxHeaderLen) return Err(Error::Malformed);
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  p[field::kNextHeader] = next_header;
  p[field::kHdrExtLen] = static_cast<uint8_t>(len / 8 - 1);
  p[field::kRoutingType] = routing_type;
  p[field::kSegmentsLeft] = segments_left;
  if (!data.empty()) memmove(p + field::kRoutingData, data.data(), data.size());
  return {};
}

Result<FragmentHeader> FragmentHeader::check(Bytes buf) {
  if (buf.size() < kFragmentHeaderLen) return Err(Error::Truncated);
  return FragmentHeader(buf.first(kFragmentHeaderLen));
}

uint8_t FragmentHeader::next_header() const { return buf_.data()[field::kNextHeader]; }
uint16_t FragmentHeader::offset() const {
  return load_be16(buf_.data() + field::kFragOffsetFlags) & 0xfff8;
}
bool FragmentHeader::more_fragments() const {
  return (buf_.data()[field::kFragOffsetFlags + 1] & 1) != 0;
}
uint32_t FragmentHeader::ident() const { return load_be32(buf_.data() + field::kFragIdent); }

Result<FragmentRepr> FragmentRepr::parse(const FragmentHeader& header) {
  FragmentRepr r;
  r.next_header = header.next_header();
  r.offset = header.offset();
  r.more_fragments = header.more_fragments();
  r.ident = header.ident();
  return r;
}

Status FragmentRepr::emit(MutBytes buf) const {
  if (offset % 8 != 0) return Err(Error::Malformed);
  if (buf.size() < kFragmentHeaderLen) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  p[field::kNextHeader] = next_header;
  p[field::kFragReserved] = 0;
  store_be16(p + field::kFragOffsetFlags, static_cast<uint16_t>(offset | (more_fragments ? 1 : 0)));
  store_be32(p + field::kFragIdent, ident);
  return {};
}

Result<Chain> walk(uint8_t next_header, Bytes payload) {
  Chain c;
  c.protocol = next_header;
  for (size_t count = 0;; ++count) {
    Bytes rest = payload.from(c.offset);
    size_t len;
    uint8_t next;
    bool last = false;
    switch (static_cast<IpProtocol>(c.protocol)) {
      case IpProtocol::HopByHop:
        if (count != 0) return Err(Error::Malformed);  // RFC 8200 §4.1: first only
        [[fallthrough]];
      case IpProtocol::Ipv6Opts: {
        auto h = OptionsHeader::check(rest);
        if (!h) return Err(h.error());
        len = h->header_len();
        next = h->next_header();
        break;
      }
      case IpProtocol::Ipv6Route: {
        auto h = RoutingHeader::check(rest);
        if (!h) return Err(h.error());
        len = h->header_len();
        next = h->next_header();
        break;
      }
      case IpProtocol::Ipv6Frag: {
        auto h = FragmentHeader::check(rest);
        if (!h) return Err(h.error());
        len = h->header_len();
        next = h->next_header();
        c.fragment = c.offset;
        last = h->offset() != 0 || h->more_fragments();  // the rest is fragment data
        break;
      }
      default:
        return c;
    }
    if (count >= kMaxHeaders || c.offset + len > kMaxChainLen) return Err(Error::Unsupported);
    c.protocol = next;
    c.offset = static_cast<uint16_t>(c.offset + len);
    if (last) return c;
  }
}

}  // namespace keel::wire::ipv6ext
