#!/usr/bin/python3
"""Turns ONNX's integer node tests into a C header for sprig's qs8 tests.

Reads Debian's libonnx-testdata (apt-get install libonnx-testdata python3-onnx python3-numpy;
Debian's Python packages load only under /usr/bin/python3):
  data/node/test_*qlinear*    QLinearConv, QLinearMatMul (requantized uint8 / int8 output)
  data/node/test_*integer*    ConvInteger, MatMulInteger (int32 output)
and writes tests/data/onnx-int-cases.h: for every case sprig's qs8 API can express exactly, the
operator's arguments (int8 input, int8 weights, weight scales, int32 bias, zero points, scales,
clamp) and ONNX's expected output. Cases it cannot express are listed, with the reason, in the
comment at the top of the header, as is every case found.

How ONNX's quantization becomes sprig's (include/sprig.h, "int8"):
- Activations. sprig's are int8 with a zero point. A uint8 tensor q with zero point z is the
  int8 tensor q - 128 with zero point z - 128 (the same real values, the same differences
  q - z). int8 tensors are taken as they are. Only a per-tensor input scale and zero point map.
- Weights. sprig's are int8, symmetric (zero point 0), with one float scale per output channel.
  ONNX's weight w with zero point z (per tensor, or per output channel) gives the integer
  d = w - z, exact. When every d fits int8 the weights are d. When some d does not (a uint8
  weight far from its zero point: d up to +-255), d is written as the sum of P int8 parts
  (P = 2 for |d| <= 254, 3 for 255) and the input is given P times over (linear: the
  in_features repeated P times; convolution: each group's input channels repeated P times,
  weights [o][copy p][channel][ky][kx]): every output is the same int32 sum
  sum_i d[o][i] * (x[i] - x_zero_point) as ONNX's, so the requantization sees the same
  accumulator and scale. Such cases say "split P" below; --no-split skips them instead.
- QLinearConv / QLinearMatMul. sprig requantizes y = clamp(rne((float) acc * s[o]) + y_zp,
  -128, 127), s[o] = x_scale * w_scale[o] / y_scale in float32 in that order; ONNX's expected
  outputs (fixed arrays in onnx/backend/test/case/node/) are rne(acc * x_scale * w_scale /
  y_scale) + y_zp, saturated. The script computes sprig's result in float32 from the mapped
  arguments and compares it with ONNX's: each case records the tolerance the test allows,
  0 (exact) when they agree everywhere, 1 when they differ by 1 somewhere (from a different
  rounding order of the scale product; the script names the elements), and a larger
  difference stops the script. It also records the smallest distance, over the unsaturated
  outputs, of acc * s from a rounding boundary (k + 0.5): a measure of how robust exactness is.
  A uint8 output maps to int8 as q - 128 with zero point y_zp - 128 (clamp 0..255 becomes
  -128..127). QLinearMatMul's A [M][K] x B [K][N] is a linear layer with batch M and weights
  B transposed ([N][K]); a batched (3-D) QLinearMatMul with the same B in every batch is one
  linear layer of batch (leading dims x M); different B's per batch are skipped.
- ConvInteger / MatMulInteger output the int32 sum itself, no requantization. With
  x_scale = w_scale = y_scale = 1 sprig's scale is 1.0f exactly and y = acc + y_zp exactly
  (|acc| < 2^24, so (float) acc is exact); the int32 result is recovered as y - y_zp when all
  of the test's expected values fit in 256 consecutive integers: y_zp then centres that range
  in -128..127 and no value saturates. Cases whose results span more than 256 values skip.

Before a case is written the script checks ONNX's expected output against its own int64
reading of the ONNX operator (so a misread attribute stops the script) and then against
sprig's semantics on the mapped arguments (so a wrong mapping stops it too).

The output is deterministic: regenerating it from the same test data gives the same bytes.

Usage: /usr/bin/python3 scripts/onnx-int-fixture.py [--data DIR] [--output FILE] [--no-split]
"""

import argparse
import math
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Integer operators this script looks at; others found by the name filter are listed as skipped.
OPERATORS = ("QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger")

# sprig_conv2d_params limits (include/sprig.h).
MAX_KERNEL = 64
MAX_STRIDE = 16
MAX_DILATION = 64
MAX_PADDING = 1024

# --no-split: skip cases whose weights minus zero point do not fit int8 instead of splitting them.
ALLOW_SPLIT = True

# Cases with more values than this (input + weights + output, after any split) are skipped.
MAX_VALUES = 200000


class Skip(Exception):
    """The case is valid ONNX that sprig's qs8 API cannot express exactly."""


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
    base = os.path.join(data, "node")
    out = []
    for name in sorted(os.listdir(base)):
        low = name.lower()
        if name.startswith("test_") and ("qlinear" in low or "integer" in low) and \
                os.path.isfile(os.path.join(base, name, "model.onnx")):
            out.append(name)
    return out


