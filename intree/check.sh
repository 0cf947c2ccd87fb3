#!/usr/bin/env bash
# make check-intree: the series of `make patches` on a clean tree of
# Debian's linux-source-$INTREE_KVER (default 7.2): git am; checkpatch
# --strict on each patch; kernel-doc; the KUnit suites with kunit.py
# (x86_64 under qemu, two CPUs, lockdep and failslab); the objects
# rebuilt with W=1 and sparse (C=1); the selftests in that kernel under
# qemu. One result line each, then "N passed, N failed".
#
# The tree (a git repository of the tarball) and kunit.py's build
# directory are cached under ~/.cache/syncmap by package version.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
KVER=${INTREE_KVER:-7.2}
# checkpatch's SPDX check runs python3 with ply and git: Debian's.
export PATH=/usr/bin:$PATH

case $KVER in
6.1 | 6.12) pkg=linux-source-$KVER ;;
*) pkg=linux-source-$KVER/sid ;;
esac
"$top/vm/deps.sh" "$pkg" unifdef git python3 python3-ply python3-git >&2
cache=${SYNCMAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/syncmap}
pkgver=$(dpkg-query -W -f='${Version}' "linux-source-$KVER")
tree=$cache/intree-$KVER-$pkgver
kb=$tree.kunit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
result() {	# result ok|FAIL NAME [DETAIL]
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	printf '  %-4s  %s%s\n' "$1" "$2" "${3:+: $3}"
}
step() { echo "== $* ($(date +%T))"; }
git_() { git -c user.name=syncmap -c user.email=syncmap@localhost "$@"; }

step "the tree: linux-source-$KVER $pkgver"
if [ ! -d "$tree/.git" ]; then
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	tar -xf "/usr/src/linux-source-$KVER.tar.xz" -C "$tree.tmp" \
		--strip-components=1
	# Debian's .gitignore ignores the whole top level: add regardless.
	(cd "$tree.tmp" && git init -q && git add -f -A &&
	 git_ commit -q -m "linux-source-$KVER $pkgver" && git tag base)
	mv "$tree.tmp" "$tree"
fi
cd "$tree"
git am --abort >/dev/null 2>&1 || true
git reset -q --hard base
git clean -q -f -d

step "the series"
bash "$top/intree/patches.sh" "$work/patches"
patches=("$work"/patches/0[0-9][0-9][1-9]-*.patch)
if git_ am -q "${patches[@]}" >"$work/am.log" 2>&1; then
	result ok "git am: ${#patches[@]} patches apply"
else
	result FAIL "git am" "$(head -3 "$work/am.log" | tr '\n' ' ')"
	echo "$passed passed, $failed failed"
	exit 1
fi
git log --format='  %h %s' base..HEAD

step "checkpatch.pl --strict"
for p in "${patches[@]}"; do
	name=$(basename "$p" .patch)
	if perl scripts/checkpatch.pl --strict --terse "$p" >"$work/cp.log" 2>&1 &&
	   ! grep -q . "$work/cp.log"; then
		result ok "checkpatch $name"
	else
		cat "$work/cp.log"
		result FAIL "checkpatch $name"
	fi
done

step "kernel-doc"
kdoc=(include/linux/syncmap.h lib/syncmap.c include/linux/syncmap_dev.h
      drivers/misc/syncmap/syncmap_dev.c include/uapi/linux/syncmap.h)
if scripts/kernel-doc -none -Wall "${kdoc[@]}" >"$work/kdoc.log" 2>&1 &&
   ! grep -q . "$work/kdoc.log"; then
	result ok "kernel-doc -Wall: ${#kdoc[@]} files"
else
	cat "$work/kdoc.log"
	result FAIL "kernel-doc"
fi

# kunit.py's kernel also boots the selftests: devtmpfs, an initramfs,
# the device, memory cgroups; modules for the samples.
cat > "$work/boot.config" <<'EOF'
CONFIG_SYNCMAP_DEV=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_DEVTMPFS=y
CONFIG_CGROUPS=y
CONFIG_MEMCG=y
CONFIG_DEBUG_FS=y
CONFIG_FAULT_INJECTION_DEBUG_FS=y
CONFIG_MODULES=y
CONFIG_SAMPLES=y
CONFIG_SAMPLE_SYNCMAP=m
EOF

