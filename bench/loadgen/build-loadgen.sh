#!/usr/bin/env bash
# Builds MLPerf's LoadGen (the loadgen/ folder of a mlcommons/inference checkout, LOADGEN_SRC) and the null-SUT
# harness beside it, into BUILD (default /tmp/loadgen-build). LoadGen is built to measure against; none of its
# code is part of the project. Example:
#   LOADGEN_SRC=/work/lg/loadgen bash bench/loadgen/build-loadgen.sh
set -euo pipefail
src=${LOADGEN_SRC:?set LOADGEN_SRC to the loadgen/ folder of mlcommons/inference (LoadGen 6.0)}
build=${BUILD:-/tmp/loadgen-build}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build"
(cd "$build" && cmake -DCMAKE_BUILD_TYPE=Release "$src" >/dev/null && make -j2 mlperf_loadgen >/dev/null)
g++ -O3 -std=c++17 -I"$src" "$here/null-sut-harness.cc" "$build/libmlperf_loadgen.a" -lpthread -o "$build/null-sut-harness"
echo "$build/null-sut-harness"
