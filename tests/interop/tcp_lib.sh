# shellcheck shell=bash
# tcp_lib.sh — helpers of the TCP interop tests, on top of lib.sh: keel-demo serves TCP
# echo (7), discard (9) and HTTP (80: /dl/<bytes>, /ul, /stats); the kernel is the client
# (curl, socat, /usr/bin/python3) in the namespace.
#
#   . "$(dirname "$0")/tcp_lib.sh"
#   interop_begin curl socat sha256sum
#   start_keel --ip "$KEEL_IP/24"
#   dl_check 10000000                    # curl /dl/N: exit 0, N bytes, the pattern's sha256
#   ul_check 20000000                    # curl POST /ul: keel reports N bytes and their sha256
#   echo_check 5000000                   # socat to port 7: the same bytes come back
#   nft_loss 1 1                         # random loss (%) kernel->keel, keel->kernel
#   keel_files second; start_keel ...    # a second keel-demo in the same namespace
#
# Every client is bounded by timeout(1) and its own limit; a failure names what was
# expected and what was seen.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KEEL_IP=192.0.2.2
PY=/usr/bin/python3  # Debian's Python (TESTING.md)

# sha FILE — the sha256 of FILE.
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# pattern_file N FILE — the bytes of /dl/N: 'a' + i % 26.
pattern_file() {
  "$PY" -c '
import sys
n, path = int(sys.argv[1]), sys.argv[2]
row = bytes(range(ord("a"), ord("a") + 26)) * 2520  # 65520 bytes, a whole number of periods
with open(path, "wb") as f:
    while n > 0:
        f.write(row[: min(n, len(row))])
        n -= len(row)
' "$1" "$2" || fail "cannot write the pattern file $2"
}

# random_file N FILE — N random bytes.
random_file() { head -c "$1" /dev/urandom >"$2" || fail "cannot write $2"; }

# expect_same WANT GOT WHAT — GOT has WANT's size and sha256, or the test fails.
expect_same() {
  local want=$1 got=$2 what=$3 ws gs
  ws=$(stat -c %s "$want")
  gs=$(stat -c %s "$got" 2>/dev/null || echo missing)
  [ "$ws" = "$gs" ] || fail "$what: $gs bytes, expected $ws"
  [ "$(sha "$want")" = "$(sha "$got")" ] || fail "$what: $gs bytes but they differ (sha256 $(sha "$got"), expected $(sha "$want"))"
}

# dl_check N [LIMIT_S] — curl fetches /dl/N: exit 0, exactly N bytes, byte-exact with the
# pattern (sha256). The body is $WORK/dl.N and the response head $WORK/dl.N.head.
dl_check() {
  local n=$1 limit=${2:-40} out="$WORK/dl.$1" want="$WORK/pattern.$1" rc=0
  [ -f "$want" ] || pattern_file "$n" "$want"
  in_ns timeout $((limit + 10)) curl -sS --max-time "$limit" -D "$out.head" -o "$out" \
    "http://$KEEL_IP/dl/$n" 2>"$WORK/curl.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "curl /dl/$n exited $rc: $(cat "$WORK/curl.err")"
  grep -q -i "^content-length: $n"$'\r'"\$" "$out.head" || fail "/dl/$n: no Content-Length $n in: $(cat "$out.head")"
  expect_same "$want" "$out" "/dl/$n"
  step "/dl/$n: $n bytes, sha256 $(sha "$out" | cut -c1-16)… as generated locally"
}

# ul_check N [LIMIT_S] — curl POSTs N random bytes to /ul; keel must report exactly N
# bytes and the sha256 of what it received, equal to the file's (both ends hash).
ul_check() {
  local n=$1 limit=${2:-40} in="$WORK/ul.$1" out="$WORK/ul.$1.json" rc=0
  [ -f "$in" ] || random_file "$n" "$in"
  in_ns timeout $((limit + 10)) curl -sS --max-time "$limit" -H 'Expect:' \
    -H 'Content-Type: application/octet-stream' --data-binary "@$in" -o "$out" \
    "http://$KEEL_IP/ul" 2>"$WORK/curl.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "curl POST /ul ($n bytes) exited $rc: $(cat "$WORK/curl.err")"
  local want
  want=$(sha "$in")
  grep -q -E "^\{\"bytes\": $n, \"seconds\": [0-9]+\.[0-9]{6}, \"sha256\": \"$want\"\}\$" "$out" ||
    fail "/ul of $n bytes (sha256 $want): keel answered '$(cat "$out")'"
  step "/ul: keel received $n bytes, sha256 ${want:0:16}… both ends"
}

