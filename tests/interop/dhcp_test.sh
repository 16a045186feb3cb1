#!/usr/bin/env bash
# dhcp_test.sh — keel's DHCPv4 client against dnsmasq's server on the kernel side:
#  - keel-demo without --ip gets a lease from the pool 192.0.2.100-150 (/24) with the
#    router, DNS and NTP servers dnsmasq hands out (options 3, 6, 42), the lease time
#    (2 min, dnsmasq's minimum) and the short T1 (option 58, 10 s) it was told;
#  - keel renews at T1 (lease-renewed, same address, unicast REQUEST to the server);
#  - the kernel pings keel at the leased address;
#  - dnsmasq's lease file holds keel's MAC, the address and keel's host name.
. "$(dirname "$0")/lib.sh"
interop_begin dnsmasq ping

start_keel
wait_for_line '^keel-demo: dhcp started$' 5

T1=10
T2=60
LEASE=120
bg_in_ns dnsmasq dnsmasq --conf-file=/dev/null --no-daemon --user=root --group=root \
  --pid-file="$WORK/dnsmasq.pid" --dhcp-leasefile="$WORK/dnsmasq.leases" \
  --log-facility="$WORK/dnsmasq.log" --log-dhcp \
  --bind-interfaces --interface="$KEEL_TAP" --port=0 \
  --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,2m \
  --dhcp-option=3,"$KERNEL_IP" --dhcp-option=6,"$KERNEL_IP" --dhcp-option=42,"$KERNEL_IP" \
  --dhcp-option=58,$T1 --dhcp-option=59,$T2
step "dnsmasq (DHCP only) on $KEEL_TAP, pid $BG_PID"

# keel's first DISCOVER may leave before dnsmasq listens: the client retransmits
# after 4 s (RFC 2131 §4.1), and probes the offered address with ARP before binding.
wait_for_line '^keel-demo: lease address=' 30
lease=$(keel_line '^keel-demo: lease address=')
step "bound: ${lease#keel-demo: }"
re='^keel-demo: lease address=192\.0\.2\.([0-9]+)/24 router=192\.0\.2\.1 dns=192\.0\.2\.1 ntp=192\.0\.2\.1 lease=([0-9]+)s t1=([0-9]+)s t2=([0-9]+)s server=192\.0\.2\.1$'
[[ $lease =~ $re ]] || fail "lease line not as configured: $lease"
host=${BASH_REMATCH[1]}
[ "$host" -ge 100 ] && [ "$host" -le 150 ] || fail "address 192.0.2.$host outside the pool 100-150"
LEASED=192.0.2.$host
# dnsmasq states the times left on its own clock (T1 and T2 count from its first grant),
# so each may be up to 3 s less than configured, never more.
[ "${BASH_REMATCH[2]}" -ge $((LEASE - 3)) ] && [ "${BASH_REMATCH[2]}" -le $LEASE ] ||
  fail "lease time ${BASH_REMATCH[2]}s, dnsmasq grants ${LEASE}s"
[ "${BASH_REMATCH[3]}" -ge $((T1 - 3)) ] && [ "${BASH_REMATCH[3]}" -le $T1 ] ||
  fail "t1 ${BASH_REMATCH[3]}s, dnsmasq sends ${T1}s"
[ "${BASH_REMATCH[4]}" -ge $((T2 - 3)) ] && [ "${BASH_REMATCH[4]}" -le $T2 ] ||
  fail "t2 ${BASH_REMATCH[4]}s, dnsmasq sends ${T2}s"

# The kernel reaches keel at the leased address.
out=$(in_ns timeout 20 ping -n -c 3 -i 0.2 -W 5 "$LEASED" 2>&1) || true
grep -q -E '^3 packets transmitted, 3 received, 0% packet loss' <<<"$out" ||
  fail "ping $LEASED: expected 3 of 3 replies: $out"
step "kernel -> keel at $LEASED: 3/3 replies"

