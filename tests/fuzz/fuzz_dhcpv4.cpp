// fuzz_dhcpv4.cpp — any bytes through dhcpv4::Packet::check, the option cursor and
// Repr::parse; whatever parses is re-emitted twice — verbatim (raw options) and
// canonically — and each must parse again to the same Repr.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/dhcpv4.hpp"

using namespace keel;
using namespace keel::wire;

namespace {

bool same_list(const dhcpv4::AddressList& a, const dhcpv4::AddressList& b) {
  if (a.count != b.count) return false;
  for (size_t i = 0; i < a.count; ++i)
    if (!(a.addr[i] == b.addr[i])) return false;
  return true;
}

// same_fields — every field but sname, file, overload and raw_options.
bool same_fields(const dhcpv4::Repr& a, const dhcpv4::Repr& b) {
  return a.op == b.op && a.message_type == b.message_type && a.hops == b.hops &&
         a.xid == b.xid && a.secs == b.secs && a.broadcast == b.broadcast &&
         a.ciaddr == b.ciaddr && a.yiaddr == b.yiaddr && a.siaddr == b.siaddr &&
         a.giaddr == b.giaddr && a.chaddr == b.chaddr && a.subnet_mask == b.subnet_mask &&
         same_list(a.routers, b.routers) && same_list(a.dns_servers, b.dns_servers) &&
         same_list(a.ntp_servers, b.ntp_servers) && equal_bytes(a.hostname, b.hostname) &&
         equal_bytes(a.domain_name, b.domain_name) && a.requested_ip == b.requested_ip &&
         a.lease_time == b.lease_time && a.server_id == b.server_id &&
         equal_bytes(a.parameter_list, b.parameter_list) &&
         a.max_message_size == b.max_message_size && a.renewal_time == b.renewal_time &&
         a.rebinding_time == b.rebinding_time && equal_bytes(a.client_id, b.client_id);
}

Optional<dhcpv4::Repr> reparse(const std::vector<uint8_t>& out) {
  auto p = dhcpv4::Packet::check(Bytes(out.data(), out.size()));
  if (!p) return none;
  auto r = dhcpv4::Repr::parse(*p);
  if (!r) return none;
  return *r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = dhcpv4::Packet::check(Bytes(data, size));
  if (!p) return 0;
  // The cursor alone, to its end or its first error.
  dhcpv4::OptionCursor c(*p);
  dhcpv4::Option o;
  for (;;) {
    auto more = c.next(o);
    if (!more || !*more) break;
  }
  auto r = dhcpv4::Repr::parse(*p);
  if (!r) return 0;

  // Verbatim: the options field is copied, so everything parses back the same.
  std::vector<uint8_t> raw(r->buffer_len());
  if (!r->emit(MutBytes(raw.data(), raw.size()))) abort();
  auto r1 = reparse(raw);
  if (!r1 || !same_fields(*r, *r1) || r1->overload != r->overload ||
      !equal_bytes(r1->sname, r->sname) || !equal_bytes(r1->file, r->file))
    abort();

  // Canonical: options re-encoded (overloaded ones moved into the options field).
  dhcpv4::Repr canon = *r;
  canon.raw_options = {};
  std::vector<uint8_t> out(canon.buffer_len());
  if (out.size() < dhcpv4::kMinMessageLen) abort();
  if (!canon.emit(MutBytes(out.data(), out.size()))) abort();
  auto r2 = reparse(out);
  if (!r2 || !same_fields(*r, *r2) || r2->overload != 0) abort();
  if (!(r->overload & dhcpv4::kOverloadSname) && !equal_bytes(r2->sname, r->sname)) abort();
  if (!(r->overload & dhcpv4::kOverloadFile) && !equal_bytes(r2->file, r->file)) abort();
  return 0;
}
