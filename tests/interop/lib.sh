# lib.sh — shared harness of the interop tests: keel-demo on a TAP device whose kernel
# side lives in a private network namespace, with real peers (ping, dnsmasq, chrony,
# socat) running in that namespace.
#
#   . "$(dirname "$0")/lib.sh"
#   interop_begin ping dnsmasq           # checks root, tun, ip netns and the tools; namespace up
#   start_keel --ip 192.0.2.2/24 ...     # keel-demo in the background, TAP moved in, 192.0.2.1 on it
#   in_ns ping -c 1 192.0.2.2            # a command in the namespace
#   bg_in_ns dnsmasq dnsmasq --no-daemon ...  # a background peer (output in $WORK/dnsmasq.out),
#                                        # killed at the end
#   wait_for_line 'lease address=' 20    # keel's log, bounded
#   stop_keel                            # SIGTERM, exit 0, statistics printed
#   check_pcap "$WORK/keel.pcap"         # tshark: no malformed frame, no bad checksum
#   pass
#
# Names carry the PID (namespace keelNS$$, TAP kt$$) so parallel runs never collide.
# Everything started here is killed by PID and the namespace deleted on exit, on
# failure too. Every wait is bounded. Addresses: 192.0.2.0/24 only (the kernel is
# 192.0.2.1 on the TAP), multicast groups, link-local. See ../../../shared/TESTING.md.
set -euo pipefail

TEST_NAME=$(basename "$0" .sh)
KEEL_NS="keelNS$$"
KEEL_TAP="kt$$"
KEEL_TAP=${KEEL_TAP:0:15}  # IFNAMSIZ - 1
KERNEL_IP=192.0.2.1
KERNEL_DEV=""   # where 192.0.2.1 lives: the TAP, or the bridge when KEEL_BRIDGE is set
KEEL_BRIDGE=""  # set to "ip link add ... type bridge" options to put the TAP in a bridge
WORK=""
KEEL_LOG=""
KEEL_PCAP=""
KEEL_PID=""
KEEL_MAC=""
BG_PIDS=()
INTEROP_DONE=0

