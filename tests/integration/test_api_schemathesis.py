"""The API against its own OpenAPI document: schemathesis generates requests for every
operation from ``/api/v1/openapi.json`` and calls the real application in process (WSGI),
with demo data on the SQLite engine.

Checked for every response: no server error, a documented status code, the documented
content type, and a body that matches the documented schema. Generation is derandomised and
Hypothesis keeps no example database (and its caches go to a temporary folder), so a run is
repeatable and writes nothing to the repo.

Not checked: ``positive_data_acceptance`` / ``negative_data_rejection``. Record fields are
lenient on purpose (a vocabulary field takes a code or a label, ``trl`` takes "TRL6", money
takes "50万元"), so the input schemas describe the canonical form, which the server accepts,
and not every form the server accepts."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from web.api.openapi import openapi_document
from tests.apps import api_token, close_app, make_app

# Hypothesis caches unicode tables and source constants under ``.hypothesis`` in the working
# directory, from collection on; they go to the system's temporary folder instead
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "jilin-techtransfer-hypothesis")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SETTINGS = dict(derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))


def demo_app(folder):
    return make_app(folder, "demo", "load", "--achievements", "60", "--patents", "40", "--instruments", "20")


@pytest.fixture(scope="module")
def read_app(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("api-read"))
    app.admin_headers = {"Authorization": f"Bearer {api_token(app, 'admin')}"}
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def write_app(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("api-write"))
    # an administrator's token: imports and writes are reached, not just their 401
    app.admin_headers = {"Authorization": f"Bearer {api_token(app, 'admin')}"}
    yield app
    close_app(app)


# The document is loaded from the code at collection (each operation becomes its own test);
# the requests go to the application the fixtures build. (``schemathesis.pytest.from_fixture``,
# the lazy loader, fails under pytest 9.2: it reads ``request.node._nodeid``, which pytest 9
# no longer has. That the served document is this one is checked by test_api.py.)
# schemathesis makes its tests at collection in a way pytest-xdist's workers do not run (they
# report 2 of 45): scripts/dev test runs the "serial" tests in a process of their own
pytestmark = pytest.mark.serial
schema = schemathesis.openapi.from_dict(openapi_document())


@schema.include(method="GET").parametrize()
@settings(max_examples=50, **SETTINGS)
def test_read_operations_keep_their_contract(case, read_app):
    case.call_and_validate(app=read_app, checks=CHECKS, headers=read_app.admin_headers)


@schema.exclude(method="GET").parametrize()
@settings(max_examples=25, **SETTINGS)
def test_write_operations_keep_their_contract(case, write_app):
    case.call_and_validate(app=write_app, checks=CHECKS, headers=write_app.admin_headers)