# echo_check N [LIMIT_S] — N random bytes through keel's TCP echo (port 7) with socat:
# socat writes them, half-closes after the last (shut-write on stdin EOF), reads the echo
# until keel's FIN, all within LIMIT_S. The same N bytes must come back (sha256 both ends).
echo_check() {
  local n=$1 limit=${2:-40} in="$WORK/echo.$1" out="$WORK/echo.$1.back" rc=0
  [ -f "$in" ] || random_file "$n" "$in"
  in_ns timeout "$limit" socat -T "$limit" -t "$limit" - "TCP4:$KEEL_IP:7" \
    <"$in" >"$out" 2>"$WORK/socat.err" || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail "socat echo of $n bytes did not finish within ${limit}s: $(stat -c %s "$out") bytes back"
  fi
  [ "$rc" -eq 0 ] || fail "socat echo of $n bytes exited $rc: $(cat "$WORK/socat.err")"
  expect_same "$in" "$out" "echo of $n bytes"
  step "echo: $n bytes there and back, sha256 $(sha "$out" | cut -c1-16)… both ends"
}

# start_keel_bridged ARGS... — start_keel, with the kernel's address on one end of a veth
# pair whose other end is bridged with the TAP (all in the namespace):
#   kernel TCP -> kv0 ==veth==> kv1 -> br0 -> TAP -> keel
# so that nft_loss can drop frames on the bridge's forward path, where a drop is a real
# loss for both TCPs. (A drop on the kernel's own output hook is no loss: the kernel's
# TCP sees the netfilter verdict as a failed transmit and sends the segment again;
# nothing goes missing on the wire.) Offloads are off on the veth, so every frame on the
# bridge is one TCP segment. After stop_keel, unbridge_kernel removes the bridge and the
# veth, so that the next start_keel (bridged or not) begins afresh.
start_keel_bridged() {
  KEEL_BRIDGE="stp_state 0"
  start_keel "$@"
  KEEL_BRIDGE=""
  in_ns ip addr del "$KERNEL_IP/24" dev br0 || fail "cannot move $KERNEL_IP off br0"
  in_ns ip link add kv0 type veth peer name kv1 || fail "cannot make the veth pair"
  in_ns ethtool -K kv0 tso off gso off gro off >/dev/null 2>&1 || fail "ethtool -K kv0: cannot turn offloads off"
  in_ns ethtool -K kv1 tso off gso off gro off >/dev/null 2>&1 || fail "ethtool -K kv1: cannot turn offloads off"
  in_ns ip link set kv1 master br0
  in_ns ip link set kv1 up
  in_ns ip link set kv0 up
  in_ns ip addr add "$KERNEL_IP/24" dev kv0
  KERNEL_DEV=kv0
  step "kernel at $KERNEL_IP on kv0, bridged to keel's TAP through kv1 and br0"
}

# unbridge_kernel — removes what start_keel_bridged made (the TAP went with keel-demo).
unbridge_kernel() {
  in_ns ip link del kv0 2>/dev/null || true  # and its peer kv1
  in_ns ip link del br0 2>/dev/null || true
}

# nft_loss IN_PCT OUT_PCT — random loss of TCP frames on the bridge between the kernel and
# keel (start_keel_bridged), inside the namespace only: IN_PCT of the frames keel sends,
# OUT_PCT of those the kernel sends to keel (0: no rule). Replaces earlier loss rules;
# nft_loss 0 0 removes them.
nft_loss() {
  local in=$1 out=$2
  in_ns nft delete table bridge keeltest 2>/dev/null || true
  [ "$in" = 0 ] && [ "$out" = 0 ] && return 0
  in_ns nft -f - <<EOF || fail "nft: cannot install the loss rules"
table bridge keeltest {
  chain from_keel {
    type filter hook forward priority 0; policy accept;
    $([ "$in" = 0 ] || echo "iifname \"$KEEL_TAP\" ip protocol tcp numgen random mod 100 < $in counter drop")
  }
  chain to_keel {
    type filter hook forward priority 0; policy accept;
    $([ "$out" = 0 ] || echo "oifname \"$KEEL_TAP\" ip protocol tcp numgen random mod 100 < $out counter drop")
  }
}
EOF
  step "nft (bridge in $KEEL_NS): drop $in% of keel -> kernel, $out% of kernel -> keel TCP frames"
}

