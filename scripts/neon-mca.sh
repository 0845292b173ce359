#!/usr/bin/env bash
# Static ARM throughput gate: llvm-mca (Debian's llvm-19) on the steady-state inner loop of every
# default NEON kernel, against a synthetic multiply-accumulate bound measured on the same model.
#
#   scripts/neon-mca.sh [--all] [--kernels REGEX] [--models LIST] [--out FILE] [--no-build]
#
#   --all            every NEON kernel of the lists, not only the defaults, in-order variants
#                    and windowed matrix-vector kernels (_WINDOWS entries)
#   --kernels REGEX  only kernels whose function name matches (Python regex)
#   --models LIST    comma-separated llvm-mca CPU models (default: cortex-a55,cortex-a510,
#                    neoverse-n1,neoverse-v1,cortex-x2,apple-a13; armv7 code: cortex-a9,cortex-a57)
#   --out FILE       also write the markdown tables there (default build/neon-mca/table.md)
#   --no-build       reuse the assembly of the last run
#   --quiet          no progress lines (llvm-mca errors are still printed)
#
# Steps: (1) configures and builds the NEON kernels (sprig_objects) for aarch64 in
# build/neon-mca/aarch64 with cmake/aarch64-linux-gnu.cmake (and for armv7 in build/neon-mca/armv7
# when cmake/armv7-linux-gnueabihf.cmake and kernels/*/armv7-*.c exist), exporting
# compile_commands.json; (2) recompiles each kernels/*/aarch64-*.c (armv7-*.c) with exactly the
# command CMake used (Release -O3, -march=armv8.2-a+dotprod for aarch64-neondot.c, ...) but -S,
# to assembly; (3) for each kernel, takes the kernel function and the local functions it calls
# (directly or through one more call: the tile functions; or through a table of function
# addresses: the N:M matrix-vector kernels' loops per step width and vector count, of which the
# 4-vector ones write the most accumulators), finds their innermost loops (a
# backward branch to a label of the same function with no other backward branch inside) -- only
# in the functions named *_main_tiles when the kernel calls one (kernels whose remainder tiles
# are inlined next to the main tile mark it so: kernels/f16-spmm/simd-template.h) -- and
# picks, for sparse kernels, the loop that writes the most distinct accumulator registers with
# multiply-accumulate instructions (fmla/fmls/fmadd, sdot/udot, smlal(2)/smull(2)/mla,
# vmla/vfma/vmlal on armv7): the main MR x NR tile has MR/4 x NR accumulators (times its
# accumulator sets), more than the remainder tiles and the leftover-channel loop of NR > 1
# kernels; on a tie (and for the dense depthwise kernels) the one with the most MACs, then the
# fewest other instructions; (4) runs llvm-mca on that loop body and on a synthetic
# block of 24 independent copies of each MAC form the loop uses (fmla v.4s, sdot v.4s,
# smlal v.4s ...; by vector and by element, the faster of the two) for the bound.
#
# Per kernel and model it prints cycles per iteration, cycles per stored value (MAC lanes of an
# iteration / MR pixels = weights the iteration consumes; 1x4 / 1x8, sellmv and N:M matrix-vector
# kernels: MAC lanes; dense depthwise kernels: -), cycles per MAC instruction and % of the bound (the bound's
# cycles for the loop's MAC instructions / the loop's cycles).
# Outputs: build/neon-mca/{table.md, loops/<kernel>.s, mca/<kernel>.<model>.txt}.
# Environment: SPRIG_DEPS_DIR (default .deps); SPRIG_MCA_SKIP_SETUP=1 skips the llvm-19 check.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="${SPRIG_DEPS_DIR:-$ROOT/.deps}"
WORK="$ROOT/build/neon-mca"
JOBS="$(nproc)"
START=$SECONDS

ALL=0
FILTER=""
MODELS="cortex-a55,cortex-a510,neoverse-n1,neoverse-v1,cortex-x2,apple-a13"
ARMV7_MODELS="cortex-a9,cortex-a57"
OUT=""
BUILD=1
QUIET=0

