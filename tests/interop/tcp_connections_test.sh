#!/usr/bin/env bash
# tcp_connections_test.sh — many TCP connections from the Linux kernel to keel:
#  - 1000 sequential connections to the echo service (port 7), each with its own random
#    payload (1..MAX bytes), half-closed by the client after sending, read back until
#    keel's FIN and compared byte for byte;
#  - 100 concurrent connections (all connected at once) against keel's 8 TCP sockets
#    (KEEL_CONFIG_TCP_SOCKETS) and 16-entry listener (KEEL_CONFIG_TCP_BACKLOG): clients
#    wait, none is reset — the surplus SYNs are dropped (counted) and the kernel sends
#    them again, a queued SYN gets its SYN,ACK when a socket is free; every connection
#    is echoed exactly;
#  - keel closing first, many in a row: HTTP GETs of /dl/N (keel sends its FIN after the
#    body), 300 from fresh client ports — keel's sockets leave TIME-WAIT to its table at
#    once, so 8 sockets serve them all — then 50 from one client port, each SYN meeting
#    keel's TIME-WAIT entry of the previous connection and reopening it (RFC 6191: the
#    kernel's timestamps grow), keel's new ISN 2^16 + 1 past the old connection's last
#    sequence number (checked in the capture);
#  - keel's side agrees: it accepted exactly the connections the clients completed; for
#    each echo connection it read and wrote back exactly the bytes sent (the multiset of
#    sizes matches); every listener SYN is counted once (queued, cookie or dropped); its
#    TIME-WAIT table took every connection keel closed first;
#  - no RST in either direction; keel's capture is well-formed; keel never builds a
#    packet larger than the MTU.
# Limits are hang guards: the whole test takes about 15 s on an idle machine.
. "$(dirname "$0")/tcp_lib.sh"
interop_begin sha256sum tshark

SEQ=1000
CONC=100
MAX=2000
SEQ_LIMIT=60   # seconds for all 1000 (a short connection takes well under a millisecond)
# The kernel retransmits a dropped SYN after 1, 3, 7, 15, 31, 63 s; all 100 at once
# take about 5 s on an idle machine (16 listener slots per round).
CONC_LIMIT=100
HTTP=300       # GETs from fresh ports, keel closing first
SAME=50        # GETs from one client port
HTTP_BYTES=2000
HTTP_LIMIT=60
SAME_PORT=40123
start_keel --ip "$KEEL_IP/24"

# clients_result MODE COUNT — the summary of one run; a shortfall is recorded (expect) with
# the first failures shown, so that keel's own account is still collected and printed.
clients_result() {
  local mode=$1 count=$2 out="$WORK/clients.$1" summary ok slowest
  summary=$(grep '^summary ' "$out")
  ok=$(sed -nE 's/^summary ok=([0-9]+) .*/\1/p' <<<"$summary")
  slowest=$(awk '$1 == "ok" { if ($4 > m) m = $4 } END { print m + 0 }' "$out")
  if [ "$ok" -ne "$count" ]; then
    grep '^bad ' "$out" | head -n 20 | sed "s/^/    $mode: /" >&2
    expect false -- "$mode: $ok of $count connections echoed exactly (failures above; slowest success $slowest ms; $summary)"
    return 0
  fi
  if ! [[ $summary =~ sha_sent=([0-9a-f]+)\ sha_back=([0-9a-f]+) ]] || [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
    fail "$mode: sha256 of everything sent and everything echoed differ: $summary"
  fi
  step "$mode: $count of $count connections echoed byte-exact ($(sed -nE 's/.* sent=([0-9]+) .*/\1/p' <<<"$summary") bytes, sha256 ${BASH_REMATCH[1]:0:16}… both ends; $(sed -nE 's/.* seconds=([0-9.]+)$/\1/p' <<<"$summary") s in all, slowest connection $slowest ms)"
}

# http_clients COUNT BYTES PORT DEADLINE_S — COUNT sequential GETs of /dl/BYTES from
# /usr/bin/python3 in the namespace, from PORT (0: a fresh ephemeral port each time;
# else bound with SO_REUSEADDR, waiting out the kernel's own LAST-ACK of the previous
# connection, and 3 ms apart so that the kernel's 1 ms timestamp clock has moved). Each
# reads to keel's FIN and compares the body, then closes. Output ($WORK/http.PORT):
# "ok I LOCAL_PORT HEAD_BYTES" or "bad I REASON" per connection, then
# "summary ok=N bad=M"; the test fails unless all COUNT are ok.
http_clients() {
  local count=$1 bytes=$2 port=$3 deadline=$4 rc=0 summary
  cat >"$WORK/http_clients.py" <<'EOF'
import errno, socket, sys, time
count, size, port, deadline, host = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
end = time.monotonic() + deadline
want = bytes(ord("a") + i % 26 for i in range(size))
ok = 0
for i in range(count):
    if time.monotonic() > end:
        print("bad %d deadline passed" % i)
        continue
    try:
        for attempt in range(400):
            s = socket.socket()
            s.settimeout(max(0.001, end - time.monotonic()))
            try:
                if port:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("0.0.0.0", port))
                s.connect((host, 80))
                break
            except OSError as e:
                s.close()
                if not port or e.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL) or attempt == 399:
                    raise
                time.sleep(0.005)
        local = s.getsockname()[1]
        s.sendall(b"GET /dl/%d HTTP/1.1\r\nHost: keel\r\n\r\n" % size)
        got = bytearray()
        while True:
            b = s.recv(65536)
            if not b: break
            got += b
        s.close()
        head_end = got.find(b"\r\n\r\n")
        head, body = bytes(got[:head_end + 4]), bytes(got[head_end + 4:])
        if head_end < 0 or not head.startswith(b"HTTP/1.1 200 "):
            print("bad %d no 200 response: %r" % (i, bytes(got[:60])))
        elif body != want:
            print("bad %d body of %d bytes differs from the %d expected" % (i, len(body), size))
        else:
            ok += 1
            print("ok %d %d %d" % (i, local, len(head)))
        if port: time.sleep(0.003)
    except OSError as e:
        print("bad %d %s: %s" % (i, e.__class__.__name__, e))
