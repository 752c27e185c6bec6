# searchsvc: the report search service, for your own documents.
#
#   docker build -t searchsvc .
#   docker run -v /path/to/reports:/data/corpus:ro -v searchsvc-index:/data/index \
#              -p 8000:8000 searchsvc
#   docker exec CONTAINER searchsvc rebuild      # after changing the documents
#
# At start the entrypoint (deploy/docker-entrypoint.sh) builds the index
# when it is missing, stale or of another folder, then serves; without a
# mounted folder it serves the sample article. docker-compose.yml runs it
# as replicas over a shared index volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 PORT=8000 \
    SEARCHSVC_DATA=/data SEARCHSVC_SAMPLE=/app/corpus
WORKDIR /app

COPY pyproject.toml requirements.lock README.md ./
COPY searchsvc ./searchsvc
RUN pip install -c requirements.lock . && useradd --create-home --uid 10001 searchsvc
COPY corpus ./corpus
COPY deploy/docker-entrypoint.sh /usr/local/bin/searchsvc-entrypoint
RUN mkdir -p /data/corpus /data/index /srv/index /srv/corpus \
    && chown -R searchsvc:searchsvc /data/index /srv/index

USER searchsvc
VOLUME ["/data/index"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
ENTRYPOINT ["searchsvc-entrypoint"]
CMD ["serve"]