log() { [ "$QUIET" = 1 ] || printf '[neon-mca %3ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() { printf '[neon-mca] ERROR: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --all) ALL=1 ;;
    --kernels) FILTER="${2:?--kernels needs a regex}"; shift ;;
    --models) MODELS="${2:?--models needs a list}"; shift ;;
    --out) OUT="${2:?--out needs a file}"; shift ;;
    --no-build) BUILD=0 ;;
    --quiet) QUIET=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[ -n "$OUT" ] || OUT="$WORK/table.md"

MCA="$(command -v llvm-mca-19 || true)"
[ -n "$MCA" ] || [ ! -x /usr/lib/llvm-19/bin/llvm-mca ] || MCA=/usr/lib/llvm-19/bin/llvm-mca
if [ -z "$MCA" ]; then
  [ "${SPRIG_MCA_SKIP_SETUP:-0}" != 1 ] || die "llvm-mca-19 not found"
  log "llvm-mca-19 missing: scripts/setup-deps.sh with SPRIG_SETUP_LLVM_MCA=1"
  SPRIG_SETUP_LLVM_MCA=1 bash "$ROOT/scripts/setup-deps.sh"
  MCA="$(command -v llvm-mca-19 || echo /usr/lib/llvm-19/bin/llvm-mca)"
  [ -x "$MCA" ] || die "llvm-mca-19 still missing after setup-deps"
fi
command -v aarch64-linux-gnu-gcc >/dev/null || die "aarch64-linux-gnu-gcc missing (scripts/setup-deps.sh)"

