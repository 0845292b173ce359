#!/usr/bin/python3
"""Turns ONNX's own Conv and Linear conformance cases into a C header for sprig's tests.

Reads Debian's libonnx-testdata (apt-get install libonnx-testdata python3-onnx python3-numpy;
Debian's Python packages load only under /usr/bin/python3):
  data/node/test_*conv*                 ONNX node tests (Conv and its relatives)
  data/pytorch-converted/test_Conv*     PyTorch-converted Conv1d / Conv2d / Conv3d / ConvTranspose
  data/pytorch-converted/test_Linear*   PyTorch-converted Linear (Gemm, or Transpose + MatMul)
and writes tests/data/onnx-conv-cases.h: for every case sprig's API can express, the 2-D
convolution parameters (struct sprig_conv2d_params) or the linear layer's sizes, the input, the
weights, the bias and ONNX's expected output, every float as an exact hexadecimal literal. Cases
sprig cannot express are listed, with the reason, in a comment at the top of the header.

A 1-D convolution is written as the 2-D convolution it equals (height 1, kernel height 1,
stride, dilation 1, no vertical padding). auto_pad SAME_UPPER / SAME_LOWER / VALID is resolved
into explicit padding from the input size as the ONNX Conv specification says. Before a case is
written its expected output is checked against a float64 convolution of the same parameters, so
a misread attribute stops the script instead of producing a wrong fixture.

The output is deterministic: regenerating it from the same test data gives the same bytes.

Usage: /usr/bin/python3 scripts/onnx-conv-fixture.py [--data DIR] [--output FILE]
"""

import argparse
import math
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

# Cases larger than this many floats (input + weights + bias + output) are skipped.
MAX_FLOATS = 200000

# sprig_conv2d_params limits (include/sprig.h).
MAX_KERNEL = 64
MAX_STRIDE = 16
MAX_DILATION = 64
MAX_PADDING = 1024

# Convolution-like operators sprig's API has no counterpart for.
NOT_EXPRESSIBLE = {
    "ConvInteger": "ConvInteger: uint8 / int8 integer convolution (sprig is float32 only)",
    "QLinearConv": "QLinearConv: quantized uint8 convolution (sprig is float32 only)",
    "ConvTranspose": "ConvTranspose: transposed convolution (not in sprig's API)",
}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Skip(Exception):
    """The case is valid ONNX that sprig's API cannot express."""


def find_data_dir():
    try:
        files = subprocess.run(["dpkg", "-L", "libonnx-testdata"], check=True, capture_output=True,
                               text=True).stdout.split()
        for f in files:
            if f.endswith("/data/node"):
                return os.path.dirname(f)
    except (OSError, subprocess.CalledProcessError):
        pass
    return "/usr/share/libonnx-testdata/data"


def package_version():
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libonnx-testdata"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def candidate_dirs(data):
    """(suite, case) pairs in a fixed order."""
    out = []
    for suite, keep in (("node", lambda n: "conv" in n.lower()),
                        ("pytorch-converted", lambda n: n.startswith("test_Conv") or n.startswith("test_Linear"))):
        base = os.path.join(data, suite)
        for name in sorted(os.listdir(base)):
            if name.startswith("test_") and keep(name) and os.path.isfile(os.path.join(base, name, "model.onnx")):
                out.append((suite, name))
    return out


def load_data_sets(case_dir, graph):
    """[(set name, {graph input name: array}, [output arrays])] for every test_data_set_*."""
    initializers = {t.name for t in graph.initializer}
    free_inputs = [i.name for i in graph.input if i.name not in initializers]
    sets = []
    for entry in sorted(os.listdir(case_dir)):
        path = os.path.join(case_dir, entry)
        if not entry.startswith("test_data_set_") or not os.path.isdir(path):
            continue
        inputs = {}
        k = 0
        while os.path.isfile(os.path.join(path, "input_%d.pb" % k)):
            tensor = onnx.load_tensor(os.path.join(path, "input_%d.pb" % k))
            name = tensor.name if tensor.name in free_inputs else free_inputs[k]
            inputs[name] = tensor
            k += 1
        outputs = []
        k = 0
        while os.path.isfile(os.path.join(path, "output_%d.pb" % k)):
            outputs.append(onnx.load_tensor(os.path.join(path, "output_%d.pb" % k)))
            k += 1
        sets.append((entry, inputs, outputs))
    return sets


