# syntax=docker/dockerfile:1
# Build stage: a wheel and its dependencies, compiled where needed.
FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip build
COPY pyproject.toml README.md ./
COPY app ./app
RUN python -m build --wheel --outdir /wheels && pip wheel --no-cache-dir --wheel-dir /wheels /wheels/*.whl

# Runtime stage: no compilers, a non-root user, migrations beside the app.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 EVOTE_ENV=production
RUN groupadd --system evote && useradd --system --gid evote --home-dir /srv/evote evote
WORKDIR /srv/evote
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY alembic.ini ./
COPY migrations ./migrations
RUN mkdir -p var && chown evote:evote var
USER evote
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
# Several worker processes per container; scale out with more replicas behind a load balancer.
CMD ["evote", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