# configure_and_asm ARCH TOOLCHAIN SYSROOT_VAR SYSROOT GLOB: builds sprig_objects, then writes
# the assembly of every kernels/*/GLOB source next to its object, named <family>__<stem>.s.
configure_and_asm() {
  local arch="$1" toolchain="$2" sysvar="$3" sysroot="$4" glob="$5"
  local dir="$WORK/$arch" asm="$WORK/$arch/asm"
  mkdir -p "$dir" "$asm"
  log "$arch: configuring $dir"
  cmake -S "$ROOT" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$toolchain" "-D$sysvar=$sysroot" \
    -DCMAKE_BUILD_TYPE=Release -DSPRIG_BUILD_TESTS=OFF -DSPRIG_BUILD_BENCH=OFF \
    -DSPRIG_BUILD_EXAMPLES=OFF -DSPRIG_INSTALL=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    >"$dir/configure.log" 2>&1 || { log "$arch: configure failed (see $dir/configure.log)"; return 1; }
  log "$arch: building the kernels (sprig_objects)"
  cmake --build "$dir" --target sprig_objects -j "$JOBS" >"$dir/build.log" 2>&1 ||
    { log "$arch: build failed (see $dir/build.log)"; return 1; }
  rm -f "$asm"/*.s
  python3 - "$dir/compile_commands.json" "$asm" "$glob" <<'PY' || return 1
import fnmatch, json, os, shlex, subprocess, sys
db, out, glob = sys.argv[1], sys.argv[2], sys.argv[3]
n = 0
for entry in json.load(open(db)):
    src = entry["file"]
    family, name = os.path.basename(os.path.dirname(src)), os.path.basename(src)
    if os.path.basename(os.path.dirname(os.path.dirname(src))) != "kernels" or not fnmatch.fnmatch(name, glob):
        continue
    args = entry.get("arguments") or shlex.split(entry["command"])
    cmd, skip = [], False
    for i, a in enumerate(args):          # drop "-o OBJ" and "-c"; compile with -S instead
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a == "-c":
            continue
        cmd.append(a)
    target = os.path.join(out, family + "__" + name[:-2] + ".s")
    cmd[1:1] = ["-S", "-o", target]
    subprocess.run(cmd, cwd=entry["directory"], check=True)
    n += 1
print(n)
PY
}

if [ "$BUILD" = 1 ]; then
  rm -rf "$WORK/loops" "$WORK/mca"
  configure_and_asm aarch64 "$ROOT/cmake/aarch64-linux-gnu.cmake" SPRIG_ARM64_SYSROOT \
    "$DEPS/sysroot-arm64" 'aarch64-*.c' >/dev/null || die "aarch64 kernels did not build"
  rm -rf "$WORK/armv7/asm"
  if ! ls "$ROOT"/kernels/*/armv7-*.c >/dev/null 2>&1; then
    log "armv7: no kernels/*/armv7-*.c yet: skipped"
  elif [ ! -f "$ROOT/cmake/armv7-linux-gnueabihf.cmake" ]; then
    log "armv7: kernels but no cmake/armv7-linux-gnueabihf.cmake yet: skipped"
  elif ! command -v arm-linux-gnueabihf-gcc >/dev/null; then
    log "armv7: arm-linux-gnueabihf-gcc missing: skipped"
  else
    configure_and_asm armv7 "$ROOT/cmake/armv7-linux-gnueabihf.cmake" SPRIG_ARMHF_SYSROOT \
      "$DEPS/sysroot-armhf" 'armv7-*.c' >/dev/null || log "armv7: skipped (see above)"
  fi
fi

log "extracting loops and running llvm-mca"
python3 - "$ROOT" "$WORK" "$MCA" "$MODELS" "$ARMV7_MODELS" "$ALL" "$FILTER" "$OUT" "$QUIET" <<'PY'
import glob, os, re, subprocess, sys

ROOT, WORK, MCA, MODELS, ARMV7_MODELS, ALL, FILTER, OUT, QUIET = sys.argv[1:10]
MODELS = MODELS.split(",")
ARMV7_MODELS = ARMV7_MODELS.split(",")
ALL = ALL == "1"

def log(msg):
    if QUIET != "1":
        sys.stderr.write("[neon-mca] " + msg + "\n")

# ---- kernel lists ---------------------------------------------------------------------------
# Each kernels/<family>/list.inc documents its macro's parameters in its header comment, e.g.
# "SPRIG_F32_SPMM_UKERNEL(isa, MR, NR, prefetch, is_default, function)".
def read_list(path):
    text = open(path).read()
    sig = re.search(r"(SPRIG_\w+_UKERNEL)\(([^)]*)\)", text)
    if not sig:
        return []
    macro = sig.group(1)
    params = [p.strip().lower() for p in sig.group(2).split(",")]
    if "function" not in params:
        return []  # lists that name no function (qs8-requant: a suffix per ISA) are not scanned
    entries = []
    # <MACRO>_INORDER(...): the same parameters, a variant for in-order cores (reported with the
    # defaults, since src/configs chooses it in their place on such cores).
    for m in re.finditer(r"^\s*" + macro + r"(_INORDER)?\(([^)]*)\)", text, re.M):
        args = [a.strip() for a in m.group(2).split(",")]
        if len(args) != len(params):
            continue
        e = dict(zip(params, args))
        e["inorder"] = m.group(1) is not None
        e["family"] = os.path.basename(os.path.dirname(path))
        entries.append(e)
    # <MACRO>_WINDOWS(isa, C, Q, ..., function): a windowed matrix-vector kernel, chosen in place
    # of its ISA's default at small batches (reported with the defaults).
    for m in re.finditer(r"^\s*" + macro + r"_WINDOWS\(([^)]*)\)", text, re.M):
        args = [a.strip() for a in m.group(1).split(",")]
        entries.append({"isa": args[0], "function": args[-1], "inorder": False, "windowed": True,
                        "family": os.path.basename(os.path.dirname(path))})
    return entries

def mr_nr(fn):
    m = re.search(r"_ukernel_(\d+)x(\d+)(?:c\d+)?__", fn)
    if m is None and re.search(r"_sellmv_\w*ukernel_\d+(?:c\d+)?(?:w\d+)?__|_nmspmv_\w*ukernel__", fn):
        return (1, None)  # sliced-ELL or N:M matrix-vector: one pixel per input vector
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)

