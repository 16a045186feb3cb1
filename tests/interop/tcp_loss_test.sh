#!/usr/bin/env bash
# tcp_loss_test.sh — 100 MB each way between keel and the Linux kernel, byte-exact, on a
# clean and on impaired links. In each run 5 MB go through keel's echo service (both
# directions at once, sha256 both ends), curl fetches /dl/100000000 (keel sends; the body
# must equal the pattern: sha256 against a local copy) and POSTs 100 MB of random bytes
# to /ul (the kernel sends; keel reports the size and sha256 of what it received, which
# must equal the file's):
#  1. no loss, through the same bridge (keel recovers nothing; see keel_lossless);
#  2. 1 % random loss of TCP frames in both directions (nftables in the namespace, on the
#     forward path of a bridge between the kernel's veth and keel's TAP: a real loss for
#     both TCPs; see start_keel_bridged in tcp_lib.sh);
#  3. the same with 5 % loss;
#  4. keel's own fault injector: --reorder 5 --delay 10 (both directions, no loss).
# Under loss both sides recover with SACK: blocks appear in segments from keel and from
# the kernel, and keel's connections report SACK-based recoveries. Every run's capture
# (its first 30000 frames) is well-formed, and keel never builds a packet larger than the
# MTU.
#
# Bound: each transfer has LIMIT seconds, a hang guard only. On this 2-core machine the
# lossless 100 MB take ~1 s, at 5 % loss ~10-20 s; with 10 ms of delay each way keel's
# 64 KiB windows cap a transfer near 26 Mbit/s (~31 s for 100 MB).
. "$(dirname "$0")/tcp_lib.sh"
interop_begin curl socat sha256sum nft ethtool bridge

SIZE=100000000
ECHO_SIZE=5000000
LIMIT=${KEEL_TCP_LIMIT:-150}  # KEEL_TCP_LIMIT: another bound, to study a slow stack
PCAP_FRAMES=30000             # frames kept per capture (tshark time stays bounded)

# transfers NAME — the three transfers of one run (the echo first: it has data both ways,
# so the capture's first frames show SACK blocks from both sides).
transfers() {
  local t0 t1
  t0=$(date +%s%N)
  echo_check $ECHO_SIZE "$LIMIT"
  t1=$(date +%s%N)
  step "$1: echo took $(((t1 - t0) / 1000000)) ms"
  dl_check $SIZE "$LIMIT"
  t0=$(date +%s%N)
  step "$1: /dl took $(((t0 - t1) / 1000000)) ms"
  ul_check $SIZE "$LIMIT"
  t1=$(date +%s%N)
  step "$1: /ul took $(((t1 - t0) / 1000000)) ms"
}

# sack_check NAME — SACK blocks went both ways, and keel recovered with them.
sack_check() {
  local from_keel from_kernel recoveries
  local sources
  sources=$(tcp_fields "tcp.options.sack_le" ip.src)  # one tshark pass for both counts
  from_keel=$(grep -c -x -F "$KEEL_IP" <<<"$sources" || true)
  from_kernel=$(grep -c -x -F "$KERNEL_IP" <<<"$sources" || true)
  recoveries=$(keel_sum sack_recoveries)
  expect [ "$from_keel" -gt 0 ] -- "$1: no segment from keel carries a SACK block (keel received out-of-order data)"
  expect [ "$from_kernel" -gt 0 ] -- "$1: no segment from the kernel carries a SACK block"
  expect [ "$recoveries" -gt 0 ] -- "$1: keel's connections report no SACK-based recovery"
  step "$1: SACK blocks in $from_keel segments from keel, $from_kernel from the kernel; keel's SACK recoveries: $recoveries"
  # Window scaling and timestamps under loss too: every SYN,ACK from keel offers a
  # shift, and keel's segments carry timestamps (RFC 7323).
  local synacks scaled stamped data_from_keel
  synacks=$(tcp_fields "ip.src == $KEEL_IP && tcp.flags.syn == 1 && tcp.flags.ack == 1" frame.number | wc -l)
  scaled=$(tcp_fields "ip.src == $KEEL_IP && tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.options.wscale.shift" frame.number | wc -l)
  data_from_keel=$(tcp_fields "ip.src == $KEEL_IP && tcp.len > 0" frame.number | wc -l)
  stamped=$(tcp_fields "ip.src == $KEEL_IP && tcp.len > 0 && tcp.options.timestamp.tsval" frame.number | wc -l)
  expect [ "$synacks" -gt 0 ] -- "$1: no SYN,ACK from keel in the capture"
  expect [ "$scaled" -eq "$synacks" ] -- "$1: $scaled of $synacks SYN,ACKs from keel offer window scaling"
  expect [ "$stamped" -eq "$data_from_keel" ] -- "$1: $stamped of $data_from_keel data segments from keel carry timestamps"
  step "$1: window scaling in all $synacks SYN,ACKs, timestamps on all $data_from_keel data segments from keel"
}

# connection_report NAME — keel's view of its connections (retransmissions, timeouts).
connection_report() {
  keel_lines '^keel-demo: tcp done ' | sed -E "s|^keel-demo: tcp done |    $1: |"
}

for loss in 0 1 5; do
  keel_files "loss$loss"
  start_keel_bridged --ip "$KEEL_IP/24" --pcap-limit $PCAP_FRAMES
  nft_loss $loss $loss
  transfers "loss $loss%"
  dropped_in=0 dropped_out=0
  if [ "$loss" -gt 0 ]; then
    dropped_in=$(nft_dropped from_keel)
    dropped_out=$(nft_dropped to_keel)
  fi
  nft_loss 0 0
  stop_keel
  unbridge_kernel
  connection_report "loss $loss%"
  if [ "$loss" -gt 0 ] && { [ "$dropped_in" -eq 0 ] || [ "$dropped_out" -eq 0 ]; }; then
    fail "loss $loss%: nftables dropped $dropped_in frames from keel and $dropped_out to keel: the loss did not apply"
  fi
  step "loss $loss%: nftables dropped $dropped_in frames from keel, $dropped_out to keel"
  check_tcp_pcap "$KEEL_PCAP"
  if [ "$loss" -gt 0 ]; then
    sack_check "loss $loss%"
  else
    keel_lossless "no loss"
  fi
  keel_quality
  expect_all
done

keel_files faults
start_keel --ip "$KEEL_IP/24" --reorder 5 --delay 10 --pcap-limit $PCAP_FRAMES
transfers "reorder 5% delay 10 ms"
stop_keel
connection_report "reorder/delay"
keel_lines '^keel-demo: faults ' | sed 's/^keel-demo: /    /'
reordered=$(($(keel_stat faults_rx reordered) + $(keel_stat faults_tx reordered)))
queue_drops=$(($(keel_stat faults_rx queue_drops) + $(keel_stat faults_tx queue_drops)))
[ "$reordered" -gt 0 ] || fail "keel's fault injector reordered nothing"
check_tcp_pcap "$KEEL_PCAP"
keel_quality
expect [ "$queue_drops" -eq 0 ] -- "keel's fault injector dropped $queue_drops frames from its delay queue (this run is meant to be lossless)"
expect_all
pass
