"""PDFs read as their pages read (#24): columns, side labels, running
heads and page numbers, headings set apart, formula debris, titles.

Each rule is tried on lines made by hand that isolate it, then on pages
Chromium prints from layouts made here (two columns, a label column, heads
on one side only), then on excerpts of real documents nobody here wrote
(tests/data/real, sources and licences in its README)."""

import re
from pathlib import Path

import pytest

from searchsvc.ingest import pdf
from searchsvc.ingest.metadata import plausible_title
from searchsvc.ingest.pdffurniture import PAGE_NUMBER, without_furniture
from searchsvc.ingest.pdflayout import Line, paragraphs
from tests.samples import ROMAN, paged_html, print_pdf, seed

REAL = Path(__file__).parent / "data" / "real"
REPORT = [p.text for p in seed().paragraphs if len(p.text) < 120]
CHAR = 10.0  # the hand-made lines' type size and character width


def flat(text: str) -> str:
    return re.sub(r"\s", "", text)


def set_lines(text: str, page: int, top: float, left: float, width: int, indent: int = 2,
              **kw) -> list[Line]:
    """``text`` set in lines of ``width`` characters from ``left``, the
    first indented by ``indent`` characters, one line every 16 units."""
    lines, first = [], True
    while text:
        room = width - (indent if first else 0)
        part, text = text[:room], text[room:]
        x = left + (indent * CHAR if first else 0)
        lines.append(Line(part, page, x, x + len(part) * CHAR, top, top - CHAR, size=CHAR, **kw))
        top -= 16
        first = False
    return lines


PARAS = ["营商环境是一个城区的核心竞争力之一，罗湖区坚持把优化营商环境作为一号改革工程来抓，全年出台惠企政策二十余项。",
         "在产业发展上，罗湖区全年投入产业转型升级扶持资金六点六亿元，为企业减税降费超过一百二十亿元，重点企业服务全覆盖。",
         "尤其是政务服务提速，数字政府和智慧城区建设全面推进，行政审批事项百分之百实现网上可办，群众办事更加便捷。",
         "城区更新提速提质，完成棚户区改造项目签约，新建学校和幼儿园学位六千余个，城区面貌焕然一新。"]


def column(texts, page, left, width=22, top=700.0):
    lines = []
    for text in texts:
        lines += set_lines(text, page, top, left, width)
        top = lines[-1].bottom - 16
    return lines


def test_two_columns_each_with_its_own_margin_and_a_paragraph_going_on_across_them():
    title = Line("城区工作报告", 1, 200, 320, 760, 740, size=20)
    left = column(PARAS[:2], 1, 50)
    right = column(PARAS[2:], 1, 310)
    # the second column's first line goes on with the first column's last paragraph
    carried = PARAS[1] + "二〇二〇年将继续推进十大重点项目的建设，确保按期投产达效。"
    left = column([PARAS[0], carried[:64]], 1, 50)  # three full lines of it
    right = set_lines(carried[64:], 1, 700, 310, 22, indent=0) + column(PARAS[2:], 1, 310, top=668)
    parsed = paragraphs([title] + left + right)
    assert parsed.title == "城区工作报告"
    assert [t for _, t in parsed.paragraphs] == [PARAS[0], carried] + PARAS[2:]


def test_a_text_column_right_of_a_label_column_keeps_its_lines_together():
    label = Line("工作回顾", 1, 50, 90, 700, 690, size=CHAR)
    text = column(PARAS[:2], 1, 150, width=38)
    parsed = paragraphs([label] + text)
    assert [t for _, t in parsed.paragraphs] == ["工作回顾"] + PARAS[:2]


def test_an_indented_block_and_a_hanging_list_item_are_not_a_paragraph_a_line():
    quote = set_lines(PARAS[0], 1, 700, 90, 30, indent=0)  # a block quote, indented throughout
    item = set_lines("• " + PARAS[1], 1, quote[-1].bottom - 16, 50, 34, indent=0)
    for line in item[1:]:  # hanging: the item's lines start under its text, not its bullet
        line.left += 2 * CHAR
        line.right += 2 * CHAR
    body = set_lines(PARAS[2], 1, item[-1].bottom - 16, 50, 34)
    parsed = paragraphs(quote + item + body)
    assert [t for _, t in parsed.paragraphs] == [PARAS[0], "• " + PARAS[1], PARAS[2]]