def default_kernels(entries, fn_ok):
    """is_default = 1 and in-order variants, plus per (family, isa, NR > 1) the widest MR
    (src/configs/choose.c)."""
    chosen, widest = [], {}
    for e in entries:
        fn = e["function"]
        if not fn_ok(fn):
            continue
        if ALL or e.get("is_default") == "1" or e["inorder"] or e.get("windowed"):
            chosen.append(fn)
        mr, nr = mr_nr(fn)
        if "nr" in e and nr and nr > 1:
            key = (e["family"], e["isa"], nr)
            if key not in widest or mr > widest[key][0]:
                widest[key] = (mr, fn)
    for key, (mr, fn) in sorted(widest.items()):
        has_default = any(e.get("is_default") == "1" and e["family"] == key[0] and e["isa"] == key[1]
                          and mr_nr(e["function"])[1] == key[2] for e in entries)
        if not has_default and fn not in chosen:
            chosen.append(fn)
    return chosen

# ---- assembly -------------------------------------------------------------------------------
BRANCH = re.compile(r"^(b|b\.\w+|b(?:eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)|cbz|cbnz|tbz|tbnz|bl)$")
# Multiply(-accumulate) instructions. smull(2) counts (the int8 NEON kernels pair it with sadalp,
# which only accumulates and is not counted).
MAC = re.compile(r"^(fmla|fmls|fmadd|fmsub|sdot|udot|usdot|smlal2?|umlal2?|smull2?|umull2?|mla|"
                 r"vmla\.f32|vfma\.f32|vmlal\.[su](8|16)|vmull\.[su](8|16)|vmla\.i(16|32))$")

DATA = re.compile(r"^\.(?:word|xword|quad|4byte|8byte)\s+([A-Za-z_.][\w.$]*)")
ANCHOR = re.compile(r"^\.set\s+(\.L\w+)\s*,\s*\.\s*\+\s*0$")

def parse_asm(path, comment):
    """{function: [("label", name) | ("insn", mnemonic, operands, text, in_inline_asm) |
    ("data", symbol)]}: "data" for a .word / .xword naming a symbol (a table of kernels' function
    addresses, or a literal pool's reference to one). A section anchor (".set .LANCHOR0,. + 0")
    becomes a data object naming the object defined next."""
    funcs, cur, app, anchor = {}, None, False, None
    for raw in open(path):
        line = raw.rstrip("\n")
        if line.strip() in ("#APP", "#NO_APP"):  # GCC's marks around inline assembly
            app = line.strip() == "#APP"
            continue
        if comment in line:
            line = line.split(comment, 1)[0]
        s = line.strip()
        if not s:
            continue
        m = re.match(r"^([A-Za-z_.$][\w.$]*):$", s)
        if m:
            name = m.group(1)
            if not name.startswith(".L"):
                cur = name
                funcs[cur] = []
                if anchor is not None:
                    funcs[anchor] = [("data", name)]
                    anchor = None
            elif cur is not None:
                funcs[cur].append(("label", name))
            continue
        if s.startswith("."):
            if s.startswith(".size") and cur is not None:
                cur = None
            elif cur is not None and DATA.match(s):
                funcs[cur].append(("data", DATA.match(s).group(1)))
            elif ANCHOR.match(s):
                anchor = ANCHOR.match(s).group(1)
            continue
        if cur is None:
            continue
        parts = s.split(None, 1)
        funcs[cur].append(("insn", parts[0].lower(), parts[1] if len(parts) > 1 else "", s, app))
    return funcs

def branch_target(item):
    if item[0] != "insn" or not BRANCH.match(item[1]):
        return None
    ops = [o.strip() for o in item[2].split(",")]
    return re.sub(r"\(PLT\)$", "", ops[-1]) if ops else None  # armhf: "bl tile_32x1(PLT)"

def is_data(funcs, name):
    """A data object: a table of symbols (function addresses) or a section anchor's alias."""
    return bool(funcs.get(name)) and all(it[0] == "data" for it in funcs[name])

