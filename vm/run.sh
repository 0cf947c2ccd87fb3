#!/usr/bin/env bash
# Boot the test kernel in qemu (TCG) with a busybox initramfs holding the
# modules and a guest plan; write the serial console to a log.
#
# Usage: vm/run.sh KDIR PLAN LOG MODULE.ko... [-- FILE...]
#   extra FILEs after "--" are copied into the guest's /bin.
# Environment: VM_KERNEL (default KDIR/arch/x86/boot/bzImage), VM_MEM,
# VM_SMP, VM_APPEND, VM_TIMEOUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kdir=$1 plan=$2 log=$3
shift 3
mods=() bins=()
while [ $# -gt 0 ]; do
	[ "$1" = -- ] && { shift; bins=("$@"); break; }
	mods+=("$1")
	shift
done

root=$(mktemp -d)
chmod 755 "$root"	# the guest's /: mktemp made it 0700, closed to non-root
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,modules,usr/bin,usr/sbin}
cp /bin/busybox "$root/bin/busybox"
cp "$here/guest/init" "$root/init"
cp "$here/guest/lib.sh" "$here/guest/device.sh" "$root/"
cp "$plan" "$root/plan.sh"
chmod +x "$root/init"
for m in "${mods[@]}"; do cp "$m" "$root/modules/"; done
for b in "${bins[@]}"; do cp "$b" "$root/bin/"; done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$root.cpio.gz"
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT

timeout "${VM_TIMEOUT:-1800}" qemu-system-x86_64 \
	-accel tcg -smp "${VM_SMP:-2}" -m "${VM_MEM:-768}" \
	-kernel "${VM_KERNEL:-$kdir/arch/x86/boot/bzImage}" -initrd "$root.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=7 ${VM_APPEND:-}" \
	-display none -serial stdio -monitor none -no-reboot \
	</dev/null >"$log" 2>&1 || echo "vm/run.sh: qemu exited with $?" >>"$log"
