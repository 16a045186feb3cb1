#!/usr/bin/env bash
# make_ntp.sh — ntp.pcap: chronyd serving time at stratum 3 (local reference, clock
# never touched: -x) in side A; from side B an NTPv4 client exchange (chronyd -Q, one
# measurement, clock untouched) and SNTP requests built by python3 with version 3 over
# IPv4 and version 4 over IPv6 (RFC 4330 §5). Requests and replies are captured.
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
chmod 777 "$T"  # chronyd drops root before it writes the driftfile
cap_begin ntp udp port 123
trap 'cap_cleanup; rm -rf "$T"' EXIT
cat >"$T/server.conf" <<CONF
local stratum 3
allow 192.0.2.0/24
allow 2001:db8::/64
bindaddress 192.0.2.1
bindaddress 2001:db8::1
pidfile $T/server.pid
driftfile $T/server.drift
cmdport 0
CONF
cap_a_bg timeout 60 chronyd -f "$T/server.conf" -d -x
sleep 2

cap_b timeout 20 chronyd -Q -t 15 "pidfile $T/client.pid" "cmdport 0" \
  "server 192.0.2.1 iburst maxsamples 1" || true

sntp() {  # sntp VERSION ADDRESS — one request with a fixed transmit timestamp
  cap_b timeout 10 /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, struct, sys
version, addr = int(sys.argv[1]), sys.argv[2]
family = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(5)
s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 4123))
req = struct.pack("!BBbbII4sQQQII", version << 3 | 3, 0, 6, -20, 0, 0, b"\0" * 4,
                  0, 0, 0, 0xe8f0e7a5, 0x12345678)
s.sendto(req, (addr, 123))
print(len(s.recvfrom(512)[0]), "byte reply")
PY
}
sntp 3 192.0.2.1
sntp 4 2001:db8::1
cap_end
rm -rf "$T"
