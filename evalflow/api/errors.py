"""Every error the app returns under /api is JSON in the shape of API.md."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from evalflow.errors import DomainError
from evalflow.extensions import db
from evalflow.request_log import loggable_path

_HTTP_CODES = {
    400: "malformed", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "file_too_large", 415: "unsupported_file_type",
}


def _json_error(status: int, code: str, message: str, fields: dict | None = None):
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="evalflow"'
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    """Turn domain errors and HTTP errors into API.md's JSON errors (and roll back)."""

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return _json_error(error.status, error.code, error.message, error.fields)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        db.session.rollback()
        if not _wants_json():
            return error
        limit = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        message = f"The file is larger than the {limit} MiB allowed."
        return _json_error(413, "file_too_large", message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        if not _wants_json():
            return error
        status = error.code or 500
        return _json_error(status, _HTTP_CODES.get(status, "error"), error.description or "")

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, loggable_path())
        if not _wants_json():
            return "Internal server error", 500
        return _json_error(500, "internal_error", "Something went wrong on our side.")
