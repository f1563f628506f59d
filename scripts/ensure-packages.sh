#!/usr/bin/env bash
# Installs the programs the tests drive (real tools, never stand-ins), once: apt-get only when one is missing.
#   openssl        verifies the client certificates the CA issues
#   ssh-keygen     reads the OpenSSH certificates the SSH CA issues (Debian package openssh-client)
#   redis-server   the upstream of the end-to-end TLS socket test, reached with redis-cli (redis-tools)
set -euo pipefail
declare -A package_of=([openssl]=openssl [ssh-keygen]=openssh-client [redis-server]=redis-server [redis-cli]=redis-tools)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "the tests need: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