# dnsmasq records the lease: "<expiry> <mac> <address> <hostname> <client-id>".
wait_until 5 grep -q -i -E "^[0-9]+ $KEEL_MAC $LEASED keel-demo " "$WORK/dnsmasq.leases"
step "dnsmasq lease file: $(cat "$WORK/dnsmasq.leases")"

# Renewal at T1: a unicast REQUEST, answered with an ACK for the same address (times
# checked as above).
wait_for_line '^keel-demo: lease-renewed ' $((T1 + 15))
renewed=$(keel_line '^keel-demo: lease-renewed ')
re="^keel-demo: lease-renewed address=$LEASED/24 router=192\.0\.2\.1 dns=192\.0\.2\.1 ntp=192\.0\.2\.1 lease=([0-9]+)s t1=([0-9]+)s t2=([0-9]+)s server=192\.0\.2\.1$"
[[ $renewed =~ $re ]] || fail "renewal not of the same lease: $renewed"
[ "${BASH_REMATCH[1]}" -ge $((LEASE - 3)) ] && [ "${BASH_REMATCH[1]}" -le $LEASE ] &&
  [ "${BASH_REMATCH[2]}" -ge $((T1 - 3)) ] && [ "${BASH_REMATCH[2]}" -le $T1 ] &&
  [ "${BASH_REMATCH[3]}" -ge $((T2 - 3)) ] && [ "${BASH_REMATCH[3]}" -le $T2 ] ||
  fail "renewed lease times differ from dnsmasq's: $renewed"
[ -z "$(keel_line '^keel-demo: lease-(lost|nak|declined|rebound) ')" ] || fail "unexpected lease event"
step "renewed: ${renewed#keel-demo: }"

stop_keel
check_pcap "$KEEL_PCAP"
# DHCP message types (option 53): 1 DISCOVER, 2 OFFER, 3 REQUEST, 5 ACK.
discovers=$(pcap_count "$KEEL_PCAP" "dhcp.option.dhcp == 1 && eth.src == $KEEL_MAC")
offers=$(pcap_count "$KEEL_PCAP" "dhcp.option.dhcp == 2 && ip.src == $KERNEL_IP")
selecting=$(pcap_count "$KEEL_PCAP" "dhcp.option.dhcp == 3 && eth.src == $KEEL_MAC && ip.dst == 255.255.255.255 && dhcp.option.requested_ip_address == $LEASED")
renewing=$(pcap_count "$KEEL_PCAP" "dhcp.option.dhcp == 3 && eth.src == $KEEL_MAC && ip.src == $LEASED && ip.dst == $KERNEL_IP && dhcp.ip.client == $LEASED")
acks=$(pcap_count "$KEEL_PCAP" "dhcp.option.dhcp == 5 && ip.src == $KERNEL_IP && dhcp.ip.your == $LEASED")
[ "$discovers" -ge 1 ] && [ "$offers" -ge 1 ] || fail "capture: $discovers DISCOVER, $offers OFFER"
[ "$selecting" -ge 1 ] || fail "capture: no broadcast REQUEST for $LEASED"
[ "$renewing" -ge 1 ] || fail "capture: no unicast renewing REQUEST from $LEASED"
[ "$acks" -ge 2 ] || fail "capture: $acks ACKs for $LEASED, expected at least 2"
# RFC 5227 probe: ARP requests with sender 0.0.0.0 for the offered address.
probes=$(pcap_count "$KEEL_PCAP" "arp.opcode == 1 && eth.src == $KEEL_MAC && arp.src.proto_ipv4 == 0.0.0.0 && arp.dst.proto_ipv4 == $LEASED")
[ "$probes" -ge 1 ] || fail "capture: no ARP probe for $LEASED before binding"
step "capture: $discovers DISCOVER, $offers OFFER, $selecting+$renewing REQUEST, $acks ACK, $probes ARP probes"
pass
