#!/bin/sh
# Cross-builds both programs (and the test programs) for ARCH into
# build/ARCH with Debian's cross toolchain, then prints their sizes. With
# `test`, runs the unit and integration tests on that build under
# qemu-user (build/ARCH-qemu holds a wrapper per program).
# The target's libraries come from its multiarch -dev packages; where apt
# cannot install them (tests/pkg/cross-deps.sh exit 3), from a sysroot of
# the same Debian packages (tests/pkg/sysroot.sh).
# Usage: tests/pkg/cross-build.sh ARCH [test]
set -eu
cd "$(dirname "$0")/../.."
arch=${1:?usage: cross-build.sh arm64|armhf [test]}
case $arch in
arm64) triplet=aarch64-linux-gnu; qemu=qemu-aarch64 ;;
armhf) triplet=arm-linux-gnueabihf; qemu=qemu-arm ;;
*) echo "cross-build: ARCH must be arm64 or armhf" >&2; exit 2 ;;
esac
rc=0
tests/pkg/cross-deps.sh "$arch" || rc=$?
case $rc in
0)
	mode="multiarch -dev packages"
	cc=$triplet-gcc
	pc="PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig pkg-config"
	;;
3)
	s=$(tests/pkg/sysroot.sh "$arch")
	mode="a sysroot of Debian's $arch packages ($s)"
	cc="$triplet-gcc --sysroot=$s"
	pc="PKG_CONFIG_SYSROOT_DIR=$s PKG_CONFIG_LIBDIR=$s/usr/lib/$triplet/pkgconfig:$s/usr/share/pkgconfig pkg-config"
	qemu="$qemu -L $s"
	;;
*) exit "$rc" ;;
esac
make --no-print-directory -j2 BUILD_DIR="build/$arch" "CC=$cc" "AR=$triplet-ar" "PKG_CONFIG=$pc" build
echo "cross: build/$arch for $arch ($triplet-gcc), libraries from $mode"
tests/pkg/sizes.sh "build/$arch" "$triplet"
[ "${2:-}" = test ] || exit 0
tests/pkg/qemu-wrap.sh "build/$arch" "build/$arch-qemu" "$qemu"
# programs start ~100 times slower under emulation: the tests that time a
# person's typing or a kill window stretch them (tests/it/agent.sh)
IT_TIME_SCALE=10 scripts/run-tests.sh "build/$arch-qemu"
