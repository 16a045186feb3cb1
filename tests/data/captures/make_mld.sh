#!/usr/bin/env bash
# make_mld.sh — mld.pcap: multicast listener discovery from the kernel, as A sees it:
# every packet here is made by the Linux kernel (all carry a hop-by-hop header with a
# router alert, RFC 2711, which is also what the tcpdump filter selects).
#   - MLDv2 reports (RFC 3810 §5.2) from B joining and leaving ff02::1234, and joining
#     ff02::1235 for the sources 2001:db8::1 and 2001:db8::3 only (records with sources)
#   - MLDv1 report and done (RFC 2710) from B with force_mld_version=1
#   - queries: A's side becomes a bridge (br0, fe80::c) that is the multicast querier,
#     first as MLDv2 (RFC 3810 §5.1, general queries) then MLDv1; B answers each with its
#     current-state reports, and B's MLDv1 done makes the bridge send a group-specific
#     query
. "$(dirname "$0")/lib.sh"
cap_begin mld 'ip6[6] == 0'
sleep 1.5  # let the link-local addresses finish DAD (and their reports go by)

listen() {  # listen SECONDS GROUP [SOURCE...] — B joins GROUP on vethb, for SECONDS
  cap_b timeout 30 /usr/bin/python3 - "$@" <<'PY'
import socket, struct, sys, time
secs, group, sources = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
idx = socket.if_nametoindex("vethb")
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
def sin6(a):
    return struct.pack("=HHI16sI", socket.AF_INET6, 0, 0,
                       socket.inet_pton(socket.AF_INET6, a), 0).ljust(128, b"\0")
if not sources:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                 socket.inet_pton(socket.AF_INET6, group) + struct.pack("=I", idx))
for src in sources:  # MCAST_JOIN_SOURCE_GROUP = 46, struct group_source_req
    s.setsockopt(socket.IPPROTO_IPV6, 46, struct.pack("=I4x", idx) + sin6(group) + sin6(src))
time.sleep(secs)
s.close()
PY
}

# MLDv2 reports: a join (sent twice, RFC 3810 robustness), then a leave.
listen 2.5 ff02::1234
listen 2.5 ff02::1235 2001:db8::1 2001:db8::3
sleep 2.5
# MLDv1 report and done.
cap_b sysctl -qw net.ipv6.conf.vethb.force_mld_version=1
listen 1.5 ff02::1234
sleep 1
cap_b sysctl -qw net.ipv6.conf.vethb.force_mld_version=0

# A becomes a bridge that queries: MLDv2 general queries, B answers.
cap_a ip link add br0 address 02:00:00:00:00:0c type bridge stp_state 0 \
  mcast_snooping 1 mcast_querier 1 mcast_mld_version 2 \
  mcast_query_response_interval 100 mcast_startup_query_interval 100 \
  mcast_startup_query_count 2 mcast_last_member_interval 50
cap_a sysctl -qw net.ipv6.conf.br0.addr_gen_mode=1
cap_a ip -6 addr add fe80::c/64 dev br0 nodad
cap_a ip link set vetha master br0
cap_a ip link set br0 up
listen 3.5 ff02::1234
# MLDv1 queries; B speaks MLDv1 too, and its done draws a group-specific query.
cap_a ip link set br0 type bridge mcast_mld_version 1 mcast_querier 0
cap_b sysctl -qw net.ipv6.conf.vethb.force_mld_version=1
cap_a ip link set br0 type bridge mcast_querier 1
listen 3.5 ff02::1234
sleep 1.5
cap_end
