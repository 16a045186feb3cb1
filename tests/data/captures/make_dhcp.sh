#!/usr/bin/env bash
# make_dhcp.sh — dhcp.pcap: a full DHCPv4 exchange between dnsmasq (server, side A) and
# busybox udhcpc (client, side B): DISCOVER, OFFER, REQUEST, ACK, a unicast renew
# (REQUEST, ACK), then RELEASE.
# The server hands out routers (3), DNS (6), NTP (42), T1 (58), a domain name (15), and
# a boot file and server name (the BOOTP file/sname fields) beside its defaults.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/keel-dhcp.XXXXXX)
cap_begin dhcp udp port 67 or udp port 68
trap 'cap_cleanup; rm -rf "$TMP"' EXIT
# Side B is the DHCP client: it starts with no IPv4 address.
cap_b ip addr del 192.0.2.2/24 dev vethb
cap_a_bg dnsmasq --no-daemon --conf-file=/dev/null --port=0 --user=root \
  --interface=vetha --bind-interfaces \
  --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,2m \
  --dhcp-option=3,192.0.2.1 --dhcp-option=6,192.0.2.1 --dhcp-option=42,192.0.2.1 \
  --dhcp-option=58,60 --domain=example.com --dhcp-boot=keel.bin,bootsrv,192.0.2.1 --no-ping --pid-file="$TMP/dnsmasq.pid" --dhcp-leasefile="$TMP/leases"
# The client script configures the leased address, so the RELEASE can be sent from it.
cat >"$TMP/script" <<'SCRIPT'
#!/bin/sh
case "$1" in
  bound|renew) ip addr replace "$ip/$mask" dev "$interface" ;;
  deconfig) ip -4 addr flush dev "$interface" ;;
esac
SCRIPT
chmod +x "$TMP/script"
sleep 1
# -R: release the lease on SIGTERM; -t/-T bound the discover retries. SIGUSR1 asks
# for a renew (a unicast REQUEST from the leased address, RFC 2131 §4.4.5).
cap_b_bg busybox udhcpc -i vethb -f -R -t 3 -T 2 -s "$TMP/script" -x hostname:keel-b
UDHCPC=${CAP_BG_PIDS[-1]}
for _ in $(seq 50); do
  cap_b ip -4 addr show dev vethb | grep -q 'inet ' && break
  sleep 0.2
done
cap_b ip -4 addr show dev vethb | grep -q 'inet '
sleep 0.5
kill -USR1 "$UDHCPC"
sleep 1
kill -TERM "$UDHCPC"
sleep 1
cap_end
rm -rf "$TMP"
