#!/usr/bin/env bash
# `make check-stock`: the real-world install path. Build the modules
# against Debian's linux-headers-amd64 (bookworm), boot Debian's own
# linux-image-amd64 kernel in qemu (TCG) and run the user-space tests of
# the device there: devtest (all but the fault-injection passes, which
# need a debug kernel), the fuzzer, syncmapctl, the example client.
# The kernel image is taken from its package without installing it.
# Ends with "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SYNCMAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/syncmap}

"$top/vm/deps.sh" linux-headers-amd64
ver=$(apt-cache policy linux-headers-amd64 | awk '/Installed:/ { print $2 }')
abi=$(apt-cache show "linux-headers-amd64=$ver" |
	sed -n 's/^Depends:.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p' | head -1)
kdir=/usr/src/linux-headers-$abi
[ -d "$kdir" ] || { echo "stock.sh: $kdir missing" >&2; exit 2; }

# The stock kernel image, unpacked from its .deb into the cache.
img=$cache/stock-$abi/vmlinuz
if [ ! -f "$img" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$abi" >/dev/null)
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/x"
	mkdir -p "$(dirname "$img")"
	cp "$tmp/x/boot/vmlinuz-$abi" "$img"
	rm -rf "$tmp"
fi
echo "== stock kernel $abi; modules built against $kdir"

build=$(mktemp -d /tmp/syncmap-mods.XXXXXX)
trap 'rm -rf "$build" "$build.log"' EXIT
"$top/vm/modules.sh" "$kdir" "$build" >"$build.log" 2>&1 ||
	{ tail -30 "$build.log"; echo "0 passed, 1 failed"; exit 1; }
make -s -C "$top" tools

# The distro path: dkms builds and installs the modules for that kernel
# from a copy under /usr/src, and removes them again.
pre_pass=0 pre_fail=0
"$top/vm/deps.sh" dkms
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
rm -rf "/usr/src/syncmap-$ver"
cp -r "$build" "/usr/src/syncmap-$ver"
dkms remove "syncmap/$ver" --all >/dev/null 2>&1 || true
if dkms install "syncmap/$ver" -k "$abi" >"$build/dkms.log" 2>&1 &&
   [ -f "/lib/modules/$abi/updates/dkms/syncmap.ko" ] &&
   [ -f "/lib/modules/$abi/updates/dkms/syncmap_dev.ko" ]; then
	echo "  ok    dkms: install syncmap/$ver for $abi"
	pre_pass=$((pre_pass + 1))
else
	tail -20 "$build/dkms.log"
	echo "  FAIL  dkms: install syncmap/$ver for $abi"
	pre_fail=$((pre_fail + 1))
fi
dkms remove "syncmap/$ver" --all >/dev/null 2>&1 || true
rm -rf "/usr/src/syncmap-$ver"

log=$(mktemp /tmp/syncmap-stock-console.XXXXXX)
echo "== booting Debian's kernel (qemu TCG); console in $log"
VM_KERNEL=$img VM_MEM=${VM_MEM:-1024} "$top/vm/run.sh" "$kdir" "$top/vm/guest/stock.sh" "$log" \
	"$build/syncmap.ko" "$build/drivers/syncmap_dev.ko" \
	"$build/samples/syncmap_example.ko" \
	-- "$top/build/syncmapctl" "$top/build/devtest" "$top/build/fuzz" \
	"$top/build/jsoncheck"
grep -m1 'SYNCMAP-GUEST-UP' "$log" | tr -d '\r' | sed 's/^/   /' || true
PARSE_NO_KUNIT=1 "$top/vm/parse.sh" "$log" "$pre_pass" "$pre_fail"
