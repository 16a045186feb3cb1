// icmp.cpp — echo sockets accept only echo requests.
#include "core/socket/icmp.hpp"

namespace keel::icmp {

Result<void, SendError> Socket::send_to(Bytes message, const wire::IpAddress& dst) {
  // The type byte decides: 8 (ICMPv4) or 128 (ICMPv6) echo request, code 0.
  bool echo = message.size() >= 8 && message[1] == 0 &&
              ((dst.is_v4() && message[0] == 8) || (dst.is_v6() && message[0] == 128));
  if (!echo && !dst.is_unspecified()) return Err(SendError::Invalid);
  return queue(message, dst);
}

}  // namespace keel::icmp
