// dns.hpp — DNS messages (RFC 1035 §4): header, questions, resource records, names.
//
// Packet is a checked view of the 12-byte header. Everything after it is read through
// Reader, which walks the questions and then the answer, authority and additional
// records as the header counts them; it stops with Truncated when the message ends
// before the counts say, and with Malformed on a bad name or a bad rdata of a type it
// knows (A, AAAA, CNAME, NS, PTR, MX, TXT, SOA). Bytes after the last counted record
// are ignored. A response with TC set may have been cut anywhere (RFC 2181 §9): read
// Packet::tc() before Repr::parse, which rejects such a cut message.
//
// Names (RFC 1035 §3.1, §4.1.4) are views into the message, validated once by
// Name::parse: every compression pointer must point strictly before the start of the
// label run that contains it (so no loop is possible), at most kMaxPointerJumps are
// followed, the expanded name is at most 255 bytes with its root byte, and the label
// types 0x40 and 0x80 (lengths 64..191) are rejected. Names are compared
// case-insensitively (ASCII) label by label, with no copy. They can be read into a
// caller buffer in wire form (uncompressed labels and the root byte) or dotted form
// ("www.example.com", no trailing dot, "." for the root, NUL-terminated; label bytes
// are copied as they are, so a label holding '.' reads ambiguously — use wire form
// where that matters).
//
// Emission: Repr::emit writes a query — the header and at most one question, no
// compression. Builder writes any message record by record; each name is written in
// full or as a compression pointer to a name already written, such as the question
// name at kQuestionOffset (enough for a scripted server; no automatic compression).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/span.hpp"
#include "core/wire/address.hpp"
#include "core/wire/error.hpp"

namespace keel::wire::dns {

namespace field {
inline constexpr size_t kId = 0;
inline constexpr size_t kFlags = 2;
inline constexpr size_t kQdCount = 4;
inline constexpr size_t kAnCount = 6;
inline constexpr size_t kNsCount = 8;
inline constexpr size_t kArCount = 10;
}  // namespace field
inline constexpr size_t kHeaderLen = field::kArCount + 2;
inline constexpr uint16_t kQuestionOffset = kHeaderLen;  // where the first question's name sits
inline constexpr size_t kMaxNameLen = 255;       // wire form, root byte included (RFC 1035 §3.1)
inline constexpr size_t kMaxDottedLen = 254;     // 253 characters and the NUL
inline constexpr size_t kMaxLabelLen = 63;
inline constexpr uint8_t kMaxPointerJumps = 16;  // compression pointers followed per name
inline constexpr uint16_t kPort = 53;
inline constexpr uint16_t kClassIn = 1;

// Header flag bits (RFC 1035 §4.1.1; AD and CD from RFC 4035 §3.2).
namespace flag {
inline constexpr uint16_t kQr = 0x8000;
inline constexpr uint16_t kAa = 0x0400;
inline constexpr uint16_t kTc = 0x0200;
inline constexpr uint16_t kRd = 0x0100;
inline constexpr uint16_t kRa = 0x0080;
inline constexpr uint16_t kAd = 0x0020;
inline constexpr uint16_t kCd = 0x0010;
}  // namespace flag

// Opcode — 4 bits; any value is carried.
enum class Opcode : uint8_t { Query = 0, Status = 2, Notify = 4, Update = 5 };
// Rcode — 4 bits; any value is carried.
enum class Rcode : uint8_t { NoError = 0, FormErr = 1, ServFail = 2, NxDomain = 3, NotImp = 4, Refused = 5 };
// Type — RR type; any 16-bit value is carried, these are the ones keel reads.
enum class Type : uint16_t {
  A = 1,
  Ns = 2,
  Cname = 5,
  Soa = 6,
  Ptr = 12,
  Mx = 15,
  Txt = 16,
  Aaaa = 28,
  Opt = 41,  // EDNS(0), RFC 6891
  Any = 255,
};
// Section — where a record sits.
enum class Section : uint8_t { Question, Answer, Authority, Additional };

class Packet {
 public:
  Packet() = default;
  // check(buf) — a view if buf holds the header.
  static Result<Packet> check(Bytes buf);

