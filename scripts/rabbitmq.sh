#!/usr/bin/env bash
# A private RabbitMQ node for the tests: Debian's rabbitmq-server, in a temp folder, on free
# loopback ports, never touching a system node.
#   eval "$(bash scripts/rabbitmq.sh start)"   starts one and prints the variables to export:
#       EVENTDESK_TEST_AMQP=amqp://guest:guest@127.0.0.1:PORT/%2f
#       EVENTDESK_TEST_RABBITMQ=FOLDER (for stop)
#   bash scripts/rabbitmq.sh stop FOLDER        stops it and removes its folder
#   bash scripts/rabbitmq.sh halt FOLDER        stops it, keeping its folder (a broker outage)
#   bash scripts/rabbitmq.sh resume FOLDER      starts a halted node again: same port, same data
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
  dir=$(mktemp -d /tmp/eventdesk-rabbitmq.XXXXXX)
  local port dist epmd
  port=$(free_port)
  dist=$(free_port)
  epmd=$(free_port)
  mkdir -p "$dir"/{mnesia,log,quorum,stream,generated,plugins-expand,home}
  cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$port
loopback_users = none
EOF
  echo "port=$port dist=$dist epmd=$epmd" >"$dir/ports"
  chmod 755 "$dir"
  chown -R rabbitmq:rabbitmq "$dir" 2>/dev/null || true
  launch
  echo "export EVENTDESK_TEST_AMQP=amqp://guest:guest@127.0.0.1:$port/%2f"
  echo "export EVENTDESK_TEST_RABBITMQ=$dir"
  echo "rabbitmq.sh: node eventdesk-$port@localhost listening on 127.0.0.1:$port" >&2
}

# Starts the node whose folder is $dir (its ports in $dir/ports) and waits for its port.
launch() {
  local port dist epmd
  eval "$(cat "$dir/ports")"
  (
    export RABBITMQ_NODENAME="eventdesk-$port@localhost" RABBITMQ_NODE_PORT="$port" \
      RABBITMQ_DIST_PORT="$dist" RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" \
      RABBITMQ_FEATURE_FLAGS_FILE="$dir/feature_flags" RABBITMQ_QUORUM_DIR="$dir/quorum" \
      RABBITMQ_STREAM_DIR="$dir/stream" RABBITMQ_GENERATED_CONFIG_DIR="$dir/generated" \
      RABBITMQ_PLUGINS_EXPAND_DIR="$dir/plugins-expand" RABBITMQ_CONFIG_FILE="$dir/rabbitmq" \
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
  local pid port="" dist="" epmd="" sessions alive s mapper
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
  if [ -n "$epmd" ]; then
    mapper=$(ss -ltnpH "sport = :$epmd" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
    if [ -n "$mapper" ]; then kill "$mapper" 2>/dev/null || true; fi
  fi
}

stop() {
  dir=${1:?usage: rabbitmq.sh stop FOLDER}
  [ -f "$dir/pid" ] || { echo "rabbitmq.sh: $dir holds no node" >&2; exit 1; }
  end_node
  rm -rf "$dir"
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
  stop) stop "${2:-}" ;;
  halt) halt "${2:-}" ;;
  resume) resume "${2:-}" ;;
  *) echo "usage: rabbitmq.sh start | stop FOLDER | halt FOLDER | resume FOLDER" >&2; exit 2 ;;
esac