def test_a_list_item_or_numbered_heading_starts_a_paragraph_even_after_a_full_line():
    first = set_lines(PARAS[0][:40], 1, 700, 50, 20, indent=0)  # two full lines, no full stop
    items = [Line(t, 1, 50, 50 + len(t) * CHAR, 668 - 16 * i, 658 - 16 * i, size=CHAR)
             for i, t in enumerate(["（一）坚持目标导向", "1. 优化营商环境", "2.3 城区更新"])]
    parsed = paragraphs(first + items)
    assert [t for _, t in parsed.paragraphs] == [PARAS[0][:40], "（一）坚持目标导向",
                                                 "1. 优化营商环境", "2.3 城区更新"]


def _pages(count, head=lambda n: "", foot=lambda n: str(n)):
    """``count`` pages of the report's paragraphs in one column, with a
    head and a foot line on the pages the functions give one for."""
    texts, lines = REPORT[:count * 3], []
    for n in range(1, count + 1):
        if head(n):
            lines.append(Line(head(n), n, 200, 400, 800, 790, size=9))
        lines += column(texts[(n - 1) * 3:n * 3], n, 50, width=40)
        if foot(n):
            lines.append(Line(foot(n), n, 290, 310, 40, 30, size=9))
    return lines, texts


@pytest.mark.parametrize("foot", [str, lambda n: ROMAN[n - 1].upper(), lambda n: f"- {n} -",
                                  lambda n: f"第 {n} 页", lambda n: f"第{n}页 共10页",
                                  lambda n: f"{n} / 10", lambda n: f"Page {n} of 10"])
def test_page_numbers_in_any_numbering_are_not_text(foot):
    lines, texts = _pages(10, foot=foot)
    assert [t for _, t in paragraphs(without_furniture(lines)).paragraphs] == texts


@pytest.mark.parametrize("on", [
    lambda n: n in (1, 4, 7),  # 30% of the pages
    lambda n: n % 2 == 0 and n != 6,  # the even pages (a chapter's first page has none)
    lambda n: n > 2,  # all but the front matter
])
def test_a_running_head_on_part_of_the_pages_is_not_text(on):
    lines, texts = _pages(10, head=lambda n: "北京大学硕士学位论文" if on(n) else "")
    assert [t for _, t in paragraphs(without_furniture(lines)).paragraphs] == texts


def test_a_journal_head_with_its_page_number_and_a_chapter_head_are_not_text():
    lines, texts = _pages(12, head=lambda n: f"第3期 孙辉辉 等: 城市更新规划 {n + 40}" if n % 2
                          else ("第一章 绪论" if n < 6 else "第二章 方法"))
    assert [t for _, t in paragraphs(without_furniture(lines)).paragraphs] == texts


def test_body_text_at_the_page_edge_is_kept_when_it_does_not_recur():
    lines, _ = _pages(10)
    lines.append(Line("城区工作报告", 3, 200, 400, 800, 790, size=9))  # once, where heads sit
    lines.append(Line("城区工作报告", 5, 200, 400, 500, 490, size=9))  # same text, in the body
    assert len([line for line in without_furniture(lines) if line.text == "城区工作报告"]) == 2


