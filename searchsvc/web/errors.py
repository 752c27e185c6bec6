"""Errors as answers: every client error a 4xx in one JSON shape
(``api.error``) on the API and a readable page elsewhere; no usable index
or a damaged file a 503 naming why; anything else a logged 500 without a
stack trace."""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..engine.params import BadParameter
from ..storage.files import DamagedFile
from ..storage.layout import IndexUnavailable
from .api import error
from .messages import HTTP_MESSAGES, page_message


def init_app(app) -> None:
    app.register_error_handler(BadParameter, _bad_request)
    app.register_error_handler(IndexUnavailable, _unavailable)
    app.register_error_handler(DamagedFile, _damaged)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _bad_request(exc: BadParameter):
    if wants_json():
        return jsonify(error(exc.code, exc.message)), exc.status
    message = page_message(exc, request.args, current_app.config, request.view_args)
    return render_template("error.html", message=message, status=exc.status), exc.status


def _unavailable(exc):
    if wants_json():
        return jsonify(error("index_unavailable", str(exc))), 503
    return render_template("error.html", message="索引暂不可用：" + str(exc), status=503), 503


def _damaged(exc: DamagedFile):
    """A file of the serving build read wrong during a request: 503 naming
    it, as /healthz does for what it finds when it opens a build."""
    current_app.logger.error("damaged index file on %s: %s", request.path, exc)
    return _unavailable(IndexUnavailable(str(exc)))


def _http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    if wants_json():
        return jsonify(error(code, exc.description or exc.name)), exc.code
    return render_template("error.html", message=HTTP_MESSAGES.get(exc.code, HTTP_MESSAGES[400]),
                           status=exc.code), exc.code


def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    if wants_json():
        return jsonify(error("internal_error", "the server could not answer this request")), 500
    return render_template("error.html", message="服务器内部错误，请稍后再试。", status=500), 500
