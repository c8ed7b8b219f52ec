#!/bin/sh
# Makes OUT a build directory whose programs run the cross-built ones of DIR
# under qemu-user, so scripts/run-tests.sh and tests/it/*.sh use it like
# any build directory. The target's shared libraries are the multiarch ones
# installed next to the native ones (/usr/lib/<triplet>), found by the
# target's dynamic loader; no binfmt_misc registration is needed.
# Usage: tests/pkg/qemu-wrap.sh DIR OUT 'QEMU [OPTIONS]'
set -eu
dir=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
qemu=$3   # the emulator, with its options (-L SYSROOT)
command -v "${qemu%% *}" >/dev/null || { echo "qemu-wrap: ${qemu%% *} not found (apt-get install qemu-user)" >&2; exit 1; }
for f in "$dir"/*; do
	# every program of the build (an executable ELF file)
	[ -f "$f" ] && [ -x "$f" ] || continue
	[ "$(head -c 4 "$f" | tr -d '\000' | tail -c 3)" = ELF ] || continue
	p=$(basename "$f")
	cat >"$out/$p" <<EOW
#!/bin/sh
exec $qemu "$dir/$p" "\$@"
EOW
	chmod 755 "$out/$p"
done
# the tests may read other files of the build directory
[ -d "$dir/locale" ] && ln -sfn "$dir/locale" "$out/locale"
exit 0