def test_larger_type_is_a_heading_only_when_it_stands_apart_like_one():
    body = set_lines(PARAS[0][:40], 1, 700, 50, 20, indent=0)  # two full lines, no full stop
    # a larger phrase inside a running sentence: the paragraph goes on through it
    inline = Line("全年出台惠企政策和配套措施共", 1, 50, 250, body[-1].bottom - 5,
                  body[-1].bottom - 18, size=13)  # a whole line of it, to the edge
    body2 = set_lines("二十余项，企业满意度明显提升。", 1, inline.bottom - 6, 50, 20, indent=0)
    heading = Line("二、城区更新", 1, 50, 150, body2[-1].bottom - 30, body2[-1].bottom - 44, size=14)
    after = set_lines(PARAS[3], 1, heading.bottom - 20, 50, 20)
    # bold cells of a table's row are no headings either
    row = [Line("项目", 1, 50, 90, after[-1].bottom - 30, after[-1].bottom - 40, size=CHAR, bold=True),
           Line("金额（亿元）", 1, 150, 250, after[-1].bottom - 30, after[-1].bottom - 40, size=CHAR,
                bold=True)]
    parsed = paragraphs(body + [inline] + body2 + [heading] + after + row)
    assert parsed.sections == ["二、城区更新"]
    texts = [t for _, t in parsed.paragraphs]
    assert texts[0] == PARAS[0][:40] + "全年出台惠企政策和配套措施共二十余项，企业满意度明显提升。"
    assert texts[1:] == [PARAS[3], "项目 | 金额（亿元）"]


def test_formula_debris_joins_its_paragraph_or_goes():
    lines = set_lines(PARAS[0], 1, 700, 50, 20)
    lines += [Line("x2", 1, 120, 140, lines[-1].bottom - 20, lines[-1].bottom - 30, size=CHAR),
              Line("=", 1, 150, 160, lines[-1].bottom - 40, lines[-1].bottom - 50, size=CHAR),
              Line("∑", 1, 150, 160, lines[-1].bottom - 60, lines[-1].bottom - 70, size=CHAR)]
    assert [t for _, t in paragraphs(lines).paragraphs] == [PARAS[0] + " x2"]


def test_pdfium_markers_and_control_characters_leave_the_text():
    line = pdf._line(list("Actor\ufffe"), [(0, 0, 10, 10)], 1)
    assert line.text == "Actor" and line.hyphen
    assert pdf._line(list("a\x01b\x02c\ufffdd"), [(0, 0, 10, 10)], 1).text == "abcd"
    lines = [Line("The Actor", 1, 50, 250, 700, 690, size=CHAR, hyphen=True),
             Line("Critic method and a prepara", 1, 50, 250, 684, 674, size=CHAR, hyphen=True),
             Line("tion of data.", 1, 50, 120, 668, 658, size=CHAR)]
    assert [t for _, t in paragraphs(lines).paragraphs] == [
        "The Actor-Critic method and a preparation of data."]


def test_titles_a_reader_would_recognise():
    for bad in ("标准名称", "（填写标准名称）", "Microsoft Word - 报告2019.doc", "untitled",
                "ÕþÎñ¹¤×÷±¨¸æ", "\ue001\ue002", "文档1", "report_final.pdf"):
        assert not plausible_title(bad), bad
    for good in ("Debian 参考手册", "2019年罗湖区政府工作报告", "关于印发《城区更新办法》的通知",
                 "Annual Report 2019"):
        assert plausible_title(good), good
    small = [Line("城区工作报告", 1, 50, 110, 800, 790, size=9)]  # no type larger than the body
    big = [Line("罗湖区2019年", 1, 100, 300, 780, 760, size=20),
           Line("工作回顾", 1, 100, 300, 752, 732, size=20)]  # a title in two lines
    body = column(PARAS[:2], 1, 50, top=700)
    assert paragraphs(big + body).title == "罗湖区2019年工作回顾"
    assert paragraphs(small + body).title == ""


# --- pages Chromium prints from layouts made here --------------------------------------

@pytest.fixture(scope="module")
def report_paragraphs():
    return [p.text for p in seed().paragraphs]


def _read_printed(page_html, tmp_path, name):
    return pdf.read_pdf(print_pdf(page_html, tmp_path / f"{name}.pdf", furniture=False).read_bytes())


def _check(parsed, pages):
    """Every paragraph whole, on the page it was laid out on, nothing else."""
    expected = [(flat(t), n) for n, texts in enumerate(pages, 1) for t in texts
                if not t.startswith("#")]
    assert [(flat(t), n) for (_, t), n in zip(parsed.paragraphs, parsed.pages)] == expected