print("summary ok=%d bad=%d" % (ok, count - ok))
EOF
  in_ns timeout $((deadline + 15)) "$PY" "$WORK/http_clients.py" "$count" "$bytes" "$port" "$deadline" "$KEEL_IP" \
    >"$WORK/http.$port" 2>"$WORK/http.$port.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "the HTTP clients (port $port) exited $rc: $(tail -n 5 "$WORK/http.$port.err")"
  summary=$(grep '^summary ' "$WORK/http.$port") || fail "the HTTP clients (port $port) printed no summary"
  if [ "$summary" != "summary ok=$count bad=0" ]; then
    grep '^bad ' "$WORK/http.$port" | head -n 20 | sed 's/^/    /' >&2
    fail "HTTP GETs from port $port: $summary (failures above)"
  fi
}

# seconds_since T0 — seconds (one decimal) since date +%s.%N gave T0.
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

echo_clients sequential $SEQ $MAX $SEQ_LIMIT
clients_result sequential $SEQ
echo_clients concurrent $CONC $MAX $CONC_LIMIT
clients_result concurrent $CONC

t0=$(date +%s.%N)
http_clients $HTTP $HTTP_BYTES 0 $HTTP_LIMIT
step "keel closing first: $HTTP GETs of /dl/$HTTP_BYTES from fresh ports, each byte-exact ($(seconds_since "$t0") s)"
t0=$(date +%s.%N)
http_clients $SAME $HTTP_BYTES $SAME_PORT $HTTP_LIMIT
step "keel closing first: $SAME GETs of /dl/$HTTP_BYTES from port $SAME_PORT, each byte-exact ($(seconds_since "$t0") s)"

stop_keel
keel_lines '^keel-demo: tcp (listener port=(7|80)|time_wait) ' | sed 's/^keel-demo: /    /'
check_tcp_pcap "$KEEL_PCAP"
keel_quality

# No connection was reset, in either direction; every SYN counted once; no listener RST.
rsts=$(pcap_count "$KEEL_PCAP" "tcp.flags.reset == 1")
expect [ "$rsts" -eq 0 ] -- "$rsts RSTs in the capture (no connection called for one)"
for port in 7 80; do
  syns=$(listener_stat $port syns)
  sum=$(($(listener_stat $port syns_queued) + $(listener_stat $port cookies_sent) + $(listener_stat $port syns_dropped)))
  expect [ "$syns" -eq "$sum" ] -- "port $port: $syns SYNs counted, but queued + cookies + dropped = $sum"
  expect [ "$(listener_stat $port resets_sent)" -eq 0 ] -- "port $port: the listener sent $(listener_stat $port resets_sent) RSTs"
done
step "no RST either way; port 7: $(listener_stat 7 syns) SYNs = $(listener_stat 7 syns_queued) queued + $(listener_stat 7 cookies_sent) cookies + $(listener_stat 7 syns_dropped) dropped (sent again by the kernel); SYN,ACKs that waited for a free socket: $(listener_stat 7 synacks_deferred)"

