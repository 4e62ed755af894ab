"""What the app checks when it starts."""

from __future__ import annotations

import logging

import pytest

from config import TestingConfig
from evalflow import create_app
from evalflow.decisions import letters


def test_a_missing_harfbuzz_subsetter_is_warned_about(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(letters, "harfbuzz_subset_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="evalflow"):
        create_app(TestingConfig(tmp_path))
    assert "libharfbuzz-subset0" in caplog.text


def test_no_warning_when_it_is_installed(tmp_path, caplog):
    assert letters.harfbuzz_subset_available()
    with caplog.at_level(logging.WARNING, logger="evalflow"):
        create_app(TestingConfig(tmp_path))
    assert "libharfbuzz-subset0" not in caplog.text


def test_production_refuses_to_start_without_a_secret(tmp_path):
    config = TestingConfig(tmp_path)
    config.SECRET_KEY = ""
    config.PRODUCTION = True
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_from_the_environment_names_the_missing_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("EVALFLOW_ENV", "production")
    monkeypatch.setenv("EVALFLOW_INSTANCE", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app()


def test_postgresql_connections_give_up_after_five_seconds_unless_the_url_says(
        monkeypatch) -> None:
    from config import Config

    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal/evalflow")
    assert Config().SQLALCHEMY_ENGINE_OPTIONS["connect_args"] == {"connect_timeout": 5}
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal/evalflow?connect_timeout=2")
    assert "connect_args" not in Config().SQLALCHEMY_ENGINE_OPTIONS
    monkeypatch.delenv("DATABASE_URL")
    assert "connect_args" not in Config().SQLALCHEMY_ENGINE_OPTIONS  # SQLite
