"""Schemathesis against the operations API's own OpenAPI document: no server error, and
responses that conform to the document (status codes, content types, bodies)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from apikit import CONTROL, CONTROL_TOKEN, READ_TOKEN, running_session
from pythia.service.api import create_app
from pythia.service.ops import OpsHub

HUB = OpsHub(mode="paper")
"""The hub of the session below: the schema is read from the app at collection time."""
APP = create_app(HUB, READ_TOKEN, CONTROL_TOKEN)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, headers=CONTROL)


@pytest.fixture(scope="module", autouse=True)
def session(tmp_path_factory):
    directory = tmp_path_factory.mktemp("schema")
    HUB.journal_url = f"sqlite:///{directory / 'journal.db'}"
    with running_session(directory, speed=10, hub=HUB) as running:
        yield running


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_conforms_to_its_document_and_never_fails(case):
    response = case.call_and_validate(headers=CONTROL)  # every built-in check
    for token in (READ_TOKEN, CONTROL_TOKEN):
        assert token not in response.text
