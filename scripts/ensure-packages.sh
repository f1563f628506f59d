#!/usr/bin/env bash
# Installs the programs the tests drive (real tools, never stand-ins), once: apt-get only when one is missing.
#   openssl        verifies the client certificates the CA issues
#   ssh-keygen     reads the OpenSSH certificates the SSH CA issues (Debian package openssh-client)
#   ssh, scp, sftp the stock OpenSSH clients the SSH proxy must accept (openssh-client)
#   sshd           the real upstream OpenSSH server of the SSH proxy tests (openssh-server, in /usr/sbin)
#   redis-server   the upstream of the end-to-end TLS socket test, reached with redis-cli (redis-tools)
#   psql, pgbench  PostgreSQL's own clients, through database sockets (postgresql-client, postgresql-contrib)
#   pgbouncer      the connection pooler the database benchmark compares with
#   sysbench       the OLTP load the database benchmark runs besides pgbench (pgsql driver)
#   psycopg2, PyMySQL  drivers nobody here wrote, through database sockets (Debian's python3 modules)
#   chromium       the browser the end-to-end web login tests drive with playwright-core (never a downloaded build)
#   wrk            the HTTP load generator of the HTTP socket benchmark
#   nginx          the reverse proxy the HTTP socket benchmark compares with (run as a child, its own config)
#   iperf3         the bulk TCP load of the data plane benchmark (direct, ssh -L, stunnel, a TLS socket)
#   stunnel        the plain TLS tunnel the data plane benchmark compares with (Debian package stunnel4)
#   dockerd, docker  the real Docker Engine of the Docker discovery tests, one private daemon per test file (docker.io)
#   busybox        static (busybox-static): the root filesystem of the images those tests import (no registry here)
#   Xvfb           the X display `border0 desktop` opens its Chromium app window on in the e2e test (xvfb)
set -euo pipefail
declare -A package_of=([openssl]=openssl [ssh-keygen]=openssh-client [ssh]=openssh-client [scp]=openssh-client
  [sftp]=openssh-client [sshd]=openssh-server [redis-server]=redis-server [redis-cli]=redis-tools
  [psql]=postgresql-client [pgbench]=postgresql-contrib [pgbouncer]=pgbouncer [chromium]=chromium
  [sysbench]=sysbench [wrk]=wrk [nginx]=nginx [iperf3]=iperf3 [stunnel]=stunnel4 [dockerd]=docker.io
  [docker]=docker.io [Xvfb]=xvfb)
missing=()
for tool in "${!package_of[@]}"; do
  # sbin tools (sshd) are not on every user's PATH: look there too.
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("${package_of[$tool]}")
done
# Python modules are looked for with Debian's own interpreter (a PATH python3 may be another one).
declare -A module_of=([psycopg2]=python3-psycopg2 [pymysql]=python3-pymysql)
for module in "${!module_of[@]}"; do
  /usr/bin/python3 -c "import $module" >/dev/null 2>&1 || missing+=("${module_of[$module]}")
done
# A dynamic busybox (Debian's busybox) cannot run in an image without a libc: the static one is needed.
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || missing+=(busybox-static)
[ ${#missing[@]} -eq 0 ] && exit 0
# One package brings several tools: name each once.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "the tests need: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
