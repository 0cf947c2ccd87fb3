#!/usr/bin/env bash
# Build (once) and cache a test kernel; print the build directory.
# The cache lives outside the checkout, keyed by kernel version and by the
# hash of the config fragment, so a warm run costs a directory lookup.
#
# Usage: vm/kernel.sh [config-fragment...]
# Environment: KVER (default 6.1); KLLVM, e.g. -14, builds with clang
# (make LLVM=$KLLVM; the modules must then be built with it too).
# The fragments default to vm/base.config vm/debug.config (make check).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
KVER=${KVER:-6.1}
[ $# -gt 0 ] || set -- "$here/base.config" "$here/debug.config"
frags=()
for f in "$@"; do frags+=("$(realpath "$f")"); done
# Since 6.2 tinyconfig picks SLUB_TINY, which KASAN and KCSAN exclude.
[ "$KVER" = 6.1 ] || frags+=("$here/post-6.1.config")
cache=${SYNCMAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/syncmap}
tarball=/usr/src/linux-source-$KVER.tar.xz

# bookworm carries 6.1 and (security) 6.12; newer ones come from sid.
case $KVER in
6.1 | 6.12) pkg=linux-source-$KVER ;;
*) pkg=linux-source-$KVER/sid ;;
esac
"$here/deps.sh" "$pkg" >&2
[ -f "$tarball" ] || { echo "kernel.sh: $tarball missing" >&2; exit 2; }

pkgver=$(dpkg-query -W -f='${Version}' "linux-source-$KVER")
key=$( (cat "${frags[@]}"; [ -z "${KLLVM:-}" ] || echo "llvm=$KLLVM") |
	sha256sum | cut -c1-12)
llvm=()
[ -z "${KLLVM:-}" ] || llvm=("LLVM=$KLLVM")
dir=$cache/linux-$KVER-$pkgver-$key
if [ -f "$dir/.syncmap-built" ]; then
	echo "$dir"
	exit 0
fi

rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
start=$(date +%s)
echo "kernel.sh: building linux $KVER ($pkgver) in $dir (several minutes, once)" >&2
tar -xf "$tarball" -C "$dir.tmp" --strip-components=1
(
	cd "$dir.tmp"
	# Kconfig's own chatter (merge warnings for what tinyconfig lacks) goes
	# to kconfig.log; what matters is checked below, one line each.
	{
		make -s ARCH=x86_64 "${llvm[@]}" tinyconfig &&
		cat "${frags[@]}" > .syncmap-fragments &&
		scripts/kconfig/merge_config.sh -m .config .syncmap-fragments &&
		make -s ARCH=x86_64 "${llvm[@]}" olddefconfig
	} >kconfig.log 2>&1 || { tail -20 kconfig.log >&2; exit 1; }
	# merge_config silently drops what Kconfig refuses: check it all stuck.
	# A symbol this kernel does not have (SLUB_TINY before 6.2, ...) is
	# not an error: the fragments serve several kernel generations.
	missing=0 skipped=
	grep -rhoE --include='Kconfig*' '^(menu)?config [A-Za-z0-9_]+' . |
		awk '{ print "CONFIG_" $2 }' | sort -u > .syncmap-symbols
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*}
		if ! grep -qx "$sym" .syncmap-symbols; then
			skipped="$skipped ${sym#CONFIG_}"
			continue
		fi
		if [ "${line#*=}" = n ]; then
			grep -qx "# ${line%%=*} is not set" .config || { echo "kernel.sh: $line not applied" >&2; missing=1; }
		else
			grep -qx "$line" .config || { echo "kernel.sh: $line not applied" >&2; missing=1; }
		fi
	done < .syncmap-fragments
	[ -z "$skipped" ] ||
		echo "kernel.sh: not in $KVER, skipped:$skipped" >&2
	[ $missing -eq 0 ]
	make -s ARCH=x86_64 "${llvm[@]}" -j"$(nproc)" bzImage modules >build.log 2>&1 ||
		{ tail -40 build.log >&2; exit 1; }
) >&2	# stdout carries only the directory, for $(vm/kernel.sh)
mv "$dir.tmp" "$dir"
touch "$dir/.syncmap-built"
echo "kernel.sh: built in $(($(date +%s) - start)) s" >&2
echo "$dir"
