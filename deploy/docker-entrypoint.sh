#!/bin/sh
# searchsvc's container entrypoint (the image's ENTRYPOINT; tests run it
# without Docker). With no command, or `serve`: build the index for the
# mounted documents when it is missing, stale or of another folder (a
# rebuild that changes nothing takes a second; its progress goes to the
# log), then serve with gunicorn. Any other command runs as given:
# `docker run IMAGE searchsvc search 营商环境`.
#
#   docker run -v /path/to/reports:/data/corpus:ro -v searchsvc-index:/data/index \
#              -p 8000:8000 IMAGE
#   docker exec CONTAINER searchsvc rebuild      # after changing the documents: live
#
# SEARCHSVC_DATA (/data) holds corpus/ and index/; with no documents in
# corpus/ the sample article (SEARCHSVC_SAMPLE) is served, and the log says
# so. SEARCHSVC_BUILD_AT_START=0 serves what the index holds (replicas of
# docker-compose.yml, where the indexer builds).
set -eu

data="${SEARCHSVC_DATA:-/data}"
sample="${SEARCHSVC_SAMPLE:-/app/corpus}"
: "${SEARCHSVC_INDEX:=$data/index}"
if [ -z "${SEARCHSVC_CORPUS:-}" ]; then
    if [ -d "$data/corpus" ] && [ -n "$(ls -A "$data/corpus" 2>/dev/null)" ]; then
        SEARCHSVC_CORPUS="$data/corpus"
    else
        SEARCHSVC_CORPUS="$sample"
        echo "searchsvc: no documents in $data/corpus: serving the sample article;" \
             "mount yours with -v /path/to/reports:$data/corpus:ro" >&2
    fi
fi
export SEARCHSVC_CORPUS SEARCHSVC_INDEX

if [ "$#" -eq 0 ] || [ "$1" = serve ]; then
    [ "$#" -gt 0 ] && shift
    if [ "${SEARCHSVC_BUILD_AT_START:-1}" != 0 ]; then
        echo "searchsvc: indexing $SEARCHSVC_CORPUS into $SEARCHSVC_INDEX" >&2
        searchsvc rebuild || echo "searchsvc: the rebuild failed (above); serving the index" \
                                  "there is, if any" >&2
    fi
    exec gunicorn -c python:searchsvc.ops.gunicorn_conf 'searchsvc:create_app()' "$@"
fi
exec "$@"
