"""gunicorn settings for searchsvc, shipped in the package:
`gunicorn -c python:searchsvc.ops.gunicorn_conf 'searchsvc:create_app()'`.

gunicorn imports this module before the app: it patches gevent first, so
it imports nothing of searchsvc at the top (``searchsvc``'s and
``searchsvc.ops``'s ``__init__`` import nothing either).

Workers are gevent workers. A sync worker serves one connection from accept
to close, so two clients that connect and send nothing (a browser's
preconnect) or send their headers a byte at a time held both default
workers until gunicorn's timeout killed them, 30 s in which nobody was
answered. A gevent worker parks such a connection on a greenlet and goes on
serving; gunicorn closes one whose request head has not arrived within
``keepalive`` seconds, and every connection after its answer (pre_request),
an unread body with it. Searches are CPU work that never yields, so one
worker still answers one search at a time, as a sync worker did.
GUNICORN_WORKER_CLASS=sync brings the old model back (the benchmark
measures both in one run).

preload_app loads the app (and jieba's dictionary, through the warm-up in
on_starting) once in the master before the fork, so workers share it.
"""

import multiprocessing
import os
import threading
import time

worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
_GEVENT = worker_class == "gevent"
if _GEVENT:
    # Patched here, before the app is loaded in the master, so every socket
    # the app makes is gevent's (patched later, in the worker, logging fails
    # at exit). Threads and locks stay the OS's: gevent's locks cost an
    # eighth of the throughput on cached answers (1,150 against 1,005
    # req/s, 8 connections), and no code here holds a lock across anything
    # that yields (the locked sections are CPU work and local file reads,
    # which gevent does not make cooperative). tests/test_serving.py runs
    # this configuration under idle, slow and normal clients at once.
    from gevent import monkey
    from gevent import socket as gevent_socket
    from gunicorn.workers.ggevent import GeventWorker

    monkey.patch_all(thread=False)

    class SearchWorker(GeventWorker):
        """gunicorn's gevent worker, patching as above (its own patch()
        patches threads too)."""

        def patch(self):
            monkey.patch_all(thread=False)
            self.sockets = [gevent_socket.socket(s.FAMILY, gevent_socket.SOCK_STREAM,
                                                 fileno=s.sock.detach()) for s in self.sockets]

    worker_class = SearchWorker

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count())))
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
# Seconds a connection may take to send a whole request head (gevent
# workers). Not 0: gunicorn's async workers then read the head with no time
# limit at all.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Connections one gevent worker holds at once; past that it stops accepting
# and the kernel's backlog (2,048) queues new ones.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
# Seconds a socket operation of an answer may wait (gevent workers): a client
# that stops reading a large answer (a slow read) is dropped after that,
# instead of holding its connection for as long as it likes.
_SEND_TIMEOUT = float(os.environ.get("GUNICORN_SEND_TIMEOUT", "30"))
# A safety net, not a cure: the caches are bounded and memory stays flat
# (make soak), while a recycled worker starts with cold caches. At 5,000 a
# busy worker was replaced every ten seconds and its first queries set the
# p99; at 50,000 it is every couple of minutes at full load.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# A 1,000-character Chinese query percent-encoded (as browsers and curl send
# it) is a 9 KB request line, past gunicorn's largest limit (8,190 bytes) and
# its HTML 400. 0 lifts the limit (gunicorn still stops at 1 MiB), and the app
# answers anything too long with its JSON error (web.RawQueryString).
limit_request_line = 0
# The app writes one JSON line per request (searchsvc.access, on stderr),
# without the client's address unless SEARCHSVC_LOG_CLIENT_IP is set;
# gunicorn's own access log, which starts with the address, is off unless asked.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


# Every worker's counters in one folder (prometheus_client's multiprocess
# mode), so /metrics answers for all of them; set before the app (and
# prometheus_client) is loaded.
_METRICS_OWNED = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _METRICS_OWNED:
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="searchsvc-metrics-")
else:  # a folder given (a container's volume): a previous run's counts do not carry over
    import glob

    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    for stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(stale)


_idle = None  # a worker's IdleTrim (ops.idle), made in post_worker_init
_IDLE_SECONDS = float(os.environ.get("SEARCHSVC_IDLE_TRIM_SECONDS", "1"))


def _trim_when_idle(log) -> None:
    from searchsvc.engine.snapshot import give_back_free_memory

    while True:
        time.sleep(_IDLE_SECONDS)  # gevent's sleep under gevent workers
        if _idle.due():
            give_back_free_memory()
            log.debug("idle: the heap's free memory given back")


def post_request(worker, req, environ, resp):
    if _idle is not None:
        _idle.ended()


def pre_request(worker, req):
    """One request per connection, as sync workers serve: a connection kept
    alive pins its client to one worker, and searches are CPU work, so
    clients queued behind a busy worker while the other one idled (8
    connections to 2 gevent workers kept alive: mean latency 33 ms, max
    470 ms; closed after each answer: 8 ms and 31 ms, as sync workers).
    A new connection goes to whichever worker is free to accept it.

    Under gevent workers the answer's socket also gets a timeout
    (GUNICORN_SEND_TIMEOUT), so a client that stops reading is dropped."""
    if _idle is not None:
        _idle.started()
    req.must_close = True
    sock = getattr(req.unreader, "sock", None)
    if _GEVENT and sock is not None:
        sock.settimeout(_SEND_TIMEOUT)


def child_exit(server, worker):
    """A dead worker's gauges leave the metrics; its counters stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _METRICS_OWNED:
        import shutil

        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def on_starting(server):
    """Load jieba's dictionary in the master so forked workers share it.

    gc.freeze() keeps the collector from writing to those objects in the
    workers, which would turn the shared pages into private copies.
    """
    import gc

    from searchsvc.web.warm import warm_up

    warm_up(server.app.wsgi())
    gc.collect()
    gc.freeze()


def post_worker_init(worker):
    """Open the index in each worker before it serves (see web.warm.warm_worker),
    and give the heap back whenever the worker goes idle (``IdleTrim``)."""
    from searchsvc.web.warm import warm_worker

    warm_worker(worker.wsgi)
    if _IDLE_SECONDS > 0:
        global _idle
        from searchsvc.ops.idle import IdleTrim

        _idle = IdleTrim()
        threading.Thread(target=_trim_when_idle, args=(worker.log,), name="idle-trim",
                         daemon=True).start()
