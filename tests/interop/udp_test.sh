#!/usr/bin/env bash
# udp_test.sh — UDP between keel and the Linux kernel:
#  - echo (port 7): socat sends datagrams of 1, 100, 1472 (the largest unfragmented),
#    1473 and 3000 bytes (fragmented both ways); each comes back byte for byte (sha256
#    and size compared), from port 7 to socat's port;
#  - a datagram larger than keel's UDP receive buffer (UDP_RX_BYTES, 4096) is reassembled
#    and dropped at the socket, counted once as socket_full, and nothing comes back;
#  - multicast: keel joins 239.1.2.3 (port 5000). The kernel side is a bridge acting as
#    IGMP querier with snooping; keel answers its queries with IGMPv2 reports (TTL 1,
#    Router Alert) and the bridge's multicast database lists keel's port for the group
#    — the kernel itself learned the membership. Datagrams of 100 bytes and 2000 bytes
#    (fragmented) to the group reach keel with exact sizes; one to 239.1.2.4 (not
#    joined; the bridge forwards it to keel all the same) is dropped by keel.
. "$(dirname "$0")/lib.sh"
interop_begin socat bridge sha256sum

KEEL_IP=192.0.2.2
GROUP=239.1.2.3
OTHER=239.1.2.4
PORT=5000
# Querier every 2 s, reports wanted within 1 s (centiseconds).
KEEL_BRIDGE="mcast_snooping 1 mcast_querier 1 mcast_query_use_ifaddr 1 mcast_query_interval 200"
KEEL_BRIDGE+=" mcast_query_response_interval 100 mcast_startup_query_interval 100 mcast_startup_query_count 3"
start_keel --ip "$KEEL_IP/24" --join "$GROUP"
wait_for_line "^keel-demo: joined $GROUP port $PORT$" 5
# keel's port as a multicast router port: the bridge forwards it every group, joined or
# not (a snooping bridge with a querier sends unregistered groups to router ports only),
# so keel's own group filter is what is tested.
bridge -n "$KEEL_NS" link set dev "$KEEL_TAP" mcast_router 2

# echo SIZE SPORT — one datagram of SIZE random bytes from SPORT to keel's port 7; sets
# ECHO_OUT to the file holding what came back.
echo_once() {
  local size=$1 sport=$2 in="$WORK/udp.$1.in"
  ECHO_OUT="$WORK/udp.$1.out"
  head -c "$size" /dev/urandom >"$in"
  # socat sends the file as one datagram (-b above its size) and waits 2 s for replies.
  in_ns timeout 15 socat -b 65536 -t 2 STDIO "UDP4:$KEEL_IP:7,bind=$KERNEL_IP:$sport" \
    <"$in" >"$ECHO_OUT" 2>"$WORK/socat.$size.err" || fail "socat ($size bytes): $(cat "$WORK/socat.$size.err")"
}

sport=40000
for size in 1 100 1472 1473 3000; do
  sport=$((sport + 1))
  echo_once "$size" "$sport"
  got=$(stat -c %s "$ECHO_OUT")
  [ "$got" -eq "$size" ] || fail "echo of $size bytes: $got bytes came back"
  want_hash=$(sha256sum <"$WORK/udp.$size.in" | cut -d' ' -f1)
  got_hash=$(sha256sum <"$ECHO_OUT" | cut -d' ' -f1)
  [ "$want_hash" = "$got_hash" ] || fail "echo of $size bytes: the bytes differ"
  step "udp echo $size bytes from port $sport: same ${size} bytes back (sha256 ${got_hash:0:16}…)"
done

# Larger than the socket's receive buffer: reassembled, then dropped at the socket.
BIG=8000
echo_once $BIG 40100
[ ! -s "$ECHO_OUT" ] || fail "echo of $BIG bytes: $(stat -c %s "$ECHO_OUT") bytes came back, the socket cannot hold it"
step "udp $BIG bytes: no echo (larger than the socket buffer)"

# Multicast: the bridge learns keel's membership from keel's reports.
wait_until 20 sh -c "bridge -n '$KEEL_NS' mdb show | grep -q 'port $KEEL_TAP grp $GROUP'"
step "kernel bridge mdb: $(bridge -n "$KEEL_NS" mdb show | grep "grp $GROUP")"
head -c 100 /dev/urandom >"$WORK/mc.100"
head -c 2000 /dev/urandom >"$WORK/mc.2000"
mc_send() {  # GROUP FILE
  in_ns timeout 10 socat -b 65536 -u STDIO "UDP4-DATAGRAM:$1:$PORT,bind=$KERNEL_IP:4000,ip-multicast-if=$KERNEL_IP" \
    <"$2" 2>"$WORK/socat.mc.err" || fail "socat to $1: $(cat "$WORK/socat.mc.err")"
}
mc_send "$OTHER" "$WORK/mc.100"  # reaches keel (router port), must be dropped by it
mc_send "$GROUP" "$WORK/mc.100"
mc_send "$GROUP" "$WORK/mc.2000"
wait_for_line "^keel-demo: multicast to=$GROUP:$PORT from=$KERNEL_IP:4000 bytes=100$" 10
wait_for_line "^keel-demo: multicast to=$GROUP:$PORT from=$KERNEL_IP:4000 bytes=2000$" 10
[ "$(keel_lines '^keel-demo: multicast ' | wc -l)" -eq 2 ] ||
  fail "keel received other multicast datagrams: $(keel_lines '^keel-demo: multicast ')"
step "multicast to $GROUP: 100 and 2000 bytes received; nothing from $OTHER"

stop_keel
[ "$(keel_stat drops_tap not_for_us)" -ge 1 ] || fail "keel did not count the datagram to $OTHER as not for it"
full=$(keel_stat drops_tap socket_full)
[ "$full" -eq 1 ] || fail "socket_full=$full, expected 1 (the $BIG-byte datagram)"
# Fragmented: 1473 and 3000 bytes echoed (+8 B UDP header), BIG, and the 2000-byte
# multicast datagram.
complete=$(keel_stat reassembly complete)
[ "$complete" -eq 4 ] || fail "keel reassembled $complete datagrams, expected 4"

check_pcap "$KEEL_PCAP"
echoes=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && udp.srcport == 7 && udp.dstport > 40000 && udp.dstport < 40100")
[ "$echoes" -eq 5 ] || fail "capture: $echoes echo replies, expected 5"
reports=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && ip.dst == $GROUP && igmp.type == 0x16 && igmp.maddr == $GROUP && ip.ttl == 1 && ip.opt.ra == 0")
bad_reports=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && igmp && !(igmp.type == 0x16 && igmp.maddr == $GROUP && ip.ttl == 1 && ip.opt.ra == 0)")
queries=$(pcap_count "$KEEL_PCAP" "ip.src == $KERNEL_IP && igmp.type == 0x11")
other=$(pcap_count "$KEEL_PCAP" "ip.dst == $OTHER && udp.dstport == $PORT")
[ "$other" -eq 1 ] || fail "capture: $other datagrams to $OTHER reached keel, expected 1 (else the negative check is void)"
[ "$reports" -ge 1 ] || fail "capture: no IGMPv2 report for $GROUP with TTL 1 and Router Alert"
[ "$bad_reports" -eq 0 ] || fail "capture: $bad_reports other IGMP messages from keel"
[ "$queries" -ge 1 ] || fail "capture: no IGMP query from the bridge"
step "capture: $echoes echo replies; $reports IGMPv2 reports for $GROUP (TTL 1, Router Alert) to $queries queries"
pass
