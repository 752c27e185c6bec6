"""Word files (.docx, read with python-docx): headings become the title
and sections, table rows paragraphs; a damaged, encrypted or bomb-sized
file is refused with a reason."""

from __future__ import annotations

import io
import zipfile

from . import tables
from .metadata import plausible_title, split_tags
from .model import Parsed, Unreadable

MAX_UNZIPPED = 256 * 1024 * 1024  # a .docx that unpacks to more is refused (zip bomb)
MAX_RATIO = 200  # ... as is one whose parts compress better than this


def read_docx(data: bytes) -> Parsed:
    """Headings (and the Title style) become the title and sections,
    paragraphs stay paragraphs, each table row becomes one paragraph (its
    cells joined by |), and the core properties give title, author and
    date."""
    _check_zip(data)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph as DocxParagraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on a bad file
        raise Unreadable(f"damaged .docx ({type(exc).__name__})") from None
    parsed = Parsed()
    props = document.core_properties
    parsed.author = props.author or ""
    parsed.date = props.created.date().isoformat() if props.created else ""
    parsed.tags = split_tags(props.keywords or "")
    parsed.source = (props.category or "").strip()  # Word has no source; 类别 is the nearest
    section = ""
    opening = []  # the first paragraphs, for a title when no style or property gives one
    # style names by id, read once: python-docx looks a paragraph's style up
    # in the styles part on every call (3 ms a paragraph)
    names = {s.style_id: s.name or "" for s in document.styles}
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = DocxParagraph(child, document)
            text = para.text.strip()
            if not text:
                continue
            style = names.get(child.style, "") if child.style else ""
            if style == "Title" or (style == "Heading 1" and not parsed.title
                                    and not parsed.paragraphs):
                parsed.title = parsed.title or text
            elif style.startswith("Heading"):
                section = text
                parsed.sections.append(section)
            else:
                if len(opening) < 12:
                    opening.append(para)
                parsed.paragraphs += [(section, line.strip())
                                      for line in text.split("\n") if line.strip()]
        elif tag == "tbl":
            rows = []
            for row in Table(child, document).rows:
                seen: set[int] = set()  # a merged cell repeats across the columns it spans
                rows.append([c.text.strip() if id(c._tc) not in seen and not seen.add(id(c._tc))
                             else "" for c in row.cells])
            parsed.paragraphs += [(section, text) for text in tables.row_texts(rows)]
    if not parsed.title:
        # a template's placeholder (标准名称) gives way to the opening's display line
        parsed.title = props.title if plausible_title(props.title or "") else _opening_title(
            [(_display_size(para), para.text.strip()) for para in opening])
    return parsed


def _display_size(para) -> tuple[float, bool]:
    """How a paragraph is set: its largest run's size in points (its
    style's when the runs say nothing) and whether it is bold or centred
    throughout."""
    style_font = para.style.font if para.style is not None else None
    runs = [run for run in para.runs if run.text.strip()]
    sizes = [run.font.size.pt for run in runs if run.font.size is not None]
    if not sizes and style_font is not None and style_font.size is not None:
        sizes = [style_font.size.pt]
    bold = bool(runs) and all(run.bold or (run.bold is None and style_font is not None
                                           and bool(style_font.bold)) for run in runs)
    centred = para.alignment is not None and int(para.alignment) == 1
    return max(sizes, default=0.0), bold or centred


def _opening_title(opening: list[tuple[tuple[float, bool], str]]) -> str:
    """The most prominent short line among a document's first paragraphs
    when it is set apart from their usual type (larger, or bold or
    centred at the same size); the first of equals."""
    if not opening:
        return ""
    body = sorted(size for (size, _), _ in opening)[len(opening) // 2]
    lines = [(look, text) for look, text in opening
             if len(text) <= 60 and text[-1] not in "。；;，,：:" and plausible_title(text)
             and (look[0] > body or look[0] == body and look[1])]
    return max(lines, key=lambda item: item[0], default=((0.0, False), ""))[1]


def _check_zip(data: bytes) -> None:
    """Refuse what is not a zip (an encrypted Word file is an OLE file) and
    a zip that would unpack to far more than a report (a zip bomb)."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable("encrypted or old-format Word file (only .docx is read)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Unreadable("damaged .docx (not a complete zip file)") from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNZIPPED or total > MAX_RATIO * packed and total > 16 * 1024 * 1024:
        raise Unreadable(f"refused: unpacks to {total:,} bytes (a zip bomb?)")
    if "word/document.xml" not in {i.filename for i in infos}:
        raise Unreadable("damaged .docx (no word/document.xml)")
