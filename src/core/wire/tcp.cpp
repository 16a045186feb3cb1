// tcp.cpp — TCP view, option cursor and Repr.
#include "core/wire/tcp.hpp"

#include <string.h>

#include "core/base/byte_order.hpp"
#include "core/wire/checksum.hpp"
#include "core/wire/numbers.hpp"

namespace keel::wire::tcp {

namespace {
constexpr uint8_t kProtocol = static_cast<uint8_t>(IpProtocol::Tcp);

// kFixedLen[kind] — the length octet a known fixed-size option must carry (0: none).
constexpr uint8_t kFixedLen[] = {0, 0, 4, 3, 2, 0, 0, 0, 10};
// kKnown — bit k set for each kind Repr::parse interprets.
constexpr uint16_t kKnown = 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 8;
// Room for the largest options either layout writes (Linux layout with 4 SACK blocks).
constexpr size_t kScratch = 64;
}  // namespace

Result<Option> OptionCursor::next() {
  const uint8_t* p = buf_.data();
  size_t n = buf_.size();
  while (pos_ < n && p[pos_] == static_cast<uint8_t>(OptionKind::Nop)) ++pos_;
  if (pos_ >= n || p[pos_] == static_cast<uint8_t>(OptionKind::End)) {
    pos_ = n;  // EOL: the rest is padding
    return Option{};
  }
  uint8_t kind = p[pos_];
  size_t room = n - pos_;
  size_t len = room >= 2 ? p[pos_ + 1] : 0;
  bool ok = len >= 2 && len <= room;
  if (ok && kind < sizeof kFixedLen && kFixedLen[kind] != 0) ok = len == kFixedLen[kind];
  if (ok && kind == static_cast<uint8_t>(OptionKind::Sack))  // RFC 2018 §3: 1..4 blocks
    ok = len >= 10 && len <= 2 + 8 * kMaxSackBlocks && (len - 2) % 8 == 0;
  if (!ok) {
    pos_ = n;
    return Err(Error::Malformed);
  }
  Option o{kind, buf_.subspan(pos_ + 2, len - 2)};
  pos_ += len;
  return o;
}

Result<Packet> Packet::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  size_t hlen = (buf.data()[field::kDataOffset] >> 4) * 4u;
  if (hlen < kHeaderLen) return Err(Error::Malformed);
  if (hlen > buf.size()) return Err(Error::Truncated);
  return Packet(buf);
}

uint16_t Packet::src_port() const { return load_be16(buf_.data() + field::kSrcPort); }
uint16_t Packet::dst_port() const { return load_be16(buf_.data() + field::kDstPort); }
uint32_t Packet::seq() const { return load_be32(buf_.data() + field::kSeq); }
uint32_t Packet::ack() const { return load_be32(buf_.data() + field::kAck); }
uint16_t Packet::window() const { return load_be16(buf_.data() + field::kWindow); }
uint16_t Packet::checksum() const { return load_be16(buf_.data() + field::kChecksum); }
uint16_t Packet::urgent() const { return load_be16(buf_.data() + field::kUrgent); }

bool Packet::verify_checksum(const IpAddress& src, const IpAddress& dst) const {
  Checksum c;
  c.add_pseudo(src, dst, kProtocol, static_cast<uint32_t>(buf_.size()));
  c.add(buf_);
  return c.finish() == 0;
}

Result<Repr> Repr::parse(const Packet& packet, const IpAddress& src, const IpAddress& dst,
                         bool verify_checksum) {
  if (verify_checksum && !packet.verify_checksum(src, dst)) return Err(Error::BadChecksum);
  Repr r;
  r.src_port = packet.src_port();
  r.dst_port = packet.dst_port();
  r.seq = packet.seq();
  r.ack = packet.ack();
  r.flags = packet.flags();
  r.window = packet.window();
  r.urgent = packet.urgent();
  r.payload = packet.payload();
  OptionCursor cursor(packet.options());
  uint16_t seen = 0;
  while (!cursor.done()) {
    auto o = cursor.next();
    if (!o) return Err(o.error());
    uint8_t kind = o->kind;
    if (kind == static_cast<uint8_t>(OptionKind::End)) break;
    if (kind > 8 || !(kKnown & (1u << kind))) continue;  // unknown: skipped by its length
    if (seen & (1u << kind)) return Err(Error::Malformed);
    seen = static_cast<uint16_t>(seen | 1u << kind);
    const uint8_t* d = o->data.data();  // the cursor proved its length for the kind
    switch (static_cast<OptionKind>(kind)) {
      case OptionKind::Mss:
        r.mss = load_be16(d);
        break;
      case OptionKind::WindowScale:
        r.window_scale_clamped = d[0] > kMaxWindowScale;
        r.window_scale = r.window_scale_clamped ? kMaxWindowScale : d[0];
        break;
      case OptionKind::SackPermitted:
        r.sack_permitted = true;
        break;
      case OptionKind::Sack:
        r.sack_count = static_cast<uint8_t>(o->data.size() / 8);
        for (size_t i = 0; i < r.sack_count; ++i)
          r.sack[i] = SackBlock{load_be32(d + 8 * i), load_be32(d + 8 * i + 4)};
        break;
      default:  // Timestamps
        r.timestamps = Timestamps{load_be32(d), load_be32(d + 4)};
        break;
    }
  }
  return r;
}