def referenced_data(funcs, item):
    """The data objects an instruction's operands or a literal pool word name."""
    if item[0] == "data":
        names = [item[1]]
    elif item[0] == "insn":
        names = re.findall(r"[A-Za-z_.][\w.$]*", item[2])
    else:
        return []
    return [n for n in names if is_data(funcs, n)]

def callees(funcs, name, depth=2):
    """The function, the local functions it calls and those they call (depth 2); also the
    functions in the tables of function addresses they refer to (at the referrer's depth: the N:M
    matrix-vector kernels call their loops through one, found through a section anchor)."""
    seen, todo = [name], [(name, 0)]
    while todo:
        f, d = todo.pop()
        if d == depth:
            continue
        for it in funcs.get(f, []):
            t = branch_target(it)
            found = [(t, d + 1)] if t in funcs else []
            if is_data(funcs, f):
                found += [(it[1], d)] if it[1] in funcs else []
            else:
                found += [(o, d) for o in referenced_data(funcs, it)]
            for t, dt in found:
                if t not in seen:
                    seen.append(t)
                    todo.append((t, dt))
    return seen

def mac_key(mn, ops):
    """The MAC form of an instruction: mnemonic + destination arrangement ('fmla.4s'), or None."""
    if not MAC.match(mn):
        return None
    if mn in ("fmadd", "fmsub"):
        return "fmadd" if re.match(r"\s*[sd]\d", ops) else None
    if mn.startswith("v"):
        return mn + "." + ("q" if ops.strip().lower().startswith("q") else "d")
    m = re.match(r"\s*v\d+\.(\w+)", ops)
    return mn + "." + m.group(1).lower() if m else None  # scalar smull / mla: address arithmetic

# Products that a separate instruction adds up (smull / vmull + sadalp / vpadal): the adds'
# destinations are the accumulators.
PAIR_ADD = re.compile(r"^(s|u)adalp$|^vpadal\.")
MULL_ONLY = re.compile(r"^(s|u)mull2?$|^vmull\.")

def accumulates(mn, ops):
    """Whether the instruction's destination is an accumulator: a MAC that adds, or the pair add
    after a bare widening multiply."""
    return bool(PAIR_ADD.match(mn)) or (mac_key(mn, ops) is not None and not MULL_ONLY.match(mn))

LANES = {"4s": 4, "2s": 2, "8h": 8, "4h": 4, "16b": 16, "8b": 8, "2d": 2}

def mac_lanes(key):
    """Multiply-accumulates one instruction of this form performs."""
    mn, _, arr = key.rpartition(".")
    if key == "fmadd":
        return 1
    if mn in ("sdot", "udot", "usdot"):
        return 4 * LANES.get(arr, 4)
    if mn.startswith("vmlal") or mn.startswith("vmull"):
        return 8 if mn.endswith("8") else 4
    if mn.startswith("v"):
        return (4 if arr == "q" else 2) * (2 if mn.endswith("16") else 1)
    return LANES.get(arr, 4)

def bound_form(key):
    """The reference form whose synthetic throughput bounds this MAC: f32 FMA (f16 FMA for the
    half-precision fmla .8h / .4h), int8 dot product, or (int8 without dot product) 8-bit
    widening multiply-accumulate smlal v.8h."""
    mn, _, arr = key.rpartition(".")
    mn = mn or key
    if mn.startswith("v"):
        return "vmla.f32.q" if mn.endswith("f32") else "vmlal.s8.q"
    if mn in ("fmla", "fmls") and arr in ("8h", "4h"):
        return "fmla.8h"
    if mn in ("fmla", "fmls", "fmadd", "fmsub"):
        return "fmla.4s"
    if mn in ("sdot", "udot", "usdot"):
        return "sdot.4s"
    return "smlal.8h"

