// ethernet.hpp — Ethernet II frames (IEEE 802.3 clause 3.2.6 type field) with at most
// one IEEE 802.1Q tag (TPID 0x8100).
//
// Frame is a checked view: after check() the 14-byte header — 18 with a tag — is in the
// buffer. A tagged frame's ethertype() is the inner EtherType, its payload follows the
// tag. Frames carry no FCS here, and a payload shorter than the 46-byte minimum is
// accepted (padding is the IP layer's to strip by its own length field). A second tag
// (stacked 0x8100) is not looked into: it shows as ethertype() Vlan.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"
#include "core/wire/numbers.hpp"

namespace keel::wire::ethernet {

namespace field {
inline constexpr size_t kDst = 0;
inline constexpr size_t kSrc = 6;
inline constexpr size_t kEtherType = 12;  // the TPID when tagged
inline constexpr size_t kTci = 14;        // tagged only: PCP(3) DEI(1) VID(12)
inline constexpr size_t kInnerType = 16;  // tagged only
}  // namespace field
inline constexpr size_t kHeaderLen = field::kEtherType + 2;
inline constexpr size_t kTagLen = 4;
inline constexpr size_t kTaggedHeaderLen = kHeaderLen + kTagLen;
// kMinType — type fields below this are IEEE 802.3 lengths, not EtherTypes.
inline constexpr uint16_t kMinType = 0x0600;

// VlanTag — the 802.1Q tag control information.
struct VlanTag {
  uint8_t pcp = 0;   // priority code point, 0..7
  bool dei = false;  // drop eligible
  uint16_t vid = 0;  // VLAN id, 0..4095 (0: priority tag only)

  bool operator==(const VlanTag& o) const { return pcp == o.pcp && dei == o.dei && vid == o.vid; }
};

class Frame {
 public:
  Frame() = default;
  // check(buf) — a view if buf holds the whole header (and the whole tag, if tagged).
  static Result<Frame> check(Bytes buf);

  MacAddress dst() const { return MacAddress::from(buf_.subspan(field::kDst, 6)); }
  MacAddress src() const { return MacAddress::from(buf_.subspan(field::kSrc, 6)); }
  // has_vlan() — the frame carries an 802.1Q tag.
  bool has_vlan() const;
  // vlan() — the tag, if any.
  Optional<VlanTag> vlan() const;
  // ethertype() — the EtherType of the payload (the inner one when tagged).
  EtherType ethertype() const;
  // header_len() — 14, or 18 when tagged.
  size_t header_len() const { return has_vlan() ? kTaggedHeaderLen : kHeaderLen; }
  // payload() — everything after the header, link padding included.
  Bytes payload() const { return buf_.from(header_len()); }

 private:
  explicit Frame(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

struct Repr {
  MacAddress src;
  MacAddress dst;
  EtherType ethertype = EtherType::Ipv4;  // of the payload (inside the tag when tagged)
  Optional<VlanTag> vlan;

  // parse — rejects an IEEE 802.3 length in place of an EtherType (Unsupported).
  static Result<Repr> parse(const Frame& frame);
  size_t header_len() const { return vlan ? kTaggedHeaderLen : kHeaderLen; }
  // buffer_len() — the header only: this Repr has no payload.
  size_t buffer_len() const { return header_len(); }
  // emit — writes the header only (header_len() bytes); the caller writes the payload at
  // buf + header_len(). Rejects a PCP or VID out of range, a type below kMinType, and an
  // untagged Repr whose ethertype is Vlan (set vlan to emit a tag) as Malformed.
  Status emit(MutBytes buf) const;
};

}  // namespace keel::wire::ethernet
