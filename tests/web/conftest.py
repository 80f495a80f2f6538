"""Fixtures of the web tests: a FRESH app per test from a small fixture dataset, and live
servers on loopback for real clients."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any, Callable, Iterator

import pyoxigraph as ox
import pytest
from cgweb_testlib import serving
from flask import Flask
from flask.testing import FlaskClient

from cicagraph.config import Project, Settings
from cicagraph.web import create_app

FIXTURES = Path(__file__).parent / "fixtures"
DATASET = FIXTURES / "dataset.nq"

# A query that takes ~0.25 s on the fixture dataset (a filtered 3-way cross product).
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . FILTER(STR(?c) < STR(?i)) }"


@pytest.fixture
def slow_query() -> str:
    return SLOW_QUERY


@pytest.fixture
def store() -> ox.Store:
    s = ox.Store()
    s.load(path=str(DATASET), format=ox.RdfFormat.N_QUADS)
    return s


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(DATASET, build / "dataset.nq")
    return Settings(project=Project(FIXTURES), build_dir=build, query_timeout_s=5.0, max_result_rows=1000)


@pytest.fixture
def make_app(settings: Settings, store: ox.Store) -> Callable[..., Flask]:
    """``make_app(max_result_rows=5)``: a fresh app with some settings changed."""

    def make(**changes: Any) -> Flask:
        app = create_app(settings.with_(**changes), store=store)
        app.config["TESTING"] = True
        return app

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on a random loopback port (threaded WSGI server); yields its base URL."""
    with serving(app) as url:
        yield url