def float_array(tensor, what):
    if tensor.data_type != onnx.TensorProto.FLOAT:
        raise Skip("%s is %s, not float32" % (what, onnx.TensorProto.DataType.Name(tensor.data_type)))
    return numpy_helper.to_array(tensor).astype(np.float32, copy=False)


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def tensor_source(graph, data_inputs):
    """Name -> TensorProto of everything a node may read: initializers and the data set's inputs."""
    tensors = {t.name: t for t in graph.initializer}
    tensors.update(data_inputs)
    return tensors


# ---- Conv ----

def resolve_pads(auto_pad, pads, in_sizes, kernel, strides, dilations):
    """Per spatial axis (begin, end) padding, as the ONNX Conv specification defines it."""
    n = len(in_sizes)
    if auto_pad in ("NOTSET", ""):
        pads = list(pads) if pads else [0] * (2 * n)
        if len(pads) != 2 * n:
            raise ValueError("pads has %d entries for %d spatial axes" % (len(pads), n))
        return [(pads[i], pads[n + i]) for i in range(n)]
    if auto_pad == "VALID":
        return [(0, 0)] * n
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for i in range(n):
            effective = (kernel[i] - 1) * dilations[i] + 1
            out_size = -(-in_sizes[i] // strides[i])  # ceil(in / stride)
            total = max(0, (out_size - 1) * strides[i] + effective - in_sizes[i])
            small, large = total // 2, total - total // 2
            # SAME_UPPER puts the extra padding at the end, SAME_LOWER at the beginning.
            out.append((small, large) if auto_pad == "SAME_UPPER" else (large, small))
        return out
    raise ValueError("unknown auto_pad %r" % auto_pad)


def conv2d_reference(x, w, b, p):
    """float64 NCHW convolution and, per output element, the sum of |w*x| over its taps + |bias|."""
    n, _, h, wd = x.shape
    groups, ci, co = p["groups"], p["input_channels"], p["output_channels"]
    kh, kw = p["kernel_height"], p["kernel_width"]
    sh, sw, dh, dw = p["stride_height"], p["stride_width"], p["dilation_height"], p["dilation_width"]
    pt, pr, pb, pl = p["padding_top"], p["padding_right"], p["padding_bottom"], p["padding_left"]
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    xp = np.zeros((n, groups * ci, h + pt + pb, wd + pl + pr))
    xp[:, :, pt:pt + h, pl:pl + wd] = x
    w64 = w.astype(np.float64)
    y = np.zeros((n, groups * co, oh, ow))
    mag = np.zeros_like(y)
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[:, :, ky * dh:ky * dh + (oh - 1) * sh + 1:sh, kx * dw:kx * dw + (ow - 1) * sw + 1:sw]
            for g in range(groups):
                wg = w64[g * co:(g + 1) * co, :, ky, kx]  # [co][ci]
                pg = patch[:, g * ci:(g + 1) * ci]  # [n][ci][oh][ow]
                y[:, g * co:(g + 1) * co] += np.einsum("oc,nchw->nohw", wg, pg)
                mag[:, g * co:(g + 1) * co] += np.einsum("oc,nchw->nohw", np.abs(wg), np.abs(pg))
    if b is not None:
        y += b.astype(np.float64)[None, :, None, None]
        mag += np.abs(b.astype(np.float64))[None, :, None, None]
    return y, mag


def conv_case(node, graph, tensors, outputs):
    a = attributes(node)
    if len(node.input) < 2:
        raise ValueError("Conv without weights")
    if node.input[0] not in tensors or node.input[1] not in tensors:
        raise ValueError("Conv input or weights not found")
    x = float_array(tensors[node.input[0]], "the input")
    w = float_array(tensors[node.input[1]], "the weights")
    b = None
    if len(node.input) > 2 and node.input[2]:
        b = float_array(tensors[node.input[2]], "the bias")
    y = float_array(outputs[0], "the output")
    rank = x.ndim - 2
    if rank == 3:
        raise Skip("3-D convolution (sprig has 2-D only)")
    if rank not in (1, 2):
        raise Skip("%d-D convolution" % rank)
    kernel = list(a.get("kernel_shape", w.shape[2:]))
    if kernel != list(w.shape[2:]):
        raise ValueError("kernel_shape %s differs from the weights' %s" % (kernel, w.shape[2:]))
    strides = list(a.get("strides", [1] * rank))
    dilations = list(a.get("dilations", [1] * rank))
    group = int(a.get("group", 1))
    auto_pad = a.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    pads = resolve_pads(auto_pad, a.get("pads"), list(x.shape[2:]), kernel, strides, dilations)
    if rank == 1:
        # The 2-D convolution it equals: one row.
        x = x[:, :, None, :]
        w = w[:, :, None, :]
        y = y[:, :, None, :]
        kernel, strides, dilations, pads = [1] + kernel, [1] + strides, [1] + dilations, [(0, 0)] + pads
    n, c, h, wd = x.shape
    m = w.shape[0]
    if c % group or m % group or w.shape[1] * group != c:
        raise ValueError("group %d does not divide input %d / output %d channels (weights %s)" %
                         (group, c, m, w.shape))
    params = {
        "kernel_height": kernel[0], "kernel_width": kernel[1],
        "stride_height": strides[0], "stride_width": strides[1],
        "dilation_height": dilations[0], "dilation_width": dilations[1],
        "padding_top": pads[0][0], "padding_right": pads[1][1],
        "padding_bottom": pads[0][1], "padding_left": pads[1][0],
        "groups": group, "input_channels": c // group, "output_channels": m // group,
    }
    for field, limit in (("kernel_height", MAX_KERNEL), ("kernel_width", MAX_KERNEL),
                         ("stride_height", MAX_STRIDE), ("stride_width", MAX_STRIDE),
                         ("dilation_height", MAX_DILATION), ("dilation_width", MAX_DILATION)):
        if not 1 <= params[field] <= limit:
            raise Skip("%s %d outside sprig's 1..%d" % (field, params[field], limit))
    for field in ("padding_top", "padding_right", "padding_bottom", "padding_left"):
        if not 0 <= params[field] <= MAX_PADDING:
            raise Skip("%s %d outside sprig's 0..%d" % (field, params[field], MAX_PADDING))
    ref, mag = conv2d_reference(x, w, b, params)
    if ref.shape != y.shape:
        raise ValueError("computed output shape %s, ONNX's is %s" % (ref.shape, y.shape))
    check_expected(ref, mag, y)
    desc = "conv%dd k=%dx%d s=%dx%d d=%dx%d pads(t,l,b,r)=%d,%d,%d,%d g=%d auto_pad=%s" % (
        rank, kernel[0], kernel[1], strides[0], strides[1], dilations[0], dilations[1],
        params["padding_top"], params["padding_left"], params["padding_bottom"], params["padding_right"],
        group, auto_pad)
    return {
        "kind": "ONNX_CASE_CONV2D", "params": params, "batch": n, "height": h, "width": wd,
        "output_height": y.shape[2], "output_width": y.shape[3], "in_features": 0, "out_features": 0,
        "input": x, "weights": w, "bias": b, "output": y, "desc": desc,
    }


# ---- Linear: Gemm, or (Transpose +) MatMul (+ Add) ----

def linear_case(graph, tensors, outputs):
    nodes = list(graph.node)
    produced = {}
    for node in nodes:
        for o in node.output:
            produced[o] = node
    x_name = w = b = None
    ops = [nd.op_type for nd in nodes]
    if ops == ["Gemm"]:
        g = nodes[0]
        a = attributes(g)
        if a.get("transA", 0) != 0 or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
            raise Skip("Gemm with transA or alpha / beta other than 1")
        x_name = g.input[0]
        w = float_array(tensors[g.input[1]], "the weights")
        if not a.get("transB", 0):
            w = w.T
        if len(g.input) > 2 and g.input[2]:
            b = float_array(tensors[g.input[2]], "the bias")
    elif ops in (["Transpose", "MatMul"], ["MatMul"], ["Transpose", "MatMul", "Add"], ["MatMul", "Add"]):
        mm = nodes[ops.index("MatMul")]
        x_name = mm.input[0]
        if ops[0] == "Transpose":
            t = nodes[0]
            if t.output[0] != mm.input[1] or list(attributes(t).get("perm", [1, 0])) != [1, 0]:
                raise Skip("MatMul of an unexpected transpose")
            w = float_array(tensors[t.input[0]], "the weights")  # [out][in] already
        else:
            w = float_array(tensors[mm.input[1]], "the weights").T
        if ops[-1] == "Add":
            add = nodes[-1]
            other = [i for i in add.input if i != mm.output[0]]
            if len(other) != 1:
                raise Skip("Add of an unexpected shape")
            b = float_array(tensors[other[0]], "the bias")
    else:
        raise Skip("graph %s is not a linear layer" % "+".join(ops))
    x = float_array(tensors[x_name], "the input")
    y = float_array(outputs[0], "the output")
    if x.ndim != 2 or w.ndim != 2:
        raise Skip("input or weights not 2-D")
    if b is not None:
        b = b.reshape(-1)
        if b.shape[0] != w.shape[0]:
            raise Skip("bias of %d values for %d outputs" % (b.shape[0], w.shape[0]))
    w = np.ascontiguousarray(w)
    ref = x.astype(np.float64) @ w.astype(np.float64).T
    mag = np.abs(x.astype(np.float64)) @ np.abs(w.astype(np.float64)).T
    if b is not None:
        ref += b.astype(np.float64)
        mag += np.abs(b.astype(np.float64))
    if ref.shape != y.shape:
        raise ValueError("computed output shape %s, ONNX's is %s" % (ref.shape, y.shape))
    check_expected(ref, mag, y)
    return {
        "kind": "ONNX_CASE_LINEAR", "params": None, "batch": x.shape[0], "height": 1, "width": 1,
        "output_height": 1, "output_width": 1, "in_features": w.shape[1], "out_features": w.shape[0],
        "input": x, "weights": w, "bias": b, "output": y,
        "desc": "linear in=%d out=%d batch=%d (%s)" % (w.shape[1], w.shape[0], x.shape[0], "+".join(ops)),
    }


def check_expected(ref, mag, y):
    """ONNX's output must match our float64 reading of the case within the test's own bound."""
    err = np.abs(ref - y.astype(np.float64))
    bound = 1e-5 * (1.0 + mag)
    if not np.all(err <= bound):
        i = np.unravel_index(np.argmax(err - bound), err.shape)
        raise ValueError("expected output disagrees with the float64 reference at %s: %r vs %r" %
                         (tuple(int(v) for v in i), float(y[i]), float(ref[i])))


# ---- C output ----

def hex_float(v):
    f = float(v)
    if math.isnan(f):
        return "NAN"
    if math.isinf(f):
        return "INFINITY" if f > 0 else "-INFINITY"
    if f == 0.0:
        return "-0x0p+0f" if math.copysign(1.0, f) < 0 else "0x0p+0f"
    mantissa, exponent = f.hex().split("p")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    text = "%sp%sf" % (mantissa, exponent)
    back = np.float32(float.fromhex(text[:-1]))
    assert back.tobytes() == np.float32(v).tobytes(), (v, text)
    return text


def c_floats(name, data):
    flat = np.ascontiguousarray(data, dtype=np.float32).reshape(-1)
    lines, line = [], "  "
    for v in flat:
        item = hex_float(v) + ","
        if len(line) + len(item) + 1 > 100:
            lines.append(line.rstrip())
            line = "  "
        line += item + " "
    lines.append(line.rstrip())
    return "static const float %s[%d] = {\n%s\n};\n" % (name, flat.size, "\n".join(lines))


def identifier(suite, name, set_name, many_sets):
    ident = "onnx_%s_%s" % (suite.replace("-", "_"), name[len("test_"):])
    if many_sets:
        ident += "_" + set_name[len("test_data_set_"):]
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in ident)


