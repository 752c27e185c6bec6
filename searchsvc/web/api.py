"""The JSON API's shapes as models: what the views serve and what
/api/openapi.json describes, from one definition.

Every JSON answer is made through these models (``search_body`` and the
views' ``dump``), and the OpenAPI 3.1 document is generated from the same
models (``spec``), with the parameters from the definitions that check
them (``engine.params``) and the running configuration's limits. The
schemathesis fuzz test holds every answer to the document. Keys are only
ever added: outside clients build on them (#2).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from ..engine.params import SEARCH, SUGGEST

Span = Annotated[list[int], Field(min_length=2, max_length=2)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Hit(_Model):
    id: str
    doc_id: str
    title: str
    section: str
    heading: str
    paragraph: int
    score: float
    text: str
    matches: list[Span] = Field(description="[start, end) offsets into text of what the query matched")
    fragments: list[Span] = Field(description="[start, end) offsets into text of what the snippet shows")
    exact: bool = Field(description="The paragraph holds every clause of the query as typed")
    partial: bool = Field(description="The paragraph lacks a query word")
    missing: list[str] = Field(description="The query words the paragraph lacks")
    near: list[str] = Field(description="The query's quoted phrases (as typed) that the "
                            "paragraph holds only as a near match: their words, not the "
                            "phrase itself (a quoted phrase is preferred, +\"…\" requires it)")
    page: int | None = Field(description="A PDF's page where the paragraph starts (null otherwise)")
    continues: bool = Field(description="The entry is a later piece of a paragraph too long to "
                            "read whole, split at a sentence end: it goes on from the "
                            "paragraph numbered one less")
    date: str = Field(description="Its document's date, ISO 8601 of a year, month or day "
                      "(2024, 2024-03, 2024-03-05); empty when unknown")
    source: str = Field(description="Its document's source; empty when unknown")
    more: int | None = Field(description="group=doc: how many other hits its document has "
                             "(null when not grouped)")
    more_url: str | None = Field(description="group=doc: the search that lists them "
                                 "(null when there are none or not grouped)")
    snippet: str = Field(description="HTML: escaped text with <mark>")
    url: str

    @field_serializer("score")
    def _score(self, score: float) -> float:
        return round(score, 4)


class FacetValue(_Model):
    value: str
    count: int = Field(description="Hits with this value, counted with every filter but "
                       "this facet's own (year_documents and source_documents: documents "
                       "with hits)")


class SearchResult(_Model):
    query: str
    total: int
    page: int
    per_page: int
    pages: int
    took_ms: float
    partial: bool = Field(description="There are hits, and none has every query word")
    filters: dict[str, list[str]]
    facets: dict[str, list[FacetValue]]
    ignored_terms: int = Field(description="Typed terms past the limit, not searched")
    complete: int = Field(description="Hits that have every query word; they come first")
    sort: str = Field(description="relevance, or date: newest documents first")
    group: str = Field(description="doc: one hit per document; empty: every hit")
    groups: int | None = Field(description="group=doc: how many documents have hits (pages "
                               "count these); null when not grouped")
    relaxed: bool = Field(description="A quoted phrase occurs nowhere: these are the results "
                          "of the query without its quotes")
    relaxed_phrases: list[str] = Field(description="The quoted phrases found nowhere, as typed")
    did_you_mean: str | None = Field(description="The query with a frequent word of the index "
                                     "for a rare or absent one (营商坏境 → 营商环境); null "
                                     "when the query finds what it asks for")
    interpreted_as: str | None = Field(description="Typed in pinyin and found (almost) nowhere "
                                       "as Latin: the query as searched, with the index's "
                                       "words for the pinyin (yingshanghuanjing → 营商环境); "
                                       "null when read as typed")
    corrected_to: str | None = Field(description="Nothing matched as typed and this correction "
                                     "(did_you_mean) does: the hits are the correction's. "
                                     "as_typed=1 asks for the query as typed; null otherwise")
    absent: list[str] = Field(description="Query words that no hit holds (under the filters): "
                              "requiring one (+word) would find nothing")
    pieces: list[str] = Field(description="No query word occurs in any paragraph: the hits "
                              "hold these pieces of them (two characters of a word, else "
                              "one), best first; empty otherwise")
    hits: list[Hit]

    @field_serializer("took_ms")
    def _took(self, took_ms: float) -> float:
        return round(took_ms, 2)


class Suggestion(_Model):
    text: str
    word: str
    count: int


class Suggestions(_Model):
    query: str
    suggestions: list[Suggestion] = Field(description="Most frequent first")


class Documents(_Model):
    documents: list[dict] = Field(description="Each document's metadata, url and file_url")
    total: int


class Health(_Model):
    status: str
    documents: int
    paragraphs: int
    index_built_at: str
    index_version: str
    corpus: str = Field(description="The corpus folder the serving build was read from "
                        "(empty for a build made before searchsvc recorded it)")


class Unavailable(_Model):
    status: str
    reason: str


class ErrorDetail(_Model):
    code: str
    message: str


class Error(_Model):
    error: ErrorDetail


def _fields(model, obj, **given) -> dict:
    """The attributes of ``obj`` that ``model`` has fields for (``given``
    ones as given), as the dict the model validates: building dicts and
    validating them is twice as fast as validating from attributes."""
    return {name: given[name] if name in given else getattr(obj, name)
            for name in model.model_fields}


def search_body(result, rendered: list[tuple[str, str]],
                more: list[str | None] | None = None) -> str:
    """The JSON of an engine result with the web's (snippet, url) and the
    link to its document's other hits (none when not grouped) per hit."""
    more = more or [None] * len(result.hits)
    data = _fields(SearchResult, result,
                   facets={name: [_fields(FacetValue, f) for f in values]
                           for name, values in result.facets.items()},
                   hits=[_fields(Hit, h, snippet=s, url=u, more_url=m)
                         for h, (s, u), m in zip(result.hits, rendered, more)])
    return SearchResult.model_validate(data).model_dump_json()


