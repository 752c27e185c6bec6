"""The HTML page and the document view, parsed as a browser would get them."""

import re
from html.parser import HTMLParser
from urllib.parse import urlencode


class Page(HTMLParser):
    """Collects links, marks, hits and ids of a page."""

    def __init__(self, html):
        super().__init__()
        self.links, self.marks, self.ids, self.hits = [], [], [], 0
        self._in_mark = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "mark":
            self._in_mark = True
            self.marks.append("")
        if tag == "li" and attrs.get("class") == "hit":
            self.hits += 1
        if "id" in attrs:
            self.ids.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data):
        if self._in_mark:
            self.marks[-1] += data


def get(client, url):
    r = client.get(url)
    return r, r.get_data(as_text=True)


def test_home_page_has_a_labelled_search_box_and_lists_documents(client):
    r, html = get(client, "/")
    assert r.status_code == 200 and "text/html" in r.content_type
    assert '<label for="q"' in html and 'name="q"' in html
    assert "请回答2019!罗湖交出全面振兴答卷" in html
    assert "<script>" not in html  # no inline script: the CSP forbids it


def test_results_page_shows_count_marks_and_links(client):
    r, html = get(client, "/?q=营商环境")
    page = Page(html)
    assert r.status_code == 200
    assert "找到 <strong>6</strong> 个段落，其中 2 个完全匹配" in html and "毫秒" in html
    assert page.hits == 6
    assert {"营商环境", "环境"} == set(page.marks)
    assert html.count('class="missing"') == 4  # the paragraphs with only 环境
    assert any(link.startswith("/doc/luohu-2019?q=") and link.endswith("#p10") for link in page.links)
    assert "答卷2" in html and "第 10 段" in html
    assert 'value="营商环境"' in html


def test_pagination_links_walk_all_results(client):
    _, html = get(client, "/?q=罗湖")
    page = Page(html)
    assert page.hits == 10
    nexts = re.findall(r'<a rel="next" href="([^"]+)"', html)
    assert nexts and "page=2" in nexts[0]
    seen = 0
    url = "/?q=罗湖"
    for _ in range(10):
        _, html = get(client, url.replace("&amp;", "&"))
        seen += Page(html).hits
        nexts = re.findall(r'<a rel="next" href="([^"]+)"', html)
        if not nexts:
            break
        url = nexts[0]
    total = int(re.search(r"找到 <strong>(\d+)</strong>", html).group(1))
    assert seen == total == 29


def test_query_is_escaped_everywhere(client):
    evil = '<script>alert(1)</script>"罗湖'
    r, html = get(client, "/?q=" + evil)
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_no_results_and_bad_input_are_friendly(client):
    _, html = get(client, "/?q=火星")
    assert "没有找到与「火星」相关的段落" in html and "试试" in html
    r, html = get(client, "/?q=罗湖&page=abc")
    assert r.status_code == 200 and 'role="alert"' in html and "页码“abc”无效" in html
    r, html = get(client, "/?q=" + "罗" * 1001)
    assert r.status_code == 200 and "1000" in html


def test_partial_results_are_labelled(client):
    _, html = get(client, "/?q=营商环境 火星")
    assert "只包含部分词语" in html


def test_each_hit_shows_the_words_it_lacks_with_a_link_that_requires_one(client):
    from urllib.parse import parse_qs, urlparse

    _, html = get(client, "/?q=罗湖 营商环境")
    assert "只包含部分词语" not in html  # p10 has both words
    assert html.count('class="missing"') >= 1 and "缺少：" in html
    require = [link for link in Page(html).links if "%2B" in link or "+%2B" in link]
    assert require, "a link that searches again requiring the missing word"
    q = parse_qs(urlparse(require[0].replace("&amp;", "&")).query)["q"][0]
    assert q == "罗湖 营商环境 +罗湖"
    _, html = get(client, "/?" + urlencode({"q": q}))
    assert "<s>罗湖</s>" not in html and "找到" in html  # every result now has 罗湖
    _, html = get(client, "/?q=罗湖的营商环境怎么样")
    assert "只包含部分词语" not in html  # a whole question is not labelled a failure
    assert Page(html).hits and "缺少：怎么样" not in html


def test_facets_filter_by_section(client):
    _, html = get(client, "/?q=罗湖")
    assert "章节" in html
    link = re.search(r'<a href="([^"]+section=[^"]+)">答卷3</a>', html).group(1)
    _, filtered = get(client, link.replace("&amp;", "&"))
    assert "找到 <strong>5</strong> 个段落" in filtered
    assert "取消筛选" in filtered


def test_document_view_has_metadata_sections_anchors_and_marks(client):
    r, html = get(client, "/doc/luohu-2019?q=一半山水一半城")
    page = Page(html)
    assert r.status_code == 200
    assert "请回答2019!罗湖交出全面振兴答卷" in html
    for value in ("南方都市报", "2020-01-03", "LS04", "张一鎏"):
        assert value in html
    assert [f"p{n}" for n in range(1, 35)] == [i for i in page.ids if re.fullmatch(r"p\d+", i)]
    assert "民生福祉、环境品质、城区安全实现同步提升" in html
    assert page.marks == ["一半山水一半城"]
    assert "返回「一半山水一半城」的搜索结果" in html


def test_unknown_document_is_a_404_page(client):
    r, html = get(client, "/doc/../../etc/passwd")
    assert r.status_code == 404
    r, html = get(client, "/doc/nope")
    assert r.status_code == 404 and "nope" in html


def test_the_front_page_lists_every_document(make_index):
    """Undated documents in corpus order, every one of them (#35: the
    front page listed 50 and hid the rest)."""
    from searchsvc import create_app

    files = {f"d{i:03d}.txt": f"第{i}号文件\n内容{i}。" for i in range(60)}
    _, index_dir, _ = make_index(files)
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    r, html = get(client, "/")
    assert r.status_code == 200 and "共 60 篇文档" in html and "未注明日期" in html
    links = [h for h in Page(html).links if h.startswith("/doc/")]
    assert links == [f"/doc/d{i:03d}" for i in range(60)]
    r, html = get(client, "/doc/d059")
    assert r.status_code == 200 and "第59号文件" in html and "内容59。" in html
