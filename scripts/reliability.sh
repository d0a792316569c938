#!/usr/bin/env bash
# Probes Eventdesk's doors as someone on the same machine or the same broker would, and prints a
# table: probe, what must happen, what happened, whether it held. The HTTP probes go to a desk's
# loopback endpoint (`eventdesk-cli ingest --listen`, the code the window runs); the broker
# probes use a private RabbitMQ node; the full disk is a 1 MB tmpfs (root only, else skipped).
# Exits 1 when a probe did not hold. Builds the debug tool first.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -q -p eventdesk-cli
cli=$PWD/target/debug/eventdesk-cli
work=$(mktemp -d)
served=""
EVENTDESK_TEST_RABBITMQ=""
cleanup() {
  [ -n "$served" ] && kill "$served" 2>/dev/null && wait "$served" 2>/dev/null
  mountpoint -q "$work/full" 2>/dev/null && umount "$work/full"
  [ -n "$EVENTDESK_TEST_RABBITMQ" ] && bash scripts/rabbitmq.sh stop "$EVENTDESK_TEST_RABBITMQ"
  rm -rf "$work"
}
trap cleanup EXIT
eval "$(bash scripts/rabbitmq.sh start)"
export EVENTDESK_SECRETS=session EVENTDESK_AMQP_PASSWORD=guest
export EVENTDESK_HTTP_TOKEN=reliability-token-0123456789
amqp=${EVENTDESK_TEST_AMQP/guest:guest@/guest@}
rows=()
failed=0
row() { # probe, expected, outcome, held (yes/no/skipped)
  rows+=("| $1 | $2 | $3 | $4 |")
  [ "$4" = "no" ] && failed=1
  return 0
}

# PagerDuty triggers, a tenth raising an earlier key again: (count) lines on stdout.
messages() {
  python3 -c '
import json, sys
for i in range(int(sys.argv[1])):
    key = i - 5 if i % 10 == 9 else i
    print(json.dumps({"event_action": "trigger", "dedup_key": f"k{key}",
        "payload": {"summary": f"Disk full on db-{key}", "source": f"db-{key}", "severity": "error"}}))
' "$1"
}
# The sum of the events' occurrences in a database (each message applied once: the count sent).
occurrences() {
  "$cli" dump --db "$1" | python3 -c 'import json, sys; print(sum(json.loads(l)["occurrences"] for l in sys.stdin))'
}

# --- The HTTP endpoint --------------------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$cli" ingest --db "$work/http.db" --listen "127.0.0.1:$port" >"$work/http.out" 2>"$work/http.err" &
served=$!
python3 - "$port" <<'EOF' >"$work/http.rows"
import socket, sys, time
port = int(sys.argv[1])
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", port)).close()
        break
    except OSError:
        time.sleep(0.05)

def send(head, body=b"", wait=30):
    """One request, raw; (status or None, seconds)."""
    started = time.time()
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    try:
        s.sendall(head.encode() + b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
        s.sendall(body)
    except OSError:
        pass  # answered (and closed) before the body was taken
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    status = int(data.split(b" ")[1]) if data.startswith(b"HTTP/") else None
    return status, time.time() - started

def row(probe, expected, outcome, held):
    print(f"{probe}|{expected}|{outcome}|{'yes' if held else 'no'}")

host = f"Host: 127.0.0.1:{port}"
token = "Authorization: Bearer reliability-token-0123456789"
pd = f"POST /v2/enqueue HTTP/1.1\r\n{host}\r\nContent-Type: application/json"
good = b'{"event_action":"trigger","dedup_key":"probe","payload":{"summary":"Probe","source":"x","severity":"info"}}'

status, took = send(f"{pd}\r\nAuthorization: Bearer wrong-token-0123456789", b"x" * (4 * 512 * 1024))
row("wrong token, 2 MB body", "401 before the body is read", f"{status} in {took * 1000:.0f} ms", status == 401)
status, _ = send(f"{pd}\r\n{token}", b'{"payload":"' + b"x" * (600 * 1024) + b'"}')
row("oversized body (600 KB) with the token", "413, nothing written", str(status), status == 413)
status, _ = send(pd, good.replace(b'"event_action"', b'"routing_key":"reliability-token-0123456789","event_action"'))
row("token only as the body's routing_key", "401", str(status), status == 401)
for header in ["Origin: https://attacker.example", "Origin: null", "Sec-Fetch-Site: cross-site"]:
    status, _ = send(f"{pd}\r\n{token}\r\n{header}", good)
    row(f"forged browser request ({header})", "403", str(status), status == 403)
status, _ = send(f"POST /v2/enqueue HTTP/1.1\r\nHost: attacker.example:{port}\r\nContent-Type: application/json\r\n{token}", good)
row("DNS rebinding (Host: attacker.example)", "403", str(status), status == 403)

# Slowloris: a head that never ends.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(f"POST /v2/enqueue HTTP/1.1\r\n{host}\r\nX-Slow: ".encode())
s.settimeout(40)
started = time.time()
try:
    s.recv(1)  # the end of the connection (or an answer before it)
    closed = True
except socket.timeout:
    closed = False
took = time.time() - started
s.close()
row("slowloris (a head never finished)", "connection closed within 10 s", f"closed after {took:.1f} s" if closed else "still open after 40 s", closed and took < 12)

# A body that stalls.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(f"{pd}\r\n{token}\r\nContent-Length: 1000\r\n\r\n{{\"event".encode())
s.settimeout(40)
started = time.time()
answer = s.recv(64)
took = time.time() - started
s.close()
status = int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/") else None
row("a body that stalls after 8 bytes", "408 within 15 s", f"{status} after {took:.1f} s", status == 408 and took < 17)

# A connection flood: 300 connections, each with part of a head, then a good request.
held = []
for _ in range(300):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"POST /v2/enqueue HTTP/1.1\r\n")
    held.append(c)
