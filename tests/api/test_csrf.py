"""The bearer-token API works with CSRF protection on, as it is outside the tests."""

from __future__ import annotations

from config import TestingConfig
from evalflow import create_app
from tests.factories import call_payload


def test_api_writes_need_no_csrf_token(make, database_url, tmp_path):
    token = make.token(make.officer())
    config = TestingConfig(tmp_path, database_url)
    config.WTF_CSRF_ENABLED = True
    client = create_app(config).test_client()
    response = client.post("/api/v1/calls", json=call_payload(),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.json