def load_data_sets(case_dir, graph):
    """[(set name, {graph input name: TensorProto}, [output TensorProtos])]."""
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


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


# ---- reading the ONNX tensors ----

U8, I8, I32, F32 = onnx.TensorProto.UINT8, onnx.TensorProto.INT8, onnx.TensorProto.INT32, onnx.TensorProto.FLOAT


def type_name(t):
    return onnx.TensorProto.DataType.Name(t.data_type)


def node_input(node, tensors, k):
    """The node's k-th input as a TensorProto, or None when absent (optional and not given)."""
    if k >= len(node.input) or not node.input[k]:
        return None
    if node.input[k] not in tensors:
        raise ValueError("input %r of %s not found" % (node.input[k], node.op_type))
    return tensors[node.input[k]]


def quantized(tensor, what):
    """(int64 array, 'u8' or 'i8') of a uint8 / int8 tensor."""
    if tensor.data_type == U8:
        return numpy_helper.to_array(tensor).astype(np.int64), "u8"
    if tensor.data_type == I8:
        return numpy_helper.to_array(tensor).astype(np.int64), "i8"
    raise Skip("%s is %s (sprig takes uint8 / int8 only)" % (what, type_name(tensor)))


def zero_point(tensor, kind, what):
    """int64 array of a zero point (0 when absent); must be of the data's type."""
    if tensor is None:
        return np.zeros((), dtype=np.int64)
    z, zkind = quantized(tensor, what)
    if zkind != kind:
        raise ValueError("%s is %s but its data is %s" % (what, type_name(tensor), kind))
    return z


def scalar_of(array, what):
    """The one value of a scalar or one-element array; Skip for a per-row / per-axis one."""
    if array.size != 1:
        raise Skip("%s has %d values (per-row / per-axis; sprig has one for the tensor)" % (what, array.size))
    return array.reshape(-1)[0]


def scale(tensor, what):
    if tensor.data_type != F32:
        raise ValueError("%s is %s, not float32" % (what, type_name(tensor)))
    return numpy_helper.to_array(tensor).astype(np.float32)


def to_int8_activation(q, z, kind):
    """sprig's int8 activations and zero point for ONNX's q with zero point z."""
    if kind == "u8":
        return q - 128, int(z) - 128
    return q, int(z)


def channel_values(array, channels, what):
    """A per-tensor or per-output-channel array as `channels` values."""
    flat = array.reshape(-1)
    if flat.size == 1:
        return np.repeat(flat, channels)
    if flat.size == channels:
        return flat
    raise ValueError("%s has %d values for %d output channels" % (what, flat.size, channels))


# ---- weights that do not fit int8: split ----