# keel's own account of the echo connections: one finished connection per client, each
# with the client's byte count read and written back.
accepted=$(listener_stat 7 accepted)
clients_ok=$(awk '$1 == "ok"' "$WORK/clients.sequential" "$WORK/clients.concurrent" | wc -l)
expect [ "$accepted" -eq "$clients_ok" ] -- "keel accepted $accepted connections on port 7, $clients_ok clients were echoed"
keel_lines '^keel-demo: tcp done service=echo ' | sed -nE 's/.* read=([0-9]+) written=([0-9]+) .*/\1 \2/p' >"$WORK/keel.sizes"
bad_lines=$(awk '$1 != $2' "$WORK/keel.sizes" | wc -l)
expect [ "$bad_lines" -eq 0 ] -- "keel wrote back a different number of bytes than it read on $bad_lines connections"
cut -d' ' -f1 "$WORK/keel.sizes" | sort -n >"$WORK/keel.read"
awk '$1 == "ok" { print $3 }' "$WORK/clients.sequential" "$WORK/clients.concurrent" | sort -n >"$WORK/client.sent"
expect cmp -s "$WORK/keel.read" "$WORK/client.sent" -- "the byte counts keel read per connection ($(wc -l <"$WORK/keel.read") connections) are not those the clients sent ($(wc -l <"$WORK/client.sent"))"
step "keel: $accepted echo connections accepted, each read and echoed exactly the client's bytes; SYN cookies sent: $(listener_stat 7 cookies_sent), dropped before accept: $(listener_stat 7 dropped_before_accept)"

# keel closing first: every HTTP connection went through keel's TIME-WAIT table (its
# socket freed at once), each with the whole response written; each SYN from the same
# port reopened the entry its predecessor left (RFC 6191), none was refused.
http_accepted=$(listener_stat 80 accepted)
expect [ "$http_accepted" -eq $((HTTP + SAME)) ] -- "keel accepted $http_accepted HTTP connections, expected $((HTTP + SAME))"
entered=$(time_wait_stat entered)
expect [ "$entered" -eq $((HTTP + SAME)) ] -- "keel's TIME-WAIT table took $entered connections, expected $((HTTP + SAME)) (one per connection keel closed first)"
expect [ "$(time_wait_stat reopened)" -eq $((SAME - 1)) ] -- "$(time_wait_stat reopened) TIME-WAIT entries reopened by a SYN from port $SAME_PORT, expected $((SAME - 1))"
expect [ "$(time_wait_stat syns_refused)" -eq 0 ] -- "keel's TIME-WAIT table refused $(time_wait_stat syns_refused) SYNs"
head_len=$(awk '$1 == "ok" { print $4; exit }' "$WORK/http.0")
written=$(keel_lines '^keel-demo: tcp done service=http ' | sed -nE 's/.* written=([0-9]+) .*/\1/p' | sort | uniq -c | awk '{ print $1, $2 }')
expect [ "$written" = "$((HTTP + SAME)) $((head_len + HTTP_BYTES))" ] -- "keel's HTTP accounts (connections, bytes written): '$(tr '\n' ' ' <<<"$written")', expected $((HTTP + SAME)) of $((head_len + HTTP_BYTES))"
step "keel's TIME-WAIT table: $entered entered, $(time_wait_stat evicted) evicted when full (capacity $(time_wait_stat capacity)), $(time_wait_stat reopened) reopened by a new SYN, high water $(time_wait_stat high_water)"

# The same-port connections in the capture: each SYN,ACK's ISN is keel's last sequence
# number of the previous connection (its FIN's + 1) plus 2^16 + 1.
timeout 60 tshark -n -r "$KEEL_PCAP" -o tcp.relative_sequence_numbers:FALSE \
  -Y "ip.src == $KEEL_IP && tcp.dstport == $SAME_PORT && (tcp.flags.syn == 1 || tcp.flags.fin == 1) && !tcp.analysis.retransmission" \
  -T fields -e tcp.flags.syn -e tcp.seq -e tcp.len 2>/dev/null >"$WORK/same.seq" ||
  fail "tshark could not read the same-port connections from $KEEL_PCAP"
gaps=$(awk '
  $1 == "1" || $1 == "True" { if (have) { d = ($2 - end - 65537) % 4294967296; if (d < 0) d += 4294967296; print d } have = 0; next }
  { end = $2 + $3 + 1; have = 1 }' "$WORK/same.seq" | sort | uniq -c | awk '{ print $1, $2 }')
expect [ "$gaps" = "$((SAME - 1)) 0" ] -- "same-port SYN,ACKs: (ISN - previous FIN - 1 - 65537) mod 2^32 seen as '$(tr '\n' ' ' <<<"$gaps")' (count value), expected $((SAME - 1)) times 0"
step "port $SAME_PORT: $((SAME - 1)) reopened connections, each keel ISN = previous FIN + 1 + 65537"
expect_all
pass
