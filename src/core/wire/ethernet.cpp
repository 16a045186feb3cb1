// ethernet.cpp — Ethernet II view and Repr.
#include "core/wire/ethernet.hpp"

#include "core/base/byte_order.hpp"

namespace keel::wire::ethernet {

namespace {
constexpr uint16_t kTpid = static_cast<uint16_t>(EtherType::Vlan);
}

Result<Frame> Frame::check(Bytes buf) {
  if (buf.size() < kHeaderLen) return Err(Error::Truncated);
  if (load_be16(buf.data() + field::kEtherType) == kTpid && buf.size() < kTaggedHeaderLen)
    return Err(Error::Truncated);
  return Frame(buf);
}

bool Frame::has_vlan() const { return load_be16(buf_.data() + field::kEtherType) == kTpid; }

Optional<VlanTag> Frame::vlan() const {
  if (!has_vlan()) return none;
  uint16_t tci = load_be16(buf_.data() + field::kTci);
  return VlanTag{static_cast<uint8_t>(tci >> 13), (tci & 0x1000) != 0,
                 static_cast<uint16_t>(tci & 0x0fff)};
}

EtherType Frame::ethertype() const {
  size_t off = has_vlan() ? field::kInnerType : field::kEtherType;
  return static_cast<EtherType>(load_be16(buf_.data() + off));
}

Result<Repr> Repr::parse(const Frame& frame) {
  Repr r;
  r.ethertype = frame.ethertype();
  if (static_cast<uint16_t>(r.ethertype) < kMinType) return Err(Error::Unsupported);
  r.dst = frame.dst();
  r.src = frame.src();
  r.vlan = frame.vlan();
  return r;
}

Status Repr::emit(MutBytes buf) const {
  uint16_t type = static_cast<uint16_t>(ethertype);
  if (type < kMinType || (!vlan && type == kTpid)) return Err(Error::Malformed);
  if (vlan && (vlan->pcp > 7 || vlan->vid > 0x0fff)) return Err(Error::Malformed);
  if (buf.size() < header_len()) return Err(Error::BufferTooSmall);
  uint8_t* p = buf.data();
  memcpy(p + field::kDst, dst.bytes, 6);
  memcpy(p + field::kSrc, src.bytes, 6);
  if (vlan) {
    store_be16(p + field::kEtherType, kTpid);
    store_be16(p + field::kTci, static_cast<uint16_t>(vlan->pcp << 13 | (vlan->dei ? 0x1000 : 0) |
                                                      vlan->vid));
    store_be16(p + field::kInnerType, type);
  } else {
    store_be16(p + field::kEtherType, type);
  }
  return {};
}

}  // namespace keel::wire::ethernet
