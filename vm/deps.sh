#!/usr/bin/env bash
# Install, idempotently, every Debian package the test harness needs.
# Usage: vm/deps.sh [extra-package ...]
set -euo pipefail

pkgs=(build-essential flex bison bc libelf-dev libssl-dev cpio kmod xz-utils
      gzip busybox-static qemu-system-x86 sparse linux-source-6.1 "$@")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "vm/deps.sh: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
