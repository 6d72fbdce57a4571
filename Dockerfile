# syntax=docker/dockerfile:1
# Build stage: evote's own wheel only; its dependencies come from the hash-locked requirements.lock below. gcc and
# OpenSSL's headers compile the verifier's native core (setup.py; without them the wheel holds only its Python
# references, and `evote verify` is slower); the runtime stage needs only libcrypto, which Python's hashlib uses too.
FROM python:3.11-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir build==1.3.0
COPY pyproject.toml setup.py README.md ./
COPY app ./app
RUN python -m build --wheel --outdir /wheels

# Runtime stage: exactly the audited dependencies (every distribution checked against its sha256), then evote
# with --no-deps so nothing unlocked is resolved; no compilers; a non-root user; migrations beside the app.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 EVOTE_ENV=production PIP_DISABLE_PIP_VERSION_CHECK=1
# A fixed uid/gid, so key files on the host can be made readable by exactly this user (deploy/README.md).
RUN groupadd --system --gid 10001 evote && useradd --system --uid 10001 --gid evote --home-dir /srv/evote evote
WORKDIR /srv/evote
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-deps /wheels/*.whl && rm -rf /wheels
COPY alembic.ini ./
COPY migrations ./migrations
RUN mkdir -p var && chown evote:evote var
USER 10001:10001
EXPOSE 8000
# Ready, not merely alive: the database answers and its schema is at this release's head (/readyz).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
# Several worker processes per container (/metrics adds up their series); scale out with more replicas.
CMD ["evote", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
