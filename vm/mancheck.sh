#!/usr/bin/env bash
# The man page renders with man -l, and groff finds nothing to warn about
# (-ww: every warning, undefined macros included).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/vm/deps.sh" man-db groff-base
page=$top/tools/syncmapctl/syncmapctl.8
MANWIDTH=80 man -l "$page" >/dev/null
warn=$(groff -man -ww -Tutf8 -rLL=80n "$page" 2>&1 >/dev/null)
if [ -n "$warn" ]; then
	echo "$warn"
	exit 1
fi
