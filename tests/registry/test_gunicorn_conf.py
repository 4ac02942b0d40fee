"""gunicorn's configuration (gunicorn.conf.py) reads the environment."""

from __future__ import annotations

import multiprocessing
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def load(monkeypatch, **env: str) -> dict:
    for name in ("WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "PORT", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_it_runs_two_workers_a_core_plus_one_by_default(monkeypatch):
    conf = load(monkeypatch)
    assert conf["workers"] == multiprocessing.cpu_count() * 2 + 1
    assert conf["wsgi_app"] == "registry.wsgi:application"
    assert conf["bind"] == ["127.0.0.1:8000"]


def test_it_leaves_the_access_log_to_the_registrys_request_line(monkeypatch):
    conf = load(monkeypatch)
    assert conf["accesslog"] is None
    assert conf["logconfig_dict"]["loggers"]["gunicorn.access"]["handlers"] == []


def test_it_takes_workers_port_and_trusted_proxies_from_the_environment(monkeypatch):
    conf = load(monkeypatch, WEB_CONCURRENCY="3", PORT="9000", FORWARDED_ALLOW_IPS="10.0.0.2")
    assert conf["workers"] == 3
    assert conf["bind"] == ["127.0.0.1:9000"]
    assert conf["forwarded_allow_ips"] == "10.0.0.2"


def test_it_refuses_a_worker_count_that_is_not_a_number(monkeypatch):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY"):
        load(monkeypatch, WEB_CONCURRENCY="many")


def test_a_worker_freezes_what_it_loaded_once_the_application_is_up(monkeypatch):
    """The garbage collector's full passes then skip the application's own objects."""
    import gc

    conf = load(monkeypatch)
    before = gc.get_freeze_count()
    try:
        conf["post_worker_init"](object())
        assert gc.get_freeze_count() > before + 10_000
    finally:
        gc.unfreeze()
