#!/usr/bin/env bash
# The benchmark: sprig vs XNNPACK (sparse NCHW and dense) on MobileNet v1's 1x1 convolutions and
# transformer linear layers, 30..95% sparsity, unstructured (csr), 8x1 and 1x4 blocks and 2:4, 1 thread
# and every core. About 2 minutes on a 2-core machine, build included.
#
#   scripts/bench.sh [sprig-bench options]
#
# Installs dependencies (scripts/setup-deps.sh), builds Release in build/bench, runs
# sprig-bench, prints its table and writes to bench-results/:
#   results.json               one object per case (sprig-bench --json)
#   table.txt                  the printed table and break-even summary
#   speedup-vs-sparsity.png    speed-up over XNNPACK dense vs sparsity (gnuplot)
#   speedup-<suite>*.dat       the plotted data
# Options are passed to sprig-bench after the defaults below, so they override them; giving
# --suite, --layers or --kernels drops the default suite selection.
# Suites (sprig-bench --list shows every layer):
#   mobilenet-v1, mobilenet-v2   the 1x1 convolutions of MobileNet v1 / v2 224 (the default runs v1)
#   transformer, small-batch     linear layers at batch 1, 16 and 128 (4096x4096 at 1 and 16) / at
#                                batch 2-8
#   resnet18                     ResNet-18's 3x3 convolutions (s1 and s2, pad 1), pruned like the 1x1
#                                suites; XNNPACK has no NCHW path for them (its sparse column is null)
#   dwconv                       MobileNet v1/v2's depthwise 3x3 layers and first 3x3 s2 convolution
#                                (NHWC image in), dense weights: run once whatever --formats/--sparsity
#   e2e                          whole MobileNet v1 and v2 (224x224, batch 1): 1x1 convolutions and the
#                                classifier pruned, first and depthwise convolutions dense; all sprig vs
#                                XNNPACK's NCHW (sparse) network vs XNNPACK's NHWC (dense) network on the
#                                same weights; prints each network's break-even sparsity against XNNPACK
#                                dense and its time per operator class
# Data types (--dtypes, default f32): qs8 adds sprig's int8 operators on the same layers, quantized
# per output channel from the same pruned weights, with sprig's f32 time beside them and XNNPACK's
# dense per-channel int8 (qc8) convolution as the peer, outputs compared element by element; qd8
# (linear layers) sprig's dynamically quantized operator against the same peer. int8 rows get
# their own table and break-even lines.
# Examples:
#   scripts/bench.sh --dtypes f32,qs8
#   scripts/bench.sh --suite transformer --dtypes qd8 --formats block1x4 --sparsity 0.9 --threads 1
#   scripts/bench.sh --suite mobilenet-v2
#   scripts/bench.sh --suite e2e --sparsity 0.7,0.9
#   scripts/bench.sh --suite resnet18 --formats csr,block8x1 --sparsity 0.7,0.9 --threads 1
#   scripts/bench.sh --suite dwconv --threads 1
#   scripts/bench.sh --threads 1 --min-time 0.5
#   scripts/bench.sh --kernels
# Environment: SPRIG_BENCH_BUILD_DIR (default build/bench), SPRIG_BENCH_OUT (default
# bench-results), SPRIG_BENCH_SKIP_SETUP=1 to skip scripts/setup-deps.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# --help / -h: this script's usage (its header comment) and sprig-bench's options if a build has
# it, without installing, building or touching bench-results/.
for arg in "$@"; do
  case "$arg" in
    -h|--help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
      bench_binary="${SPRIG_BENCH_BUILD_DIR:-$ROOT/build/bench}/bench/sprig-bench"
      if [ -x "$bench_binary" ]; then
        echo
        echo "sprig-bench options ($bench_binary --help):"
        "$bench_binary" --help
      else
        echo
        echo "(build once to list sprig-bench's own options: they are printed by sprig-bench --help)"
      fi
      exit 0
      ;;
  esac
done

BUILD="${SPRIG_BENCH_BUILD_DIR:-$ROOT/build/bench}"
OUT="${SPRIG_BENCH_OUT:-$ROOT/bench-results}"
START=$SECONDS

log() { printf '[bench %3ds] %s\n' "$((SECONDS - START))" "$*" >&2; }

DEFAULT_SELECTION=(--suite mobilenet-v1,transformer
  --layers 'mobilenet-v1/*,transformer/768x*/b1,transformer/768x*/b128,transformer/3072x*/b1,transformer/3072x*/b128')
DEFAULT_RUN=(--formats csr,block8x1,block1x4,nm2:4 --sparsity 0.3,0.5,0.7,0.9,0.95 --threads 1,all --min-time 0.03
  --max-reps 400)
for arg in "$@"; do
  case "$arg" in
    --suite|--suite=*|--layers|--layers=*|--kernels) DEFAULT_SELECTION=() ;;
  esac
done

if [ "${SPRIG_BENCH_SKIP_SETUP:-0}" != 1 ]; then
  log "dependencies (scripts/setup-deps.sh)"
  bash "$ROOT/scripts/setup-deps.sh"
fi

log "configuring Release build in $BUILD"
mkdir -p "$BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSPRIG_BUILD_TESTS=OFF -DSPRIG_BUILD_EXAMPLES=OFF \
  -DSPRIG_BUILD_BENCH=ON >"$BUILD/configure.log" 2>&1 || { cat "$BUILD/configure.log" >&2; exit 1; }
log "building sprig-bench"
cmake --build "$BUILD" --target sprig-bench -j "$(nproc)" >&2

mkdir -p "$OUT"
rm -f "$OUT"/speedup-*.dat
log "running sprig-bench ${DEFAULT_SELECTION[*]} ${DEFAULT_RUN[*]} $* (progress below)"
status=0
"$BUILD/bench/sprig-bench" "${DEFAULT_SELECTION[@]}" "${DEFAULT_RUN[@]}" "$@" \
  --json "$OUT/results.json" --plot-dir "$OUT" | tee "$OUT/table.txt" || status=$?

suites=""
for f in "$OUT"/speedup-*.dat; do
  [ -e "$f" ] || continue
  case "$f" in *-xnn-sparse.dat) continue ;; esac
  name="$(basename "$f" .dat)"
  suites="$suites ${name#speedup-}"
done
if [ -n "$suites" ] && command -v gnuplot >/dev/null; then
  log "plotting $OUT/speedup-vs-sparsity.png"
  gnuplot -e "datadir='$OUT'; suites='${suites# }'; output='$OUT/speedup-vs-sparsity.png'" \
    "$ROOT/scripts/plot-bench.gp"
elif [ -n "$suites" ]; then
  log "gnuplot not found: no plot (apt-get install gnuplot-nox)"
fi

log "done in $((SECONDS - START)) s: $OUT/results.json, $OUT/table.txt${suites:+, $OUT/speedup-vs-sparsity.png}"
exit "$status"
