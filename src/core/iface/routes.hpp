// routes.hpp — the IPv4 routing table: longest prefix match over connected prefixes
// (from interface addresses, added by the Stack) and static routes, including the
// default route (0.0.0.0/0 via a gateway).
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "core/base/optional.hpp"
#include "core/base/result.hpp"
#include "core/base/vec.hpp"
#include "core/wire/address.hpp"
#include "keel/config.hpp"

namespace keel::iface {

struct Route {
  wire::Ipv4Address prefix;
  uint8_t prefix_len = 0;
  wire::Ipv4Address gateway;  // unspecified: the destination is on the link
  uint8_t iface = 0;
  bool operator==(const Route& o) const {
    return prefix == o.prefix && prefix_len == o.prefix_len && gateway == o.gateway &&
           iface == o.iface;
  }
};

// NextHop — where to send a packet: out of iface, to the link-layer owner of via.
struct NextHop {
  uint8_t iface = 0;
  wire::Ipv4Address via;  // the gateway, or the destination itself when on-link
};

enum class RouteError : uint8_t { Full, BadPrefix, NotFound };

class Routes {
 public:
  // add — a route; the prefix must have no bits beyond its length. Full when out of room.
  Result<void, RouteError> add(const Route& r);
  Result<void, RouteError> remove(const Route& r);
  // remove_iface — drops every route through iface (its addresses went away).
  void remove_iface(uint8_t iface);
  // lookup — the longest matching prefix (ties: the first added).
  Optional<NextHop> lookup(const wire::Ipv4Address& dst) const;
  const IVec<Route>& all() const { return routes_; }

 private:
  Vec<Route, config::kMaxRoutes + config::kMaxInterfaces * config::kMaxAddresses> routes_;
};

}  // namespace keel::iface
