#!/usr/bin/env bash
# make_tcp.sh — tcp.pcap: TCP from the kernel (socat): a 10 kB transfer over IPv4 and
# one over IPv6 (SYN options, data segments with timestamps, FIN), a 100 kB transfer
# over IPv4 with 10% of B's segments dropped in A's input hook (SACK blocks in A's
# ACKs; tcpdump sees the frames before nftables drops them), and a SYN to a closed
# port over each family (RST). B sends, A receives; A's veth is captured.
. "$(dirname "$0")/lib.sh"
cap_begin tcp tcp
cap_a_bg timeout 30 socat -u TCP4-LISTEN:5001,reuseaddr /dev/null
cap_a_bg timeout 30 socat -u TCP6-LISTEN:5002,reuseaddr,ipv6only=1 /dev/null
cap_a_bg timeout 60 socat -u TCP4-LISTEN:5003,reuseaddr /dev/null
cap_a nft add table inet t
cap_a nft add chain inet t in '{ type filter hook input priority 0; }'
cap_a nft add rule inet t in tcp dport 5003 numgen random mod 100 '<' 10 drop
sleep 0.5

send() { head -c "$1" /dev/zero | tr '\0' 'k' | cap_b timeout 30 socat -u - "$2"; }
send 10000 TCP4:192.0.2.1:5001,sourceport=4001
send 10000 TCP6:[2001:db8::1]:5002,sourceport=4002
send 100000 TCP4:192.0.2.1:5003,sourceport=4003
cap_b timeout 5 socat -u /dev/null TCP4:192.0.2.1:5009,sourceport=4009 2>/dev/null || true
cap_b timeout 5 socat -u /dev/null TCP6:[2001:db8::1]:5009,sourceport=4010 2>/dev/null || true
cap_end
