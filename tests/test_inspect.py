"""Web pages read as text (#40): no markup, counters or page controls in a
paragraph, each block left out named with its rule, and `searchsvc
inspect FILE` showing how a file reads."""

import json
import re

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc import cli
from searchsvc.ingest import html as html_reader
from searchsvc.ingest.webtext import clean_paragraph

ARTICLE = ["罗湖区坚持把优化营商环境作为一号改革工程来抓，全年出台惠企政策二十余项，企业满意度明显提升。",
           "全年投入产业转型升级扶持资金六点六亿元，为企业减税降费超过一百二十亿元，重点企业服务全覆盖。",
           "政府网站全年累计浏览量 1000万次，同比增长三成；博物馆收藏了大量文物，市民可以预约参观。"]


def gov_page(*, extra: str = "") -> str:
    """A government site's article page as such sites print one: a
    carousel, a metadata line of date, source and counters, escaped
    markup, type-size and print controls, the site's name in the footer."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<title>罗湖区2019年营商环境改革综述_深圳市罗湖区人民政府门户网站</title></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/a'>政务公开</a> <a href='/b'>政务服务</a></div>"
        "<div class='swiper-container'><div class='swiper-slide'>轮播图预览:</div></div>"
        "<div class='article'><h1>罗湖区2019年营商环境改革综述</h1>"
        "<p>发布日期：2022-02-11 08:52 &lt;span&gt;来源：深圳市罗湖区人民政府&lt;/span&gt;</p>"
        "<p>浏览次数：192 【字号：大 中 小】 【打印】 【关闭】</p>"
        + "".join(f"<p>{text}</p>" for text in ARTICLE) + extra +
        "<p>分享到：</p><p>深圳市罗湖区人民政府门户网站</p></div>"
        "<div class='footer'><p>深圳市罗湖区人民政府门户网站</p></div></body></html>")


def test_a_government_page_keeps_its_article_and_names_what_it_left_out():
    parsed = html_reader.read_html(gov_page().encode())
    texts = [t for _, t in parsed.paragraphs]
    assert texts == ARTICLE  # prose naming 浏览量 or 收藏 keeps its words
    rules = {d.rule for d in parsed.dropped}
    for expected in ("HTML markup in the text (the tags cut, their text kept)",
                     "a view or click counter", "a type-size control", "a page control",
                     "a line of the page's metadata (date, source, author)"):
        assert expected in rules
    assert any(d.text == "轮播图预览:" for d in parsed.dropped)


def test_the_same_page_in_gbk_reads_the_same():
    page = gov_page().replace("charset='utf-8'", "charset='gb2312'")
    assert [t for _, t in html_reader.read_html(page.encode("gb18030")).paragraphs] == ARTICLE


TAGS = ["span", "div", "p", "a href='x'", "font color=red", "br", "img src=x onerror=alert(1)",
        "strong", "script", "table", "td", "o:p"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TAGS), st.booleans(), st.integers(0, 40)),
                min_size=1, max_size=6))
def test_no_tag_or_entity_survives_in_a_paragraph(inserts):
    """Markup escaped into the article (&lt;span&gt;, &amp;nbsp;) anywhere
    in a paragraph: the paragraph keeps every one of its words, and no
    `<` followed by a tag's name, no entity, is left."""
    text, last = "", 0
    for tag, closing, at in sorted(inserts, key=lambda insert: insert[2]):
        name = tag.split()[0]
        markup = f"&lt;{'/' if closing else ''}{name if closing else tag}&gt;&amp;nbsp;"
        text, last = text + ARTICLE[0][last:at] + markup, at
    text += ARTICLE[0][last:]
    parsed = html_reader.read_html(gov_page(extra=f"<p>{text}</p>").encode())
    texts = [t for _, t in parsed.paragraphs]
    assert not [t for t in texts if re.search(r"<\s*/?\s*[a-zA-Z]|&[a-z]+;|&#\d+;", t)]
    assert re.sub(r"\s", "", ARTICLE[0]) in [re.sub(r"\s", "", t) for t in texts]


def test_a_counter_or_control_word_inside_prose_is_not_cut():
    dropped = []
    for text in ARTICLE + ["阅读是一种习惯，打印机和关闭的工厂都在文中。", "点击这里查看2019年报告全文。"]:
        assert clean_paragraph(text, dropped) == text
    assert dropped == []