  uint16_t id() const;
  uint16_t flags() const;
  bool qr() const { return flags() & flag::kQr; }
  Opcode opcode() const { return static_cast<Opcode>((flags() >> 11) & 15); }
  bool tc() const { return flags() & flag::kTc; }
  Rcode rcode() const { return static_cast<Rcode>(flags() & 15); }
  uint16_t qdcount() const;
  uint16_t ancount() const;
  uint16_t nscount() const;
  uint16_t arcount() const;
  Bytes bytes() const { return buf_; }

 private:
  explicit Packet(Bytes buf) : buf_(buf) {}
  Bytes buf_;
};

// Name — a validated, possibly compressed name inside a message (or inside a buffer
// holding one uncompressed wire-form name).
class Name {
 public:
  Name() = default;
  // parse(msg, offset) — validates the name starting at offset (see the file comment).
  static Result<Name> parse(Bytes msg, size_t offset);

  size_t offset() const { return offset_; }
  // in_place() — the bytes the name occupies at its offset: up to and including its
  // first compression pointer or its root byte.
  Bytes in_place() const { return msg_.subspan(offset_, in_place_len_); }
  Bytes message() const { return msg_; }
  size_t wire_len() const { return wire_len_; }  // expanded, root byte included
  bool is_root() const { return wire_len_ == 1; }
  // read_wire(out) — the uncompressed wire form; its length, or BufferTooSmall.
  Result<size_t> read_wire(MutBytes out) const;
  // read_dotted(out) — the dotted form, NUL-terminated; its length without the NUL.
  Result<size_t> read_dotted(MutBytes out) const;
  // equals(other) — same labels, ASCII case-insensitive.
  bool equals(const Name& other) const;
  // equals_dotted(text) — same as the dotted name text (a trailing dot is allowed).
  bool equals_dotted(Bytes text) const;

 private:
  Bytes msg_;
  uint16_t offset_ = 0;
  uint16_t in_place_len_ = 0;
  uint16_t wire_len_ = 0;
};

// encode_name(text, out) — the wire form of a dotted name ("a.example.com", a trailing
// dot allowed, "" or "." for the root). Malformed on an empty or >63-byte label or a
// name over 255 bytes; BufferTooSmall if out is short. Returns the length written.
Result<size_t> encode_name(Bytes text, MutBytes out);

struct Question {
  Name name;
  Type type = Type::A;
  uint16_t qclass = kClassIn;
};

// Mx — the rdata of an MX record (RFC 1035 §3.3.9).
struct Mx {
  uint16_t preference = 0;
  Name exchange;
};

// Soa — the rdata of an SOA record (RFC 1035 §3.3.13); `minimum` bounds negative
// caching (RFC 2308 §4).
struct Soa {
  Name mname, rname;
  uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};

struct Record {
  Name name;
  Type type = Type::A;
  uint16_t rclass = kClassIn;  // for OPT: the requestor's UDP payload size
  uint32_t ttl = 0;            // as sent; RFC 2181 §8 says read values over 2^31-1 as 0
  Bytes rdata;                 // a view into the message
  uint16_t rdata_offset = 0;   // where rdata starts in the message (names in it use it)

  // Typed views of rdata: Unsupported when the type (and for A/AAAA the class IN)
  // does not match, Malformed when rdata does not hold exactly that.
  Result<Ipv4Address> a() const;
  Result<Ipv6Address> aaaa() const;
  // target() — the name of a CNAME, NS or PTR record.
  Result<Name> target() const;
  Result<Mx> mx() const;
  Result<Soa> soa() const;
  // txt() — the raw rdata of a TXT record: one or more length-prefixed strings.
  Bytes txt() const { return rdata; }
  // check_rdata() — Malformed if the rdata of a known type is inconsistent.
  Status check_rdata() const;
};

// Reader — walks a message's questions, then its records, in section order.
class Reader {
 public:
  explicit Reader(const Packet& packet);
  // next_question(out) — true with the next counted question; false after the last.
  Result<bool> next_question(Question& out);
  // next_record(out) — skips unread questions, then true with the next counted answer,
  // authority or additional record (rdata checked); false after the last.
  Result<bool> next_record(Record& out);
  // section() — the section of the record last returned by next_record.
  Section section() const { return static_cast<Section>(section_); }