def error(code: str, message: str) -> dict:
    """The one JSON error shape: {"error": {"code", "message"}}."""
    return Error(error=ErrorDetail(code=code, message=message)).model_dump()


# --------------------------------------------------------------------------
# The OpenAPI document
# --------------------------------------------------------------------------

_REF = "#/components/schemas/{model}"
_SCHEMAS = (SearchResult, Suggestions, Documents, Health, Unavailable, Error)


def _json(model, description: str) -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": _REF.format(model=model.__name__)}}}}


def _error(description: str) -> dict:
    return _json(Error, description)


def parameters(params, settings, required: bool = True) -> list[dict]:
    """The OpenAPI ``parameters`` of an endpoint that reads ``params``."""
    out = []
    for p in params:
        if p.kind == "query":
            schema = {"type": "string", "maxLength": settings["MAX_QUERY_LENGTH"]}
        elif p.kind == "int":
            schema = {"type": "integer", "minimum": p.low, "maximum": p.limit(settings),
                      "default": p.default}
        elif p.kind == "date":
            schema = {"type": "string", "maxLength": 40, "examples": ["2019", "2019-03", "2019-03-05"]}
        elif p.kind == "choice":
            schema = {"type": "string", "enum": list(p.choices), "default": p.choices[0]}
        else:
            schema = {"type": "array", "items": {"type": "string"}}
        entry = {"name": p.name, "in": "query", "description": p.description, "schema": schema}
        if p.kind == "list":
            entry.update(style="form", explode=True)
        if p.kind == "query" and required:
            entry["required"] = True
        out.append(entry)
    return out


def _components() -> dict:
    schemas = {}
    for model in _SCHEMAS:
        schema = model.model_json_schema(ref_template=_REF, mode="serialization")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def spec(settings: dict) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "searchsvc", "version": "1",
                 "description": "Full-text search over Chinese reports, one entry per paragraph."},
        "paths": {
            "/api/search": {"get": {
                "summary": "Ranked, highlighted paragraphs",
                "parameters": parameters(SEARCH, settings, required=False),
                "responses": {"200": _json(SearchResult, "One page of results"),
                              "400": _error("A parameter is missing, out of range or not a "
                                            "date (its name is the error's code: invalid_from)"),
                              "503": _error("No usable index")}}},
            "/api/suggest": {"get": {
                "summary": "Completions of the query's last word",
                "parameters": parameters(SUGGEST, settings, required=False),
                "responses": {"200": _json(Suggestions, "Suggestions, most frequent first"),
                              "400": _error("A parameter is out of range"),
                              "503": _error("No usable index")}}},
            "/api/documents": {"get": {
                "summary": "The indexed documents and their metadata",
                "responses": {"200": _json(Documents, "Documents"),
                              "503": _error("No usable index")}}},
            "/healthz": {"get": {
                "summary": "Whether an index is being served",
                "responses": {"200": _json(Health, "Serving"),
                              "503": _json(Unavailable, "No usable index; the reason says why")}}},
        },
        "components": {"schemas": _components()},
    }
