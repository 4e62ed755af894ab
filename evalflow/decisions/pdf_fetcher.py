"""A deny-by-default resource fetcher for WeasyPrint: the app's static files and nothing else.

WeasyPrint's default fetcher follows file:// and loopback URLs, so text an applicant typed
could otherwise make the renderer read a server file or reach the network.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


class LetterResourceRefused(ValueError):
    """Raised by :class:`StaticOnlyFetcher` for any URL outside the app's static files."""


class StaticOnlyFetcher(URLFetcher):
    """Deny-by-default WeasyPrint fetcher: serves only files under ``evalflow/static/``.

    Accepts ``file:`` URLs (no host, no query) whose *resolved* path (symlinks and ``..``
    followed) is a regular file inside the static folder. Everything else (other files,
    ``http(s):``, ``data:``, ``ftp:``…) raises :class:`LetterResourceRefused`. It never
    follows redirects because it never opens a network connection.
    """

    def __init__(self, root: Path = STATIC_DIR) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve(strict=True)

    def resolve(self, url: str) -> Path:
        """Return the real path served for ``url``, or raise :class:`LetterResourceRefused`."""
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise LetterResourceRefused(f"malformed URL refused: {url!r}") from error
        if parts.scheme.lower() != "file":
            raise LetterResourceRefused(f"only the app's static files may be loaded: {url!r}")
        if parts.netloc not in ("", "localhost") or parts.query:
            raise LetterResourceRefused(f"file URL with host or query refused: {url!r}")
        raw_path = unquote(parts.path)
        if "\x00" in raw_path:
            raise LetterResourceRefused(f"NUL byte in URL refused: {url!r}")
        try:
            path = Path(raw_path).resolve(strict=True)
        except (OSError, RuntimeError) as error:
            raise LetterResourceRefused(f"no such static file: {url!r}") from error
        if not path.is_relative_to(self.root) or not path.is_file():
            raise LetterResourceRefused(f"outside the app's static files: {url!r}")
        return path

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Serve ``url`` if it names a static file; raise otherwise."""
        path = self.resolve(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".svg":
            content_type = "image/svg+xml"
        return URLFetcherResponse(
            path2url(path), body=path.read_bytes(), headers={"Content-Type": content_type}
        )
