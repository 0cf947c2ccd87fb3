#!/usr/bin/env bash
# Build the modules against KDIR in DIR, a copy of the checkout's tracked
# files, so that the checkout's own modules stay those of `make check`.
# Usage: vm/modules.sh KDIR DIR [make-arg...]   (e.g. LLVM=-14)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$1 dir=$2
shift 2
(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$dir") 2>/dev/null ||
	cp -r "$top"/. "$dir"	# not a git checkout
make -s -C "$kdir" M="$dir" "$@" modules
