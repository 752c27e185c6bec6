"""Fuzz the JSON API from its own OpenAPI description (schemathesis).

Positive and negative cases are generated from /api/openapi.json; every
answer must be free of server errors, use a documented status code and
content type, and match the documented response schema.
"""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from searchsvc.config import DEFAULTS
from searchsvc.web.api import spec

# the description with the default settings, which the app serves (checked
# below); cases are sent to the seed report's app, built by the fixture
schema = schemathesis.openapi.from_dict(spec(DEFAULTS))


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_documented(case, app):
    case.call_and_validate(app=app, checks=[not_a_server_error, status_code_conformance,
                                   content_type_conformance, response_schema_conformance])


def test_the_description_is_served_and_names_every_route(client):
    served = client.get("/api/openapi.json").get_json()
    assert served == spec(DEFAULTS)  # what the fuzz test above reads
    assert served["openapi"].startswith("3.")
    assert set(served["paths"]) == {"/api/search", "/api/suggest", "/api/documents", "/healthz"}
    search = served["paths"]["/api/search"]["get"]["parameters"]
    assert {p["name"]: p["schema"].get("maximum") for p in search}["per_page"] == 100


def test_the_description_follows_the_settings(app):
    """Limits come from the settings the checks read (params.py)."""
    app.config.update(MAX_PER_PAGE=20, MAX_QUERY_LENGTH=50)
    described = app.test_client().get("/api/openapi.json").get_json()
    search = {p["name"]: p["schema"] for p in described["paths"]["/api/search"]["get"]["parameters"]}
    assert search["per_page"]["maximum"] == 20 and search["q"]["maxLength"] == 50
    assert app.test_client().get("/api/search?q=罗湖&per_page=21").status_code == 400
    assert app.test_client().get("/api/search?q=罗湖&per_page=20").status_code == 200
