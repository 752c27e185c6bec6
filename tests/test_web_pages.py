"""Saved web pages read as their article: pages laid out in tables
throughout (news sites before about 2010, GB2312), page widgets on newer
pages, titles without the site's name. Each rule on a page that isolates
it, then whole pages whose entries must be the article's and nothing else."""

import random

import pytest

from searchsvc.ingest import htmlclean
from searchsvc.ingest.html import read_html
from tests.samples import seed

ARTICLE = [p.text for p in seed().paragraphs[:6]]
TITLE = seed().title


def links(words, sep=" - "):
    return sep.join(f'<a href="/{i}.html">{w}</a>' for i, w in enumerate(words))


def words(rng, n, low=2, high=5):
    """Menu words cut from the report itself: navigation is told by its
    shape, never by its vocabulary."""
    text = "".join(ch for ch in "".join(ARTICLE) if "\u4e00" <= ch <= "\u9fff")
    out = []
    for _ in range(n):
        size = rng.randint(low, high)
        start = rng.randrange(len(text) - size)
        out.append(text[start:start + size])
    return out


def table_page(rng, paragraphs, *, br=False, data_table="", charset="gb2312"):
    """A page in tables throughout: a menu row, a side column of link
    tables, the article in a nested table's cell, a row of bracketed
    links, a footer row."""
    body = ("<br><br>".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{p}" for p in paragraphs) if br
            else "".join(f"<p>&nbsp;&nbsp;{p}</p>" for p in paragraphs))
    side = "".join(f"<tr><td><a href=/s{i}>{w}</a></td></tr>" for i, w in enumerate(words(rng, 5)))
    related = "".join(f"<tr><td>&gt;<a href=/r{i}>{w}</a></td></tr>"
                      for i, w in enumerate(words(rng, 3, 8, 16)))
    brackets = "".join(f"【<a href=/b{i}>{w}</a>】" for i, w in enumerate(words(rng, 5, 2, 4)))
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{TITLE}-{''.join(words(rng, 1))}网</title></head><body topmargin=0>
<table width=760 align=center><tr><td width=150><img src=logo.gif></td>
<td>{links(words(rng, 8))}</td></tr></table>
<table width=760 align=center><tr><td width=180 valign=top><table>{side}</table>
<table><tr><td><b>相关链接</b></td></tr>{related}</table></td>
<td width=580 valign=top><table width=100%>
<tr><td align=center><font size=4><b>{TITLE}</b></font></td></tr>
<tr><td align=center><font color=gray>2004年10月12日10:31</font></td></tr>
<tr><td class=content>{body}{data_table}</td></tr>
<tr><td align=right>{brackets}</td></tr></table></td></tr></table>
<table width=760 align=center><tr><td align=center>{links(words(rng, 5), " | ")}<br>
Copyright &copy; 2004 All rights reserved.</td></tr></table></body></html>""".encode(charset)


DATA = ("<table border=1><tr><td>地区</td><td>增速</td></tr><tr><td>东部</td><td>24.1%</td></tr>"
        "<tr><td>中部</td><td>33.8%</td></tr></table>")


@pytest.mark.parametrize("seed_", range(6))
def test_a_page_in_tables_throughout_reads_as_its_article(seed_):
    rng = random.Random(seed_)
    page = table_page(rng, ARTICLE, br=seed_ % 2 == 1, data_table=DATA if seed_ % 3 == 0 else "",
                      charset=("gb2312", "gbk", "utf-8")[seed_ % 3])
    parsed = read_html(page)
    texts = [" ".join(text.split()) for _, text in parsed.paragraphs]
    expected = [" ".join(p.split()) for p in ARTICLE]
    if seed_ % 3 == 0:  # a table of data stays a table: an entry per row, figures by their header
        assert texts[-3:] == ["地区 | 增速", "东部 | 增速 | 24.1%", "中部 | 增速 | 33.8%"]
        texts = texts[:-3]
    assert texts == expected  # no menu row, link column, 【…】 row or footer
    assert parsed.title == TITLE


def test_tables_of_data_stay_and_layout_tables_unroll():
    page = f"""<html><body>