@pytest.mark.browser
def test_printed_two_column_pages_with_a_head_on_odd_pages(report_paragraphs, tmp_path):
    pages = [report_paragraphs[i:i + 4] for i in range(0, 24, 4)]
    parsed = _read_printed(paged_html(pages, title="罗湖区2019年工作回顾",
                                      head=lambda n: "北京大学硕士学位论文" if n % 2 else "",
                                      foot=lambda n: f"- {n} -"), tmp_path, "two")
    assert parsed.title == "罗湖区2019年工作回顾"
    _check(parsed, pages)


@pytest.mark.browser
def test_printed_text_beside_a_label_column_with_roman_page_numbers(report_paragraphs, tmp_path):
    pages = [report_paragraphs[i:i + 2] for i in range(0, 12, 2)]
    parsed = _read_printed(paged_html(pages, columns=1, label="工作回顾",
                                      head=lambda n: "罗湖区政府工作报告",
                                      foot=lambda n: ROMAN[n - 1]), tmp_path, "label")
    texts = [flat(t) for _, t in parsed.paragraphs]
    assert texts.count("工作回顾") == 6 and "罗湖区政府工作报告" not in texts
    parsed.paragraphs, parsed.pages = zip(*[(p, n) for p, n in zip(parsed.paragraphs, parsed.pages)
                                            if p[1] != "工作回顾"])
    _check(parsed, pages)


@pytest.mark.browser
def test_printed_block_paragraphs_with_a_head_on_two_pages_of_six(report_paragraphs, tmp_path):
    pages = [report_paragraphs[i:i + 2] for i in range(0, 12, 2)]
    parsed = _read_printed(paged_html(pages, columns=1, indent=False,
                                      head=lambda n: "北京大学硕士学位论文" if n in (2, 4) else "",
                                      foot=lambda n: f"第 {n} 页 共 6 页"), tmp_path, "block")
    _check(parsed, pages)


@pytest.mark.browser
def test_printed_journal_head_with_page_numbers_glued_on(report_paragraphs, tmp_path):
    pages = [report_paragraphs[i:i + 3] for i in range(0, 18, 3)]
    parsed = _read_printed(paged_html(pages, head=lambda n: f"第{n}期 孙辉辉 等: 城市更新规划 {n + 4}",
                                      foot=lambda n: ""), tmp_path, "journal")
    _check(parsed, pages)


# --- real documents --------------------------------------------------------------------

def _wrapped_phrases(path: Path, first: int = 2) -> list[tuple[int, str]]:
    """Phrases across the end of a full line, as pdfium breaks the page:
    a line ending in two Chinese characters at the page's usual right
    edge, the next line starting with two; from page ``first`` (the title
    page left out)."""
    from collections import Counter

    import pypdfium2 as pdfium

    found = []
    doc = pdfium.PdfDocument(path)
    han = re.compile(r"[\u4e00-\u9fff]")
    for i in range(first - 1, len(doc)):
        textpage = doc[i].get_textpage()
        text = textpage.get_text_range()
        ends = [k for k, ch in enumerate(text) if ch == "\r" and k > 2]
        rights = {k: textpage.get_charbox(k - 1)[2] for k in ends}
        edge = Counter(round(r) for r in rights.values()).most_common(1)[0][0]
        for k in ends:
            phrase = text[k - 2:k] + text[k + 2:k + 4]
            if len(phrase) == 4 and all(han.match(c) for c in phrase) and abs(rights[k] - edge) < 10:
                found.append((i + 1, phrase))
    doc.close()
    return found


