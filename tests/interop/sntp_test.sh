#!/usr/bin/env bash
# sntp_test.sh — keel's SNTP client against chronyd serving NTP on the kernel side:
# chronyd, with only its local reference (stratum 3) and never touching the clock (-x),
# answers keel's request; keel reports one sample from 192.0.2.1, stratum 3, with
# |offset| < 50 ms (both ends read the same kernel clock, so the true offset is 0 and
# what keel measures is its own processing and the path asymmetry) and a delay ≥ 0.
. "$(dirname "$0")/lib.sh"
interop_begin chronyd

KEEL_IP=192.0.2.2
start_keel --ip "$KEEL_IP/24" --sntp "$KERNEL_IP"

cat >"$WORK/chrony.conf" <<EOF
# Serve the local clock as stratum 3 to the test's subnet only; no upstream sources.
local stratum 3
allow 192.0.2.0/24
bindaddress $KERNEL_IP
port 123
cmdport 0
bindcmdaddress /
pidfile $WORK/chronyd.pid
driftfile $WORK/chrony.drift
EOF
# -x: never adjust the clock; -d: stay in the foreground, log to stderr; -u root: no
# privilege drop, so the files in $WORK stay writable.
bg_in_ns chronyd chronyd -x -d -u root -f "$WORK/chrony.conf"
step "chronyd (NTP, local stratum 3) on $KERNEL_IP:123, pid $BG_PID"

# keel asks at start (possibly before chronyd listens) and retries every 5 s.
wait_for_line '^keel-demo: sntp offset_us=' 30
line=$(keel_line '^keel-demo: sntp offset_us=')
step "keel: ${line#keel-demo: }"
re='^keel-demo: sntp offset_us=(-?[0-9]+) delay_us=(-?[0-9]+) server=192\.0\.2\.1 stratum=([0-9]+)$'
[[ $line =~ $re ]] || fail "sntp line not as expected: $line"
offset=${BASH_REMATCH[1]} delay=${BASH_REMATCH[2]} stratum=${BASH_REMATCH[3]}

stop_keel
check_pcap "$KEEL_PCAP"
# NTP: keel's requests are client mode (3), version 4; chronyd's answers server mode (4),
# stratum 3, and echo keel's transmit timestamp as their origin timestamp.
requests=$(pcap_count "$KEEL_PCAP" "ip.src == $KEEL_IP && udp.dstport == 123 && ntp.flags.mode == 3 && ntp.flags.vn == 4")
replies=$(pcap_count "$KEEL_PCAP" "ip.src == $KERNEL_IP && udp.srcport == 123 && ntp.flags.mode == 4 && ntp.stratum == 3")
[ "$requests" -ge 1 ] || fail "capture: no NTPv4 client request from keel"
[ "$replies" -ge 1 ] || fail "capture: no NTP server reply of stratum 3"
xmt=$(timeout 60 tshark -n -r "$KEEL_PCAP" -Y "ip.src == $KEEL_IP && ntp.flags.mode == 3" -T fields -e ntp.xmt 2>/dev/null | sort -u)
org=$(timeout 60 tshark -n -r "$KEEL_PCAP" -Y "ip.src == $KERNEL_IP && ntp.flags.mode == 4" -T fields -e ntp.org 2>/dev/null | sort -u)
[ -n "$org" ] && grep -qxF -f <(echo "$org") <<<"$xmt" || fail "capture: no reply's origin timestamp matches a request's transmit timestamp"
step "capture: $requests requests, $replies stratum-3 replies, origin = keel's transmit timestamp"
# How long each request waited between its transmit timestamp and the wire (the pcap
# time of the frame): a request held back (e.g. waiting for ARP) skews the sample.
held=$(timeout 60 tshark -n -r "$KEEL_PCAP" -Y "ip.src == $KEEL_IP && ntp.flags.mode == 3" \
  -T fields -E separator='|' -e frame.time_epoch -e ntp.xmt 2>/dev/null |
  while IFS='|' read -r wire stamp; do
    echo "$(( $(date -u -d "@${wire}" +%s%6N) - $(date -u -d "${stamp/,/}" +%s%6N) ))"
  done | tr '\n' ' ')
step "requests left keel this many us after their transmit timestamp: $held"

[ "$stratum" -eq 3 ] || fail "stratum $stratum, chronyd serves 3"
[ "$delay" -ge 0 ] && [ "$delay" -lt 1000000 ] ||
  fail "delay ${delay} us out of range (requests held before the wire, us: $held)"
[ "${offset#-}" -lt 50000 ] ||
  fail "offset ${offset} us: both ends share one clock, expected |offset| < 50000 (delay ${delay} us; requests held before the wire, us: $held)"
step "sample: offset ${offset} us, delay ${delay} us, stratum $stratum"
pass