def split_parts(d):
    """d [rows][cols] int64 -> (P, parts [P][rows][cols] int8-ranged) with parts summing to d."""
    hi, lo = int(d.max(initial=0)), int(d.min(initial=0))
    p = max(1, -(-hi // 127), -(-(-lo) // 128))
    if p == 1:
        return 1, d[None]
    parts = []
    rest = d.copy()
    for k in range(p, 0, -1):
        # Give this part an even share of what is left (rounded towards zero): every remaining
        # part can then still hold the rest.
        part = np.trunc(rest / k).astype(np.int64)
        parts.append(part)
        rest = rest - part
    parts = np.stack(parts)
    assert np.all(parts.sum(axis=0) == d) and parts.max() <= 127 and parts.min() >= -128, d
    return p, parts


# ---- convolution geometry ----

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
            out_size = -(-in_sizes[i] // strides[i])
            total = max(0, (out_size - 1) * strides[i] + effective - in_sizes[i])
            small, large = total // 2, total - total // 2
            out.append((small, large) if auto_pad == "SAME_UPPER" else (large, small))
        return out
    raise ValueError("unknown auto_pad %r" % auto_pad)


def conv_geometry(node, x_shape, w_shape):
    """sprig_conv2d_params (dict), with 1-D convolutions as 2-D ones of height 1."""
    a = attributes(node)
    rank = len(x_shape) - 2
    if rank not in (1, 2):
        raise Skip("%d-D convolution (sprig has 2-D only)" % rank)
    kernel = list(a.get("kernel_shape", w_shape[2:]))
    if kernel != list(w_shape[2:]):
        raise ValueError("kernel_shape %s differs from the weights' %s" % (kernel, list(w_shape[2:])))
    strides = list(a.get("strides", [1] * rank))
    dilations = list(a.get("dilations", [1] * rank))
    group = int(a.get("group", 1))
    auto_pad = a.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    pads = resolve_pads(auto_pad, a.get("pads"), list(x_shape[2:]), kernel, strides, dilations)
    if rank == 1:
        kernel, strides, dilations, pads = [1] + kernel, [1] + strides, [1] + dilations, [(0, 0)] + pads
    c, m = x_shape[1], w_shape[0]
    if c % group or m % group or w_shape[1] * group != c:
        raise ValueError("group %d does not divide input %d / output %d channels (weights %s)" %
                         (group, c, m, list(w_shape)))
    p = {
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
        if not 1 <= p[field] <= limit:
            raise Skip("%s %d outside sprig's 1..%d" % (field, p[field], limit))
    for field in ("padding_top", "padding_right", "padding_bottom", "padding_left"):
        if not 0 <= p[field] <= MAX_PADDING:
            raise Skip("%s %d outside sprig's 0..%d" % (field, p[field], MAX_PADDING))
    desc = "conv%dd k=%dx%d s=%dx%d d=%dx%d pads(t,l,b,r)=%d,%d,%d,%d g=%d" % (
        rank, kernel[0], kernel[1], strides[0], strides[1], dilations[0], dilations[1],
        p["padding_top"], p["padding_left"], p["padding_bottom"], p["padding_right"], group)
    return p, rank, desc


def conv_int(xd, wd, p):
    """int64 NCHW convolution of xd (input minus its zero point; padding reads 0) and wd."""
    n, _, h, wdt = xd.shape
    groups, ci, co = p["groups"], p["input_channels"], p["output_channels"]
    kh, kw = p["kernel_height"], p["kernel_width"]
    sh, sw, dh, dw = p["stride_height"], p["stride_width"], p["dilation_height"], p["dilation_width"]
    pt, pr, pb, pl = p["padding_top"], p["padding_right"], p["padding_bottom"], p["padding_left"]
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wdt + pl + pr - dw * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1:
        raise ValueError("empty output")
    xp = np.zeros((n, groups * ci, h + pt + pb, wdt + pl + pr), dtype=np.int64)
    xp[:, :, pt:pt + h, pl:pl + wdt] = xd
    y = np.zeros((n, groups * co, oh, ow), dtype=np.int64)
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[:, :, ky * dh:ky * dh + (oh - 1) * sh + 1:sh, kx * dw:kx * dw + (ow - 1) * sw + 1:sw]
            for g in range(groups):
                wg = wd[g * co:(g + 1) * co, :, ky, kx]
                y[:, g * co:(g + 1) * co] += np.einsum("oc,nchw->nohw", wg, patch[:, g * ci:(g + 1) * ci])
    return y


# ---- sprig's semantics ----

def sprig_scales(input_scale, weight_scales, output_scale):
    """s[o] = input_scale * weight_scales[o] / output_scale in float32, in that order."""
    with np.errstate(all="raise"):
        s = (np.float32(input_scale) * weight_scales.astype(np.float32)).astype(np.float32)
        s = (s / np.float32(output_scale)).astype(np.float32)
    if not np.all(np.isfinite(s)) or not np.all(s > 0):
        raise Skip("a requantization scale is not a finite float > 0")
    return s


def sprig_requantize(acc, s, zp, lo, hi, channel_axis):
    """(y, unclamped float32 products) of sprig's qs8 output for int64 accumulators acc."""
    if np.abs(acc).max(initial=0) >= 2 ** 24:
        raise Skip("an accumulator of magnitude >= 2^24 (its float conversion would round)")
    shape = [1] * acc.ndim
    shape[channel_axis] = -1
    prod = (acc.astype(np.float32) * s.reshape(shape)).astype(np.float32)
    y = np.clip(np.rint(prod).astype(np.int64) + zp, lo, hi)
    return y, prod


def boundary_margin(prod, unclamped):
    """Smallest distance of prod from k + 0.5 over the elements that do not saturate."""
    v = prod[unclamped].astype(np.float64)
    if v.size == 0:
        return None
    return float(np.min(np.abs(v - np.floor(v) - 0.5)))


# ---- cases ----

def expected_array(outputs, types, what="the output"):
    if len(outputs) != 1:
        raise Skip("%d outputs" % len(outputs))
    t = outputs[0]
    if t.data_type not in types:
        raise Skip("%s is %s" % (what, type_name(t)))
    return numpy_helper.to_array(t).astype(np.int64), t.data_type


def weights_for_sprig(d, rows):
    """Per output channel weights d [rows][...]: (P, int8 weights [rows][P][...])."""
    flat = d.reshape(rows, -1)
    p, parts = split_parts(flat)
    if p > 1 and not ALLOW_SPLIT:
        raise Skip("weights minus their zero point span %d..%d, outside int8 (--no-split)" %
                   (int(flat.min()), int(flat.max())))
    # [P][rows][cols] -> [rows][P][cols]
    w = np.ascontiguousarray(parts.transpose(1, 0, 2)).reshape((rows, p) + d.shape[1:])
    return p, w


def conv_case(node, tensors, outputs, integer_output):
    if integer_output:  # ConvInteger: x, w, x_zero_point, w_zero_point
        x_t, w_t = node_input(node, tensors, 0), node_input(node, tensors, 1)
        xz_t, wz_t = node_input(node, tensors, 2), node_input(node, tensors, 3)
        xs_t = ws_t = ys_t = yz_t = b_t = None
    else:  # QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B
        x_t, xs_t, xz_t = (node_input(node, tensors, k) for k in (0, 1, 2))
        w_t, ws_t, wz_t = (node_input(node, tensors, k) for k in (3, 4, 5))
        ys_t, yz_t, b_t = (node_input(node, tensors, k) for k in (6, 7, 8))
    x, xkind = quantized(x_t, "the input")
    w, wkind = quantized(w_t, "the weights")
    xz = scalar_of(zero_point(xz_t, xkind, "x_zero_point"), "x_zero_point")
    p, rank, desc = conv_geometry(node, x.shape, w.shape)
    m = w.shape[0]
    wz = channel_values(zero_point(wz_t, wkind, "w_zero_point"), m, "w_zero_point")
    d = w - wz.reshape((m,) + (1,) * (w.ndim - 1))
    xd = x - xz
    if rank == 1:
        x, xd, w, d = x[:, :, None, :], xd[:, :, None, :], w[:, :, None, :], d[:, :, None, :]
    bias = None
    if b_t is not None:
        if b_t.data_type != I32:
            raise ValueError("bias is %s, not int32" % type_name(b_t))
        bias = numpy_helper.to_array(b_t).astype(np.int64).reshape(-1)
        if bias.size != m:
            raise ValueError("bias of %d values for %d output channels" % (bias.size, m))

    # ONNX's operator, read in int64.
    acc = conv_int(xd, d, p)
    if bias is not None:
        acc = acc + bias[None, :, None, None]
    expected, etype = expected_array(outputs, (I32,) if integer_output else (U8, I8))
    if rank == 1:
        expected = expected[:, :, None, :]
    if expected.shape != acc.shape:
        raise ValueError("computed output shape %s, ONNX's is %s" % (acc.shape, expected.shape))

    # sprig's arguments: int8 input, split weights over repeated input channels.
    xq, xzq = to_int8_activation(x, xz, xkind)
    copies, wq = weights_for_sprig(d, m)  # [m][P][ci][kh][kw]
    groups, ci = p["groups"], p["input_channels"]
    if copies > 1:
        n, _, h, wdt = xq.shape
        xg = xq.reshape(n, groups, 1, ci, h, wdt)
        xq = np.broadcast_to(xg, (n, groups, copies, ci, h, wdt)).reshape(n, groups * copies * ci, h, wdt)
        p = dict(p, input_channels=copies * ci)
    wq = wq.reshape((m, p["input_channels"]) + d.shape[2:])
    # The mapped problem's int32 sum must be ONNX's.
    mapped_acc = conv_int(xq - xzq, wq, p)
    if bias is not None:
        mapped_acc = mapped_acc + bias[None, :, None, None]
    assert np.array_equal(mapped_acc, acc), "split convolution differs"

    c = {"kind": "ONNX_INT_CASE_CONV2D", "params": p, "batch": x.shape[0], "height": x.shape[2],
         "width": x.shape[3], "output_height": acc.shape[2], "output_width": acc.shape[3],
         "in_features": 0, "out_features": 0, "input": xq, "input_zero_point": xzq, "weights": wq,
         "bias": bias, "copies": copies, "desc": desc, "channel_axis": 1, "channels": m}
    if integer_output:
        return finish_integer(c, acc, expected)
    scales = (scale(xs_t, "x_scale"), scale(ws_t, "w_scale"), scale(ys_t, "y_scale"))
    return finish_qlinear(c, acc, expected, etype, scales, yz_t, m)


def matmul_case(node, tensors, outputs, integer_output):
    if integer_output:  # MatMulInteger: A, B, a_zero_point, b_zero_point
        a_t, b_t = node_input(node, tensors, 0), node_input(node, tensors, 1)
        az_t, bz_t = node_input(node, tensors, 2), node_input(node, tensors, 3)
        as_t = bs_t = ys_t = yz_t = None
    else:  # QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp
        a_t, as_t, az_t = (node_input(node, tensors, k) for k in (0, 1, 2))
        b_t, bs_t, bz_t = (node_input(node, tensors, k) for k in (3, 4, 5))
        ys_t, yz_t = node_input(node, tensors, 6), node_input(node, tensors, 7)
    a, akind = quantized(a_t, "A")
    b, bkind = quantized(b_t, "B")
    if a.ndim < 2 or b.ndim < 2:
        raise Skip("1-D MatMul operand")
    az = scalar_of(zero_point(az_t, akind, "a_zero_point"), "a_zero_point")
    n_out = b.shape[-1]
    bz = channel_values(zero_point(bz_t, bkind, "b_zero_point"), n_out, "b_zero_point")
    lead_a, lead_b = a.shape[:-2], b.shape[:-2]
    # B per batch: the same everywhere gives one layer; otherwise one case per batch.
    b2 = b.reshape((-1,) + b.shape[-2:])
    if b2.shape[0] > 1 and any(not np.array_equal(b2[0], b2[i]) for i in range(1, b2.shape[0])):
        raise Skip("batched B differs between batches (sprig's weights are one matrix)")
    if lead_b and tuple(np.broadcast_shapes(lead_a, lead_b)) != tuple(lead_a):
        raise Skip("B's batch dimensions %s broadcast A's %s" % (lead_b, lead_a))
    bmat = b2[0]  # [K][N]
    k_in = bmat.shape[0]
    if a.shape[-1] != k_in:
        raise ValueError("A is %s, B is %s" % (a.shape, b.shape))
    am = a.reshape(-1, k_in)  # [batch x M][K]
    d = (bmat - bz[None, :]).T.copy()  # [N][K]
    acc = (am - az) @ d.T
    expected, etype = expected_array(outputs, (I32,) if integer_output else (U8, I8))
    if expected.size != acc.size or expected.shape[-1] != n_out:
        raise ValueError("computed output %s, ONNX's is %s" % (acc.shape, expected.shape))
    expected = expected.reshape(acc.shape)

    xq, xzq = to_int8_activation(am, az, akind)
    copies, wq = weights_for_sprig(d, n_out)  # [N][P][K]
    wq = wq.reshape(n_out, copies * k_in)
    if copies > 1:
        xq = np.tile(xq, (1, copies))
    assert np.array_equal((xq - xzq) @ wq.T, acc), "split matmul differs"
    desc = "linear in=%d out=%d batch=%d (A %s x B %s)" % (
        copies * k_in, n_out, am.shape[0], "x".join(map(str, a.shape)), "x".join(map(str, b.shape)))
    c = {"kind": "ONNX_INT_CASE_LINEAR", "params": None, "batch": am.shape[0], "height": 1, "width": 1,
         "output_height": 1, "output_width": 1, "in_features": copies * k_in, "out_features": n_out,
         "input": xq, "input_zero_point": xzq, "weights": wq, "bias": None, "copies": copies,
         "desc": desc, "channel_axis": 1, "channels": n_out}
    if integer_output:
        return finish_integer(c, acc, expected)
    scales = (scale(as_t, "a_scale"), scale(bs_t, "b_scale"), scale(ys_t, "y_scale"))
    return finish_qlinear(c, acc, expected, etype, scales, yz_t, n_out)


def finish_qlinear(c, acc, expected, etype, scales, yz_t, channels):
    """QLinear*: requantized output; tolerance from sprig's float32 requantization."""
    xs, ws, ys = scales
    xs = scalar_of(xs, "the input scale")
    ys = scalar_of(ys, "y_scale")
    ws = channel_values(ws, channels, "the weight scale")
    ykind = "u8" if etype == U8 else "i8"
    if yz_t is None:
        yz = np.zeros((), dtype=np.int64)
    else:
        yz = scalar_of(zero_point(yz_t, ykind, "y_zero_point"), "y_zero_point")
    lo, hi = (0, 255) if ykind == "u8" else (-128, 127)
    # ONNX's definition, in float64 from the float32 scales, must give its expected output.
    shape = [1] * acc.ndim
    shape[c["channel_axis"]] = -1
    real = acc * (float(xs) * ws.astype(np.float64).reshape(shape) / float(ys))
    onnx_y = np.clip(np.rint(real) + int(yz), lo, hi)
    if not np.array_equal(onnx_y, expected):
        bad = np.argwhere(onnx_y != expected)[0]
        raise ValueError("expected output disagrees with ONNX's definition at %s: %d vs %d" %
                         (tuple(bad), expected[tuple(bad)], onnx_y[tuple(bad)]))
    # sprig's: int8 output, its float32 scale.
    yq = int(yz) - 128 if ykind == "u8" else int(yz)
    exp_q = expected - 128 if ykind == "u8" else expected
    s = sprig_scales(xs, ws, ys)
    got, prod = sprig_requantize(acc, s, yq, -128, 127, c["channel_axis"])
    diff = np.abs(got - exp_q)
    if diff.max(initial=0) > 1:
        bad = tuple(np.argwhere(diff > 1)[0])
        raise ValueError("sprig's requantization gives %d where ONNX expects %d at %s" %
                         (got[bad], exp_q[bad], bad))
    tolerance = int(diff.max(initial=0))
    notes = []
    if tolerance:
        for idx in np.argwhere(diff == 1)[:8]:
            idx = tuple(int(v) for v in idx)
            notes.append("%s: acc %d, float32 acc*s %.9g, ONNX %d, sprig %d" %
                         (idx, acc[idx], prod[idx], exp_q[idx], got[idx]))
    unclamped = (np.rint(prod) + yq >= -128) & (np.rint(prod) + yq <= 127)
    c.update({"input_scale": float(xs), "weight_scales": ws.astype(np.float32), "output_scale": float(ys),
              "output_zero_point": yq, "output_min": -128, "output_max": 127, "expected": exp_q,
              "result": "ONNX_INT_RESULT_QUANTIZED", "tolerance": tolerance,
              "margin": boundary_margin(prod, unclamped), "notes": notes,
              "saturated": int(np.count_nonzero(~unclamped))})
    return c


def finish_integer(c, acc, expected):
    """ConvInteger / MatMulInteger: int32 output through scale 1 and a centring zero point."""
    if not np.array_equal(acc, expected):
        bad = tuple(np.argwhere(acc != expected)[0])
        raise ValueError("expected output disagrees with the int64 reference at %s: %d vs %d" %
                         (bad, expected[bad], acc[bad]))
    lo, hi = int(expected.min()), int(expected.max())
    if hi - lo > 255:
        raise Skip("int32 results span %d..%d, more than the 256 values an int8 output holds" % (lo, hi))
    # The zero point that puts the middle of [lo, hi] at 0 (or as close as the range allows).
    zp = -((lo + hi) // 2)
    zp = min(max(zp, -128 - lo), 127 - hi)
    one = np.ones(c["channels"], dtype=np.float32)
    s = sprig_scales(1.0, one, 1.0)
    assert np.all(s == 1.0)
    got, _ = sprig_requantize(acc, s, zp, -128, 127, c["channel_axis"])
    assert np.array_equal(got - zp, expected), "scale-1 mapping does not recover the int32 output"
    c.update({"input_scale": 1.0, "weight_scales": one, "output_scale": 1.0, "output_zero_point": zp,
              "output_min": -128, "output_max": 127, "expected": expected,
              "result": "ONNX_INT_RESULT_INT32", "tolerance": 0, "margin": None, "notes": [],
              "saturated": 0})
    c["desc"] += "; int32 %d..%d as int8 with output_zero_point %d" % (lo, hi, zp)
    return c


# ---- C output ----

def hex_float(v):
    f = float(np.float32(v))
    if f == 0.0 or not math.isfinite(f):
        raise ValueError("scale %r" % f)
    mantissa, exponent = f.hex().split("p")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    text = "%sp%sf" % (mantissa, exponent)
    assert np.float32(float.fromhex(text[:-1])).tobytes() == np.float32(v).tobytes(), (v, text)
    return text


def c_array(ctype, name, values, fmt):
    flat = [fmt(v) for v in np.asarray(values).reshape(-1)]
    lines, line = [], "  "
    for item in flat:
        item += ","
        if len(line) + len(item) + 1 > 100:
            lines.append(line.rstrip())
            line = "  "
        line += item + " "
    lines.append(line.rstrip())
    return "static const %s %s[%d] = {\n%s\n};\n" % (ctype, name, len(flat), "\n".join(lines))


def c_int(v):
    v = int(v)
    return "INT32_MIN" if v == -2 ** 31 else str(v)


def identifier(name, set_name, many_sets):
    ident = "onnx_int_%s" % name[len("test_"):]
    if many_sets:
        ident += "_" + set_name[len("test_data_set_"):]
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in ident)


def case_summary(c):
    text = c["desc"]
    if c["copies"] > 1:
        text += "; split %d (weights outside int8, input given %d times)" % (c["copies"], c["copies"])
    if c["result"] == "ONNX_INT_RESULT_QUANTIZED":
        text += "; %s" % ("exact" if c["tolerance"] == 0 else "within %d" % c["tolerance"])
        if c["margin"] is not None:
            text += ", rounding margin %.5g" % c["margin"]
        if c["saturated"]:
            text += ", %d saturated" % c["saturated"]
    else:
        text += "; exact"
    return text


def emit(cases, skipped, found, version, out_path):
    o = []
    o.append("/* Generated by scripts/onnx-int-fixture.py from Debian's libonnx-testdata %s: do not edit.\n"
             " * Regenerate: /usr/bin/python3 scripts/onnx-int-fixture.py\n *\n" % version)
    o.append(" * ONNX's integer node tests (data/node/test_*qlinear*, test_*integer*) as arguments of sprig's\n"
             " * qs8 operators. uint8 activations are int8 q - 128 with zero point z - 128; weights are\n"
             " * w - w_zero_point (\"split P\": that did not fit int8, so the weights are P int8 parts\n"
             " * over P copies of the input, the same int32 sums); ConvInteger / MatMulInteger run with\n"
             " * every scale 1 (sprig's scale is then 1.0f exactly) and their int32 result is the int8\n"
             " * output minus output_zero_point. The script's docstring has the details.\n"
             " * \"exact\": sprig's float32 requantization, computed by the script, equals ONNX's expected\n"
             " * output everywhere; \"within 1\": somewhere it differs by one (listed). The rounding margin is\n"
             " * the smallest distance of (float) acc * s from a k + 0.5 boundary over unsaturated outputs.\n"
             " *\n * Found %d:\n" % len(found))
    for name, op in found:
        o.append(" *   %s (%s)\n" % (name, op))
    o.append(" *\n * Included (%d):\n" % len(cases))
    for c in cases:
        o.append(" *   %s: %s\n" % (c["name"], case_summary(c)))
        for note in c["notes"]:
            o.append(" *     off by 1 at %s\n" % note)
    o.append(" *\n * Skipped (%d), with the reason:\n" % len(skipped))
    for name, reason in skipped:
        o.append(" *   %s: %s\n" % (name, reason))
    if not skipped:
        o.append(" *   (none)\n")
    o.append(" */\n")
    o.append("#ifndef SPRIG_TESTS_ONNX_INT_CASES_H\n#define SPRIG_TESTS_ONNX_INT_CASES_H\n\n")
    o.append("#include <stddef.h>\n#include <stdint.h>\n\n#include <sprig.h>\n\n")
    o.append("enum onnx_int_case_kind {\n  ONNX_INT_CASE_CONV2D = 1,\n  ONNX_INT_CASE_LINEAR = 2,\n};\n\n")
    o.append("enum onnx_int_result {\n"
             "  /* QLinearConv / QLinearMatMul: expected[] is the int8 output itself. */\n"
             "  ONNX_INT_RESULT_QUANTIZED = 1,\n"
             "  /* ConvInteger / MatMulInteger: expected[] is ONNX's int32 result, which is the int8 output\n"
             "   * minus output_zero_point. */\n"
             "  ONNX_INT_RESULT_INT32 = 2,\n"
             "};\n\n")
    o.append("struct onnx_int_case {\n"
             "  const char* name;  /* \"node/<ONNX test directory>\" */\n"
             "  const char* op;    /* ONNX operator */\n"
             "  enum onnx_int_case_kind kind;\n"
             "  enum onnx_int_result result;\n"
             "  /* ONNX_INT_CASE_CONV2D: input [batch][groups x input_channels][height][width], weights\n"
             "   * [groups x output_channels][input_channels][kernel_height][kernel_width], output\n"
             "   * [batch][groups x output_channels][output_height][output_width]. */\n"
             "  struct sprig_conv2d_params params;\n"
             "  size_t batch, height, width;\n"
             "  size_t output_height, output_width;\n"
             "  /* ONNX_INT_CASE_LINEAR: input [batch][in_features], weights [out_features][in_features],\n"
             "   * output [batch][out_features]. */\n"
             "  size_t in_features, out_features;\n"
             "  /* Copies of ONNX's input the weights are split over (1: none; see above). */\n"
             "  size_t input_copies;\n"
             "  int8_t input_zero_point;\n  float input_scale;\n"
             "  const int8_t* input;\n  size_t input_size;\n"
             "  const int8_t* weights;\n  size_t weights_size;\n"
             "  const float* weight_scales;  /* one per output channel */\n"
             "  const int32_t* bias;  /* NULL: none */\n"
             "  size_t channels;  /* output channels: weight_scales (and bias) entries */\n"
             "  int8_t output_zero_point;\n  float output_scale;\n  int8_t output_min, output_max;\n"
             "  const int32_t* expected;  /* ONNX's expected output (see result) */\n  size_t output_size;\n"
             "  int32_t tolerance;  /* largest |sprig - ONNX| allowed: 0 = exact */\n"
             "};\n\n")
    for c in cases:
        ident = c["ident"]
        o.append("/* %s: %s */\n" % (c["name"], case_summary(c)))
        o.append(c_array("int8_t", ident + "_input", c["input"], c_int))
        o.append(c_array("int8_t", ident + "_weights", c["weights"], c_int))
        o.append(c_array("float", ident + "_weight_scales", c["weight_scales"], hex_float))
        if c["bias"] is not None:
            o.append(c_array("int32_t", ident + "_bias", c["bias"], c_int))
        o.append(c_array("int32_t", ident + "_expected", c["expected"], c_int))
        o.append("static const struct onnx_int_case %s = {\n" % ident)
        o.append("  .name = \"%s\",\n  .op = \"%s\",\n  .kind = %s,\n  .result = %s,\n" %
                 (c["name"], c["op"], c["kind"], c["result"]))
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
        o.append("  .input_copies = %d,\n" % c["copies"])
        o.append("  .input_zero_point = %d, .input_scale = %s,\n" % (c["input_zero_point"], hex_float(c["input_scale"])))
        o.append("  .input = %s_input, .input_size = %d,\n" % (ident, c["input"].size))
        o.append("  .weights = %s_weights, .weights_size = %d,\n" % (ident, c["weights"].size))
        o.append("  .weight_scales = %s_weight_scales,\n" % ident)
        o.append("  .bias = %s,\n" % (ident + "_bias" if c["bias"] is not None else "NULL"))
        o.append("  .channels = %d,\n" % c["channels"])
        o.append("  .output_zero_point = %d, .output_scale = %s,\n" % (c["output_zero_point"],
                                                                       hex_float(c["output_scale"])))
        o.append("  .output_min = %d, .output_max = %d,\n" % (c["output_min"], c["output_max"]))
        o.append("  .expected = %s_expected, .output_size = %d,\n" % (ident, c["expected"].size))
        o.append("  .tolerance = %d,\n};\n\n" % c["tolerance"])
    o.append("static const struct onnx_int_case* const onnx_int_cases[] = {\n")
    for c in cases:
        o.append("  &%s,\n" % c["ident"])
    if not cases:
        o.append("  NULL,\n")
    o.append("};\n\n#define ONNX_INT_CASE_COUNT %d\n\n#endif /* SPRIG_TESTS_ONNX_INT_CASES_H */\n" % len(cases))
    text = "".join(o)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    return len(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="libonnx-testdata's data directory (default: from dpkg)")
    parser.add_argument("--output", default=os.path.join(ROOT, "tests", "data", "onnx-int-cases.h"))
    parser.add_argument("--no-split", action="store_true",
                        help="skip cases whose weights minus zero point do not fit int8 (default: split them)")
    args = parser.parse_args()
    global ALLOW_SPLIT
    ALLOW_SPLIT = not args.no_split
    data = args.data or find_data_dir()
    cases, skipped, found = [], [], []
    for name in candidate_dirs(data):
        case_dir = os.path.join(data, "node", name)
        graph = onnx.load(os.path.join(case_dir, "model.onnx")).graph
        ops = [nd.op_type for nd in graph.node]
        label = "node/%s" % name
        found.append((label, "+".join(ops)))
        sets = load_data_sets(case_dir, graph)
        if not sets:
            skipped.append((label, "no test data set"))
            continue
        for set_name, inputs, outputs in sets:
            full = label if len(sets) == 1 else "%s/%s" % (label, set_name)
            try:
                if len(ops) != 1 or ops[0] not in OPERATORS:
                    raise Skip("graph %s is not one of %s" % ("+".join(ops), ", ".join(OPERATORS)))
                node = graph.node[0]
                tensors = {t.name: t for t in graph.initializer}
                tensors.update(inputs)
                if node.op_type in ("QLinearConv", "ConvInteger"):
                    c = conv_case(node, tensors, outputs, node.op_type == "ConvInteger")
                else:
                    c = matmul_case(node, tensors, outputs, node.op_type == "MatMulInteger")
            except Skip as e:
                skipped.append((full, str(e)))
                continue
            except Exception as e:
                sys.exit("%s: %s" % (full, e))
            size = c["input"].size + c["weights"].size + c["expected"].size
            if size > MAX_VALUES:
                skipped.append((full, "huge: %d values (more than %d)" % (size, MAX_VALUES)))
                continue
            c["name"], c["op"] = full, node.op_type
            c["ident"] = identifier(name, set_name, len(sets) > 1)
            cases.append(c)
    idents = [c["ident"] for c in cases]
    if len(set(idents)) != len(idents):
        sys.exit("case identifiers collide")
    nbytes = emit(cases, skipped, found, package_version(), args.output)
    print("onnx-int-fixture: %s (%d bytes) from %s" % (os.path.relpath(args.output, ROOT), nbytes, data))
    print("included %d cases:" % len(cases))
    for c in cases:
        print("  %-40s %s" % (c["name"], case_summary(c)))
        for note in c["notes"]:
            print("      off by 1 at %s" % note)
    print("skipped %d:" % len(skipped))
    for name, reason in skipped:
        print("  %-40s %s" % (name, reason))


if __name__ == "__main__":
    main()
