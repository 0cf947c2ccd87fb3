#!/usr/bin/env bash
# Install, idempotently, every Debian package the project's tests need.
# Usage: vm/deps.sh [extra-package[/suite] ...]
#
# A package written pkg/suite comes from that suite (bookworm-backports,
# trixie, sid). Those suites are added once, from the mirror the machine
# already uses (the URIs: line of its .sources files), pinned low so that
# nothing else on the machine is upgraded from them.
set -euo pipefail

pkgs=(build-essential flex bison bc libelf-dev libssl-dev cpio kmod xz-utils
      gzip busybox-static qemu-system-x86 sparse linux-source-6.1
      liburcu-dev golang-1.23-go/bookworm-backports pkg-config "$@")

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

missing=()
need_suites=0
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "${p%%/*}" 2>/dev/null | grep -q 'ok installed' &&
		continue
	missing+=("$p")
	case $p in */*) need_suites=1 ;; esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

extra=/etc/apt/sources.list.d/syncmap-extra.sources
if [ $need_suites = 1 ] && [ ! -f $extra ]; then
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources)
	[ -n "$uri" ] || { echo "vm/deps.sh: no URIs: line in /etc/apt/sources.list.d" >&2; exit 1; }
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports trixie sid\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uri" | $SUDO tee $extra >/dev/null
	printf 'Package: *\nPin: release n=trixie\nPin-Priority: 50\n\nPackage: *\nPin: release n=sid\nPin-Priority: 40\n' |
		$SUDO tee /etc/apt/preferences.d/syncmap-extra >/dev/null
fi

echo "vm/deps.sh: installing ${missing[*]}" >&2
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
