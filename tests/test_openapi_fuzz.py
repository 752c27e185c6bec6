"""Fuzz the JSON API from its own OpenAPI description (schemathesis).

Positive and negative cases are generated from /api/openapi.json; every
answer must be free of server errors, use a documented status code and
content type, and match the documented response schema.
"""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from searchsvc import create_app, indexer
from tests.conftest import SEED, write_corpus


def _app():
    import tempfile
    from pathlib import Path

    base = Path(tempfile.mkdtemp(prefix="searchsvc-fuzz-"))
    corpus_dir = write_corpus(base / "corpus", {SEED.name: SEED.read_text(encoding="utf-8")})
    indexer.build_index(corpus_dir, base / "index")
    return create_app({"INDEX_DIR": str(base / "index"), "TESTING": True})


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_documented(case):
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance,
                                   content_type_conformance, response_schema_conformance])


def test_the_description_is_served_and_names_every_route(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/search", "/api/suggest", "/api/documents", "/healthz"}
    search = spec["paths"]["/api/search"]["get"]["parameters"]
    assert {p["name"]: p["schema"].get("maximum") for p in search}["per_page"] == 100
