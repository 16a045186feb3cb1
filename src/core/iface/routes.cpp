// routes.cpp — longest prefix match.
#include "core/iface/routes.hpp"

#include "core/base/bits.hpp"

namespace keel::iface {

Result<void, RouteError> Routes::add(const Route& r) {
  if (r.prefix_len > 32 || (r.prefix.to_u32() & ~prefix_mask32(r.prefix_len)) != 0)
    return Err(RouteError::BadPrefix);
  for (const Route& x : routes_)
    if (x == r) return {};
  if (!routes_.push_back(r)) return Err(RouteError::Full);
  return {};
}

Result<void, RouteError> Routes::remove(const Route& r) {
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i] == r) {
      routes_.erase(i);
      return {};
    }
  }
  return Err(RouteError::NotFound);
}

void Routes::remove_iface(uint8_t iface) {
  for (size_t i = routes_.size(); i-- > 0;)
    if (routes_[i].iface == iface) routes_.erase(i);
}

Optional<NextHop> Routes::lookup(const wire::Ipv4Address& dst) const {
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    uint32_t mask = prefix_mask32(r.prefix_len);
    if ((dst.to_u32() & mask) != r.prefix.to_u32()) continue;
    if (!best || r.prefix_len > best->prefix_len) best = &r;
  }
  if (!best) return none;
  return NextHop{best->iface, best->gateway.is_unspecified() ? dst : best->gateway};
}

}  // namespace keel::iface