# kunit.py asks qemu for KVM first. Where /dev/kvm exists but cannot run
# a guest (no VMX, as on this project's machines), qemu takes it and the
# guest never runs: a qemu that keeps only TCG comes first in PATH.
mkdir -p "$work/bin"
cat > "$work/bin/qemu-system-x86_64" <<'EOF'
#!/usr/bin/env bash
a=()
while [ $# -gt 0 ]; do
	if [ "$1" = -accel ] && [ "${2:-}" != tcg ]; then
		shift 2
		continue
	fi
	a+=("$1")
	shift
done
exec /usr/bin/qemu-system-x86_64 "${a[@]}"
EOF
chmod +x "$work/bin/qemu-system-x86_64"

step "kunit.py run (x86_64, qemu -smp 2; builds the kernel)"
start=$(date +%s)
if PATH=$work/bin:$PATH ./tools/testing/kunit/kunit.py run --arch=x86_64 --build_dir="$kb" \
	--kunitconfig=lib/tests/syncmap.kunitconfig \
	--kunitconfig="$work/boot.config" --qemu_args="-smp 2" \
	--jobs="$(nproc)" --timeout=3000 >"$work/kunit.log" 2>&1; then
	kunit=ok
else
	kunit=FAIL
fi
grep -E '^\[..:..:..\] (Testing complete|Ran|=+ (PASSED|FAILED|SKIPPED))' \
	"$work/kunit.log" | tail -5 || true
summary=$(grep -E 'Testing complete\. Ran' "$work/kunit.log" | tail -1 |
	  sed 's/^\[[^]]*\] //')
[ $kunit = ok ] || tail -30 "$work/kunit.log"
result $kunit "kunit.py: syncmap suites" "${summary:-no summary} ($(($(date +%s) - start)) s)"
# A splat fails the run even if every case passed.
splat='BUG:|WARNING:|Oops|KASAN|UBSAN|possible circular|possible recursive|suspicious RCU|inconsistent lock|sleeping function called|kmemleak'
if grep -E "$splat" "$kb/test.log" >"$work/splat.log" 2>/dev/null; then
	head -20 "$work/splat.log"
	result FAIL "kunit.py: console" "$(wc -l < "$work/splat.log") splat lines"
else
	result ok "kunit.py: console clean"
fi

step "W=1 C=1 (sparse)"
# 7.x's checker-valid.sh wants a sparse that knows __typeof_unqual__:
# bookworm's 0.6.4 does not, sid's 0.6.5~rc1 does but is built for a
# newer glibc. Build sid's source, once (seconds), into the cache.
sparse=$(command -v sparse || true)
if [ "$(scripts/checker-valid.sh "${sparse:-sparse}" -m64 2>/dev/null)" != 1 ]; then
	sdir=$cache/sparse-sid
	if [ ! -x "$sdir/sparse" ]; then
		src=/etc/apt/sources.list.d/syncmap-src.sources
		if [ ! -f $src ]; then
			uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources)
			printf 'Types: deb-src\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
				"$uri" > $src
			apt-get update -q >/dev/null
		fi
		rm -rf "$sdir.tmp" && mkdir -p "$sdir.tmp"
		(cd "$sdir.tmp" && apt-get source -q --download-only sparse/sid &&
		 tar -xzf sparse_*.orig.tar.gz && cd sparse-*/ &&
		 make -s -j"$(nproc)" sparse HAVE_LIBXML=no HAVE_SQLITE=no \
			HAVE_LLVM=no HAVE_GTK=no &&
		 mv sparse ../sparse) >"$work/sparse.log" 2>&1 ||
			{ tail -20 "$work/sparse.log"; }
		[ -x "$sdir.tmp/sparse" ] && rm -rf "$sdir" && mv "$sdir.tmp" "$sdir"
	fi
	sparse=$sdir/sparse
fi
objs=(lib/syncmap.o lib/tests/syncmap_kunit.o
      drivers/misc/syncmap/syncmap_dev.o samples/syncmap/)
if [ "$(scripts/checker-valid.sh "$sparse" -m64 2>/dev/null)" = 1 ] &&
   make -s ARCH=x86_64 O="$kb" W=1 C=1 CHECK="$sparse" "${objs[@]}" \
	>"$work/w1.log" 2>&1 && ! grep -q . "$work/w1.log"; then
	result ok "W=1 C=1 (CHECK=$sparse): ${objs[*]}"
else
	head -30 "$work/w1.log"
	result FAIL "W=1 C=1"
fi

step "selftests (tools/testing/selftests/syncmap) in qemu"
make -s ARCH=x86_64 O="$kb" headers >/dev/null
mkdir -p "$work/kst"
if make -s -C tools/testing/selftests/syncmap OUTPUT="$work/kst" \
	KHDR_INCLUDES="-isystem $kb/usr/include" LDFLAGS=-static \
	>"$work/kst.log" 2>&1 && ! grep -qE 'warning|error' "$work/kst.log"; then
	result ok "selftests build (-Wall -Wextra)"
else
	cat "$work/kst.log"
	result FAIL "selftests build"
fi
if [ -x "$work/kst/syncmap_test" ]; then
	VM_KERNEL=$kb/arch/x86/boot/bzImage VM_APPEND="kunit.enable=0" \
	VM_TIMEOUT=1200 "$top/vm/run.sh" "$kb" "$top/vm/guest/intree.sh" \
		"$work/vm.log" -- "$work/kst/syncmap_test"
	tr -d '\r' < "$work/vm.log" > "$work/vm.txt"
	grep -E '^(not )?ok [0-9]+ |^# (PASSED|FAILED|Totals)' "$work/vm.txt" || true
	n_ok=$(grep -cE '^ok [0-9]+ ' "$work/vm.txt" || true)
	n_bad=$(grep -cE '^not ok [0-9]+ ' "$work/vm.txt" || true)
	rc=$(sed -n 's/^SYNCMAP-KSELFTEST-RC //p' "$work/vm.txt")
	if [ "$rc" = 0 ] && [ "$n_bad" = 0 ] && [ "$n_ok" -gt 0 ]; then
		result ok "selftests: $n_ok passed"
	else
		tail -40 "$work/vm.txt"
		result FAIL "selftests" "$n_ok ok, $n_bad not ok, exit ${rc:-none}"
	fi
	if grep -E "$splat" "$work/vm.txt" >"$work/splat.log"; then
		head -20 "$work/splat.log"
		result FAIL "selftests: console"
	else
		result ok "selftests: console clean"
	fi
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