# nft_dropped CHAIN — frames the loss rule of CHAIN (from_keel|to_keel) dropped so far.
nft_dropped() {
  in_ns nft list chain bridge keeltest "$1" 2>/dev/null |
    sed -nE 's/.*counter packets ([0-9]+) bytes.*/\1/p' | head -n1
}

# keel_files NAME — the next start_keel writes $WORK/keel.NAME.log and keel.NAME.pcap
# (a test that runs keel-demo more than once: stop_keel, keel_files, start_keel).
keel_files() {
  KEEL_LOG="$WORK/keel.$1.log"
  KEEL_PCAP="$WORK/keel.$1.pcap"
}

# tcp_fields FILTER FIELD... — tshark fields (tab-separated) of the frames of keel's
# capture matching FILTER.
tcp_fields() {
  local filter=$1
  shift
  local args=() f
  for f in "$@"; do args+=(-e "$f"); done
  timeout 60 tshark -n -r "$KEEL_PCAP" -Y "$filter" -T fields "${args[@]}" 2>/dev/null
}

# kernel_stat NAME — the namespace's kernel counter NAME (nstat, absolute: the namespace
# is new, so it counts this test only), e.g. TcpRetransSegs, TcpExtTCPLossProbes.
kernel_stat() {
  local v
  v=$(in_ns nstat -asz "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }')
  [ -n "$v" ] || fail "no kernel counter $1 from nstat"
  echo "$v"
}

# listener_stat PORT KEY — a counter of keel's listener on PORT from its exit report.
listener_stat() {
  local text value
  text=$(keel_line "^keel-demo: tcp listener port=$1 ")
  value=$(sed -nE "s/.* $2=([0-9]+)( .*)?$/\1/p" <<<"$text")
  [ -n "$value" ] || fail "no counter $2 in keel's listener line for port $1: '$text'"
  echo "$value"
}

# expect CONDITION_CMD... -- MESSAGE — runs the command; if it fails, MESSAGE is recorded
# and the test goes on, so one run reports every violated property; expect_all fails the
# test with all of them. For properties checked after the transfers (captures, counters).
EXPECT_FAILURES=()
expect() {
  local args=() msg
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    args+=("$1")
    shift
  done
  shift
  msg=$*
  if "${args[@]}"; then return 0; fi
  echo "VIOLATED: $TEST_NAME: $msg" >&2
  EXPECT_FAILURES+=("$msg")
}

# expect_all — fails the test listing every violated expectation.
expect_all() {
  [ "${#EXPECT_FAILURES[@]}" -eq 0 ] && return 0
  local m all=""
  for m in "${EXPECT_FAILURES[@]}"; do all+=$'\n  - '"$m"; done
  fail "${#EXPECT_FAILURES[@]} properties violated:$all"
}

# keel_quality — what every TCP test expects of keel's own counters after stop_keel:
# no segment larger than the MTU built (dropped as too_big), no frame-pool drop.
keel_quality() {
  local big pool
  big=$(keel_stat drops_tap too_big)
  pool=$(keel_stat frame_pool frame_pool_drops)
  expect [ "$big" -eq 0 ] -- "keel built $big IP packets larger than the MTU with DF set (dropped by its own stack as too_big): TCP segments must shrink their payload by the options they carry (SACK blocks; RFC 6691 §2, RFC 2018 §3)"
  expect [ "$pool" -eq 0 ] -- "keel's frame pool dropped $pool received frames"
}

# keel_sum KEY — the sum of counter KEY over keel's "tcp done" lines (its connections).
keel_sum() {
  keel_lines '^keel-demo: tcp done ' | sed -nE "s/.* $1=([0-9]+)( .*)?\$/\1/p" | awk '{ n += $1 } END { print n + 0 }'
}

# keel_lossless NAME — on a lossless link keel recovers nothing: no timeout, no fast
# recovery; its only retransmissions may be tail-loss probes (RFC 8985 §7.3: the last
# segment resent when ACKs are ~2 RTT late, which a busy 2-core machine causes by
# descheduling a peer — the same allowance the kernel's probes get).
keel_lossless() {
  local rexmit probes timeouts recoveries
  rexmit=$(keel_sum retransmissions)
  probes=$(keel_sum tail_loss_probes)
  timeouts=$(keel_sum timeouts)
  recoveries=$(keel_sum fast_recoveries)
  expect [ "$timeouts" -eq 0 ] -- "$1: keel's retransmission timer fired $timeouts times on a lossless link"
  expect [ "$recoveries" -eq 0 ] -- "$1: keel entered fast recovery $recoveries times on a lossless link"
  expect [ "$rexmit" -le "$probes" ] -- "$1: keel retransmitted $rexmit segments but sent only $probes tail-loss probes"
  step "$1: keel's retransmissions: $rexmit, all tail-loss probes ($probes probes, $timeouts RTOs, $recoveries recoveries)"
}

# show_retransmissions — the first 20 retransmitted segments of keel's capture (stderr).
show_retransmissions() {
  timeout 60 tshark -n -r "$KEEL_PCAP" -Y 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' 2>/dev/null |
    head -n 20 >&2 || true
}

# echo_clients MODE COUNT MAX_SIZE DEADLINE_S — COUNT connections to keel's echo port from
# /usr/bin/python3 in the namespace, MODE sequential (one after the other) or concurrent
# (all connected at once, served by one selector loop). Connection i sends 1 + (i * 7919)
# % MAX_SIZE random bytes, shuts down its write side, reads until keel's FIN and compares
# byte for byte. Output ($WORK/clients.MODE): one line per connection ("ok I BYTES MS" or
# "bad I REASON"), then "summary ok=N bad=M sent=BYTES sha_sent=… sha_back=…". The
# whole run stops at DEADLINE_S (what is unfinished then is reported bad).
echo_clients() {
  local mode=$1 count=$2 max=$3 deadline=$4 rc=0
  cat >"$WORK/echo_clients.py" <<'EOF'
import errno, hashlib, os, selectors, socket, sys, time
mode, count, max_size, deadline, host = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
start = time.monotonic()
end = start + deadline
payloads = [os.urandom(1 + (i * 7919) % max_size) for i in range(count)]
results = [None] * count
def report():
    sent = hashlib.sha256(); back = hashlib.sha256(); ok = 0
    for i, r in enumerate(results):
        if r and r[0] == "ok":
            ok += 1
            print("ok %d %d %d" % (i, len(payloads[i]), r[1]))
        else:
            print("bad %d %s" % (i, r[1] if r else "unfinished at the deadline"))
    for i, p in enumerate(payloads):
        sent.update(p)
        if results[i] and results[i][0] == "ok": back.update(results[i][2])
    print("summary ok=%d bad=%d sent=%d sha_sent=%s sha_back=%s seconds=%.3f" % (
        ok, count - ok, sum(map(len, payloads)), sent.hexdigest(), back.hexdigest(), time.monotonic() - start))
def check(i, got, t0):
    ms = int((time.monotonic() - t0) * 1000)
    if got == payloads[i]: results[i] = ("ok", ms, got)
    else: results[i] = ("bad", "got %d bytes back of %d, %s" % (len(got), len(payloads[i]), "a prefix" if payloads[i].startswith(got) else "different"))
if mode == "sequential":
    for i in range(count):
        t0 = time.monotonic()
        left = end - t0
        if left <= 0: break
        try:
            s = socket.create_connection((host, 7), timeout=left)
            s.settimeout(max(0.001, end - time.monotonic()))
            s.sendall(payloads[i]); s.shutdown(socket.SHUT_WR)
            got = bytearray()
            while True:
                b = s.recv(65536)
                if not b: break
                got += b
            s.close()
            check(i, bytes(got), t0)
        except OSError as e:
            results[i] = ("bad", "%s after %d ms" % (e.__class__.__name__ + ": " + str(e), int((time.monotonic() - t0) * 1000)))
else:
    sel = selectors.DefaultSelector()
    state = {}
    for i in range(count):
        s = socket.socket(); s.setblocking(False)
        try: s.connect((host, 7))
        except BlockingIOError: pass
        state[s] = [i, 0, bytearray(), time.monotonic(), False]
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ)
    while state and time.monotonic() < end:
        for key, ev in sel.select(timeout=0.2):
            s = key.fileobj; st = state[s]; i = st[0]
            try:
                if ev & selectors.EVENT_WRITE and not st[4]:
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err: raise OSError(err, os.strerror(err))
                    n = s.send(payloads[i][st[1]:])
                    st[1] += n
                    if st[1] == len(payloads[i]):
                        s.shutdown(socket.SHUT_WR); st[4] = True
                        sel.modify(s, selectors.EVENT_READ)
                    continue
                if ev & selectors.EVENT_READ:
                    b = s.recv(65536)
                    if b: st[2] += b; continue
                    if not st[4]: raise OSError(0, "EOF before everything was sent")
                    check(i, bytes(st[2]), st[3])
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                results[i] = ("bad", "%s after %d ms" % (e.__class__.__name__ + ": " + str(e), int((time.monotonic() - st[3]) * 1000)))
            sel.unregister(s); s.close(); del state[s]
report()
EOF
  in_ns timeout $((deadline + 15)) "$PY" "$WORK/echo_clients.py" "$mode" "$count" "$max" "$deadline" "$KEEL_IP" \
    >"$WORK/clients.$mode" 2>"$WORK/clients.$mode.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "the $mode echo clients exited $rc: $(tail -n 5 "$WORK/clients.$mode.err")"
  grep -q '^summary ' "$WORK/clients.$mode" || fail "the $mode echo clients printed no summary"
}

