#!/usr/bin/env bash
# make_arp.sh — arp.pcap: Ethernet/IPv4 ARP (RFC 826) from the kernel and iputils-arping:
# the kernel's broadcast request and its reply (before A's first ping to B), arping's
# request answered by the kernel, and gratuitous ARP as a request (arping -U) and as a
# reply (arping -A), whose sender and target protocol addresses are equal (RFC 5227 §3).
. "$(dirname "$0")/lib.sh"
cap_begin arp arp
cap_a ping -n -c 1 -W 2 192.0.2.2 >/dev/null
cap_b arping -q -c 1 -w 2 -I vethb 192.0.2.1 || true
cap_b arping -q -U -c 1 -w 2 -I vethb 192.0.2.2 || true
cap_a arping -q -A -c 1 -w 2 -I vetha 192.0.2.1 || true
cap_end
