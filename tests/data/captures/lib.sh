# lib.sh — shared setup for the capture scripts: two network namespaces joined by a
# veth pair, the Linux kernel on both ends, tcpdump recording one end.
#
#   . "$(dirname "$0")/lib.sh"
#   cap_begin udp                     # namespaces up, tcpdump writing udp.pcap
#   cap_a <command...>                # run in side A (192.0.2.1, 2001:db8::1)
#   cap_a_bg <command...>             # a background server in A, killed at the end
#   cap_b <command...>                # run in side B (192.0.2.2, 2001:db8::2)
#   cap_end                           # stop tcpdump, remove everything
#
# The captures are committed; these scripts document exactly how each was made and
# regenerate them (as root) with: tests/data/captures/make_<name>.sh
# Addresses: documentation prefixes only (192.0.2.0/24, 2001:db8::/32), link-local.
set -euo pipefail

CAP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CAP_A="keelcapA$$"
CAP_B="keelcapB$$"
CAP_TCPDUMP_PID=""
CAP_BG_PIDS=()

cap_cleanup() {
  [ -n "$CAP_TCPDUMP_PID" ] && kill "$CAP_TCPDUMP_PID" 2>/dev/null || true
  local p
  for p in "${CAP_BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  CAP_BG_PIDS=()
  ip netns del "$CAP_A" 2>/dev/null || true
  ip netns del "$CAP_B" 2>/dev/null || true
}

cap_a() { ip netns exec "$CAP_A" "$@"; }
cap_b() { ip netns exec "$CAP_B" "$@"; }
# cap_a_bg / cap_b_bg — start a background peer; it is killed by cap_end or on failure.
cap_a_bg() { ip netns exec "$CAP_A" "$@" & CAP_BG_PIDS+=($!); }
cap_b_bg() { ip netns exec "$CAP_B" "$@" & CAP_BG_PIDS+=($!); }

# cap_begin NAME [tcpdump filter...]
cap_begin() {
  local name=$1
  shift
  trap cap_cleanup EXIT
  ip netns add "$CAP_A"
  ip netns add "$CAP_B"
  ip link add vetha netns "$CAP_A" address 02:00:00:00:00:0a type veth \
    peer name vethb netns "$CAP_B" address 02:00:00:00:00:0b
  cap_a ip link set lo up
  cap_b ip link set lo up
  cap_a ip addr add 192.0.2.1/24 dev vetha
  cap_b ip addr add 192.0.2.2/24 dev vethb
  cap_a ip -6 addr add 2001:db8::1/64 dev vetha nodad
  cap_b ip -6 addr add 2001:db8::2/64 dev vethb nodad
  # Checksums computed in software so the capture holds the real bytes on the wire.
  cap_a ethtool -K vetha tx off rx off >/dev/null 2>&1 || true
  cap_b ethtool -K vethb tx off rx off >/dev/null 2>&1 || true
  cap_a ip link set vetha up
  cap_b ip link set vethb up
  cap_a tcpdump -Z root -i vetha -U -s 0 -w "$CAP_DIR/$name.pcap" "$@" 2>/dev/null &
  CAP_TCPDUMP_PID=$!
  sleep 1.5
}

cap_end() {
  sleep 1
  kill "$CAP_TCPDUMP_PID" 2>/dev/null || true
  wait "$CAP_TCPDUMP_PID" 2>/dev/null || true
  CAP_TCPDUMP_PID=""
  cap_cleanup
  trap - EXIT
}
