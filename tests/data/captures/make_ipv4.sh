#!/usr/bin/env bash
# make_ipv4.sh — ipv4.pcap: ICMP echo over IPv4 from the kernel (iputils ping), both ways:
# payload sizes 0, 1, 56 and 1472 (a full 1500-byte datagram), a 3000-byte ping that
# leaves in three fragments each way, and `ping -R` (a header with a record-route option,
# RFC 791 §3.1) whose reply carries the recorded addresses.
. "$(dirname "$0")/lib.sh"
cap_begin ipv4 icmp
for s in 0 1 56 1472 3000; do
  cap_a ping -n -c 1 -W 2 -s "$s" 192.0.2.2 >/dev/null
done
for s in 0 1 1472 3000; do
  cap_b ping -n -c 1 -W 2 -s "$s" 192.0.2.1 >/dev/null
done
cap_a ping -n -c 1 -W 2 -R 192.0.2.2 >/dev/null
cap_end
