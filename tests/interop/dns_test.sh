#!/usr/bin/env bash
# dns_test.sh — keel's stub resolver against dnsmasq's DNS server on the kernel side
# (static address, --dns 192.0.2.1; every --resolve asks for A and AAAA):
#  - www.example.test: A and AAAA records, exactly the addresses configured;
#  - alias.example.test -> mid.example.test -> www.example.test: a CNAME chain ends in
#    www's addresses;
#  - v6only.example.test: AAAA only, its A lookup is not-found (NOERROR, no data);
#  - nx.example.test: NXDOMAIN for both types (not-found);
#  - many.example.test: 8 A records; keel keeps config::kDnsMaxAddresses (4) of them,
#    distinct, each one of the 8, the first four of the answer dnsmasq sends.
# dig, run against the same server from the kernel side, tells the truth for each name.
. "$(dirname "$0")/lib.sh"
interop_begin dnsmasq dig

KEEL_IP=192.0.2.2
MAX_ADDRESSES=4  # include/keel/config.hpp: kDnsMaxAddresses (KEEL_CONFIG_DNS_MAX_ADDRESSES)
MANY=(192.0.2.31 192.0.2.32 192.0.2.33 192.0.2.34 192.0.2.35 192.0.2.36 192.0.2.37 192.0.2.38)
NAMES=(www.example.test alias.example.test v6only.example.test nx.example.test many.example.test)

resolve_args=()
for n in "${NAMES[@]}"; do resolve_args+=(--resolve "$n"); done
start_keel --ip "$KEEL_IP/24" --dns "$KERNEL_IP" "${resolve_args[@]}"

many_args=()
for a in "${MANY[@]}"; do many_args+=("--host-record=many.example.test,$a"); done
bg_in_ns dnsmasq dnsmasq --conf-file=/dev/null --no-daemon --user=root --group=root \
  --pid-file="$WORK/dnsmasq.pid" --log-queries --log-facility=- \
  --bind-interfaces --interface="$KEEL_TAP" --no-dhcp-interface="$KEEL_TAP" \
  --no-resolv --no-hosts --local=/example.test/ \
  --host-record=www.example.test,192.0.2.10,2001:db8::10 \
  --host-record=v6only.example.test,2001:db8::6 \
  --cname=mid.example.test,www.example.test \
  --cname=alias.example.test,mid.example.test \
  --txt-record=www.example.test,"keel interop" \
  "${many_args[@]}"
step "dnsmasq (DNS) on $KERNEL_IP, pid $BG_PID"
wait_until 10 in_ns dig +time=1 +tries=1 @"$KERNEL_IP" www.example.test A

# dig_answer NAME TYPE — dnsmasq's answer as seen by the kernel side: addresses, in order.
dig_answer() {
  in_ns dig +time=2 +tries=2 +noall +answer @"$KERNEL_IP" "$1" "$2" |
    awk -v t="$2" '$4 == t { printf " %s", $5 }'
}
[ "$(dig_answer www.example.test A)" = " 192.0.2.10" ] || fail "dnsmasq setup: www A"
[ "$(dig_answer alias.example.test AAAA)" = " 2001:db8::10" ] || fail "dnsmasq setup: alias AAAA"
[ "$(in_ns dig +time=2 +tries=2 @"$KERNEL_IP" nx.example.test A | grep -c 'status: NXDOMAIN')" = 1 ] ||
  fail "dnsmasq setup: nx.example.test is not NXDOMAIN"
many_dig=$(dig_answer many.example.test A)
[ "$(wc -w <<<"$many_dig")" -eq ${#MANY[@]} ] || fail "dnsmasq setup: many has '$many_dig'"

# Ten lookups: the first queries may leave before dnsmasq listens; the resolver retries
# after 1 s and 2 s (3 rounds), so all end within ~7 s of keel's start.
for n in "${NAMES[@]}"; do
  for t in A AAAA; do
    wait_for_line "^keel-demo: (resolved $n $t |resolve $n $t failed: )" 20
  done
done
step "keel's answers:"
keel_lines '^keel-demo: resolve' | sed 's/^keel-demo: /    /'

# expect NAME TYPE "RESULT" — keel's one line for NAME/TYPE is exactly RESULT.
expect() {
  local lines
  lines=$(keel_lines "^keel-demo: (resolved $1 $2 |resolve $1 $2 failed: )")
  [ "$(wc -l <<<"$lines")" -eq 1 ] || fail "$1 $2: more than one result: $lines"
  [ "$lines" = "keel-demo: $3" ] || fail "$1 $2: expected '$3', got '$lines'"
}
expect www.example.test A "resolved www.example.test A 192.0.2.10"
expect www.example.test AAAA "resolved www.example.test AAAA 2001:db8::10"
expect alias.example.test A "resolved alias.example.test A 192.0.2.10"
expect alias.example.test AAAA "resolved alias.example.test AAAA 2001:db8::10"
expect v6only.example.test AAAA "resolved v6only.example.test AAAA 2001:db8::6"
expect v6only.example.test A "resolve v6only.example.test A failed: not-found"
expect nx.example.test A "resolve nx.example.test A failed: not-found"
expect nx.example.test AAAA "resolve nx.example.test AAAA failed: not-found"
expect many.example.test AAAA "resolve many.example.test AAAA failed: not-found"

many_keel=$(keel_line '^keel-demo: resolved many\.example\.test A ' | sed 's/^keel-demo: resolved many.example.test A//')
read -r -a got <<<"$many_keel"
[ "${#got[@]}" -eq $MAX_ADDRESSES ] || fail "many.example.test A: keel kept ${#got[@]} addresses, expected $MAX_ADDRESSES"
[ "$(printf '%s\n' "${got[@]}" | sort -u | wc -l)" -eq $MAX_ADDRESSES ] || fail "many: repeated address in '$many_keel'"
for a in "${got[@]}"; do
  printf '%s\n' "${MANY[@]}" | grep -qxF "$a" || fail "many: $a is not one of the records"
done
step "many.example.test: keel kept${many_keel} of the ${#MANY[@]} records (dig:${many_dig})"

stop_keel
dropped=$(keel_stat dns addresses_dropped)
[ "$dropped" -eq $((${#MANY[@]} - MAX_ADDRESSES)) ] ||
  fail "keel's resolver dropped $dropped addresses, expected $((${#MANY[@]} - MAX_ADDRESSES))"
check_pcap "$KEEL_PCAP"
# keel's response to many.example.test: the first four A records in wire order are the
# ones keel kept (dnsmasq may rotate between answers, so read keel's own capture).
first=$(timeout 60 tshark -n -r "$KEEL_PCAP" -Y 'dns.flags.response == 1 && dns.qry.name == "many.example.test" && dns.qry.type == 1 && dns.count.answers == 8' \
  -T fields -e dns.a 2>/dev/null | head -n1 | tr ',' ' ' | awk '{ print $1, $2, $3, $4 }')
[ "$first" = "${got[*]}" ] || fail "many: keel kept '${got[*]}', the first four records it received were '$first'"
nxdomain=$(pcap_count "$KEEL_PCAP" 'dns.flags.response == 1 && dns.flags.rcode == 3 && dns.qry.name == "nx.example.test"')
[ "$nxdomain" -ge 2 ] || fail "capture: $nxdomain NXDOMAIN responses for nx.example.test, expected 2 (A, AAAA)"
queries=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && dns.flags.response == 0")
[ "$queries" -ge 10 ] || fail "capture: keel sent $queries queries, expected at least 10"
step "capture: $queries queries, many's first four records = keel's answer, NXDOMAIN seen"
pass
