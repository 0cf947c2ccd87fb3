#!/usr/bin/env bash
# make htmldocs: render Documentation/ with Sphinx and the kernel's own
# Sphinx extensions (kernel-doc, kernel-abi) and scripts, taken from the
# installed linux-source package, into build/html. Any warning fails.
#
# Documentation/ stays laid out as in the kernel tree, so that it can go
# upstream unchanged: the root page that lists its files and the Sphinx
# configuration are made here, in build/docs, and are not part of it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=${DOCS_KVER:-6.1}
tar=/usr/src/linux-source-$kver.tar.xz
work=$top/build/docs
out=$top/build/html

bash "$top/vm/deps.sh" python3-sphinx "linux-source-$kver"

# The kernel's extensions and scripts, once per package version.
ktree=$work/linux-$(dpkg-query -W -f='${Version}' "linux-source-$kver")
if [ ! -f "$ktree/.extracted" ]; then
	echo "htmldocs: taking Sphinx extensions and scripts from $tar"
	rm -rf "$ktree" && mkdir -p "$ktree"
	tar -xf "$tar" -C "$ktree" --strip-components=1 \
		"linux-source-$kver/Documentation/sphinx" \
		"linux-source-$kver/scripts/kernel-doc" \
		"linux-source-$kver/scripts/get_abi.pl"
	touch "$ktree/.extracted"
fi

# The source tree Sphinx reads: our Documentation/ and a root page.
src=$work/src
rm -rf "$src" && mkdir -p "$src/scripts"
cp -r "$top/Documentation" "$src/Documentation"
# the examples the pages include
mkdir -p "$src/tools/lib/syncmap"
cp -r "$top/tools/lib/syncmap/examples" "$src/tools/lib/syncmap/"
mkdir -p "$src/go/syncmap"
cp -r "$top/go/syncmap/examples" "$src/go/syncmap/"
cp "$ktree/scripts/get_abi.pl" "$src/scripts/"
cat > "$src/Documentation/index.rst" <<'EOF'
=======
syncmap
=======

.. toctree::
   :maxdepth: 2

   core-api/syncmap
   core-api/syncmap-lockless
   core-api/syncmap-tests
   userspace-api/syncmap
   userspace-api/libsyncmap
   userspace-api/syncmap-go
   abi
EOF
cat > "$src/Documentation/abi.rst" <<'EOF'
===========================
syncmap's sysfs ABI
===========================

.. kernel-abi:: ABI/testing
EOF
cat > "$work/conf.py" <<EOF
import os, sys
sys.path.insert(0, "$ktree/Documentation/sphinx")
project = "syncmap"
extensions = ["kerneldoc", "kernel_abi"]
kerneldoc_bin = "$ktree/scripts/kernel-doc"
kerneldoc_srctree = "$top"
primary_domain = "c"
highlight_language = "none"
html_theme = "alabaster"
EOF

rm -rf "$out"
srctree=$src sphinx-build -q -W --keep-going -b html -c "$work" \
	-d "$work/doctrees" "$src/Documentation" "$out"
echo "htmldocs: $out/index.html"