# http_raw MODE PATH ARG — one HTTP/1.1 GET to keel from /usr/bin/python3 in the namespace,
# bounded by 30 s:
#   halfclose PATH OUT — sends the request, shuts down its write side at once (half-close:
#     the FIN follows the request), reads the response until keel's FIN; the body goes
#     to OUT; prints "port=P status=S head=H body=B".
#   abort PATH N — reads until N bytes of the response arrived, then closes with
#     SO_LINGER 0 (the kernel sends RST); prints "port=P read=R".
http_raw() {
  local rc=0
  cat >"$WORK/http_raw.py" <<'EOF'
import socket, struct, sys
mode, path, arg, host = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection((host, 80), timeout=30)
port = s.getsockname()[1]
s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host)).encode())
if mode == "halfclose":
    s.shutdown(socket.SHUT_WR)
    got = bytearray()
    while True:
        b = s.recv(65536)
        if not b: break
        got += b
    s.close()
    end = got.find(b"\r\n\r\n")
    head = bytes(got[:end + 4]) if end >= 0 else bytes(got)
    body = bytes(got[end + 4:]) if end >= 0 else b""
    open(arg, "wb").write(body)
    status = head.split(b" ", 2)[1].decode() if head.startswith(b"HTTP/1.1 ") else "none"
    print("port=%d status=%s head=%d body=%d" % (port, status, len(head), len(body)))
else:
    want, got = int(arg), 0
    while got < want:
        b = s.recv(65536)
        if not b: break
        got += len(b)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("port=%d read=%d" % (port, got))
EOF
  # shellcheck disable=SC2034  # read by the tests
  HTTP_RAW=$(in_ns timeout 40 "$PY" "$WORK/http_raw.py" "$1" "$2" "$3" "$KEEL_IP" 2>"$WORK/http_raw.err") || rc=$?
  [ "$rc" -eq 0 ] || fail "http_raw $1 $2 exited $rc: $(tail -n 5 "$WORK/http_raw.err")"
}

# check_tcp_pcap FILE — check_pcap (lib.sh), which also accepts the kernel's TCP
# checksum 0xffff (= 0x0000, RFC 1624) and nothing else.
check_tcp_pcap() { check_pcap "$1"; }

# time_wait_stat KEY — a counter of keel's TIME-WAIT table from its exit report.
time_wait_stat() {
  local text value
  text=$(keel_line '^keel-demo: tcp time_wait ')
  value=$(sed -nE "s/.* $1=([0-9]+)( .*)?$/\1/p" <<<"$text")
  [ -n "$value" ] || fail "no counter $1 in keel's TIME-WAIT line: '$text'"
  echo "$value"
}
