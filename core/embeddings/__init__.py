"""Embedders: MiniLM on ONNX Runtime (its file built once from the installed weights),
the same weights on torch, any /v1/embeddings API, and the router's question vectors.

    embedders.py         the Embedder interface, one class per engine, build_embedder()
    onnx_graph.py        MiniLM's encoder written as an ONNX graph from its safetensors
    onnx_model.py        the cached .onnx file (fp32 or int8), built on first need
    onnx_embedder.py     that file run by ONNX Runtime, both cores busy
    question_vectors.py  static MiniLM question vectors for the router (sub-millisecond)
"""
