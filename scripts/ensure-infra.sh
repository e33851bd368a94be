#!/usr/bin/env bash
# Make sure RabbitMQ (with its management plugin) and PostgreSQL are installed, running and
# reachable the way the platform expects; install them with apt where absent.
set -euo pipefail

log() { printf '[ensure-infra] %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

apt_install() {
  log "installing $*"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

wait_for() {  # wait_for <what> <seconds> <command...>
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  log "$what did not come up within ${seconds}s"; return 1
}

# --- PostgreSQL ---------------------------------------------------------------------------
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt_install postgresql
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for PostgreSQL 60 pg_isready -h 127.0.0.1 -p 5432 -q
fi
# The platform connects as postgres/postgres over TCP; a fresh install only trusts the socket.
if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
  log "setting the postgres role's password for TCP logins"
  $SUDO -u postgres psql -d postgres -c "ALTER ROLE postgres PASSWORD 'postgres'" >/dev/null 2>&1 \
    || su postgres -c "psql -d postgres -c \"ALTER ROLE postgres PASSWORD 'postgres'\"" >/dev/null
fi
if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc \
    "select 1 from pg_database where datname='smart_policing'" | grep -q 1; then
  log "creating database smart_policing"
  PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE smart_policing' >/dev/null
fi

# --- RabbitMQ -----------------------------------------------------------------------------
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  apt_install rabbitmq-server
fi
if ! rabbitmqctl -q status >/dev/null 2>&1; then
  log "starting RabbitMQ"
  $SUDO rabbitmq-server -detached || true
  wait_for RabbitMQ 90 rabbitmqctl -q await_startup
fi
if ! rabbitmq-plugins -q is_enabled rabbitmq_management >/dev/null 2>&1; then
  log "enabling the RabbitMQ management plugin"
  $SUDO rabbitmq-plugins -q enable rabbitmq_management >/dev/null
fi
wait_for "RabbitMQ management API" 60 curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview
log "RabbitMQ and PostgreSQL are ready"