def loops(funcs, fname):
    items = funcs[fname]
    labels = {it[1]: i for i, it in enumerate(items) if it[0] == "label"}
    found = []
    for i, it in enumerate(items):
        t = branch_target(it)
        if t in labels and labels[t] <= i and it[1] != "bl":
            found.append((labels[t], i))
    inner = [(a, b) for (a, b) in found
             if not any((a2, b2) != (a, b) and a <= a2 and b2 <= b for (a2, b2) in found)]
    out = []
    for a, b in inner:
        body = items[a:b + 1]
        insns = [it for it in body if it[0] == "insn"]
        keys = [k for k in (mac_key(it[1], it[2]) for it in insns) if k]
        accs = {it[2].split(",")[0].strip().split(".")[0] for it in insns if accumulates(it[1], it[2])}
        out.append({"function": fname, "body": body, "insns": len(insns), "macs": keys, "accs": accs,
                    "inline_asm": all(it[4] for it in insns)})
    return out

# A kernel whose full tiles run in a function of their own named <...>_main_tiles (GCC may add
# a clone suffix such as ".isra.0") marks its main tile: only that function's loops are ranked.
MAIN_TILES = re.compile(r"_main_tiles(\.\w+)*$")

def pick_loop(funcs, fn, sparse):
    """Sparse kernels: the loop with the most distinct MAC destination registers (the main tile's
    accumulators: MR/4 x NR vectors, times the accumulator sets), then the most MACs, then the
    fewest other instructions. Dense (depthwise) kernels: the most MACs, then the fewest others.
    Among the loops of the kernel's *_main_tiles functions only, when it calls one; among the
    loops written wholly in inline assembly only, when it has one (the in-order variants: their
    C loops for other cases may write more accumulators)."""
    best = None
    reached = callees(funcs, fn)
    marked = [f for f in reached if MAIN_TILES.search(f)]
    candidates = [lp for f in (marked or reached) for lp in loops(funcs, f) if lp["macs"]]
    if any(lp["inline_asm"] for lp in candidates):
        candidates = [lp for lp in candidates if lp["inline_asm"]]
    for lp in candidates:
        score = (len(lp["accs"]) if sparse else 0, len(lp["macs"]), -(lp["insns"] - len(lp["macs"])))
        if best is None or score > best[0]:
            best = (score, lp)
    return best[1] if best else None

# ---- llvm-mca -------------------------------------------------------------------------------
def mca(text, triple, cpu, attrs, iterations=400):
    path = os.path.join(WORK, "mca", "_input.s")
    open(path, "w").write(text)
    cmd = [MCA, "-mtriple=" + triple, "-mcpu=" + cpu, "-iterations=%d" % iterations,
           "-skip-unsupported-instructions=lack-sched"]
    if attrs:
        cmd.append("-mattr=" + attrs)
    r = subprocess.run(cmd + [path], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("llvm-mca %s (%s): %s" % (cpu, triple, " | ".join(r.stderr.strip().splitlines()[:3])))
    m = re.search(r"Total Cycles:\s+(\d+)", r.stdout)
    return int(m.group(1)) / iterations, r.stdout

SYNTH = 24  # independent accumulators: more than latency x pipes on every model here

def synthetic(key, arm32, elem):
    """SYNTH independent instructions of one MAC form, by vector or (elem) by element."""
    mn, _, arr = key.rpartition(".")
    if not arm32:
        mn, _, arr = key.partition(".")
    qregs = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12]  # not q7: it holds d15, the by-scalar operand
    lines = []
    for i in range(SYNTH):
        if key == "fmadd":
            lines.append("fmadd s%d, s28, s29, s%d" % (i, i))
        elif arm32:  # vmla.f32 q (by vector or by scalar), vmlal.s8 q (by vector only)
            if mn == "vmla.f32":
                lines.append("vmla.f32 q%d, q14, %s" % (qregs[i % 12], "d15[%d]" % (i % 2) if elem else "q15"))
            else:
                lines.append("%s q%d, d28, d29" % (mn, qregs[i % 12]))
        elif mn in ("sdot", "udot", "usdot"):
            lines.append("%s v%d.4s, v28.16b, v29.%s" % (mn, i, "4b[%d]" % (i % 4) if elem else "16b"))
        elif mn in ("smlal", "umlal", "smlal2", "umlal2"):
            src = {"4s": "4h", "8h": "8b", "2d": "2s"}[arr]
            if mn.endswith("2"):
                src = {"4h": "8h", "8b": "16b", "2s": "4s"}[src]
            elem_ok = elem and arr in ("4s", "2d")
            second = ("v15.%s[%d]" % ("h" if arr == "4s" else "s", i % 4)) if elem_ok else "v29." + src
            lines.append("%s v%d.%s, v28.%s, %s" % (mn, i, arr, src, second))
        elif arr in ("8h", "4h"):  # by element, a half's register is one of v0-v15: v15 here
            dst = (list(range(15)) + list(range(16, 28)))[i]
            second = ("v15.h[%d]" % (i % 2)) if elem else "v29." + arr
            lines.append("%s v%d.%s, v28.%s, %s" % (mn, dst, arr, arr, second))
        else:  # fmla / fmls / mla
            elem_ok = elem and arr in ("4s", "2s", "2d")
            second = ("v29.%s[%d]" % (arr[-1], i % 2)) if elem_ok else "v29." + arr
            lines.append("%s v%d.%s, v28.%s, %s" % (mn, i, arr, arr, second))
    return "\n".join(lines) + "\n"

