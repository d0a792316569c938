#!/usr/bin/env bash
# A private RabbitMQ node for the tests: Debian's rabbitmq-server, in a temp folder, on free
# loopback ports, never touching a system node.
#   eval "$(bash scripts/rabbitmq.sh start)"   starts one and prints the variables to export:
#       EVENTDESK_TEST_AMQP=amqp://guest:guest@127.0.0.1:PORT/%2f
#       EVENTDESK_TEST_RABBITMQ=FOLDER (for stop)
#   bash scripts/rabbitmq.sh cluster N          starts N nodes joined in one cluster and prints
#       EVENTDESK_TEST_CLUSTER_URLS=amqp://guest:guest@127.0.0.1:P1/%2f,… (one URL a node)
#       EVENTDESK_TEST_CLUSTER="FOLDER FOLDER …" (one folder a node, in the same order)
#   bash scripts/rabbitmq.sh stop FOLDER…       stops them and removes their folders
#   bash scripts/rabbitmq.sh halt FOLDER        stops it, keeping its folder (a broker outage)
#   bash scripts/rabbitmq.sh kill FOLDER        kills it at once (SIGKILL), keeping its folder
#   bash scripts/rabbitmq.sh pause FOLDER       freezes it (SIGSTOP): it answers nothing, closes nothing
#   bash scripts/rabbitmq.sh unpause FOLDER     lets a frozen node go on (SIGCONT)
#   bash scripts/rabbitmq.sh resume FOLDER      starts a halted node again: same port, same data
#
# Every node knows the same users, each with its name as password (tests only): guest (the
# administrator); alice, bob, carol and dave, who may do anything on the vhost (on a team, its
# roster decides what each may do); and producer, who may only publish (write on the default
# exchange), as an alert producer would.
# Installs the package when missing (apt-get; sudo when not root). The package does not start a
# node by itself; its wrapper runs the node as the `rabbitmq` user, so the folder is theirs.
set -euo pipefail

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() {
  local port=$1 deadline=$(($(date +%s) + 60))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if (($(date +%s) > deadline)); then
      echo "rabbitmq.sh: the node did not listen on $port within 60 s; its log:" >&2
      tail -n 40 "$dir"/log/*.log >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.2
  done
}

start() {
  if ! command -v rabbitmq-server >/dev/null; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "rabbitmq.sh: installing rabbitmq-server" >&2
    local log
    log=$(mktemp)
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq rabbitmq-server; } >"$log" 2>&1; then
      cat "$log" >&2
      exit 1
    fi
    rm -f "$log"
  fi
  new_node "$(free_port)" ""
  launch
  echo "export EVENTDESK_TEST_AMQP=amqp://guest:guest@127.0.0.1:$port/%2f"
  echo "export EVENTDESK_TEST_RABBITMQ=$dir"
  echo "rabbitmq.sh: node eventdesk-$port@localhost listening on 127.0.0.1:$port" >&2
}

# Makes a node's folder in $dir (its AMQP port in $port): ports, configuration, users. With
# $2 set, the node is one of a cluster: it shares the port mapper on port $1 with the others,
# and leaves it running when it stops alone.
new_node() {
  local epmd=$1 shared=$2 dist
  dir=$(mktemp -d /tmp/eventdesk-rabbitmq.XXXXXX)
  port=$(free_port)
  dist=$(free_port)
  mkdir -p "$dir"/{mnesia,log,quorum,stream,generated,plugins-expand,home}
  definitions >"$dir/definitions.json"
  printf 'listeners.tcp.1 = 127.0.0.1:%s\nloopback_users = none\nload_definitions = %s\n' \
    "$port" "$dir/definitions.json" >"$dir/rabbitmq.conf"
  # A cluster's nodes notice a peer that hangs within 10 s (Erlang's default: 60 s).
  if [ -n "$shared" ]; then echo '[{kernel, [{net_ticktime, 10}]}].' >"$dir/advanced.config"; fi
  echo "port=$port dist=$dist epmd=$epmd shared=$shared" >"$dir/ports"
  chmod 755 "$dir"
  chown -R rabbitmq:rabbitmq "$dir" 2>/dev/null || true
}

# The users every node knows, as RabbitMQ definitions (salted SHA-256 password hashes).
definitions() {
  python3 -c '
import base64, hashlib, json, os
def user(name, tags):
    salt = os.urandom(4)
    digest = hashlib.sha256(salt + name.encode()).digest()
    return {"name": name, "password_hash": base64.b64encode(salt + digest).decode(),
            "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": tags}
desks = ["alice", "bob", "carol", "dave"]
users = [user("guest", ["administrator"])] + [user(n, []) for n in desks] + [user("producer", [])]
permissions = [{"user": n, "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}
               for n in ["guest"] + desks]
permissions.append({"user": "producer", "vhost": "/", "configure": "^$",
                    "write": "^amq\\.default$", "read": "^$"})
print(json.dumps({"users": users, "vhosts": [{"name": "/"}], "permissions": permissions}))
'
}

# rabbitmqctl against the node of $dir, as the rabbitmq user (which holds the Erlang cookie).
ctl() {
  local port dist epmd shared
  eval "$(cat "$dir/ports")"
  ERL_EPMD_PORT=$epmd RABBITMQ_USE_LONGNAME=false rabbitmqctl -q -n "eventdesk-$port@localhost" "$@"
}

# N nodes in one cluster: the first starts it, the others join it.
cluster() {
  local n=${1:?usage: rabbitmq.sh cluster N} epmd first="" urls="" folders="" i
  epmd=$(free_port)
  for i in $(seq 1 "$n"); do
    new_node "$epmd" 1
    launch
    urls="$urls${urls:+,}amqp://guest:guest@127.0.0.1:$port/%2f"
    folders="$folders${folders:+ }$dir"
    if [ -z "$first" ]; then
      first="eventdesk-$port@localhost"
    else
      ctl stop_app >&2
      ctl reset >&2
      ctl join_cluster "$first" >&2
      ctl start_app >&2
    fi
  done
  echo "export EVENTDESK_TEST_CLUSTER_URLS=$urls"
  echo "export EVENTDESK_TEST_CLUSTER=\"$folders\""
  echo "rabbitmq.sh: a cluster of $n nodes on $urls" >&2
}

# Starts the node whose folder is $dir (its ports in $dir/ports) and waits for its port.
launch() {
  local port dist epmd shared
  eval "$(cat "$dir/ports")"
  (
    export RABBITMQ_NODENAME="eventdesk-$port@localhost" RABBITMQ_NODE_PORT="$port" \
      RABBITMQ_DIST_PORT="$dist" RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
      RABBITMQ_FEATURE_FLAGS_FILE="$dir/feature_flags" RABBITMQ_QUORUM_DIR="$dir/quorum" \
      RABBITMQ_STREAM_DIR="$dir/stream" RABBITMQ_GENERATED_CONFIG_DIR="$dir/generated" \
      RABBITMQ_PLUGINS_EXPAND_DIR="$dir/plugins-expand" RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
      RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" \
      RABBITMQ_USE_LONGNAME=false HOME="$dir/home" ERL_EPMD_PORT="$epmd"
    # A session of its own, so that stop can end the node and its helpers together.
    setsid rabbitmq-server >>"$dir/server.out" 2>&1 &
    echo $! >"$dir/pid"
  )
  wait_for_port "$port"
}

# Every process started under $1, walking the process tree.
descendants() {
  local child
  for child in $(ps -eo pid=,ppid= | awk -v p="$1" '$2 == p { print $1 }'); do
    echo "$child"
    descendants "$child"
  done
}

# Ends the node: the wrapper and, in the session `su` gave it, the Erlang VM and its helpers;
# then its port mapper (epmd, on the node's private port).
end_node() {
  local pid port="" dist="" epmd="" shared="" sessions alive s
  pid=$(cat "$dir/pid")
  # A folder from before the ports were kept has none: its port mapper is left alone.
  if [ -f "$dir/ports" ]; then eval "$(cat "$dir/ports")"; fi
  sessions=" $(ps -o sid= -p "$({ echo "$pid"; descendants "$pid"; } | paste -sd, -)" 2>/dev/null |
    sort -u | xargs) "
  for s in $sessions; do pkill -TERM -s "$s" 2>/dev/null || true; done
  # Until no process of those sessions is left but zombies (nothing reaps them here).
  for _ in $(seq 1 75); do
    alive=$(ps -eo sid=,stat= | awk -v list="$sessions" 'index(list, " " $1 " ") && $2 !~ /^Z/' | wc -l)
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  for s in $sessions; do pkill -KILL -s "$s" 2>/dev/null || true; done
  # A cluster's nodes share one port mapper: it goes with the last of them (stop).
  if [ -z "$shared" ]; then end_mapper; fi
}

# Ends the port mapper of the node in $dir.
end_mapper() {
  local port dist epmd shared mapper
  eval "$(cat "$dir/ports")"
  [ -n "$epmd" ] || return 0
  mapper=$(ss -ltnpH "sport = :$epmd" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
  if [ -n "$mapper" ]; then kill "$mapper" 2>/dev/null || true; fi
}

stop() {
  [ $# -gt 0 ] || { echo "usage: rabbitmq.sh stop FOLDER…" >&2; exit 2; }
  local last=""
  for dir in "$@"; do
    [ -f "$dir/pid" ] || { echo "rabbitmq.sh: $dir holds no node" >&2; continue; }
    # A node halted before has nothing left to end.
    if kill -0 "$(cat "$dir/pid")" 2>/dev/null; then end_node; fi
    last=$dir
  done
  # The last folder's port mapper (a cluster's, shared) goes last; then the folders.
  if [ -n "$last" ]; then dir=$last && end_mapper; fi
  for dir in "$@"; do rm -rf "$dir"; done
}

# Sends signal $2 to every process of the node of $1: KILL, as a crash would (no connection is
# closed politely); STOP, as a node that hangs (its peers notice only by heartbeats); CONT.
signal_node() {
  local pid sessions s
  dir=${1:?usage: rabbitmq.sh kill|pause|unpause FOLDER}
  [ -f "$dir/pid" ] || { echo "rabbitmq.sh: $dir holds no node" >&2; exit 1; }
  pid=$(cat "$dir/pid")
  sessions=$(ps -o sid= -p "$({ echo "$pid"; descendants "$pid"; } | paste -sd, -)" 2>/dev/null | sort -u | xargs)
  for s in $sessions; do pkill "-$2" -s "$s" 2>/dev/null || true; done
}

halt() {
  dir=${1:?usage: rabbitmq.sh halt FOLDER}
  [ -f "$dir/pid" ] || { echo "rabbitmq.sh: $dir holds no node" >&2; exit 1; }
  end_node
}

resume() {
  dir=${1:?usage: rabbitmq.sh resume FOLDER}
  [ -f "$dir/ports" ] || { echo "rabbitmq.sh: $dir holds no node" >&2; exit 1; }
  launch
}

case "${1:-}" in
  start) start ;;
  cluster) cluster "${2:-}" ;;
  stop) shift; stop "$@" ;;
  halt) halt "${2:-}" ;;
  kill) signal_node "${2:-}" KILL ;;
  pause) signal_node "${2:-}" STOP ;;
  unpause) signal_node "${2:-}" CONT ;;
  resume) resume "${2:-}" ;;
  *) echo "usage: rabbitmq.sh start | cluster N | stop FOLDER… | halt FOLDER | kill|pause|unpause FOLDER | resume FOLDER" >&2; exit 2 ;;
esac
