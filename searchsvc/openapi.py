"""The JSON API's OpenAPI 3 description, served at /api/openapi.json.

Parameters come from the definitions that check them (``params``), with
the limits of the running configuration; the response shapes are written
here, and the schemathesis fuzz test holds every answer to them.
"""

from __future__ import annotations

from .params import SEARCH, SUGGEST, openapi_parameters


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def spec(settings: dict) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "searchsvc", "version": "1",
                 "description": "Full-text search over Chinese reports, one entry per paragraph."},
        "paths": {
            "/api/search": {"get": {
                "summary": "Ranked, highlighted paragraphs",
                "parameters": openapi_parameters(SEARCH, settings),
                "responses": {
                    "200": {"description": "One page of results",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/SearchResult"}}}},
                    "400": _error("A parameter is missing or out of range"),
                    "503": _error("No usable index"),
                }}},
            "/api/suggest": {"get": {
                "summary": "Completions of the query's last word",
                "parameters": openapi_parameters(SUGGEST, settings, required=False),
                "responses": {
                    "200": {"description": "Suggestions, most frequent first",
                            "content": {"application/json": {"schema": {
                                "type": "object", "required": ["query", "suggestions"],
                                "properties": {
                                    "query": {"type": "string"},
                                    "suggestions": {"type": "array", "items": {
                                        "type": "object", "required": ["text", "word", "count"],
                                        "properties": {"text": {"type": "string"},
                                                       "word": {"type": "string"},
                                                       "count": {"type": "integer"}}}}}}}}},
                    "400": _error("A parameter is out of range"),
                    "503": _error("No usable index"),
                }}},
            "/api/documents": {"get": {
                "summary": "The indexed documents and their metadata",
                "responses": {
                    "200": {"description": "Documents",
                            "content": {"application/json": {"schema": {
                                "type": "object", "required": ["documents", "total"],
                                "properties": {"total": {"type": "integer"},
                                               "documents": {"type": "array",
                                                             "items": {"type": "object"}}}}}}},
                    "503": _error("No usable index"),
                }}},
            "/healthz": {"get": {
                "summary": "Whether an index is being served",
                "responses": {
                    "200": {"description": "Serving",
                            "content": {"application/json": {"schema": {
                                "type": "object",
                                "required": ["status", "documents", "paragraphs", "index_built_at",
                                             "index_version"],
                                "properties": {"status": {"type": "string"},
                                               "documents": {"type": "integer"},
                                               "paragraphs": {"type": "integer"},
                                               "index_built_at": {"type": "string"},
                                               "index_version": {"type": "string"}}}}}},
                    "503": {"description": "No usable index; the reason says why",
                            "content": {"application/json": {"schema": {
                                "type": "object", "required": ["status", "reason"],
                                "properties": {"status": {"type": "string"},
                                               "reason": {"type": "string"}}}}}},
                }}},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Span": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
            "Hit": {"type": "object",
                    "required": ["id", "doc_id", "title", "section", "paragraph", "score",
                                 "snippet", "text", "url", "matches", "fragments", "exact",
                                 "partial"],
                    "properties": {
                        "id": {"type": "string"}, "doc_id": {"type": "string"},
                        "title": {"type": "string"}, "section": {"type": "string"},
                        "heading": {"type": "string"}, "paragraph": {"type": "integer"},
                        "score": {"type": "number"},
                        "snippet": {"type": "string", "description": "HTML: escaped text with <mark>"},
                        "text": {"type": "string"}, "url": {"type": "string"},
                        "matches": {"type": "array", "description":
                                    "[start, end) offsets into text of what the query matched",
                                    "items": {"$ref": "#/components/schemas/Span"}},
                        "fragments": {"type": "array", "description":
                                      "[start, end) offsets into text of what the snippet shows",
                                      "items": {"$ref": "#/components/schemas/Span"}},
                        "exact": {"type": "boolean", "description":
                                  "The paragraph holds every clause of the query as typed"},
                        "partial": {"type": "boolean",
                                    "description": "The paragraph lacks a query word"},
                        "missing": {"type": "array", "items": {"type": "string"},
                                    "description": "The query words the paragraph lacks"},
                        "page": {"type": "integer", "nullable": True, "description":
                                 "A PDF's page where the paragraph starts (null otherwise)"}}},
            "SearchResult": {
                "type": "object",
                "required": ["query", "total", "page", "per_page", "pages", "took_ms", "hits"],
                "properties": {
                    "query": {"type": "string"}, "total": {"type": "integer"},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"},
                    "pages": {"type": "integer"}, "took_ms": {"type": "number"},
                    "partial": {"type": "boolean",
                                "description": "There are hits, and none has every query word"},
                    "complete": {"type": "integer",
                                 "description": "Hits that have every query word; they come first"},
                    "ignored_terms": {"type": "integer"},
                    "filters": {"type": "object"}, "facets": {"type": "object"},
                    "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}}},
        }},
    }