<table id=data><tr><td>项目</td><td>数量</td></tr><tr><td>学校</td><td>12</td></tr></table>
<table id=one-column><tr><td>甲</td></tr><tr><td>乙</td></tr></table>
<table id=prose><tr><td>说明</td><td>{'很长的一段说明文字，' * 12}</td></tr><tr><td>a</td><td>b</td></tr></table>
<table id=blocks><tr><td><p>一段</p></td><td>二</td></tr><tr><td>三</td><td>四</td></tr></table>
<table id=outer><tr><td><table><tr><td>x</td><td>y</td></tr><tr><td>1</td><td>2</td></tr></table></td>
<td>右</td></tr><tr><td>下</td><td>下右</td></tr></table></body></html>"""
    tree = htmlclean.clean(page)
    kept = {t.get("id") for t in tree.iter("table")}
    # the inner table of #outer is data; #outer itself holds a table, so lays out
    assert kept == {"data", None}
    assert tree.get_element_by_id("outer").tag == "div"
    text = "".join(tree.body.text_content().split())
    for word in ("项目", "甲", "乙", "说明", "一段", "四", "右", "下右"):
        assert word in text  # unrolled, never lost


def widget_page(paragraphs, widgets, named=True):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    blocks = "".join((f'<div class="{name}">{html}</div>' if named else f"<div>{html}</div>")
                     for name, html in widgets)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{TITLE}_新闻中心_某某网</title>
</head><body><div class="main"><div class="article"><h1>{TITLE}</h1>
<div class="info"><span>2020-12-03</span></div>{blocks}<div class="content">{body}</div>{blocks}
</div></div></body></html>""".encode()


WIDGETS = [
    ("share-box", "<span>分享让更多人看到</span><a>微信</a><a>微博</a>"),
    ("fontSize", '字号：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">小字号</a>'),
    ("collect", '<a href="javascript:;">收藏</a><p>您还未登录，请登录后进行收藏！</p>'),
    ("swiper-container", "<div><img src=a.jpg><p>轮播图预览:</p></div>"),
    ("toolbar", "<a href=#>打印本页</a> <a href=#>关闭窗口</a>"),
]


def test_widgets_named_as_widgets_are_cut_from_the_article():
    parsed = read_html(widget_page(ARTICLE, WIDGETS))
    assert [text for _, text in parsed.paragraphs] == ARTICLE
    assert parsed.title == TITLE


def test_widgets_without_names_are_cut_by_their_shape():
    """No class names: link rows, script controls and login prompts go by
    their shape; buttons and forms never give text."""
    widgets = [("", links(["微信", "微博", "QQ空间", "豆瓣"], " ")),
               ("", '<a href="javascript:zoom(16)">大</a><a href="javascript:zoom(12)">小</a>'),
               ("", "<p>请先登录后再评论</p>"),
               ("", "<form><textarea>说两句</textarea><button>发表评论</button></form>"),
               ("", "【" + links(["推荐", "打印", "关闭"], "】【") + "】")]
    parsed = read_html(widget_page(ARTICLE, widgets, named=False))
    assert [text for _, text in parsed.paragraphs] == ARTICLE


def test_prose_with_links_and_short_articles_in_widget_boxes_stay():
    cited = ('详见<a href=/1>《关于做好供暖保障工作的通知》</a>和<a href=/2>《城市供热管理办法》</a>。')
    short = "罗湖区今日发布冬季供暖安排。全区管网检修已经完成，居民可以放心。"
    page = f"""<html><head><title>t</title></head><body><article>
<p>{ARTICLE[0]}</p><p>{cited}</p><div class="print-area"><p>{short}</p></div>
<p>{ARTICLE[1]}</p></article></body></html>""".encode()
    texts = [text for _, text in read_html(page).paragraphs]
    assert "详见《关于做好供暖保障工作的通知》和《城市供热管理办法》。" in texts
    assert short in texts


def test_a_page_wrapped_in_one_form_keeps_its_article():
    body = "".join(f"<p>{p}</p>" for p in ARTICLE)
    page = (f"<html><head><title>{TITLE}</title></head><body><form id=form1 method=post>"
            f"<input type=hidden name=__VIEWSTATE value=abc><div id=content>{body}</div>"
            "</form></body></html>").encode()
    assert [text for _, text in read_html(page).paragraphs] == ARTICLE


@pytest.mark.parametrize("title,expected", [
    (f"{TITLE}-某某网", TITLE),
    (f"{TITLE}_新闻中心_某某网", TITLE),
    (f"{TITLE} | 某某网", TITLE),
    ("标题_新闻中心_某某网", "标题_新闻中心_某某网"),  # no such headline: the whole
    ("COVID-19 疫苗接种情况", "COVID-19 疫苗接种情况"),
    ("无标题文档", "罗湖区推进民生实事"),  # a placeholder gives way to the headline
])
def test_the_title_is_the_article_s_not_the_site_s(title, expected):
    page = (f"<html><head><title>{title}</title></head><body><h2>罗湖区推进民生实事</h2>"
            f"<p><b>{TITLE}</b></p>" + "".join(f"<p>{p}</p>" for p in ARTICLE)
            + "</body></html>").encode()
    assert read_html(page).title == expected