def test_inspect_shows_paragraphs_pages_and_what_was_left_out(tmp_path):
    page = tmp_path / "罗湖.html"
    page.write_text(gov_page(), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["inspect", str(page)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "title: 罗湖区2019年营商环境改革综述" in out
    assert "paragraphs (3):" in out and all(text in out for text in ARTICLE)
    assert "a view or click counter: 浏览次数：192" in out
    assert "the site's name on a line of its own: 深圳市罗湖区人民政府门户网站" in out
    found = json.loads(CliRunner().invoke(cli.main, ["inspect", str(page), "--json"]).output)
    assert [p["text"] for p in found["paragraphs"]] == ARTICLE
    assert {d["rule"] for d in found["dropped"]} >= {"a page control", "a type-size control"}


def test_inspect_gives_a_pdf_paragraph_its_page_and_rule():
    from tests.test_layout import REAL

    out = CliRunner().invoke(cli.main, ["inspect", str(REAL / "debian-reference-zh-cn.pdf"),
                                        "--width", "30"]).output
    assert re.search(r"¶\d+ p\.\d+ .*\(a list item or numbered heading\)", out)
    assert re.search(r"p\.\d+ running head.*Debian 参考手册", out)
    out = CliRunner().invoke(cli.main, ["inspect", str(REAL / "lshort-zh-cn.pdf")]).output
    assert re.search(r"¶\d+ p\.1 \[1\.7 .*\(a gap wider than the lines' spacing\)\n +格式 是定义了一组命令",
                     out)
    assert "(an indented first line)" in out


def test_inspect_says_why_a_file_cannot_be_read(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    result = CliRunner().invoke(cli.main, ["inspect", str(bad)])
    assert result.exit_code == 1 and "cannot be read" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(cli.main, ["inspect", str(tmp_path / "none.txt")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_real_pages_read_as_their_articles():
    """Two real pages (tests/data/real): a hospital's news page with a
    carousel, an IE conditional comment and a metadata line whose counter
    a script fills; a GB2312 news page with a bare date line and a CMS
    user number as author. No markup, counter, control or metadata line
    is left in a paragraph, and the articles' sentences are all there."""
    from tests.test_layout import REAL

    news = html_reader.read_html((REAL / "zyyfy-news.html").read_bytes())
    texts = [t for _, t in news.paragraphs]
    assert texts[0].startswith("【不忘初心 牢记使命】") or texts[1].startswith("【不忘初心")
    assert any(t.startswith("本站讯（职工通讯员 李琴雯 刘会）") for t in texts)
    assert not [t for t in texts if re.search(r"<\s*/?[a-z]|&[a-z]+;|\[if |浏览[:：]|来源[:：]", t)]
    rules = {d.rule for d in news.dropped}
    assert {"an Internet Explorer conditional comment", "a view or click counter"} <= rules
    people = html_reader.read_html((REAL / "people-culture.gb2312.html").read_bytes())
    texts = [t for _, t in people.paragraphs]
    assert people.title == "女儿出嫁，郑板桥画了几笔兰花当嫁妆" and people.date == "2019-06-15"
    assert people.source.startswith("人民网") and "古人学问无遗力，少壮工夫老始成。" in texts
    assert not [t for t in texts if re.match(r"\d{4}年\d\d月\d\d日\d\d:\d\d", t)]
    page = CliRunner().invoke(cli.main, ["inspect", str(REAL / "people-culture.gb2312.html")])
    assert "author '104363' reads as an account name" in page.output


def test_a_site_footer_in_the_article_is_left_out_and_prose_about_it_stays():
    footer = ("<p>版权所有：深圳市罗湖区人民政府 粤ICP备05052397号</p><p>技术支持：某某网络公司</p>"
              "<p>Copyright © 2019 All Rights Reserved</p>"
              "<p>根据著作权法，版权所有者享有复制权，未经许可不得转载。</p><p>咨询电话：0755-25666666</p>")
    parsed = html_reader.read_html(gov_page(extra=footer).encode())
    texts = [t for _, t in parsed.paragraphs]
    assert texts == ARTICLE + ["根据著作权法，版权所有者享有复制权，未经许可不得转载。", "咨询电话：0755-25666666"]
    assert sum(d.rule.startswith("the site's footer") for d in parsed.dropped) == 3