 private:
  // entry — the name at pos_ and the offset of the fixed_len bytes after it.
  Result<size_t> entry(Name& name, size_t fixed_len);
  Bytes msg_;
  size_t pos_ = kHeaderLen;
  uint16_t left_[4] = {};
  uint8_t section_ = 1;
};

struct Repr {
  uint16_t id = 0;
  bool response = false;  // QR
  Opcode opcode = Opcode::Query;
  bool authoritative = false;
  bool truncated = false;
  bool recursion_desired = false;
  bool recursion_available = false;
  bool authentic_data = false;
  bool checking_disabled = false;
  Rcode rcode = Rcode::NoError;
  Optional<Question> question;  // the first question, if any

  // parse — the header and first question, after walking and checking every counted
  // question and record (see Reader).
  static Result<Repr> parse(const Packet& packet);
  size_t buffer_len() const;
  // emit — the header and the question (uncompressed); other counts are zero.
  Status emit(MutBytes buf) const;
};

// NameRef — how Builder writes a name: in full from a Name or from dotted text, or as
// a compression pointer to a name already written at an offset of the message.
struct NameRef {
  enum class Kind : uint8_t { Name, Dotted, Pointer };
  Kind kind = Kind::Pointer;
  uint16_t offset = kQuestionOffset;
  dns::Name name;
  Bytes text;

  NameRef() = default;
  NameRef(const dns::Name& n) : kind(Kind::Name), name(n) {}
  static NameRef dotted(Bytes t);
  static NameRef pointer(uint16_t offset);
};

// Builder — writes a message into a caller buffer: the header, then questions, then
// records in section order, keeping the header counts right. A call that does not fit
// returns BufferTooSmall and leaves the message as it was; nothing is written past
// the buffer.
class Builder {
 public:
  Builder() = default;
  // start(buf, header) — writes the header fields of header (not its question).
  static Result<Builder> start(MutBytes buf, const Repr& header);
  // add_question — returns the offset of the name written.
  Result<uint16_t> add_question(const NameRef& name, Type type, uint16_t qclass = kClassIn);
  // add_record — any record with raw rdata; returns the offset of the owner name.
  Result<uint16_t> add_record(Section section, const NameRef& owner, Type type,
                              uint16_t rclass, uint32_t ttl, Bytes rdata);
  // add_name_record — a CNAME, NS or PTR (class IN); returns the offset of the target.
  Result<uint16_t> add_name_record(Section section, const NameRef& owner, Type type,
                                   uint32_t ttl, const NameRef& target);
  // add_mx — an MX record (class IN); returns the offset of the exchange name.
  Result<uint16_t> add_mx(Section section, const NameRef& owner, uint32_t ttl,
                          uint16_t preference, const NameRef& exchange);
  size_t size() const { return len_; }
  Bytes message() const { return Bytes(buf_.data(), len_); }

 private:
  explicit Builder(MutBytes buf) : buf_(buf) {}
  Result<uint16_t> put_name(const NameRef& n);
  Status put_fixed(const uint8_t* data, size_t len);
  void count(Section section);
  // add — owner, fixed part, rdata, then (if name) a name whose offset goes to name_at.
  Result<uint16_t> add(Section section, const NameRef& owner, Type type, uint16_t rclass,
                       uint32_t ttl, Bytes rdata, const NameRef* name, uint16_t* name_at);

  MutBytes buf_;
  size_t len_ = 0;
  uint8_t section_ = 0;
};

}  // namespace keel::wire::dns
