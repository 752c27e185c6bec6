"""A web page made ready for article extraction: layout tables unrolled
into blocks and page widgets taken out.

trafilatura reads a table as data and keeps it whole, so a page laid out
in tables (most Chinese news sites before about 2010) comes back as one
table holding the menu, the article and the footer. And it keeps short
blocks a site repeats around every article when they sit inside the
article's container: share and font-size controls, login prompts, a
carousel's caption. What is cut here is judged by the block's shape
(mostly links or script controls, a class that names a widget), never by
the article's words."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from .model import Dropped

# class or id words that name a page widget, not an article (share-box,
# swiper-slide, fontSize, login_tip); matched at the start of a word
_WIDGET = re.compile(
    r"(?:^|[\s_\-]|(?<=[a-z])(?=[A-Z]))(?:share|sharing|login|signin|signup|register|font|zoom|"
    r"carousel|swiper|slide|slick|collect|favou?r|fav\b|print|toolbar|tools?\b|comment|reply|"
    r"nav|menu|breadcrumb|crumb|footer|copyright|qrcode|qr\b|wechat|weixin|weibo|social|"
    r"pagination|pager|gotop|backtop|tags?\b|keywords?\b|related|recommend)",
    re.IGNORECASE)
# a prompt to log in, in the page's chrome (您还未登录，请登录后进行收藏)
_LOGIN = re.compile(r"(?:未|请先?|需要?)登录|登录后|登录\s*[|/]\s*注册|扫码|扫一扫")
_CONTROLS = ("button", "select", "input", "textarea", "option", "label")
_BLOCKS = ("p", "div", "ul", "ol", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6",
           "blockquote", "pre", "dl", "section", "article")
_SENTENCE_END = r"[。！？!?；;]$"
_CELL_TEXT = 100  # a data cell is shorter than a paragraph
_WIDGET_TEXT = 200  # a widget's text is short; an article's container is not
_LINKS_TEXT = 120  # a link row (menu, 【推荐】【打印】) is short


def clean(text: str, dropped: list[Dropped] | None = None):
    """The page as an lxml tree, layout tables unrolled and widgets cut
    (each in ``dropped`` with its rule); None when lxml cannot parse it."""
    dropped = [] if dropped is None else dropped
    try:
        tree = lxml_html.document_fromstring(text)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    for form in list(tree.iter("form")):
        form.drop_tag()  # ASP.NET pages wrap the whole page in one form
    for control in list(tree.iter(*_CONTROLS)):
        _remove(control, "a form control (button, menu, input field)", dropped)
    for table in reversed(list(tree.iter("table"))):
        if _is_data(table):
            _give_header(table)
        else:
            _unroll(table)
    for element in list(tree.iter("div", "span", "p", "li", "ul", "ol", "section", "aside",
                                  "dl", "dd", "dt", "a")):
        if _attached(element, tree) and (rule := _is_widget(element)):
            _remove(element, rule, dropped)
    for block in tree.iter("p", "li", "dd", "blockquote"):
        if re.search(_SENTENCE_END, _text(block)):
            for link in list(block.iter("a")):
                link.drop_tag()  # its words are the sentence's, not a link list's
    return tree


def _attached(element, tree) -> bool:
    """Still in the page: not inside a block already cut out."""
    while (parent := element.getparent()) is not None:
        element = parent
    return element is tree


def _text(element) -> str:
    return "".join("".join(element.itertext()).split())


def _is_data(table) -> bool:
    """A table of data: rows of two or more short cells holding no blocks.
    A table whose cells hold paragraphs, other tables or one column only
    lays the page out."""
    rows = [row for row in table.iter("tr") if _owner(row) is table]
    widths = [sum(1 for cell in row if cell.tag in ("td", "th")) for row in rows]
    if len(rows) < 2 or sorted(widths)[len(widths) // 2] < 2:
        return False
    for row in rows:
        for cell in row:
            if cell.tag not in ("td", "th"):
                continue
            if len(_text(cell)) > _CELL_TEXT or any(
                    node.tag in _BLOCKS for node in cell.iterdescendants()
                    if isinstance(node.tag, str)):
                return False
    return True


def _give_header(table) -> None:
    """A data table without <th> takes its first row as header: the
    Markdown it becomes is then a table, one entry per row, not one line
    of all its cells."""
    rows = [row for row in table.iter("tr") if _owner(row) is table]
    if not any(cell.tag == "th" for row in rows for cell in row):
        for cell in rows[0]:
            if cell.tag == "td":
                cell.tag = "th"


def _owner(node):
    """The table a row or cell belongs to (not one nested in a cell)."""
    parent = node.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _unroll(table) -> None:
    """A layout table as blocks: each cell a <div>, rows and the table
    itself dissolved."""
    for node in list(table.iter()):
        if node is table or _owner(node) is not table:
            continue
        if node.tag in ("td", "th", "caption"):
            node.tag = "div"
            node.attrib.pop("colspan", None)
            node.attrib.pop("rowspan", None)
        elif node.tag in ("tr", "tbody", "thead", "tfoot", "colgroup", "col"):
            node.drop_tag()
    table.tag = "div"


def _is_widget(element) -> str:
    """The rule that makes a block page furniture, or "": named as a
    widget and short, made mostly of links or script controls and short,
    or a login prompt."""
    text = _text(element)
    if not text:
        return ""
    names = f"{element.get('class', '')} {element.get('id', '')}"
    if len(text) <= _WIDGET_TEXT and _WIDGET.search(names) and not _prose(text):
        return f"a widget: short, its class or id names one ({' '.join(names.split())[:40]})"
    if len(text) <= 25 and _LOGIN.search(text):
        return "a login prompt"
    if element.tag == "a":
        href = (element.get("href") or "").strip().lower()
        script = href.startswith("javascript:") or bool(element.get("onclick"))
        return "a script's button (a link that runs a script)" if len(text) <= 10 and script else ""
    links = list(element.iter("a"))
    if len(links) < 2 or len(text) > _LINKS_TEXT or re.search(_SENTENCE_END, text):
        return ""  # 详见《…通知》和《…办法》。 is a sentence with links
    linked = sum(len(_text(a)) for a in links)
    if linked >= 0.6 * len(_punctuation_free(text)):
        return "a row of links (menu, navigation): short, most of its text linked"
    return ""


def _prose(text: str) -> bool:
    """Text that reads as sentences: two of them, or one of 30 characters
    (a short article in a box named print-area stays)."""
    ends = [m.end() for m in re.finditer(r"[。！？!?]", text)]
    starts = [0] + ends
    return len(ends) >= 2 or any(end - start >= 30 for start, end in zip(starts, ends))


def _punctuation_free(text: str) -> str:
    """Text without the separators and brackets a link row puts between
    its links (搜狐首页 - 新闻 | 体育, 【推荐】【打印】)."""
    return re.sub(r"[\s\-|·•/>»:：,，、【】\[\]()（）<>《》]", "", text)


def _remove(element, rule: str, dropped: list[Dropped]) -> None:
    """Cut an element out, keeping the text that follows it."""
    text = " ".join("".join(element.itertext()).split())
    if text:
        dropped.append(Dropped(rule, text[:200]))
    element.drop_tree()
