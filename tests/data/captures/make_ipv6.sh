#!/usr/bin/env bash
# make_ipv6.sh — ipv6.pcap: IPv6, its extension headers and ICMPv6 errors from the kernel,
# as A sees them. Side B also routes: it forwards 2001:db8:2::/64 to a link of MTU 1280
# (a veth pair with both ends in B) and has no route to 2001:db8:99::/64.
#   - echo request/reply both ways (payload 16), neighbour discovery before the first one,
#     and one with traffic class 0xb9 (DSCP 46, ECN 1)
#   - a 3000-byte echo each way, leaving in three fragments (fragment header, RFC 8200 §4.5)
#   - UDP from B with a hop-by-hop header (router alert, RFC 2711) and with a destination
#     options header (an RFC 3692 experimental option 0x1e, Pad1, PadN), both set by the
#     kernel from IPV6_HOPOPTS / IPV6_DSTOPTS socket options
#   - UDP from B with a segment routing header (routing type 4, RFC 8754) from IPV6_RTHDR
#   - UDP from B with a destination option 0x9e (action 10: discard and send ICMP), and A's
#     parameter problem, code 2, pointer 42
#   - a routing header type 0 (RFC 5095), segments left 1, sent by scapy from B (the only
#     packet here not made by a kernel), and A's parameter problem, code 0, pointer 42
#   - port unreachable: UDP from B to a closed port of A
#   - no route: A pings 2001:db8:99::9 through B
#   - time exceeded: A pings 2001:db8:2::9 through B with hop limit 1
#   - packet too big, MTU 1280: A pings 2001:db8:2::9 through B with 1400 bytes
. "$(dirname "$0")/lib.sh"
cap_begin ipv6 ip6
for ns in cap_a cap_b; do $ns sysctl -qw net.ipv6.icmp.ratelimit=0; done
cap_b ip link add vethc mtu 1280 type veth peer name vethd mtu 1280
cap_b ip link set vethd up
cap_b ip link set vethc up
cap_b ip -6 addr add 2001:db8:2::1/64 dev vethc nodad
cap_b sysctl -qw net.ipv6.conf.all.forwarding=1
cap_a ip -6 route add 2001:db8:2::/64 via 2001:db8::2
cap_a ip -6 route add 2001:db8:99::/64 via 2001:db8::2

cap_b ping -6 -n -c 1 -W 2 -s 16 2001:db8::1 >/dev/null
cap_a ping -6 -n -c 1 -W 2 -s 16 2001:db8::2 >/dev/null
cap_a ping -6 -n -c 1 -W 2 -s 16 -Q 0xb9 2001:db8::2 >/dev/null
cap_b ping -6 -n -c 1 -W 2 -s 3000 2001:db8::1 >/dev/null
cap_a ping -6 -n -c 1 -W 2 -s 3000 2001:db8::2 >/dev/null

cap_b timeout 30 /usr/bin/python3 - <<'PY'
import socket
IPV6_HOPOPTS, IPV6_RTHDR, IPV6_DSTOPTS = 54, 57, 59
A = ("2001:db8::1", 9)
def send(opt, value, payload):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("2001:db8::2", 4444))
    s.setsockopt(socket.IPPROTO_IPV6, opt, value)
    s.sendto(payload, A)
    s.close()
# hop-by-hop: router alert (value 0, MLD) then PadN of 2
send(IPV6_HOPOPTS, bytes([0, 0, 5, 2, 0, 0, 1, 0]), b"hbh")
# destination options: 0x1e with 7 bytes, Pad1, PadN of 4 (16 bytes in all)
send(IPV6_DSTOPTS, bytes([0, 1, 0x1e, 7, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                          0, 1, 2, 0, 0]), b"dst")
# segment routing header, one segment (A), segments left 0
srh = bytes([0, 2, 4, 0, 0, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, "2001:db8::1")
send(IPV6_RTHDR, srh, b"srh")
# destination option 0x9e: unknown, action 10 (discard, ICMP parameter problem code 2)
send(IPV6_DSTOPTS, bytes([0, 0, 0x9e, 2, 0xab, 0xcd, 1, 0]), b"bad")
PY
sleep 0.5
cap_b timeout 30 /usr/bin/python3 - <<'PY'
from scapy.all import Ether, IPv6, IPv6ExtHdrRouting, UDP, sendp, conf
conf.verb = 0
sendp(Ether(src="02:00:00:00:00:0b", dst="02:00:00:00:00:0a") /
      IPv6(src="2001:db8::2", dst="2001:db8::1", hlim=64) /
      IPv6ExtHdrRouting(type=0, segleft=1, addresses=["2001:db8::2"]) /
      UDP(sport=4444, dport=9) / b"rh0", iface="vethb")
PY
sleep 0.5
printf 'x' | cap_b socat -u - UDP6-SENDTO:[2001:db8::1]:9,sourceport=4444
sleep 0.5
cap_a ping -6 -n -c 1 -W 1 2001:db8:99::9 >/dev/null || true
sleep 0.5
cap_a ping -6 -n -c 1 -W 1 -t 1 2001:db8:2::9 >/dev/null || true
sleep 0.5
cap_a ping -6 -n -c 1 -W 1 -s 1400 2001:db8:2::9 >/dev/null || true
cap_end
