#!/usr/bin/env bash
# make_icmpv4.sh — icmpv4.pcap: ICMP errors from the kernel (RFC 792, RFC 1191), as A sees
# them. Side B also routes: it forwards 198.51.100.0/24 to a link of MTU 1280 (a veth
# pair with both ends in B; this kernel has no dummy device).
#   - port unreachable: UDP from A to a closed port of B
#   - protocol unreachable: a raw IP datagram of protocol 253 (RFC 3692) to B
#   - time exceeded in transit: a ping through B with TTL 1
#   - fragmentation needed, next-hop MTU 1280: ping -M do -s 1400 through B
#   - parameter problem, pointer 22: a record-route option whose pointer is 2 (< 4), sent
#     by scapy from A (only this one request is not kernel-made; B's answer is)
. "$(dirname "$0")/lib.sh"
cap_begin icmpv4 icmp
cap_b ip link add vethc mtu 1280 type veth peer name vethd mtu 1280
cap_b ip link set vethd up
cap_b ip link set vethc up
cap_b ip addr add 198.51.100.1/24 dev vethc
cap_b sysctl -qw net.ipv4.ip_forward=1
cap_a ip route add 198.51.100.0/24 via 192.0.2.2
cap_a ping -n -c 1 -W 2 192.0.2.2 >/dev/null  # neighbours resolved before the errors

printf 'x' | cap_a socat -u - UDP4-SENDTO:192.0.2.2:9,sourceport=4444
sleep 1
printf 'raw' | cap_a socat -u - IP4-SENDTO:192.0.2.2:253
sleep 1
cap_a ping -n -c 1 -W 1 -t 1 198.51.100.9 >/dev/null || true
sleep 1
cap_a ping -n -c 1 -W 1 -M do -s 1400 198.51.100.9 >/dev/null || true
sleep 1
cap_a timeout 30 /usr/bin/python3 - <<'PY'
from scapy.all import Ether, IP, ICMP, IPOption, sendp, conf
conf.verb = 0
bad_rr = IPOption(b"\x07\x07\x02\x00\x00\x00\x00\x00")  # record route, pointer 2, EOL pad
sendp(Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b") /
      IP(src="192.0.2.1", dst="192.0.2.2", id=0x4b45, options=[bad_rr]) /
      ICMP(id=0x6b6c, seq=1) / b"keel", iface="vetha")
PY
cap_end
