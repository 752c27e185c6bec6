# searchsvc: the report search service, index built into the image.
# docker-compose.yml runs it as replicas over a shared /srv/index volume
# (a fresh named volume takes the owner of /srv/index below).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 PORT=8000 \
    SEARCHSVC_CORPUS=/app/corpus SEARCHSVC_INDEX=/app/index
WORKDIR /app

COPY pyproject.toml requirements.lock README.md ./
COPY searchsvc ./searchsvc
RUN pip install -c requirements.lock . && useradd --create-home --uid 10001 searchsvc
COPY corpus ./corpus
RUN mkdir -p index /srv/index /srv/corpus && chown -R searchsvc:searchsvc /app /srv/index

USER searchsvc
RUN searchsvc rebuild

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["gunicorn", "-c", "python:searchsvc.ops.gunicorn_conf", "searchsvc:create_app()"]
