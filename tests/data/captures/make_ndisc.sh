#!/usr/bin/env bash
# make_ndisc.sh — ndisc.pcap: neighbour discovery (RFC 4861) from the kernel and radvd,
# as A sees it. Every packet here is made by the kernel except the router advertisements,
# which radvd (in A) makes.
#   - neighbour solicitation/advertisement over link-local and global addresses (caches
#     flushed first), and DAD (a solicitation from ::) for an address added without nodad
#   - redirect: B routes 2001:db8:5::/64 back to A's link-local address, so a ping from A
#     through B makes B send A a redirect (target fe80::ff:fe00:a, destination
#     2001:db8:5::1) with a target link-layer address and a redirected header option
#   - router solicitation: B's link goes down and up (accept_ra=1, forwarding=0)
#   - router advertisements from radvd in A: prefix 2001:db8:1::/64, MTU 1400, RDNSS
#     2001:db8::53, the source link-layer address; unsolicited to ff02::1, and one
#     solicited by B's RS, sent to B's link-local address
. "$(dirname "$0")/lib.sh"
RADVD_CONF="/tmp/keel-radvd-$$.conf"
RADVD_PID="/tmp/keel-radvd-$$.pid"
cap_begin ndisc icmp6
trap 'cap_cleanup; rm -f "$RADVD_CONF" "$RADVD_PID"' EXIT
for ns in cap_a cap_b; do $ns sysctl -qw net.ipv6.icmp.ratelimit=0; done
sleep 1.5  # let the link-local addresses finish DAD

# Neighbour discovery: link-local, then global, then DAD for a new address.
cap_a ip -6 neigh flush dev vetha
cap_b ip -6 neigh flush dev vethb
cap_a ping -6 -n -c 1 -W 2 fe80::ff:fe00:b%vetha >/dev/null
cap_b ping -6 -n -c 1 -W 2 2001:db8::1 >/dev/null
cap_b ip -6 addr add 2001:db8::22/64 dev vethb
sleep 2.5

# Redirect from B, which routes A's packet back onto the link it came from.
cap_b sysctl -qw net.ipv6.conf.all.forwarding=1
cap_b ping -6 -n -c 1 -W 2 fe80::ff:fe00:a%vethb >/dev/null
cap_b ip -6 route add 2001:db8:5::/64 via fe80::ff:fe00:a dev vethb
cap_a ip -6 route add 2001:db8:5::/64 via 2001:db8::2
cap_a ping -6 -n -c 1 -W 1 2001:db8:5::1 >/dev/null || true
cap_b sysctl -qw net.ipv6.conf.all.forwarding=0
cap_b sysctl -qw net.ipv6.conf.vethb.accept_ra=1
sleep 0.5

# radvd in A, then B's link bounces so B solicits a router.
cat >"$RADVD_CONF" <<'EOF'
interface vetha {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    AdvManagedFlag off;
    AdvOtherConfigFlag on;
    AdvLinkMTU 1400;
    AdvReachableTime 30000;
    AdvRetransTimer 1000;
    AdvCurHopLimit 64;
    AdvDefaultLifetime 1800;
    prefix 2001:db8:1::/64 {
        AdvOnLink on;
        AdvAutonomous on;
        AdvValidLifetime 86400;
        AdvPreferredLifetime 14400;
    };
    RDNSS 2001:db8::53 {
        AdvRDNSSLifetime 600;
    };
};
EOF
cap_a sysctl -qw net.ipv6.conf.all.forwarding=1
cap_a_bg radvd -n -C "$RADVD_CONF" -p "$RADVD_PID" -m stderr
RADVD_BG=${CAP_BG_PIDS[-1]}
sleep 2
cap_b ip link set vethb down
sleep 0.5
cap_b ip link set vethb up
sleep 4
kill "$RADVD_BG" 2>/dev/null || true
for _ in $(seq 50); do kill -0 "$RADVD_BG" 2>/dev/null || break; sleep 0.1; done
cap_end
rm -f "$RADVD_CONF" "$RADVD_PID"