// write_options — the options into out (kScratch bytes of room), padded to 4; returns
// their length. linux_layout adds the NOPs Linux uses so each option is 4-aligned.
size_t Repr::write_options(uint8_t* out, bool linux_layout) const {
  size_t n = 0;
  auto nops = [&](size_t count) {
    if (linux_layout)
      while (count--) out[n++] = static_cast<uint8_t>(OptionKind::Nop);
  };
  auto head = [&](OptionKind kind, size_t len) {
    out[n++] = static_cast<uint8_t>(kind);
    out[n++] = static_cast<uint8_t>(len);
  };
  if (mss) {
    head(OptionKind::Mss, 4);
    store_be16(out + n, *mss);
    n += 2;
  }
  if (sack_permitted) {
    nops(timestamps ? 0 : 2);
    head(OptionKind::SackPermitted, 2);
  }
  if (timestamps) {
    nops(sack_permitted ? 0 : 2);
    head(OptionKind::Timestamps, 10);
    store_be32(out + n, timestamps->tsval);
    store_be32(out + n + 4, timestamps->tsecr);
    n += 8;
  }
  if (window_scale) {
    nops(1);
    head(OptionKind::WindowScale, 3);
    out[n++] = *window_scale;
  }
  size_t blocks = sack_count < kMaxSackBlocks ? sack_count : kMaxSackBlocks;
  if (blocks) {
    nops(2);
    head(OptionKind::Sack, 2 + 8 * blocks);
    for (size_t i = 0; i < blocks; ++i, n += 8) {
      store_be32(out + n, sack[i].left);
      store_be32(out + n + 4, sack[i].right);
    }
  }
  while (n % 4) out[n++] = static_cast<uint8_t>(OptionKind::End);
  return n;
}

size_t Repr::options_len() const {
  uint8_t scratch[kScratch];
  size_t n = write_options(scratch, true);
  return n <= kMaxOptionsLen ? n : write_options(scratch, false);
}

Status Repr::emit(MutBytes buf, const IpAddress& src, const IpAddress& dst,
                  bool fill_checksum) const {
  uint8_t opts[kScratch];
  size_t olen = write_options(opts, true);
  if (olen > kMaxOptionsLen) olen = write_options(opts, false);
  size_t hlen = kHeaderLen + olen;
  size_t len = hlen + payload.size();
  if (buf.size() < len) return Err(Error::BufferTooSmall);
  if (olen > kMaxOptionsLen || sack_count > kMaxSackBlocks || len > 0xffff ||
      (window_scale && *window_scale > kMaxWindowScale))
    return Err(Error::Malformed);
  uint8_t* p = buf.data();
  // The payload first, with memmove: it may sit in buf already, even where the header goes.
  if (payload.data() != p + hlen && !payload.empty())
    memmove(p + hlen, payload.data(), payload.size());
  store_be16(p + field::kSrcPort, src_port);
  store_be16(p + field::kDstPort, dst_port);
  store_be32(p + field::kSeq, seq);
  store_be32(p + field::kAck, ack);
  p[field::kDataOffset] = static_cast<uint8_t>(hlen / 4 << 4);
  p[field::kFlags] = flags;
  store_be16(p + field::kWindow, window);
  store_be16(p + field::kChecksum, 0);
  store_be16(p + field::kUrgent, urgent);
  memcpy(p + kHeaderLen, opts, olen);
  if (fill_checksum) {
    Checksum c;
    c.add_pseudo(src, dst, kProtocol, static_cast<uint32_t>(len));
    c.add(Bytes(p, len));
    store_be16(p + field::kChecksum, c.finish());
  }
  return {};
}

Result<Quoted> Quoted::parse(Bytes quoted) {
  if (quoted.size() < 8) return Err(Error::Truncated);
  Quoted q;
  q.src_port = load_be16(quoted.data() + field::kSrcPort);
  q.dst_port = load_be16(quoted.data() + field::kDstPort);
  q.seq = load_be32(quoted.data() + field::kSeq);
  return q;
}

}  // namespace keel::wire::tcp
