#!/usr/bin/env bash
# tcp_transfer_test.sh — bulk TCP between keel and the Linux kernel, no impairment:
#  - curl fetches /dl/10000000: exit 0, Content-Length and exactly 10000000 bytes, the
#    sha256 of the pattern generated here;
#  - curl POSTs 20 MiB to /ul: keel reports exactly 20971520 bytes;
#  - 5 MB of random bytes through keel's echo service (port 7) with socat: the same
#    bytes come back (sha256 both ends);
#  - keel's capture: well-formed, and on a lossless link keel retransmits nothing and
#    drops nothing, and the kernel's only retransmissions are tail-loss probes (see
#    below: tshark's tcp.analysis.retransmission / fast_retransmission);
#  - every SYN from the kernel and every SYN-ACK from keel carries MSS 1460, window
#    scale, timestamps and SACK-permitted (RFC 7323, RFC 2018).
. "$(dirname "$0")/tcp_lib.sh"
interop_begin curl socat sha256sum

DL=10000000
UL=$((20 * 1024 * 1024))
ECHO=5000000
start_keel --ip "$KEEL_IP/24"

dl_check $DL
ul_check $UL
echo_check $ECHO
PROBES=$(kernel_stat TcpExtTCPLossProbes)
RETRANS_SEGS=$(kernel_stat TcpRetransSegs)
TIMEOUTS=$(kernel_stat TcpExtTCPTimeouts)
TAP_TX_DROPPED=$(in_ns ip -s -j link show "$KEEL_TAP" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])')

stop_keel
check_tcp_pcap "$KEEL_PCAP"

# Three connections, one handshake each.
syns=$(pcap_count "$KEEL_PCAP" "ip.src == $KERNEL_IP && tcp.flags.syn == 1 && tcp.flags.ack == 0")
synacks=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && tcp.flags.syn == 1 && tcp.flags.ack == 1")
[ "$syns" -eq 3 ] || fail "capture: $syns SYNs from the kernel, expected 3"
[ "$synacks" -eq 3 ] || fail "capture: $synacks SYN-ACKs from keel, expected 3"
opts='tcp.options.mss_val == 1460 && tcp.options.wscale.shift && tcp.options.timestamp.tsval && tcp.options.sack_perm'
full_syns=$(pcap_count "$KEEL_PCAP" "ip.src == $KERNEL_IP && tcp.flags.syn == 1 && tcp.flags.ack == 0 && $opts")
full_synacks=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && tcp.flags.syn == 1 && tcp.flags.ack == 1 && $opts")
[ "$full_syns" -eq 3 ] || fail "capture: $full_syns of 3 kernel SYNs carry MSS 1460, wscale, timestamps and SACK-permitted"
if [ "$full_synacks" -ne 3 ]; then
  tcp_fields "tcp.flags.syn == 1" ip.src tcp.flags.ack tcp.options.mss_val tcp.options.wscale.shift \
    tcp.options.timestamp.tsval tcp.options.sack_perm >&2
  fail "capture: $full_synacks of 3 SYN-ACKs from keel carry MSS 1460, window scale, timestamps and SACK-permitted"
fi
shifts=$(tcp_fields "ip.src == $KEEL_IP && tcp.flags.syn == 1" tcp.options.wscale.shift | sort -u | tr '\n' ' ')
step "handshakes: 3 SYN / 3 SYN-ACK, all with MSS 1460, SACK-permitted, timestamps; keel's window scale ${shifts% }"

# Lossless: nothing is lost, so nothing needs sending again.
#  - keel recovers nothing (no RTO, no fast recovery); its only retransmissions may be
#    its own tail-loss probes, allowed for the reason given for the kernel's below;
#  - keel discards nothing the kernel sent: no data dropped by a listener before accept,
#    no frame-pool drop, no frame the kernel failed to queue to the TAP;
#  - the kernel's retransmissions, if any, are all tail-loss probes (RFC 8985 §7.3):
#    Linux resends its last segment when an ACK is ~2 RTT late (a few ms here), which a
#    busy 2-core machine causes by descheduling keel; the kernel counts each such probe
#    in TcpExtTCPLossProbes. A segment the kernel had to recover any other way (fast
#    retransmit, RTO after the probe) exceeds that count and fails the test.
keel_retrans=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission)")
kernel_retrans=$(pcap_count "$KEEL_PCAP" "ip.src == $KERNEL_IP && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission)")
keel_quality
keel_lossless "lossless"
keel_probes=$(keel_sum tail_loss_probes)
expect [ "$keel_retrans" -le "$keel_probes" ] -- "capture: keel retransmitted $keel_retrans segments on a lossless link but sent only $keel_probes tail-loss probes"
for port in 7 80; do
  dropped=$(listener_stat $port dropped_before_accept)
  expect [ "$dropped" -eq 0 ] -- "keel's listener on port $port dropped $dropped segments (data or FIN) that arrived before accept(): the kernel had to send them again"
done
expect [ "$TAP_TX_DROPPED" -eq 0 ] -- "the kernel dropped $TAP_TX_DROPPED frames queued to the TAP"
expect [ "$kernel_retrans" -le "$PROBES" ] -- "capture: the kernel retransmitted $kernel_retrans segments but sent only $PROBES tail-loss probes (TcpRetransSegs=$RETRANS_SEGS TcpExtTCPTimeouts=$TIMEOUTS)"
[ "${#EXPECT_FAILURES[@]}" -eq 0 ] || show_retransmissions
expect_all
data=$(pcap_count "$KEEL_PCAP" "tcp.len > 0")
step "capture: $data data segments; keel: $keel_retrans retransmissions, all tail-loss probes; kernel: $kernel_retrans retransmissions, all tail-loss probes ($PROBES probes, $TIMEOUTS RTOs)"
pass
