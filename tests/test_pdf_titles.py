"""A PDF's title comes from its first page when its metadata names a file:
a Word export or a printed page saved as ``未命名_v2.docx`` is still titled
by what a reader sees at the top of it (issue: 3 of 4 PDFs were titled
with their file names)."""

from __future__ import annotations

import pytest

from searchsvc.ingest import corpus
from searchsvc.ingest.pdflayout import Line, paragraphs
from tests.samples import print_pdf

BODY = "".join(f"<p>第{n}段：坚持以人民为中心的发展思想，持续优化营商环境，推动经济高质量发展，"
               "各项事业取得新进展新成效。</p>" for n in range(10))


def printed(tmp_path, name: str, head: str) -> corpus.Document:
    """``head`` over ten body paragraphs, printed by Chromium with a file
    name as the PDF's metadata title, read as the corpus reads it."""
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>未命名_v2.docx</title>"
            "<style>body{font-size:16pt;font-family:serif} p{text-indent:2em;margin:.3em 0}"
            " .c{text-align:center;text-indent:0}</style></head><body>"
            f"{head}{BODY}</body></html>")
    folder = tmp_path / name
    folder.mkdir()
    print_pdf(page, folder / f"{name}.pdf", furniture=False)
    return corpus.read_document(folder / f"{name}.pdf")


@pytest.mark.parametrize("name, head, title", [
    ("official", "<p class=c style='font-size:30pt;color:red'>某市某区人民政府文件</p>"
                 "<p class=c>区府〔2019〕12号</p><hr>"
                 "<p class=c style='font-size:22pt'>某区人民政府关于印发《优化营商环境改革实施方案》的通知</p>"
                 "<p>各街道办事处，区政府直属各单位：</p>",
     "某区人民政府关于印发《优化营商环境改革实施方案》的通知"),
    ("cover", "<p>内部资料</p><p>注意保存</p><p>第 12 期</p><p>编号：2019-003</p>"
              "<p class=c style='font-size:26pt'>二〇一九年工作总结</p><p class=c>区政府办公室</p>",
     "二〇一九年工作总结"),
    ("wrapped", "<div style='width:11em;margin:auto'><p class=c style='font-size:28pt'>"
                "关于进一步深化城市更新与旧城改造工作推动高质量发展的若干措施意见</p></div>",
     "关于进一步深化城市更新与旧城改造工作推动高质量发展的若干措施意见"),
    ("bold", "<p class=c style='font-weight:bold;font-family:Liberation Serif'>"
             "Annual Review of the District, 2019</p>", "Annual Review of the District, 2019"),
])
@pytest.mark.browser
def test_the_first_pages_title_wins_over_a_file_name_in_the_metadata(tmp_path, name, head, title):
    doc = printed(tmp_path, name, head)
    assert doc.title == title
    texts = [p.text for p in doc.paragraphs]
    assert texts[-1].startswith("第9段") and not any(title in t for t in texts)


@pytest.mark.browser
def test_a_masthead_is_kept_as_text_and_a_heading_after_body_text_is_no_title(tmp_path):
    official = printed(tmp_path, "m", "<p class=c style='font-size:30pt'>某市某区人民政府文件</p>"
                                      "<p class=c>区府〔2019〕12号</p>")
    assert official.title == "某市某区人民政府文件"  # no other title: the masthead is better than 未命名
    late = printed(tmp_path, "late", BODY[:400] + "<p style='font-size:26pt'>二、下一步工作安排</p>")
    assert late.title == "late"  # a heading below the body text: the file's name, not the heading
    assert "二、下一步工作安排" in [p.section for p in late.paragraphs]


def _line(text: str, top: float, size: float, bold: bool = False) -> Line:
    return Line(text, 1, 50, 50 + len(text) * size, top, top - size, size=size, bold=bold)


def test_title_rules_on_lines_made_by_hand():
    prose = ["坚持以人民为中心的发展思想，持续优化营商环境，推动经济高质量发展。"] * 3
    body = [_line(t, 500 - 20 * i, 12) for i, t in enumerate(prose)]
    bulletin = [_line("工作简报", 760, 30), _line("第 3 期", 720, 12),
                _line("关于二〇二〇年防汛工作的情况通报", 680, 20)]
    assert paragraphs(bulletin + body).title == "关于二〇二〇年防汛工作的情况通报"
    sentence = [_line("本区今年的工作取得了新成效。", 700, 20)]
    assert paragraphs(sentence + body).title == ""  # a sentence set large is no title
    label = [_line("附件1", 760, 12), _line("工作要点", 740, 12, bold=True)]
    assert paragraphs(label + body).title == "工作要点"
