"""Corpus profiles: one publication's page furniture, as data.

A plain-text page saved from a news site carries lines that are not the
report (share buttons, links back to the site), a byline with the
source, date, edition and author, and a credit line. The plain-text
reader (``text``) knows none of them: it reads them from a ``Profile``.
The paper's section labels (答卷3, 聚焦, 数读) are a heading rule
(``headings.DEFAULT_RULES_TEXT``), beside the reports' numbering. ``NEWSPAPER`` is the
seed report's paper (南方都市报 as published on 奥一网), and the default;
another publication is another profile, not another reader.

Patterns match lines after normalization (width, case, traditional to
simplified), so a traditional copy of a page parses like the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..analysis.normalize import normalize_text


@dataclass(frozen=True)
class Profile:
    name: str
    chrome: frozenset[str] = frozenset()  # whole lines of the site's page (normalized)
    byline: re.Pattern | None = None  # the line that starts the byline
    fields: dict[str, str] = field(default_factory=dict)  # byline label -> Document attribute
    credit: re.Pattern | None = None  # a credit line; group "credit" is the credit


NEWSPAPER = Profile(
    name="newspaper",
    chrome=frozenset(normalize_text(s) for s in ("·", "分享到:", "手机看报", "返回奥一网 意见反馈")),
    byline=re.compile(r"^来源[:：]"),
    fields={"来源": "source", "版次": "edition", "作者": "author"},
    credit=re.compile(r"^本版采写[:：]\s*(?P<credit>.+)$"),
)

DEFAULT = NEWSPAPER
