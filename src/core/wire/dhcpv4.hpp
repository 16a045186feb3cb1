// dhcpv4.hpp — DHCPv4 messages (RFC 2131 §2) and the options a client needs (RFC 2132).
//
// Packet is a checked view: after check() the buffer holds the whole fixed BOOTP header
// and the magic cookie (240 bytes), so every fixed-field accessor is in bounds. Options
// are read through OptionCursor, which follows option overload (52) into `file` and then
// `sname` (RFC 2132 §9.3) and rejects any length that runs past its field.
//
// Only Ethernet (htype 1, hlen 6) is handled. Repr::emit() writes a message of at least
// 300 bytes, the BOOTP minimum that relays and old servers expect (RFC 1542 §2.1), by
// zero padding after the End option. Options are written in one fixed order and never
// overloaded or split (RFC 3396), so a string option longer than 255 bytes cannot be
// emitted.
//
// Verbatim re-emission: parse() keeps the whole options field (cookie excluded, End and
// padding included) in Repr::raw_options; while it is non-empty, emit() copies it as is
// instead of encoding the option fields, so a captured message is reproduced byte for
// byte. Clear it (`repr.raw_options = {}`) to emit the canonical encoding of the fields.
// The views a Repr holds (sname, file, strings, raw_options) must not overlap the buffer
// given to emit().
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::dhcpv4 {

namespace field {
inline constexpr size_t kOp = 0;
inline constexpr size_t kHtype = 1;
inline constexpr size_t kHlen = 2;
inline constexpr size_t kHops = 3;
inline constexpr size_t kXid = 4;
inline constexpr size_t kSecs = 8;
inline constexpr size_t kFlags = 10;
inline constexpr size_t kCiaddr = 12;
inline constexpr size_t kYiaddr = 16;
inline constexpr size_t kSiaddr = 20;
inline constexpr size_t kGiaddr = 24;
inline constexpr size_t kChaddr = 28;   // 16 bytes
inline constexpr size_t kSname = 44;    // 64 bytes
inline constexpr size_t kFile = 108;    // 128 bytes
inline constexpr size_t kCookie = 236;  // 4 bytes
inline constexpr size_t kOptions = 240;
}  // namespace field
inline constexpr size_t kChaddrLen = field::kSname - field::kChaddr;
inline constexpr size_t kSnameLen = field::kFile - field::kSname;
inline constexpr size_t kFileLen = field::kCookie - field::kFile;
inline constexpr size_t kHeaderLen = field::kOptions;  // fixed header and cookie
inline constexpr size_t kMinMessageLen = 300;          // RFC 1542 §2.1
inline constexpr uint32_t kMagicCookie = 0x63825363;   // 99.130.83.99, RFC 2131 §3
inline constexpr uint16_t kFlagBroadcast = 0x8000;     // RFC 2131 §2, figure 2
inline constexpr uint16_t kServerPort = 67;
inline constexpr uint16_t kClientPort = 68;
inline constexpr uint8_t kHtypeEthernet = 1;
inline constexpr size_t kMaxAddresses = 4;  // routers, DNS and NTP servers kept per list

// Op — BOOTREQUEST from clients, BOOTREPLY from servers.
enum class Op : uint8_t { Request = 1, Reply = 2 };

// MessageType — option 53 (RFC 2132 §9.6).
enum class MessageType : uint8_t {
  Discover = 1,
  Offer = 2,
  Request = 3,
  Decline = 4,
  Ack = 5,
  Nak = 6,
  Release = 7,
  Inform = 8,
};

// Option codes used by keel (RFC 2132).
namespace opt {
inline constexpr uint8_t kPad = 0;
inline constexpr uint8_t kSubnetMask = 1;
inline constexpr uint8_t kRouter = 3;
inline constexpr uint8_t kDnsServer = 6;
inline constexpr uint8_t kHostName = 12;
inline constexpr uint8_t kDomainName = 15;
inline constexpr uint8_t kNtpServer = 42;
inline constexpr uint8_t kRequestedIp = 50;
inline constexpr uint8_t kLeaseTime = 51;
inline constexpr uint8_t kOverload = 52;
inline constexpr uint8_t kMessageType = 53;
inline constexpr uint8_t kServerId = 54;
inline constexpr uint8_t kParameterList = 55;
inline constexpr uint8_t kMaxMessageSize = 57;
inline constexpr uint8_t kRenewalTime = 58;
inline constexpr uint8_t kRebindingTime = 59;
inline constexpr uint8_t kClientId = 61;
inline constexpr uint8_t kEnd = 255;
}  // namespace opt

// Overload bits — the value of option 52: which fields carry options.
inline constexpr uint8_t kOverloadFile = 1;
inline constexpr uint8_t kOverloadSname = 2;

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds the fixed header and the DHCP magic cookie.
  static Result<Packet> check(Bytes buf);

  uint8_t op() const { return buf_.data()[field::kOp]; }
  uint8_t htype() const { return buf_.data()[field::kHtype]; }
  uint8_t hlen() const { return buf_.data()[field::kHlen]; }
  uint8_t hops() const { return buf_.data()[field::kHops]; }
  uint32_t xid() const;
  uint16_t secs() const;
  uint16_t flags() const;
  Ipv4Address ciaddr() const { return Ipv4Address::from(buf_.subspan(field::kCiaddr, 4)); }
  Ipv4Address yiaddr() const { return Ipv4Address::from(buf_.subspan(field::kYiaddr, 4)); }
  Ipv4Address siaddr() const { return Ipv4Address::from(buf_.subspan(field::kSiaddr, 4)); }
  Ipv4Address giaddr() const { return Ipv4Address::from(buf_.subspan(field::kGiaddr, 4)); }
  // chaddr() — the first 6 bytes of the hardware address field.
  MacAddress chaddr() const { return MacAddress::from(buf_.subspan(field::kChaddr, 6)); }
  Bytes sname() const { return buf_.subspan(field::kSname, kSnameLen); }  // whole field
  Bytes file() const { return buf_.subspan(field::kFile, kFileLen); }     // whole field
  // options() — the options field: everything after the cookie.
  Bytes options() const { return buf_.from(field::kOptions); }
  Bytes bytes() const { return buf_; }

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

// Option — one option: its code and a view of its data.
struct Option {
  uint8_t code = 0;
  Bytes data;
};

// OptionCursor — walks the options of a message in order: the options field, then
// `file` and then `sname` when option 52 (found in the options field) says they carry
// options (RFC 2132 §9.3). Pad is skipped; End closes a field. Each field must end with
// End; a length running past the field is Truncated.
class OptionCursor {
 public:
  explicit OptionCursor(const Packet& packet);
  // next(out) — true with the next option in out; false when every field is done.
  Result<bool> next(Option& out);
  // overload() — the bits of option 52 seen so far.
  uint8_t overload() const { return overload_; }

 private:
  Packet packet_;
  Bytes field_;
  size_t pos_ = 0;
  uint8_t stage_ = 0;  // 0 options, 1 file, 2 sname, 3 done
  uint8_t overload_ = 0;
};

// AddressList — up to kMaxAddresses IPv4 addresses of a list option (3, 6, 42).
struct AddressList {
  Ipv4Address addr[kMaxAddresses];
  uint8_t count = 0;  // entries beyond kMaxAddresses in the message are dropped
};

struct Repr {
  Op op = Op::Request;
  MessageType message_type = MessageType::Discover;  // option 53, required
  uint8_t hops = 0;
  uint32_t xid = 0;
  uint16_t secs = 0;
  bool broadcast = false;  // flags bit 15; the other flag bits are zero (RFC 2131 §2)
  Ipv4Address ciaddr, yiaddr, siaddr, giaddr;
  MacAddress chaddr;
  // sname/file — the name up to its first NUL, or the whole field when option 52 puts
  // options there (then emit() writes it only in verbatim mode).
  Bytes sname, file;

  Optional<Ipv4Address> subnet_mask;   // 1
  AddressList routers;                 // 3
  AddressList dns_servers;             // 6
  Bytes hostname;                      // 12 (empty: absent)
  Bytes domain_name;                   // 15 (empty: absent)
  AddressList ntp_servers;             // 42
  Optional<Ipv4Address> requested_ip;  // 50
  Optional<uint32_t> lease_time;       // 51, seconds
  Optional<Ipv4Address> server_id;     // 54
  Bytes parameter_list;                // 55, option codes (empty: absent)
  Optional<uint16_t> max_message_size; // 57
  Optional<uint32_t> renewal_time;     // 58 (T1), seconds
  Optional<uint32_t> rebinding_time;   // 59 (T2), seconds
  Bytes client_id;                     // 61, type byte then id (empty: absent)
  uint8_t overload = 0;                // 52 as received (never emitted by canonical emit)
  Bytes raw_options;                   // see the file comment: verbatim re-emission

  // parse — rejects an op other than 1/2, a missing or unknown message type, and a bad
  // length or value in any option it reads (Malformed); non-Ethernet hardware is
  // Unsupported. A repeated address-list option is concatenated (RFC 3396); for other
  // repeated options the first instance is kept. Unknown options are skipped.
  static Result<Repr> parse(const Packet& packet);
  size_t buffer_len() const;
  // emit — the fixed header, cookie, options, End, and zeros up to kMinMessageLen.
  // Malformed if a string option is longer than 255 bytes.
  Status emit(MutBytes buf) const;
};

}  // namespace keel::wire::dhcpv4
