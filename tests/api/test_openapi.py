"""The OpenAPI document describes every Users endpoint of the seed and is itself valid."""

import re
from typing import Any

from litestar.testing import TestClient
from openapi_spec_validator import validate

SEED_OPERATIONS: set[tuple[str, str]] = {
    ("post", "/users"),
    ("post", "/users/tokens/issue"),
    ("post", "/users/tokens/refresh"),
    ("get", "/users/profile"),
    ("get", "/users/{id}"),
    ("get", "/users"),
    ("patch", "/users/{id}"),
    ("patch", "/users/{id}/tags"),
    ("patch", "/users/{id}/owner"),
    ("patch", "/users/{id}/identity"),
    ("patch", "/users/secret"),
    ("post", "/users/{id}/enable"),
    ("post", "/users/{id}/disable"),
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def normalized(path: str) -> str:
    """Path parameters compare by position, not by name."""
    return re.sub(r"\{[^}]+\}", "{id}", path)


def test_openapi_document_is_valid_and_covers_the_users_section(
    client: TestClient[Any],
) -> None:
    response = client.get("/schema/openapi.json")

    assert response.status_code == 200, response.text
    assert "json" in response.headers["content-type"]
    spec = response.json()
    validate(spec)
    operations = {
        (method, normalized(path))
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    missing = SEED_OPERATIONS - operations
    assert not missing, missing
    for path, item in spec["paths"].items():
        if "{" in path:
            parameters = [p for op in item.values() for p in op.get("parameters", [])]
            assert any(p["in"] == "path" for p in parameters), path
    assert "BearerToken" in spec["components"]["securitySchemes"]


def test_openapi_ui_answers_html(client: TestClient[Any]) -> None:
    response = client.get("/schema")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()


def test_errors_security_and_as_of_are_documented_as_the_server_answers(
    client: TestClient[Any],
) -> None:
    """Errors are the Problem body; public routes declare no security, ingest its thing
    secret; as_of appears on reads only (the middleware refuses it on writes)."""
    spec = client.get("/schema/openapi.json").json()
    problem = spec["components"]["schemas"]["Problem"]
    operations = {
        (method, path): op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }

    assert set(problem["required"]) >= {"status", "error", "message"}
    for (method, path), op in operations.items():
        errors = {code: r for code, r in op["responses"].items() if code.startswith(("4", "5"))}
        assert "400" in errors or method == "get", (method, path)
        for code, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, code)
        names = {p["name"] for p in op.get("parameters", [])}
        assert method == "get" or "as_of" not in names, (method, path)
        if op.get("security"):
            assert "401" in errors, (method, path)
    assert "security" not in spec
    assert not operations["post", "/users/tokens/issue"].get("security")
    assert "401" in operations["post", "/users/tokens/issue"]["responses"]
    assert not operations["get", "/health"].get("security")
    assert operations["post", "/http/channels/{channel_id}/messages"]["security"] == [
        {"ThingSecret": []},
        {"BasicAuth": []},
    ]
    assert operations["get", "/things"]["security"] == [{"BearerToken": []}]
    assert "as_of" in {p["name"] for p in operations["get", "/things"]["parameters"]}


def test_ingest_and_the_reader_are_documented_as_they_answer(client: TestClient[Any]) -> None:
    """Ingest takes a SenML pack in three media types and answers 202 with no body; the
    reader's page is one schema, which an empty page cannot match twice."""
    spec = client.get("/schema/openapi.json").json()
    ingest = spec["paths"]["/http/channels/{channel_id}/messages"]["post"]
    reader = spec["paths"]["/channels/{channel_id}/messages"]["get"]

    assert ingest["requestBody"]["required"] is True
    assert set(ingest["requestBody"]["content"]) == {
        "application/senml+json",
        "application/json",
        "application/senml+cbor",
    }
    assert "content" not in ingest["responses"]["202"]
    page = reader["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/MessagePageResponse"}
