"""After a form, the app goes back only to a path on this site: never an open redirect."""

from __future__ import annotations

import pytest

from evalflow.validation import local_path


@pytest.mark.parametrize("target", [
    "/officer/funding/PNC-2008?page=2&sector=TIC",
    "/institution/",
    "/",
])
def test_a_path_on_this_site_is_kept(target: str) -> None:
    assert local_path(target) == target


@pytest.mark.parametrize("target", [
    None, "", "https://evil.example/", "//evil.example/", "/\\evil.example/",
    "evil.example", "javascript:alert(1)", "/ok\r\nSet-Cookie: x=1", "http:/evil",
])
def test_anything_that_could_leave_the_site_is_dropped(target: str | None) -> None:
    assert local_path(target) is None