status, took = send(f"{pd}\r\n{token}", good, wait=40)
row("300 connections held open, then a good request", "at most 256 served; it waits for a place (≤ 10 s), then 202", f"{status} after {took:.1f} s", status == 202 and took < 12)
for c in held:
    c.close()

# Senders at once, and after all of the above.
import threading
answers = []
def sender(i):
    answers.append(send(f"{pd}\r\n{token}", good.replace(b'"probe"', b'"probe-%d"' % i))[0])
threads = [threading.Thread(target=sender, args=(i,)) for i in range(100)]
for t in threads: t.start()
for t in threads: t.join()
row("100 senders at once, after the probes", "100 × 202", f"{answers.count(202)} × 202", answers.count(202) == 100)
EOF
kill -TERM "$served"
wait "$served" || true
served=""
while IFS='|' read -r probe expected outcome held; do row "$probe" "$expected" "$outcome" "$held"; done <"$work/http.rows"
written=$(occurrences "$work/http.db")
row "what the refused requests wrote" "nothing: 101 events from the 101 good requests" "$("$cli" stats --db "$work/http.db")" \
  "$([ "$written" = 101 ] && echo yes || echo no)"

# --- Streams and queues -----------------------------------------------------------------
# Two consumers of one stream into one file, side by side.
stream=reliability-two-$$
"$cli" declare --amqp "$amqp" --queue "$stream" >/dev/null
messages 10000 | "$cli" publish --amqp "$amqp" --queue "$stream" >/dev/null
for i in 1 2; do
  "$cli" ingest --db "$work/two.db" --amqp "$amqp" --queue "$stream" --stream --until-idle 3 >"$work/two-$i.out" 2>&1 &
done
wait
total=$(occurrences "$work/two.db")
row "two consumers of one stream, one file" "each of 10,000 messages applied once" "$total applied" "$([ "$total" = 10000 ] && echo yes || echo no)"

# kill -9 in the middle, then started again: a stream, then a classic queue (acked after commit).
for kind in stream queue; do
  name=reliability-kill-$kind-$$
  flags=(--stream)
  declare_flags=()
  [ "$kind" = queue ] && flags=() && declare_flags=(--classic)
  "$cli" declare --amqp "$amqp" --queue "$name" "${declare_flags[@]}" >/dev/null
  messages 20000 | "$cli" publish --amqp "$amqp" --queue "$name" >/dev/null
  db=$work/kill-$kind.db
  "$cli" ingest --db "$db" --amqp "$amqp" --queue "$name" "${flags[@]}" --until-idle 5 >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 3000); do
    [ -f "$db" ] && [ "$("$cli" stats --db "$db" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("events", 0))' 2>/dev/null || echo 0)" -gt 0 ] && break
    sleep 0.01
  done
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  at_kill=$(occurrences "$db")
  "$cli" ingest --db "$db" --amqp "$amqp" --queue "$name" "${flags[@]}" --until-idle 3 >/dev/null 2>&1
  total=$(occurrences "$db")
  row "kill -9 while reading a $kind (at $at_kill of 20,000), started again" "20,000 applied, none twice" "$total applied" \
    "$([ "$total" = 20000 ] && "$cli" check --db "$db" >/dev/null && echo yes || echo no)"
done

# --- A full disk --------------------------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && mkdir -p "$work/full" && mount -t tmpfs -o size=1m tmpfs "$work/full" 2>/dev/null; then
  set +e
  messages 50000 2>/dev/null | "$cli" ingest --db "$work/full/events.db" >/dev/null 2>"$work/full.err"
  code=$?
  set -e
  said=$(grep -o "the disk is full" "$work/full.err" | head -1)
  checked=$("$cli" check --db "$work/full/events.db" >/dev/null 2>&1 && echo "passes check" || echo "fails check")
  row "standard input into a full disk (1 MB)" "exit 1, says the disk is full, the file whole" "exit $code, ${said:-no word of the disk}, $checked" \
    "$([ "$code" = 1 ] && [ -n "$said" ] && [ "$checked" = "passes check" ] && echo yes || echo no)"
else
  row "standard input into a full disk (1 MB)" "exit 1, says the disk is full, the file whole" "not run: mounting a tmpfs needs root" "skipped"
fi

printf '\n| probe | must | happened | held |\n| --- | --- | --- | --- |\n'
printf '%s\n' "${rows[@]}"
exit "$failed"
