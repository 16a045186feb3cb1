# tcp_lib.sh — helpers of the TCP interop tests, on top of lib.sh: keel-demo serves TCP
# echo (7), discard (9) and HTTP (80: /dl/<bytes>, /ul, /stats); the kernel is the client
# (curl, socat, /usr/bin/python3) in the namespace.
#
#   . "$(dirname "$0")/tcp_lib.sh"
#   interop_begin curl socat sha256sum
#   start_keel --ip "$KEEL_IP/24"
#   dl_check 10000000                    # curl /dl/N: exit 0, N bytes, the pattern's sha256
#   ul_check 20000000                    # curl POST /ul: keel reports exactly N bytes
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

# ul_check N [LIMIT_S] — curl POSTs N random bytes to /ul; keel must report exactly N.
# (Byte-exactness of the kernel -> keel direction is proven by echo_check.)
ul_check() {
  local n=$1 limit=${2:-40} in="$WORK/ul.$1" out="$WORK/ul.$1.json" rc=0
  [ -f "$in" ] || random_file "$n" "$in"
  in_ns timeout $((limit + 10)) curl -sS --max-time "$limit" -H 'Expect:' \
    -H 'Content-Type: application/octet-stream' --data-binary "@$in" -o "$out" \
    "http://$KEEL_IP/ul" 2>"$WORK/curl.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "curl POST /ul ($n bytes) exited $rc: $(cat "$WORK/curl.err")"
  grep -q -E "^\{\"bytes\": $n, \"seconds\": [0-9]+\.[0-9]{6}\}\$" "$out" ||
    fail "/ul of $n bytes: keel answered '$(cat "$out")', expected {\"bytes\": $n, ...}"
  step "/ul: keel received $n bytes ($(cat "$out"))"
}

# echo_check N [LIMIT_S] — N random bytes through keel's TCP echo (port 7) with socat:
# socat writes them, half-closes after the last (shut-write on stdin EOF), reads the echo
# until keel's FIN. The same N bytes must come back (sha256 both ends).
echo_check() {
  local n=$1 limit=${2:-40} in="$WORK/echo.$1" out="$WORK/echo.$1.back" rc=0
  [ -f "$in" ] || random_file "$n" "$in"
  in_ns timeout $((limit + 10)) socat -T "$limit" -t "$limit" - "TCP4:$KEEL_IP:7" \
    <"$in" >"$out" 2>"$WORK/socat.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "socat echo of $n bytes exited $rc: $(cat "$WORK/socat.err")"
  expect_same "$in" "$out" "echo of $n bytes"
  step "echo: $n bytes there and back, sha256 $(sha "$out" | cut -c1-16)… both ends"
}

# nft_loss IN_PCT OUT_PCT — random loss on the kernel side of the TAP, inside the
# namespace only: IN_PCT of the frames keel sends are dropped on the kernel's input hook,
# OUT_PCT of those the kernel sends to keel on its output hook (0: no rule). Replaces any
# earlier loss rules; nft_loss 0 0 removes them.
nft_loss() {
  local in=$1 out=$2
  in_ns nft delete table inet keeltest 2>/dev/null || true
  [ "$in" = 0 ] && [ "$out" = 0 ] && return 0
  in_ns nft -f - <<EOF || fail "nft: cannot install the loss rules"
table inet keeltest {
  chain in {
    type filter hook input priority 0; policy accept;
    $([ "$in" = 0 ] || echo "iifname \"$KEEL_TAP\" meta l4proto tcp numgen random mod 100 < $in counter drop")
  }
  chain out {
    type filter hook output priority 0; policy accept;
    $([ "$out" = 0 ] || echo "oifname \"$KEEL_TAP\" meta l4proto tcp numgen random mod 100 < $out counter drop")
  }
}
EOF
  step "nft (in $KEEL_NS): drop $in% of keel -> kernel, $out% of kernel -> keel TCP"
}

# nft_dropped CHAIN — packets the loss rule of CHAIN (in|out) dropped so far.
nft_dropped() {
  in_ns nft list chain inet keeltest "$1" 2>/dev/null |
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

# show_retransmissions — the first 20 retransmitted segments of keel's capture (stderr).
show_retransmissions() {
  timeout 60 tshark -n -r "$KEEL_PCAP" -Y 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' 2>/dev/null |
    head -n 20 >&2 || true
}
