#!/usr/bin/env bash
# Provide herd7 (herdtools7), which Debian packages only in sid, whose
# libc bookworm cannot take: a minimal sid chroot with it, made once and
# cached beside the test kernels; the mirror is the machine's own (the
# URIs: line of its apt sources). Prints the chroot's directory; run herd7
# as `chroot DIR herd7 ...` with the files it reads copied into DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${SYNCMAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/syncmap}
dir=$cache/herd-sid

if [ -x "$dir/usr/bin/herd7" ] && [ -f "$dir/.syncmap-built" ]; then
	echo "$dir"
	exit 0
fi
"$here/deps.sh" debootstrap >&2
uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources)
[ -n "$uri" ] || { echo "vm/herd.sh: no URIs: line in /etc/apt/sources.list.d" >&2; exit 1; }
rm -rf "$dir" "$dir.tmp"
mkdir -p "$cache"
echo "vm/herd.sh: debootstrap sid into $dir (once)" >&2
debootstrap --variant=minbase sid "$dir.tmp" "$uri" >"$cache/herd-sid.log" 2>&1 ||
	{ tail -20 "$cache/herd-sid.log" >&2; exit 1; }
chroot "$dir.tmp" apt-get install -y -q --no-install-recommends herdtools7 \
	>>"$cache/herd-sid.log" 2>&1 ||
	{ tail -20 "$cache/herd-sid.log" >&2; exit 1; }
chroot "$dir.tmp" apt-get clean
touch "$dir.tmp/.syncmap-built"
mv "$dir.tmp" "$dir"
echo "$dir"