bounds = {}

def bound(key, triple, cpu, attrs, arm32):
    """Cycles per instruction of this MAC form: the better of the by-vector and by-element forms
    (llvm-mca's apple-a13 model, for one, issues fmla by element on 3 pipes, by vector on 2)."""
    k = (key, cpu, arm32)
    if k not in bounds:
        best = None
        for elem in (False, True):
            cyc, _ = mca(synthetic(key, arm32, elem), triple, cpu, attrs, iterations=200)
            best = cyc if best is None else min(best, cyc)
        bounds[k] = best / SYNTH
    return bounds[k]

# ---- main -----------------------------------------------------------------------------------
os.makedirs(os.path.join(WORK, "loops"), exist_ok=True)
os.makedirs(os.path.join(WORK, "mca"), exist_ok=True)
entries = []
for lst in sorted(glob.glob(os.path.join(ROOT, "kernels", "*", "*list.inc"))):
    entries += read_list(lst)

targets = []
for arch, triple, models, comment, attrs in (
        ("aarch64", "aarch64", MODELS, "//", "+dotprod,+fullfp16"),
        ("armv7", "armv7-linux-gnueabihf", ARMV7_MODELS, "@", "+neon,+vfp4")):
    asm_files = sorted(glob.glob(os.path.join(WORK, arch, "asm", "*.s")))
    if not asm_files:
        continue
    where = {}
    parsed = {}
    for path in asm_files:
        parsed[path] = parse_asm(path, comment)
        for f in parsed[path]:
            where.setdefault(f, path)
    for fn in default_kernels(entries, lambda f: f in where):
        if FILTER and not re.search(FILTER, fn):
            continue
        # GCC's armhf default is Thumb-2 (.thumb): llvm-mca must parse it as thumbv7.
        t = triple
        if arch == "armv7" and re.search(r"^\s*\.thumb\b", open(where[fn]).read(), re.M):
            t = "thumbv7-linux-gnueabihf"
        targets.append((arch, t, models, attrs, fn, parsed[where[fn]], where[fn]))
if not targets:
    sys.exit("[neon-mca] no NEON kernel found in the assembly")

