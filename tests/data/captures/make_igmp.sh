#!/usr/bin/env bash
# make_igmp.sh — igmp.pcap: IGMP from the kernel, as A sees it. A joins and leaves groups
# (socat ip-add-membership); B is a Linux bridge acting as multicast querier (its port
# is vethb, its address 192.0.2.2 moved to br0), which gives real queries.
#   1. A at its default IGMPv3 (RFC 3376): v3 reports for an any-source join of
#      224.1.2.3 and a source-specific join of 232.1.1.1 from 192.0.2.2.
#   2. B's querier in IGMPv3 mode: a v3 general query, A's current-state reports, and a
#      group-and-source-specific query when A leaves 232.1.1.1/192.0.2.2.
#   3. B's querier in IGMPv2 mode: a v2 general query; A falls back to IGMPv2 (RFC 2236):
#      v2 reports, a leave and the querier's group-specific query.
#   4. A forced to IGMPv1 (RFC 1112): a v1 report.
. "$(dirname "$0")/lib.sh"
cap_begin igmp igmp
cap_b ip addr del 192.0.2.2/24 dev vethb
cap_b ip link add br0 type bridge mcast_snooping 1 mcast_query_use_ifaddr 1 \
  mcast_igmp_version 3 mcast_startup_query_count 1 mcast_startup_query_interval 100 \
  mcast_query_response_interval 100 mcast_last_member_count 1 mcast_last_member_interval 100
cap_b ip link set vethb master br0
cap_b ip addr add 192.0.2.2/24 dev br0
cap_b ip link set br0 up
sleep 1

# 1. IGMPv3 unsolicited reports.
cap_a_bg socat -u UDP4-RECV:5000,ip-add-membership=224.1.2.3:vetha /dev/null
sleep 0.5
# IP_ADD_SOURCE_MEMBERSHIP (39) with struct ip_mreq_source {group, interface, source};
# this socat has no ip-add-source-membership.
cap_a_bg timeout 60 /usr/bin/python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a = socket.inet_aton
s.setsockopt(socket.IPPROTO_IP, 39, a("232.1.1.1") + a("192.0.2.1") + a("192.0.2.2"))
time.sleep(60)'
SSM_PID=${CAP_BG_PIDS[-1]}
sleep 3

# 2. B queries in IGMPv3 mode.
cap_b ip link set br0 type bridge mcast_querier 1
sleep 3
kill "$SSM_PID" 2>/dev/null || true
sleep 3

# 3. B queries in IGMPv2 mode; A follows.
cap_b ip link set br0 type bridge mcast_igmp_version 2
cap_b ip link set br0 type bridge mcast_querier 0
cap_b ip link set br0 type bridge mcast_querier 1
sleep 3
cap_a_bg socat -u UDP4-RECV:5002,ip-add-membership=224.1.2.4:vetha /dev/null
V2_PID=${CAP_BG_PIDS[-1]}
sleep 2
kill "$V2_PID" 2>/dev/null || true
sleep 2

# 4. IGMPv1.
cap_a sysctl -qw net.ipv4.conf.vetha.force_igmp_version=1
cap_a_bg socat -u UDP4-RECV:5003,ip-add-membership=224.1.2.5:vetha /dev/null
sleep 2
cap_end
