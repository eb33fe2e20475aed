# Shared by up, down and status: where things live and which loopback ports they use.
# shellcheck shell=bash

HA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROJECT=$(cd "$HA_DIR/../.." && pwd)
DATA=${CALLPULSE_HA_DIR:-/var/tmp/callpulse-ha}

MEMBERS=(pg1 pg2 pg3)
PG_PORTS=(5441 5442 5443)        # PostgreSQL of each member (5432 and 9700-9702 are taken here)
REST_PORTS=(8008 8009 8010)      # Patroni REST API of each member
ETCD_NAMES=(etcd1 etcd2 etcd3)
ETCD_CLIENT_PORTS=(2479 2481 2483) # not etcd's 2379/2380: Debian's own etcd.service takes those
ETCD_PEER_PORTS=(2480 2482 2484)   # on a machine with systemd once etcd-server is installed
HAPROXY_PG_PORT=5440             # the current leader, for psql and tools
HAPROXY_HTTP_PORT=8100           # the two API replicas
API_PORTS=(8101 8102)            # `callpulse serve --no-scheduler`, one per replica

# shellcheck source=../postgres.sh
source "$HA_DIR/../postgres.sh"  # PG_BIN, PG_SERVER_USER (root hands the server to postgres), AS_PG

etcd_hosts() {
  local hosts=() port
  for port in "${ETCD_CLIENT_PORTS[@]}"; do hosts+=("127.0.0.1:$port"); done
  (IFS=,; echo "${hosts[*]}")
}

# The URL CallPulse connects with: every member; libpq keeps the one that takes writes.
# (libpq's `host=a,b,c&port=…` form: SQLAlchemy cannot parse `a:1,b:2` in the authority.)
database_url() {
  local password hosts=() ports=() port
  password=$(cat "$DATA/secrets/callpulse")
  for port in "${PG_PORTS[@]}"; do hosts+=(127.0.0.1); ports+=("$port"); done
  echo "postgresql://callpulse:$password@/callpulse?host=$(IFS=,; echo "${hosts[*]}")&port=$(IFS=,; echo "${ports[*]}")&target_session_attrs=read-write"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2> /dev/null; }