def emit(cases, skipped, version, out_path):
    o = []
    o.append("/* Generated by scripts/onnx-conv-fixture.py from Debian's libonnx-testdata %s: do not edit.\n"
             " * Regenerate: /usr/bin/python3 scripts/onnx-conv-fixture.py\n *\n" % version)
    o.append(" * ONNX's Conv and Linear conformance cases (data/node/test_*conv*,\n"
             " * data/pytorch-converted/test_Conv* and test_Linear*) in sprig's terms: every float is an\n"
             " * exact hexadecimal literal of the ONNX tensor's value. A 1-D convolution is the 2-D one of\n"
             " * height 1; auto_pad is resolved into explicit padding. %d cases included:\n" % len(cases))
    for c in cases:
        o.append(" *   %s: %s\n" % (c["name"], c["desc"]))
    o.append(" *\n * Skipped (%d), with the reason:\n" % len(skipped))
    for name, reason in skipped:
        o.append(" *   %s: %s\n" % (name, reason))
    o.append(" */\n")
    o.append("#ifndef SPRIG_TESTS_ONNX_CONV_CASES_H\n#define SPRIG_TESTS_ONNX_CONV_CASES_H\n\n")
    o.append("#include <math.h>\n#include <stddef.h>\n\n#include <sprig.h>\n\n")
    o.append("enum onnx_case_kind {\n  ONNX_CASE_CONV2D = 1,\n  ONNX_CASE_LINEAR = 2,\n};\n\n")
    o.append("struct onnx_case {\n"
             "  const char* name;  /* \"<suite>/<ONNX test directory>\" */\n"
             "  enum onnx_case_kind kind;\n"
             "  /* ONNX_CASE_CONV2D: the convolution; input [batch][groups x input_channels][height][width],\n"
             "   * weights [groups x output_channels][input_channels][kernel_height][kernel_width], output\n"
             "   * [batch][groups x output_channels][output_height][output_width] (ONNX's shape). */\n"
             "  struct sprig_conv2d_params params;\n"
             "  size_t batch, height, width;\n"
             "  size_t output_height, output_width;\n"
             "  /* ONNX_CASE_LINEAR: input [batch][in_features], weights [out_features][in_features],\n"
             "   * output [batch][out_features]. */\n"
             "  size_t in_features, out_features;\n"
             "  const float* input;\n  size_t input_size;\n"
             "  const float* weights;\n  size_t weights_size;\n"
             "  const float* bias;  /* NULL: none */\n  size_t bias_size;\n"
             "  const float* output;  /* ONNX's expected output */\n  size_t output_size;\n"
             "};\n\n")
    for c in cases:
        ident = c["ident"]
        o.append("/* %s: %s */\n" % (c["name"], c["desc"]))
        o.append(c_floats(ident + "_input", c["input"]))
        o.append(c_floats(ident + "_weights", c["weights"]))
        if c["bias"] is not None:
            o.append(c_floats(ident + "_bias", c["bias"]))
        o.append(c_floats(ident + "_output", c["output"]))
        o.append("static const struct onnx_case %s = {\n" % ident)
        o.append("  .name = \"%s\",\n  .kind = %s,\n" % (c["name"], c["kind"]))
        p = c["params"]
        if p is not None:
            o.append("  .params = {.kernel_height = %d, .kernel_width = %d, .stride_height = %d, .stride_width = %d,\n"
                     "             .dilation_height = %d, .dilation_width = %d,\n"
                     "             .padding_top = %d, .padding_right = %d, .padding_bottom = %d, .padding_left = %d,\n"
                     "             .groups = %d, .input_channels = %d, .output_channels = %d},\n" % (
                         p["kernel_height"], p["kernel_width"], p["stride_height"], p["stride_width"],
                         p["dilation_height"], p["dilation_width"], p["padding_top"], p["padding_right"],
                         p["padding_bottom"], p["padding_left"], p["groups"], p["input_channels"],
                         p["output_channels"]))
        o.append("  .batch = %d, .height = %d, .width = %d,\n" % (c["batch"], c["height"], c["width"]))
        o.append("  .output_height = %d, .output_width = %d,\n" % (c["output_height"], c["output_width"]))
        o.append("  .in_features = %d, .out_features = %d,\n" % (c["in_features"], c["out_features"]))
        o.append("  .input = %s_input, .input_size = %d,\n" % (ident, c["input"].size))
        o.append("  .weights = %s_weights, .weights_size = %d,\n" % (ident, c["weights"].size))
        if c["bias"] is not None:
            o.append("  .bias = %s_bias, .bias_size = %d,\n" % (ident, c["bias"].size))
        else:
            o.append("  .bias = NULL, .bias_size = 0,\n")
        o.append("  .output = %s_output, .output_size = %d,\n};\n\n" % (ident, c["output"].size))
    o.append("static const struct onnx_case* const onnx_cases[] = {\n")
    for c in cases:
        o.append("  &%s,\n" % c["ident"])
    o.append("};\n\n#define ONNX_CASE_COUNT %d\n\n#endif /* SPRIG_TESTS_ONNX_CONV_CASES_H */\n" % len(cases))
    text = "".join(o)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    return len(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="libonnx-testdata's data directory (default: from dpkg)")
    parser.add_argument("--output", default=os.path.join(ROOT, "tests", "data", "onnx-conv-cases.h"))
    args = parser.parse_args()
    data = args.data or find_data_dir()
    cases, skipped = [], []
    for suite, name in candidate_dirs(data):
        case_dir = os.path.join(data, suite, name)
        model = onnx.load(os.path.join(case_dir, "model.onnx"))
        graph = model.graph
        sets = load_data_sets(case_dir, graph)
        label = "%s/%s" % (suite, name)
        if not sets:
            skipped.append((label, "no test data set"))
            continue
        for set_name, inputs, outputs in sets:
            full = label if len(sets) == 1 else "%s/%s" % (label, set_name)
            try:
                ops = [nd.op_type for nd in graph.node]
                tensors = tensor_source(graph, inputs)
                if len(outputs) != 1:
                    raise Skip("%d outputs" % len(outputs))
                if ops == ["Conv"]:
                    c = conv_case(graph.node[0], graph, tensors, outputs)
                elif name.startswith("test_Linear"):
                    c = linear_case(graph, tensors, outputs)
                elif len(ops) == 1 and ops[0] in NOT_EXPRESSIBLE:
                    raise Skip(NOT_EXPRESSIBLE[ops[0]])
                elif len(ops) == 1:
                    raise Skip("%s is not a convolution sprig computes" % ops[0])
                else:
                    raise Skip("graph %s is not a single Conv" % "+".join(ops))
            except Skip as e:
                skipped.append((full, str(e)))
                continue
            except Exception as e:
                sys.exit("%s: %s" % (full, e))
            size = sum(a.size for a in (c["input"], c["weights"], c["output"])) + (
                c["bias"].size if c["bias"] is not None else 0)
            if size > MAX_FLOATS:
                skipped.append((full, "huge: %d floats (more than %d)" % (size, MAX_FLOATS)))
                continue
            c["name"] = full
            c["ident"] = identifier(suite, name, set_name, len(sets) > 1)
            c["floats"] = size
            cases.append(c)
    idents = [c["ident"] for c in cases]
    if len(set(idents)) != len(idents):
        sys.exit("case identifiers collide")
    nbytes = emit(cases, skipped, package_version(), args.output)
    print("onnx-conv-fixture: %s (%d bytes) from %s" % (os.path.relpath(args.output, ROOT), nbytes, data))
    print("included %d cases (%d floats):" % (len(cases), sum(c["floats"] for c in cases)))
    for c in cases:
        print("  %-52s %s" % (c["name"], c["desc"]))
    print("skipped %d:" % len(skipped))
    for name, reason in skipped:
        print("  %-52s %s" % (name, reason))


if __name__ == "__main__":
    main()
