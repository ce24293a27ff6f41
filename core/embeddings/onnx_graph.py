"""MiniLM's BERT encoder written out as an ONNX graph from its safetensors weights.

This is the export without torch: the same computation as transformers' `BertModel`
(inference, absolute positions, exact GELU), op for op, so `core/embeddings/onnx_model.py` can build
the embedder's file on a machine that has only onnx, numpy and safetensors. A test checks
it against sentence-transformers wherever torch is installed.

    build_encoder(weights_dir) -> onnx.ModelProto   # inputs as BERT's, last_hidden_state out
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

OPSET = 17  # LayerNormalization is an ONNX op from 17 on
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class _Graph:
    """Nodes and initialisers as they are added; names are made unique by a counter."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def const(self, name: str, value: np.ndarray) -> str:
        """An initialiser, added once however often it is asked for by name."""
        from onnx import numpy_helper

        if all(t.name != name for t in self.initializers):
            self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def weight(self, key: str, transpose: bool = False) -> str:
        value = self.weights[key]
        return self.const(key, np.ascontiguousarray(value.T if transpose else value))

    def op(self, op_type: str, *inputs: str, **attrs) -> str:
        from onnx import helper

        self._count += 1
        out = f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def linear(self, x: str, prefix: str) -> str:
        """x @ W.T + b, as torch exports nn.Linear on 3-D input (MatMul, then Add), so int8
        quantisation finds the same 36 MatMuls to quantise."""
        product = self.op("MatMul", x, self.weight(f"{prefix}.weight", transpose=True))
        return self.op("Add", self.weight(f"{prefix}.bias"), product)

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        gamma, beta = self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")
        return self.op("LayerNormalization", x, gamma, beta, axis=-1, epsilon=eps)


def build_encoder(weights_dir: Path):
    """The encoder of the BERT in `weights_dir` (config.json, model.safetensors) as an
    onnx.ModelProto with dynamic batch and token axes."""
    from onnx import TensorProto, helper
    from safetensors.numpy import load_file

    config = json.loads((weights_dir / "config.json").read_text())
    if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
        raise ValueError(f"{weights_dir} is not a BERT with exact GELU; cannot build its graph")
    weights = load_file(weights_dir / "model.safetensors")
    g = _Graph({k.removeprefix("bert."): v for k, v in weights.items()})
    eps = float(config["layer_norm_eps"])
    x = g.layer_norm(_embeddings(g), "embeddings.LayerNorm", eps)
    bias = _padding_bias(g)
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}"
        attended = _attention(g, x, p, bias, int(config["num_attention_heads"]))
        x = g.layer_norm(g.op("Add", attended, x), f"{p}.attention.output.LayerNorm", eps)
        out = g.linear(_gelu(g, g.linear(x, f"{p}.intermediate.dense")), f"{p}.output.dense")
        x = g.layer_norm(g.op("Add", out, x), f"{p}.output.LayerNorm", eps)

    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    axes = ["batch", "tokens"]
    graph = helper.make_graph(
        g.nodes,
        "minilm_encoder",
        [helper.make_tensor_value_info(n, TensorProto.INT64, axes) for n in INPUTS],
        [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, [*axes, int(config["hidden_size"])]
            )
        ],
        initializer=g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # what onnxruntime 1.20 (the lower bound) reads
    return model


def _embeddings(g: _Graph) -> str:
    """Word + token type + position embeddings (before their LayerNorm)."""
    tokens = g.op("Gather", g.op("Shape", "input_ids"), g.const("one", np.array(1)), axis=0)
    positions = g.op("Range", g.const("zero", np.array(0)), tokens, "one")
    words = g.op("Gather", g.weight("embeddings.word_embeddings.weight"), "input_ids")
    types = g.op("Gather", g.weight("embeddings.token_type_embeddings.weight"), "token_type_ids")
    where = g.op("Gather", g.weight("embeddings.position_embeddings.weight"), positions)
    return g.op("Add", g.op("Add", words, types), where)


def _padding_bias(g: _Graph) -> str:
    """[batch, 1, 1, tokens]: 0 for a real token, float32's lowest value for padding, added
    to the attention scores as transformers does."""
    from onnx import TensorProto

    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    mask = g.op("Unsqueeze", mask, g.const("mask_axes", np.array([1, 2])))
    lowest = g.const("lowest", np.array(np.finfo(np.float32).min, dtype=np.float32))
    return g.op("Mul", g.op("Sub", g.const("one_f", np.array(1.0, np.float32)), mask), lowest)


def _attention(g: _Graph, x: str, prefix: str, bias: str, heads: int) -> str:
    """Multi-head self-attention and its output projection (before the residual)."""
    hidden = g.weights[f"{prefix}.attention.self.query.weight"].shape[0]
    split = g.const("split_heads", np.array([0, 0, heads, hidden // heads]))

    def heads_of(name: str, perm: list[int]) -> str:
        projected = g.linear(x, f"{prefix}.attention.self.{name}")
        return g.op("Transpose", g.op("Reshape", projected, split), perm=perm)

    # Scaled as torch's exported SDPA does, each side by head_dim ** -1/4 before the
    # product: the same float rounding, so the fp32 vectors equal the torch export's bit
    # for bit (scaling the scores after the product moved them by ~1e-6).
    root = g.const("quarter_root", np.array((hidden // heads) ** -0.25, np.float32))
    q = g.op("Mul", heads_of("query", [0, 2, 1, 3]), root)
    k = g.op("Mul", heads_of("key", [0, 2, 3, 1]), root)
    v = heads_of("value", [0, 2, 1, 3])
    scores = g.op("Add", g.op("MatMul", q, k), bias)
    context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
    merge = g.const("merge_heads", np.array([0, 0, hidden]))
    context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge)
    return g.linear(context, f"{prefix}.attention.output.dense")


def _gelu(g: _Graph, x: str) -> str:
    """Exact GELU, x/2 (1 + erf(x/sqrt 2)), as BERT's "gelu" is."""
    root2 = g.const("root2", np.array(math.sqrt(2.0), np.float32))
    one = g.const("one_f", np.array(1.0, np.float32))
    erf = g.op("Erf", g.op("Div", x, root2))
    return g.op(
        "Mul", g.op("Mul", x, g.op("Add", erf, one)), g.const("half", np.array(0.5, np.float32))
    )