# fail MESSAGE — report, show keel's log, exit 1 (the EXIT trap cleans up).
fail() {
  echo "FAIL: $TEST_NAME: $*" >&2
  if [ -n "$KEEL_LOG" ] && [ -f "$KEEL_LOG" ]; then
    echo "---- keel-demo log ($KEEL_LOG) ----" >&2
    tail -n 60 "$KEEL_LOG" >&2 || true
    echo "----" >&2
  fi
  local f
  for f in "$WORK"/*.out; do
    [ -f "$f" ] || continue
    echo "---- $(basename "$f" .out) output ----" >&2
    tail -n 30 "$f" >&2 || true
  done
  exit 1
}

# step MESSAGE — a progress line, so a CTest -V log reads as a story.
step() { echo "== $TEST_NAME: $*"; }

# kill_bounded PID — SIGTERM, up to 5 s, then SIGKILL; only the PID given.
kill_bounded() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

interop_cleanup() {
  local rc=$? p
  set +e
  [ -n "$KEEL_PID" ] && kill_bounded "$KEEL_PID"
  for p in "${BG_PIDS[@]}"; do kill_bounded "$p"; done
  ip netns del "$KEEL_NS" 2>/dev/null
  # A TAP still in the root namespace (keel died before the move) goes with its fd.
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ "$rc" -ne 0 ] || [ "${KEEL_KEEP_WORK:-0}" = 1 ]; then
      echo "$TEST_NAME: files kept in $WORK" >&2
    else
      rm -rf "$WORK"
    fi
  fi
  if [ "$rc" -eq 0 ] && [ "$INTEROP_DONE" -ne 1 ]; then
    echo "FAIL: $TEST_NAME: ended without calling pass" >&2
    exit 1
  fi
}

# require_tools TOOL... — every tool present, or a loud failure (never a silent skip).
require_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || fail "needs '$t' (install it with scripts/setup)"
  done
}

# interop_begin [TOOL...] — preconditions, work directory, namespace, trap.
interop_begin() {
  trap interop_cleanup EXIT
  trap 'fail "interrupted by a signal"' INT TERM HUP
  [ "$(id -u)" -eq 0 ] || fail "must run as root (TAP devices and network namespaces)"
  [ -c /dev/net/tun ] || fail "/dev/net/tun is missing (no TUN/TAP support)"
  command -v ip >/dev/null 2>&1 || fail "needs 'ip' (iproute2)"
  ip netns list >/dev/null 2>&1 || fail "'ip netns' does not work here"
  [ -n "${KEEL_DEMO:-}" ] || fail "KEEL_DEMO is not set (run through ctest, or export the keel-demo path)"
  [ -x "$KEEL_DEMO" ] || fail "KEEL_DEMO=$KEEL_DEMO is not an executable"
  require_tools tshark timeout "$@"
  WORK=$(mktemp -d "/tmp/keel-$TEST_NAME.XXXXXX")
  chmod 755 "$WORK"  # daemons that drop privileges read their files here
  KEEL_LOG="$WORK/keel.log"
  KEEL_PCAP="$WORK/keel.pcap"
  ip netns add "$KEEL_NS" || fail "ip netns add $KEEL_NS"
  ip -n "$KEEL_NS" link set lo up
}

# in_ns COMMAND... — run in the namespace.
in_ns() { ip netns exec "$KEEL_NS" "$@"; }

# bg_in_ns NAME COMMAND... — a background peer in the namespace, its output in
# $WORK/NAME.out; its PID is in BG_PID and is killed at the end (ip netns exec execs
# the command, so the PID is the peer's own).
bg_in_ns() {
  local name=$1
  shift
  ip netns exec "$KEEL_NS" "$@" >"$WORK/$name.out" 2>&1 </dev/null &
  BG_PID=$!
  BG_PIDS+=("$BG_PID")
}

# keel_alive — keel-demo still running.
keel_alive() { [ -n "$KEEL_PID" ] && kill -0 "$KEEL_PID" 2>/dev/null; }

# keel_line REGEX — the first line of keel's log matching REGEX (extended), or nothing.
keel_line() { grep -E -m1 -e "$1" "$KEEL_LOG" || true; }

# keel_lines REGEX — every matching line.
keel_lines() { grep -E -e "$1" "$KEEL_LOG" || true; }

# wait_for_line REGEX TIMEOUT_S — until keel's log has a line matching REGEX (extended);
# fails the test at the timeout or if keel exits first.
wait_for_line() {
  local re=$1 timeout=$2 i
  for ((i = 0; i < timeout * 50; i++)); do
    grep -E -q -e "$re" "$KEEL_LOG" 2>/dev/null && return 0
    keel_alive || fail "keel-demo exited while waiting for /$re/"
    sleep 0.02
  done
  grep -E -q -e "$re" "$KEEL_LOG" 2>/dev/null && return 0
  fail "no line /$re/ from keel-demo within ${timeout}s"
}

# wait_until TIMEOUT_S COMMAND... — until COMMAND succeeds; fails the test at the timeout.
wait_until() {
  local timeout=$1 i
  shift
  for ((i = 0; i < timeout * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  "$@" >/dev/null 2>&1 && return 0
  fail "timed out after ${timeout}s waiting for: $*"
}

# start_keel ARGS... — keel-demo --tap $KEEL_TAP --pcap $KEEL_PCAP ARGS in the background,
# its output in $KEEL_LOG; waits (10 s) for its ready line, moves the TAP into the
# namespace and gives the kernel side 192.0.2.1/24 (on KERNEL_DEV: the TAP, or with
# KEEL_BRIDGE set a bridge "br0" made with those options, the TAP its port). Sets
# KEEL_MAC from the ready line.
start_keel() {
  step "keel-demo $*"
  "$KEEL_DEMO" --tap "$KEEL_TAP" --pcap "$KEEL_PCAP" "$@" >"$KEEL_LOG" 2>&1 &
  KEEL_PID=$!
  wait_for_line "^keel-demo: ready tap=$KEEL_TAP mac=" 10
  KEEL_MAC=$(keel_line '^keel-demo: ready ' | sed -E 's/.* mac=([0-9a-f:]{17})$/\1/')
  [[ $KEEL_MAC =~ ^[0-9a-f]{2}(:[0-9a-f]{2}){5}$ ]] || fail "no MAC in the ready line"
  ip link set "$KEEL_TAP" netns "$KEEL_NS" || fail "cannot move $KEEL_TAP into $KEEL_NS"
  KERNEL_DEV=$KEEL_TAP
  if [ -n "$KEEL_BRIDGE" ]; then
    KERNEL_DEV=br0
    # shellcheck disable=SC2086  # the options are words
    ip -n "$KEEL_NS" link add br0 type bridge $KEEL_BRIDGE || fail "cannot make bridge: $KEEL_BRIDGE"
    ip -n "$KEEL_NS" link set "$KEEL_TAP" master br0
    ip -n "$KEEL_NS" link set br0 up
  fi
  ip -n "$KEEL_NS" addr add "$KERNEL_IP/24" dev "$KERNEL_DEV"
  ip -n "$KEEL_NS" link set "$KEEL_TAP" up
  step "TAP $KEEL_TAP in $KEEL_NS, kernel at $KERNEL_IP on $KERNEL_DEV, keel's MAC $KEEL_MAC"
}

# stop_keel — SIGTERM; keel-demo must exit 0 within 10 s after printing its statistics,
# with no malformed frame and no bad checksum counted on the TAP (the kernel sends none).
stop_keel() {
  local i rc=0
  keel_alive || fail "keel-demo is not running at the end of the test"
  kill -TERM "$KEEL_PID"
  for ((i = 0; i < 100; i++)); do
    kill -0 "$KEEL_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$KEEL_PID" 2>/dev/null; then
    kill -KILL "$KEEL_PID" 2>/dev/null || true
    wait "$KEEL_PID" 2>/dev/null || true
    KEEL_PID=""
    fail "keel-demo did not exit within 10s of SIGTERM"
  fi
  wait "$KEEL_PID" || rc=$?
  KEEL_PID=""
  [ "$rc" -eq 0 ] || fail "keel-demo exited with $rc after SIGTERM"
  [ -n "$(keel_line '^keel-demo: signal SIGTERM: stopping$')" ] || fail "no 'signal SIGTERM: stopping' line"
  [ -n "$(keel_line '^keel-demo: stats iface=tap rx_frames=[0-9]+ ')" ] || fail "no tap statistics line"
  [ -n "$(keel_line '^keel-demo: frame_pool_drops=[0-9]+ ')" ] || fail "no frame pool line"
  [ "$(keel_stat drops_tap malformed)" = 0 ] || fail "keel counted malformed frames from the kernel"
  [ "$(keel_stat drops_tap bad_checksum)" = 0 ] || fail "keel counted bad checksums from the kernel"
  step "keel-demo stopped: $(keel_line '^keel-demo: stats iface=tap ' | sed 's/^keel-demo: //')"
}

# keel_stat LINE KEY — a counter from keel's statistics: LINE is stats_tap, drops_tap,
# arp, reassembly, frame_pool, dns, tap, faults_rx or faults_tx; prints the number (fails
# the test if absent).
keel_stat() {
  local line=$1 key=$2 re text value
  case "$line" in
    stats_tap) re='^keel-demo: stats iface=tap ' ;;
    drops_tap) re='^keel-demo: drops iface=tap ' ;;
    arp) re='^keel-demo: arp ' ;;
    reassembly) re='^keel-demo: reassembly ' ;;
    frame_pool) re='^keel-demo: frame_pool_drops=' ;;
    dns) re='^keel-demo: dns queries=' ;;
    tap) re='^keel-demo: tap held=' ;;
    faults_rx) re='^keel-demo: faults dir=rx ' ;;
    faults_tx) re='^keel-demo: faults dir=tx ' ;;
    *) fail "keel_stat: unknown line $line" ;;
  esac
  text=$(keel_line "$re")
  value=$(sed -nE "s/.* ${key}=([0-9]+)( .*)?$/\1/p; s/^keel-demo: ${key}=([0-9]+)( .*)?$/\1/p" <<<"$text" | head -n1)
  [ -n "$value" ] || fail "no counter $key in the $line line: '$text'"
  echo "$value"
}

# check_pcap FILE [MIN_FRAMES] — tshark dissects every frame with checksum validation on
# (IPv4, UDP, TCP; ICMP, ICMPv6 and IGMP are always checked): no malformed packet, no
# expert error, no bad checksum; and at least MIN_FRAMES frames (default 1).
# One exception: a TCP segment from the kernel ($KERNEL_IP) whose checksum field is
# 0xffff where tshark computes 0x0000 is correct — the two are the same number in one's
# complement (RFC 1624 §3; tshark marks it Bad with the note tcp.checksum.ffff), and
# Linux sends it for about one segment in 65536. It passes only if that is all that is
# wrong with it (not malformed, IP header checksum good); the same from keel, or with
# anything else wrong, fails.
check_pcap() {
  local file=$1 min=${2:-1} total suspects bad n note=""
  local prefs=(-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE)
  local filter='_ws.malformed || _ws.expert.severity >= "Error" || ip.checksum.status == "Bad"'
  filter+=' || udp.checksum.status == "Bad" || tcp.checksum.status == "Bad"'
  filter+=' || icmp.checksum.status == "Bad" || icmpv6.checksum.status == "Bad"'
  filter+=' || igmp.checksum.status == "Bad"'
  local ffff="ip.src == $KERNEL_IP && tcp.checksum.ffff && !_ws.malformed && ip.checksum.status == \"Good\""
  [ -s "$file" ] || fail "capture $file is missing or empty"
  total=$(timeout 60 tshark -n -r "$file" "${prefs[@]}" 2>"$WORK/tshark.err" | wc -l) ||
    fail "tshark could not read $file: $(cat "$WORK/tshark.err")"
  # tshark warns on stderr when run as root; anything else it says is a failure.
  if grep -v -e '^Running as user "root"' "$WORK/tshark.err" | grep -q .; then
    fail "tshark complained about $file: $(cat "$WORK/tshark.err")"
  fi
  [ "$total" -ge "$min" ] || fail "capture $file has $total frames, expected at least $min"
  suspects=$(timeout 60 tshark -n -r "$file" "${prefs[@]}" -Y "$filter" -T fields -e frame.number 2>"$WORK/tshark.err") ||
    fail "tshark filter failed on $file: $(cat "$WORK/tshark.err")"
  if [ -n "$suspects" ]; then
    # Rare (a second pass only then): which of them are more than the kernel's 0xffff.
    filter="($filter) && !($ffff)"
    bad=$(timeout 60 tshark -n -r "$file" "${prefs[@]}" -Y "$filter" 2>"$WORK/tshark.err") ||
      fail "tshark filter failed on $file: $(cat "$WORK/tshark.err")"
    if [ -n "$bad" ]; then
      echo "$bad" >&2
      timeout 60 tshark -n -r "$file" "${prefs[@]}" -Y "$filter" -V 2>&1 | head -n 200 >&2 || true
      fail "capture $file has malformed frames or bad checksums (above)"
    fi
    n=$(wc -l <<<"$suspects")
    note="; kernel TCP segments with checksum 0xffff (= 0x0000, RFC 1624): $n"
  fi
  step "capture $(basename "$file"): $total frames, none malformed, no bad checksum$note"
}

# pcap_count FILE FILTER — frames of FILE matching the display FILTER.
pcap_count() {
  timeout 60 tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# pass — the test's last line.
pass() {
  INTEROP_DONE=1
  echo "PASS: $TEST_NAME"
}
