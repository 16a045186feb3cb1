// fuzz_ipv6ext.cpp — any bytes as each IPv6 extension header (options, routing,
// fragment) and as a chain for walk(); whatever parses is re-emitted and must parse again
// to the same Repr, and a walk must end inside the bytes it was given.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/wire/ipv6ext.hpp"

using namespace keel;
using namespace keel::wire;
using namespace keel::wire::ipv6ext;

namespace {

MutBytes mut(std::vector<uint8_t>& v) { return MutBytes(v.data(), v.size()); }
Bytes view(const std::vector<uint8_t>& v) { return Bytes(v.data(), v.size()); }

void options(Bytes in) {
  auto h = OptionsHeader::check(in);
  if (!h) return;
  if (h->header_len() > in.size() || h->header_len() % 8 != 0) abort();
  OptionCursor c = h->cursor();
  for (size_t n = 0;; ++n) {  // check() walked them all: the cursor cannot fail
    auto o = c.next();
    if (!o || n > in.size()) abort();
    if (!o->has_value()) break;
    if (o->value().offset + o->value().data.size() > h->header_len()) abort();
  }
  auto r = OptionsRepr::parse(*h);
  if (!r) return;
  std::vector<uint8_t> out(r->buffer_len());
  if (out.size() != h->header_len() || !r->emit(mut(out))) abort();
  auto h2 = OptionsHeader::check(view(out));
  if (!h2) abort();
  auto r2 = OptionsRepr::parse(*h2);
  if (!r2 || r2->next_header != r->next_header || !(r2->router_alert == r->router_alert) ||
      !equal_bytes(r2->options, r->options))
    abort();
  // Built from the router alert alone, it parses back to the same alert.
  OptionsRepr ra;
  ra.router_alert = r->router_alert;
  std::vector<uint8_t> out2(ra.buffer_len());
  if (!ra.emit(mut(out2))) abort();
  auto h3 = OptionsHeader::check(view(out2));
  if (!h3 || !(h3->router_alert() == r->router_alert)) abort();
}

void routing(Bytes in) {
  auto h = RoutingHeader::check(in);
  if (!h) return;
  auto r = RoutingRepr::parse(*h);
  if (!r) return;
  std::vector<uint8_t> out(r->buffer_len());
  if (!r->emit(mut(out))) abort();
  auto h2 = RoutingHeader::check(view(out));
  if (!h2) abort();
  auto r2 = RoutingRepr::parse(*h2);
  if (!r2 || r2->next_header != r->next_header || r2->routing_type != r->routing_type ||
      r2->segments_left != r->segments_left || !equal_bytes(r2->data, r->data))
    abort();
}

void fragment(Bytes in) {
  auto h = FragmentHeader::check(in);
  if (!h) return;
  auto r = FragmentRepr::parse(*h);
  if (!r) return;
  std::vector<uint8_t> out(r->buffer_len());
  if (!r->emit(mut(out))) abort();
  auto r2 = FragmentRepr::parse(*FragmentHeader::check(view(out)));
  if (!r2 || r2->next_header != r->next_header || r2->offset != r->offset ||
      r2->more_fragments != r->more_fragments || r2->ident != r->ident)
    abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  options(in);
  routing(in);
  fragment(in);
  for (uint8_t first : {0, 43, 44, 60}) {
    auto c = walk(first, in);
    if (c && c->offset > in.size()) abort();
    if (c && c->fragment && *c->fragment + kFragmentHeaderLen > c->offset) abort();
  }
  return 0;
}