rows, bound_rows, missing = [], {}, []
for arch, triple, models, attrs, fn, funcs, path in targets:
    family = os.path.basename(path).split("__")[0]
    dense = family.endswith(("dwconv", "dwconv2d-chw"))
    lp = pick_loop(funcs, fn, not dense)
    if lp is None:
        missing.append(fn)
        continue
    text = "".join(("%s:\n" % it[1]) if it[0] == "label" else ("\t%s\n" % it[3]) for it in lp["body"])
    open(os.path.join(WORK, "loops", fn + ".s"), "w").write(
        "// %s: innermost loop of %s (%d instructions, %d MAC)\n%s" %
        (fn, lp["function"], lp["insns"], len(lp["macs"]), text))
    mr, nr = mr_nr(fn)
    lanes = sum(mac_lanes(k) for k in lp["macs"])
    if dense or mr is None:
        values = None
    else:
        values = lanes / mr
    forms = sorted(set(lp["macs"]))
    for cpu in models:
        try:
            cyc, report = mca(text, triple, cpu, attrs)
            b = sum(mac_lanes(k) * bound(bound_form(k), triple, cpu, attrs, arch == "armv7") /
                    mac_lanes(bound_form(k)) for k in lp["macs"])
        except RuntimeError as err:
            sys.stderr.write("[neon-mca] %s: %s\n" % (fn, err))
            continue
        open(os.path.join(WORK, "mca", "%s.%s.txt" % (fn, cpu)), "w").write(report)
        for k in {bound_form(k) for k in forms}:
            bound_rows.setdefault((arch, cpu), {})[k] = bounds[(k, cpu, arch == "armv7")]
        rows.append({"arch": arch, "fn": fn, "family": family, "cpu": cpu, "cyc": cyc,
                     "values": values, "macs": len(lp["macs"]), "forms": forms,
                     "pct": 100.0 * b / cyc, "insns": lp["insns"], "tile": lp["function"]})

short = lambda fn: re.sub(r"^sprig_", "", fn).replace("_minmax_ukernel_", " ").replace("_ukernel_", " ")
out = []
out.append("MAC bound (cycles per instruction, %d independent copies):\n" % SYNTH)
allforms = sorted({k for v in bound_rows.values() for k in v})
out.append("| model | " + " | ".join(allforms) + " |")
out.append("|---|" + "---|" * len(allforms))
for (arch, cpu), v in sorted(bound_rows.items(), key=lambda kv: (kv[0][0], (MODELS + ARMV7_MODELS).index(kv[0][1]))):
    out.append("| %s | " % cpu + " | ".join("%.2f" % v[k] if k in v else "" for k in allforms) + " |")
out.append("")
out.append("% of the MAC bound per kernel and model:\n")
for arch, models in (("aarch64", MODELS), ("armv7", ARMV7_MODELS)):
    sub = [r for r in rows if r["arch"] == arch]
    if not sub:
        continue
    out.append("| %s kernel | loop: insns / MACs | " % arch + " | ".join(models) + " |")
    out.append("|---|---|" + "---|" * len(models))
    for fn in dict.fromkeys(r["fn"] for r in sub):
        rr = {r["cpu"]: r for r in sub if r["fn"] == fn}
        any_r = next(iter(rr.values()))
        out.append("| %s | %d / %d %s | " % (short(fn), any_r["insns"], any_r["macs"], ",".join(any_r["forms"])) +
                   " | ".join("%.0f%%" % rr[m]["pct"] if m in rr else "-" for m in models) + " |")
    out.append("")
out.append("Per kernel and model: cycles per loop iteration, per stored value, per MAC instruction:\n")
out.append("| kernel | model | cycles/iter | values/iter | cycles/value | cycles/MAC | % of bound |")
out.append("|---|---|---|---|---|---|---|")
for r in rows:
    v = r["values"]
    out.append("| %s | %s | %.2f | %s | %s | %.3f | %.0f%% |" % (
        short(r["fn"]), r["cpu"], r["cyc"], ("%g" % v) if v else "-",
        ("%.2f" % (r["cyc"] / v)) if v else "-", r["cyc"] / r["macs"], r["pct"]))
if missing:
    out.append("")
    out.append("No MAC loop found: " + ", ".join(missing))
text = "\n".join(out) + "\n"
sys.stdout.write(text)
os.makedirs(os.path.dirname(os.path.abspath(OUT)), exist_ok=True)
open(OUT, "w").write(text)
log("tables in %s; loops in %s/loops, llvm-mca reports in %s/mca" % (OUT, WORK, WORK))
PY
