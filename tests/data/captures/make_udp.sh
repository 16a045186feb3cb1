#!/usr/bin/env bash
# make_udp.sh — udp.pcap: UDP datagrams over IPv4 and IPv6 from the kernel (socat),
# with payloads of 1 and 3 (odd) and 100 bytes.
. "$(dirname "$0")/lib.sh"
cap_begin udp udp
cap_a_bg socat -u UDP4-RECV:5555 /dev/null
cap_a_bg socat -u UDP6-RECV:5555,ipv6only=1 /dev/null
sleep 0.5

printf 'x' | cap_b socat -u - UDP4-SENDTO:192.0.2.1:5555,sourceport=4444
head -c 100 /dev/zero | tr '\0' 'k' | cap_b socat -u - UDP4-SENDTO:192.0.2.1:5555,sourceport=4444
printf 'odd' | cap_b socat -u - UDP6-SENDTO:[2001:db8::1]:5555,sourceport=4444
head -c 100 /dev/zero | tr '\0' 'k' | cap_b socat -u - UDP6-SENDTO:[2001:db8::1]:5555,sourceport=4444
cap_end
