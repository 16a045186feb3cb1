#!/usr/bin/env bash
# make_dns.sh — dns.pcap: DNS queries from dig (side B) answered by dnsmasq (side A,
# 192.0.2.1) from local records only: A, AAAA, a CNAME chain (alias -> mid -> host),
# TXT with two strings, MX, PTR, 40 A records for one name (truncated without EDNS,
# whole with it), an --address wildcard, NXDOMAIN, and from an authoritative zone
# (auth.test) SOA and an NXDOMAIN carrying the SOA. Queries alternate between
# plain (+noedns) and EDNS with a cookie (dig's default).
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/keel-dns.XXXXXX)
cap_begin dns udp port 53
trap 'cap_cleanup; rm -rf "$TMP"' EXIT
# The authoritative server answers on a second address of side A (queries to 192.0.2.1
# on an auth-server address would be refused).
cap_a ip addr add 192.0.2.53/24 dev vetha
for i in $(seq 10 49); do echo "198.51.100.$i many.example.org"; done >"$TMP/hosts"
cap_a_bg dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --user=root \
  --interface=vetha --bind-interfaces --pid-file="$TMP/dnsmasq.pid" \
  --local=/example.com/ --local=/example.org/ --local=/test/ \
  --host-record=host.example.com,192.0.2.20,2001:db8::20 \
  --cname=alias.example.com,mid.example.com --cname=mid.example.com,host.example.com \
  --txt-record=txt.example.com,"v=keel1","second string" \
  --mx-host=example.com,mail.example.com,10 --host-record=mail.example.com,192.0.2.25 \
  --address=/wild.test/203.0.113.7 --addn-hosts="$TMP/hosts" \
  --auth-server=ns.auth.test,192.0.2.53 --auth-zone=auth.test --auth-soa=2024010101,hostmaster.auth.test \
  --host-record=www.auth.test,192.0.2.30
sleep 1
q() { cap_b dig @192.0.2.1 +tries=1 +time=2 "$@" >/dev/null; }
q host.example.com A +noedns
q host.example.com AAAA
q alias.example.com A +noedns
q txt.example.com TXT +noedns
q example.com MX
q -x 192.0.2.20 +noedns
q many.example.org A +noedns +ignore
q many.example.org A
q x.wild.test A +noedns
q nosuch.example.com A +noedns
qa() { cap_b dig @192.0.2.53 +tries=1 +time=2 +noedns +norecurse "$@" >/dev/null; }
qa nosuch.auth.test A
qa auth.test SOA
qa www.auth.test A
cap_end
rm -rf "$TMP"
