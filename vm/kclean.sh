#!/usr/bin/env bash
# Remove what kbuild built in the checkout (DIR, default the top), as
# `make -C KDIR M=DIR clean` would, but not go/syncmap/go.mod: kbuild's
# clean deletes every *.mod, and Go's module file is one.
set -euo pipefail
dir=${1:-$(cd "$(dirname "$0")/.." && pwd)}
find "$dir" \( -path "$dir/.git" -o -path "$dir/go" -o -path "$dir/build" \) -prune -o \
	-type f \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name '*.a' -o -name '*.mod.o' -o -name '*.symvers' \
	-o -name 'modules.order' -o -name '*.dwo' \) -print0 | xargs -0 rm -f
