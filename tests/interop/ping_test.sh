#!/usr/bin/env bash
# ping_test.sh — ICMP echo and ARP between keel and the Linux kernel:
#  - the kernel pings keel with payloads of 0, 1, 56, 1472 (the largest unfragmented),
#    1473 (the smallest fragmented), 3000 and 8000 bytes: every request answered exactly
#    once with the same payload (ping checks the bytes), keel reassembles exactly the
#    fragmented requests and fragments its replies as the kernel does;
#  - keel pings the kernel (--ping) and reports three replies, seq 1..3, 64 bytes each;
#  - arping from the kernel gets keel's MAC (the one in keel's ready line), and the
#    kernel's neighbour table holds that MAC.
. "$(dirname "$0")/lib.sh"
interop_begin ping arping

KEEL_IP=192.0.2.2
start_keel --ip "$KEEL_IP/24" --ping "$KERNEL_IP" --ping-count 3

COUNT=3
SIZES=(0 1 56 1472 1473 3000 8000)
for size in "${SIZES[@]}"; do
  out=$(in_ns timeout 30 ping -n -c "$COUNT" -i 0.2 -W 5 -s "$size" "$KEEL_IP" 2>&1) || true
  replies=$(grep -c -E "^$((size + 8)) bytes from $KEEL_IP: icmp_seq=[0-9]+ ttl=64" <<<"$out" || true)
  grep -q -E 'DUP!|wrong data|truncated' <<<"$out" && fail "ping -s $size: duplicate or corrupted reply: $out"
  grep -q -E "^$COUNT packets transmitted, $COUNT received, 0% packet loss" <<<"$out" ||
    fail "ping -s $size: expected $COUNT of $COUNT replies: $out"
  [ "$replies" -eq "$COUNT" ] || fail "ping -s $size: $replies reply lines of $((size + 8)) bytes, expected $COUNT"
  step "kernel -> keel ping -s $size: $COUNT/$COUNT replies of $((size + 8)) bytes"
done

# keel's own pings: one a second from 200 ms after start.
wait_for_line "^keel-demo: ping reply from=$KERNEL_IP seq=3 bytes=64$" 15
for seq in 1 2 3; do
  n=$(keel_lines "^keel-demo: ping reply from=$KERNEL_IP seq=$seq bytes=64$" | wc -l)
  [ "$n" -eq 1 ] || fail "keel printed $n replies for its ping seq=$seq, expected 1"
done
[ "$(keel_lines '^keel-demo: ping reply ' | wc -l)" -eq 3 ] || fail "keel printed other ping replies"
step "keel -> kernel ping: replies seq 1, 2, 3 of 64 bytes"

# ARP: the kernel asks for keel's address and learns keel's MAC.
out=$(in_ns timeout 20 arping -c 2 -w 10 -I "$KEEL_TAP" "$KEEL_IP" 2>&1) || true
grep -q -E '^Received 2 response\(s\)' <<<"$out" || fail "arping: expected 2 responses: $out"
macs=$(grep -o -i -E "^Unicast reply from $KEEL_IP \[[0-9a-f:]{17}\]" <<<"$out" |
  sed -E 's/.*\[(.*)\]/\1/' | tr 'A-F' 'a-f' | sort -u)
[ "$macs" = "$KEEL_MAC" ] || fail "arping saw MAC(s) '$macs', keel's is $KEEL_MAC"
neigh=$(in_ns ip neigh show "$KEEL_IP" dev "$KEEL_TAP")
grep -q -i "lladdr $KEEL_MAC" <<<"$neigh" || fail "kernel neighbour entry '$neigh' lacks $KEEL_MAC"
step "arping: 2 replies from $KEEL_MAC; kernel neighbour entry agrees"

stop_keel
# Three of the sizes (1473, 3000, 8000) arrive in fragments: 3 pings each.
complete=$(keel_stat reassembly complete)
[ "$complete" -eq 9 ] || fail "keel reassembled $complete datagrams, expected 9"
for key in timeouts overlaps duplicates no_slot over_budget; do
  [ "$(keel_stat reassembly "$key")" -eq 0 ] || fail "reassembly $key is not 0 on a clean link"
done
[ "$(keel_stat drops_tap reassembly)" -eq 0 ] || fail "keel dropped fragments on a clean link"
[ "$(keel_stat frame_pool frame_pool_drops)" -eq 0 ] || fail "keel's frame pool dropped frames"

check_pcap "$KEEL_PCAP"
# Replies fragmented like the requests: 1481 B of ICMP in 2 fragments, 3008 B in 3,
# 8008 B in 6 (1480 B of payload per fragment): 11 per round, 33 in all, each way.
frags_out=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && (ip.flags.mf == 1 || ip.frag_offset > 0)")
frags_in=$(pcap_count "$KEEL_PCAP" "ip.src == $KERNEL_IP && (ip.flags.mf == 1 || ip.frag_offset > 0)")
[ "$frags_in" -eq 33 ] || fail "the kernel sent $frags_in fragments, expected 33"
[ "$frags_out" -eq 33 ] || fail "keel sent $frags_out fragments, expected 33"
replies=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && icmp.type == 0 && icmp.resp_to")
[ "$replies" -eq $((COUNT * ${#SIZES[@]})) ] ||
  fail "tshark paired $replies of keel's echo replies with requests, expected $((COUNT * ${#SIZES[@]}))"
step "fragments: 33 in, 33 out; $replies echo replies matched to their requests"
pass