@pytest.mark.parametrize("name,title", [
    ("debian-reference-zh-cn", "Debian 参考手册"),
    ("maint-guide-zh-cn", "Debian 新维护者手册"),
    ("debian-edu-bookworm-manual-zh-cn", "Debian Edu / Skolelinux 12 Bookworm 手册"),
])
def test_real_manuals_read_as_their_pages(name, title):
    path = REAL / f"{name}.pdf"
    parsed = pdf.read_pdf(path.read_bytes())
    texts = [t for _, t in parsed.paragraphs]
    assert parsed.title == title
    wrapped = _wrapped_phrases(path)
    kept = [p for p in wrapped if any(p[1] in t for t in texts)]
    assert len(wrapped) >= 8 and len(kept) >= 0.95 * len(wrapped), set(wrapped) - set(kept)
    head = re.compile(rf"^{re.escape(title)}\s*(?:[ivxlc]+|\d+ / \d+)$")  # the running head
    assert not [t for t in texts + parsed.sections if head.match(t) or PAGE_NUMBER.match(t)]
    assert not [t for t in texts if re.search("[\x00-\x1f\ufffe\ufffd]", t)]
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    pages = [flat(doc[i].get_textpage().get_text_range()) for i in range(len(doc))]
    doc.close()
    for text, page in zip(texts, parsed.pages):  # each paragraph starts on its page
        assert flat(text).replace("|", "")[:12] in pages[page - 1], (page, text)


def test_a_term_and_its_hanging_description_are_one_paragraph():
    """A description list (TeX Live's 术语 释义: the term at the margin, the
    lines after it indented under the description) is one paragraph per
    term; a first-line indent after a line that ends a sentence, or after
    code, still starts a new one."""
    term = "TEX FAQ " + PARAS[0]
    first = set_lines(term[:34], 1, 700, 50, 34, indent=0) \
        + set_lines(term[34:], 1, 684, 90, 30, indent=0)  # under the description's start
    second = set_lines(PARAS[1], 1, first[-1].bottom - 16, 50, 34, indent=2)
    code = [Line("\\usepackage{ctex}", 1, 50, 50 + 34 * CHAR, second[-1].bottom - 16,
                 second[-1].bottom - 26, size=CHAR)]
    after = set_lines(PARAS[2], 1, code[0].bottom - 16, 50, 34, indent=2)
    parsed = paragraphs(first + second + code + after)
    assert [t for _, t in parsed.paragraphs] == [
        term, PARAS[1], "\\usepackage{ctex}", PARAS[2]]


def test_a_real_description_list_keeps_each_term_with_its_wrapped_lines():
    """lshort-zh-cn's glossary (引擎 / 格式 / 编译命令: a term, then its
    description's lines indented under it) and the prose around it: every
    phrase across a line's wrap is in one paragraph."""
    path = REAL / "lshort-zh-cn.pdf"
    texts = [t for _, t in pdf.read_pdf(path.read_bytes()).paragraphs]
    wrapped = _wrapped_phrases(path, first=1)
    assert len(wrapped) >= 3
    assert [p for p in wrapped if not any(p[1] in t for t in texts)] == []
    for term in ("引擎 全称为排版引擎", "格式 是定义了一组命令的代码集", "编译命令 是实际调用的"):
        assert sum(t.startswith(term) for t in texts) == 1


@pytest.mark.browser
def test_printed_numbered_headings_in_body_type_become_sections(report_paragraphs, tmp_path):
    """A work report's headings set in the body's size and weight, a gap
    after the number (一、   2019年工作回顾): each is a heading line of its
    own, with no | where the gap was, and the report's numbering makes
    them sections and headings (the heading rules, as in text files)."""
    from searchsvc.ingest.corpus import read_document

    heads = [("一、", "2019年工作回顾", ""), ("二、", "2020年工作安排", "（一）"), ("三、", "保障措施", "")]
    body = ""
    for k, (number, head, sub) in enumerate(heads):
        body += f'<p class=h>{number}<span style="margin-left:2.5em">{head}</span></p>'
        if sub:
            body += f'<p class=h>{sub}<span style="margin-left:2em">推进营商环境改革</span></p>'
        body += "".join(f"<p>{p}</p>" for p in report_paragraphs[k * 3:k * 3 + 3])
    page = ("<html><head><meta charset=utf-8><style>body{font-size:12pt;margin:2cm}"
            "p{text-indent:2em;margin:0;line-height:1.8} .h{text-indent:0}</style></head>"
            f"<body><h1 style='text-align:center'>罗湖区政府工作报告</h1>{body}</body></html>")
    path = print_pdf(page, tmp_path / "report.pdf", furniture=False)
    doc = read_document(path)
    assert [s["label"] for s in doc.sections] == ["一、2019年工作回顾", "二、2020年工作安排", "三、保障措施"]
    assert not [p.text for p in doc.paragraphs if "|" in p.text]
    under = [p for p in doc.paragraphs if p.heading == "（一）推进营商环境改革"]
    assert under and {p.section for p in under} == {"二、2020年工作安排"}
    assert [flat(p.text) for p in doc.paragraphs if p.section == "三、保障措施"][1:] == \
        [flat(t) for t in report_paragraphs[6:9]]


