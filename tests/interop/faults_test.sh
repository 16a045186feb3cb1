#!/usr/bin/env bash
# faults_test.sh — keel under loss, duplication and reordering (its own fault injector
# around the TAP, both directions: --loss 5 --dup 5 --reorder 10): the kernel's
# fragmented pings are mostly answered, every fragment keel received is accounted for
# by its reassembly counters, each completed request got exactly one reply, and the
# capture is still well-formed.
. "$(dirname "$0")/lib.sh"
interop_begin ping

KEEL_IP=192.0.2.2
LOSS=5
COUNT=50
SIZE=3000  # 3008 B of ICMP: fragments of 1480, 1480 and 48 B, each way
SLOTS=4    # include/keel/config.hpp: KEEL_CONFIG_REASSEMBLY_SLOTS
start_keel --ip "$KEEL_IP/24" --loss $LOSS --dup 5 --reorder 10

# Warm up ARP both ways with small pings (each may be lost): the kernel learns keel's
# MAC, keel the kernel's, so the measured pings never wait for a lost ARP exchange.
out=$(in_ns timeout 20 ping -n -c 1 -w 15 -i 0.2 -W 1 "$KEEL_IP" 2>&1) || fail "no reply to any warm-up ping: $out"
step "ARP warmed up"

# The bound. A request arrives only if its 3 fragments all survive keel's receive side
# and the reply only if its 3 fragments survive the transmit side: with 5% loss per frame
# and direction, p = 0.95^6 = 0.735 per ping. Duplicates and reordering (2 ms, within a
# 50 ms interval) lose nothing for a correct reassembler. Over 50 pings the replies are
# Binomial(50, 0.735): mean 36.8, sd 3.1. "At least 70%" (35) would fail a correct stack
# 23% of the time; at least 25 (50%, 3.8 sd below the mean) fails it with probability
# 1.1e-4 and still catches a reassembler that loses datagrams to duplicates, reordering
# or stuck slots.
MIN_REPLIES=25
out=$(in_ns timeout 60 ping -n -c $COUNT -i 0.05 -W 3 -s $SIZE "$KEEL_IP" 2>&1) || true
summary=$(grep -E '^[0-9]+ packets transmitted, ' <<<"$out") || fail "ping printed no summary: $out"
[[ $summary =~ ^$COUNT\ packets\ transmitted,\ ([0-9]+)\ received ]] || fail "ping summary: $summary"
received=${BASH_REMATCH[1]}
grep -q 'wrong data' <<<"$out" && fail "a reply came back with wrong data: $out"
step "kernel -> keel: $summary"

stop_keel
keel_lines '^keel-demo: (reassembly|faults) ' | sed 's/^keel-demo: /    /'
complete=$(keel_stat reassembly complete)
duplicates=$(keel_stat reassembly duplicates)
timeouts=$(keel_stat reassembly timeouts)
no_slot=$(keel_stat reassembly no_slot)
over_budget=$(keel_stat reassembly over_budget)
overlaps=$(keel_stat reassembly overlaps)
rx_lost=$(keel_stat faults_rx lost)
rx_dup=$(keel_stat faults_rx duplicated)
tx_lost=$(keel_stat faults_tx lost)
[ "$overlaps" -eq 0 ] || fail "reassembly saw $overlaps overlaps: duplicates are exact, not overlaps"
[ "$((rx_lost + rx_dup + tx_lost))" -gt 0 ] || fail "the fault injector impaired nothing"

check_pcap "$KEEL_PCAP"
# keel's capture holds what its stack received (after the faults) and what it sent
# (before them). Every completed request was answered once: the fragmented traffic is
# only the kernel's pings (tshark shows a reassembled reply on its last fragment).
replies=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && icmp.type == 0 && ip.frag_offset > 0")
[ "$replies" -eq "$complete" ] || fail "keel sent $replies echo replies for $complete reassembled requests"
[ "$received" -le "$replies" ] || fail "the kernel got $received replies, keel sent only $replies"
# Every fragment keel received is accounted for: 3 per completed datagram, one per
# duplicate, one per fragment refused by the budget, and the rest belonging to datagrams
# that never completed — still held at the end (a slot each), evicted for a newer one
# when every slot was busy (no_slot), or freed by a timeout — at most 2 of 3 each.
frags=$(pcap_count "$KEEL_PCAP" "ip.src == $KERNEL_IP && (ip.flags.mf == 1 || ip.frag_offset > 0)")
rest=$((frags - 3 * complete - duplicates - over_budget))
[ "$rest" -ge 0 ] && [ "$rest" -le $((2 * (SLOTS + timeouts + no_slot))) ] ||
  fail "$frags fragments received, not accounted for by complete=$complete duplicates=$duplicates no_slot=$no_slot over_budget=$over_budget timeouts=$timeouts (rest $rest)"
# Duplicated fragments reached the reassembler as duplicates, not as fresh datagrams.
dup_frags=$(timeout 60 tshark -n -r "$KEEL_PCAP" -Y "ip.src == $KERNEL_IP && (ip.flags.mf == 1 || ip.frag_offset > 0)" \
  -T fields -e ip.id -e ip.frag_offset 2>/dev/null | sort | uniq -d -c | awk '{ n += $1 - 1 } END { print n + 0 }')
[ "$duplicates" -le "$dup_frags" ] || fail "keel counted $duplicates duplicate fragments, the capture has $dup_frags"
step "fragments: $frags received = 3x$complete complete + $duplicates duplicates (capture: $dup_frags) + $rest in $no_slot evicted or still held"

[ "$received" -ge $MIN_REPLIES ] ||
  fail "only $received of $COUNT pings answered, expected at least $MIN_REPLIES (reassembly: complete=$complete no_slot=$no_slot timeouts=$timeouts)"
step "$received of $COUNT fragmented pings answered under loss/dup/reorder (bound $MIN_REPLIES)"
pass