def test_a_real_two_column_page_keeps_its_full_lines_in_their_column():
    """hfutexam's A3 exam page, two columns: the left one mostly short
    lines (code, labels), so the gutter's empty band starts a little left
    of where its full lines end; those lines are the left column's, and a
    sentence wrapped across them is one paragraph."""
    path = REAL / "hfutexam.pdf"
    texts = [flat(t) for _, t in pdf.read_pdf(path.read_bytes()).paragraphs]
    for phrase in ("格式转为LATEX格式.使用时,只需在文档开头写上", "三种情形的页眉页脚显示的内容以及标题的文字间隔有所不同",
                   "此时需要使用命令\\maketitle来生成标题", "方正小标宋和方正仿宋(右键选择为所有用户安装)"):
        assert any(phrase in t for t in texts), phrase
    wrapped = _wrapped_phrases(path, first=1)
    assert len(wrapped) >= 3 and [p for p in wrapped if not any(p[1] in t for t in texts)] == []


def test_a_larger_line_that_wraps_mid_sentence_is_not_a_heading():
    """Prose set a size larger than a document's many code lines: a line
    that fills its column and stops mid-sentence goes on in the next,
    however large its type, where a short line set apart is a heading."""
    code = [Line(f"\\setcounter{{x}}{{{k}}}", 1, 50, 250, 760 - 16 * k, 750 - 16 * k, size=9)
            for k in range(20)]
    top = code[-1].bottom - 30
    head = Line("3.2 字体设置", 1, 50, 150, top, top - 11, size=10.5)
    body = [Line(PARAS[1][:32], 1, 70, 400, top - 30, top - 41, size=10.5),
            Line(PARAS[1][32:], 1, 50, 50 + 10.3 * len(PARAS[1][32:]), top - 46, top - 57,
                 size=10.5)]
    parsed = paragraphs(code + [head] + body)
    assert parsed.sections == ["3.2 字体设置"]
    assert [t for s, t in parsed.paragraphs if s == "3.2 字体设置"] == [PARAS[1]]


def test_a_real_thesis_manual_drops_its_running_heads_and_keeps_its_wraps():
    """njuthesis's manual, printed in the thesis layout it makes: a title
    page, then pages under the head 第 3 节 使用方法 with the page number
    beside it. No head or page number is text, every phrase across a
    line's wrap is in one paragraph, the numbered headings are sections."""
    path = REAL / "njuthesis.pdf"
    parsed = pdf.read_pdf(path.read_bytes())
    texts = [t for _, t in parsed.paragraphs]
    assert not [t for t in texts + parsed.sections if t.startswith("第 3 节 使用方法")]
    assert {d.rule.split(":")[0] for d in parsed.dropped} >= {"page number", "running head or foot"}
    wrapped = _wrapped_phrases(path)
    assert len(wrapped) >= 12 and [p for p in wrapped if not any(p[1] in t for t in texts)] == []
    from searchsvc.ingest.corpus import read_document

    sections = [s["label"] for s in read_document(path).sections]  # by the heading rules
    assert {"3.2.6 指定字体", "3.2.6.1 中文"} <= set(sections)
