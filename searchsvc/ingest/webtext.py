"""A web page's extracted paragraphs made text: no markup, no counters,
page controls or the site's name, by rules stated once here.

htmlclean cuts widgets out of the page's tree by their shape; what is left
here is what reaches the text anyway: markup a CMS escaped into its
article (``发布日期：2022-02-11 <span>来源：…</span>``), a metadata line of
counters and controls (``浏览次数：192  【字号：大 中 小】 打印``), a
carousel's label, the site's name on a line of its own, its footer. Each paragraph
left out, and each piece cut, is recorded with its rule (``inspect``).
"""

from __future__ import annotations

import html
import re

from .model import Dropped

# tags of HTML itself (not `a<b`, `List<T>` or 《书名》): a tag left in text is markup
_NAMES = (r"(?:a|abbr|b|big|blockquote|br|center|code|dd|div|dl|dt|em|font|h[1-6]|hr|i|iframe|"
          r"img|input|label|li|link|meta|nav|ol|option|p|pre|s|script|section|select|small|span|"
          r"strike|strong|style|sub|sup|table|tbody|td|th|thead|tr|tt|u|ul|article|aside|header|"
          r"footer|figure|figcaption|button|form|noscript|o:p)")
# a tag as written (<span class="x">, </p>), or spaced as an escape left it (< span>),
# then without attributes, so `a < b 且 b > c` stays
_TAG = re.compile(rf"</?{_NAMES}(?:\s[^<>]*)?/?>|<\s*/?\s*{_NAMES}\s*/?>", re.IGNORECASE)
_CONDITIONAL = re.compile(r"^\W*\[if [^\]]*\].*\[endif\]\W*$", re.IGNORECASE)  # <!--[if IE]>
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});", re.IGNORECASE)
_COUNT = r"\s*[（(]?\s*\d[\d,]*\s*[)）]?\s*(?:次|人次?)?(?![\d万亿千百\u4e00-\u9fff])"
_ALONE = r"(?<![\u4e00-\u9fff])"  # a label that starts a field, not a word's end (累计浏览量)
_APART = r"(?![\u4e00-\u9fff])"
# counters and controls a page prints around its article (in a line of
# SHORT characters at most: prose that names them keeps them)
SHORT = 200
CHROME = [
    ("a view or click counter",
     re.compile(rf"{_ALONE}(?:浏览|阅读|点击|访问|查看)(?:次数|人数|量|数)?\s*[：:]?{_COUNT}"
                rf"|{_ALONE}(?:浏览|阅读|点击|访问)(?:次数|量|数)?\s*[：:]\s*$"  # filled by script
                rf"|{_ALONE}\d[\d,]*\s*(?:次浏览|人浏览|次阅读|人阅读|人看过|次点击){_APART}")),
    ("a type-size control", re.compile(r"【?\s*字[号体]\s*[：:]?\s*[大中小](?:\s*[大中小]){1,2}\s*】?"
                                      r"|【\s*[大中小]\s*[中小]\s*[小]?\s*】")),
    ("a page control", re.compile(rf"【\s*(?:打印|关闭|收藏|纠错|分享)[^】]{{0,6}}】|{_ALONE}"
                                   r"(?:打印(?:本页|此页|文章)?|关闭(?:窗口|本页)|返回顶部|"
                                   r"分享到\s*[：:]?|收藏本页|轮播图预览\s*[：:]?|"
                                   rf"扫一扫在手机(?:打开|上查看)当前页){_APART}")),
]
# a metadata line's fields: the date, source and author are the document's metadata
_FIELD = re.compile(r"(?:(?:发布|更新|成文|印发)?(?:日期|时间)\s*[：:]\s*)?"
                    r"(?:19|20)\d\d\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?[\d:\s]*"
                    r"|(?:发布|更新|成文|印发)?(?:日期|时间)\s*[：:]\s*[\d\-/年月日:\s]+"
                    r"|(?:来源|作者|编辑|责任编辑|责编|供稿|发布机构|信息来源|文章来源|"
                    r"审核|校对)\s*[：:]\s*\S{1,30}")


# a site's footer: copyright, licence and registration numbers, the sponsor, reprint terms
_FOOTER = re.compile(r"版权所有|Copyright|©|All Rights Reserved|ICP[备证]|公网安备|公安网备|网站标识码|"
                     r"(?:技术支持|主办单位|承办单位|主管单位|报料)\s*[：:]|违法和不良信息举报|不得转载",
                     re.IGNORECASE)
_WORD = re.compile(r"\w")
_ENDS = re.compile(r"[。！？!?]\W*$")  # a sentence: prose that names these words keeps them
# a character every counter and control above holds: a paragraph without one skips them
_CUE = re.compile(r"[浏阅点访查看字大打关返分收纠轮扫]")


def clean_paragraph(text: str, dropped: list[Dropped]) -> str:
    """``text`` without markup (entities read, tags cut) and without
    counters and page controls; "" when nothing of the article is left
    (a line of metadata and controls), with each cut in ``dropped``."""
    was = text
    if _CONDITIONAL.match(text):
        dropped.append(Dropped("an Internet Explorer conditional comment", text))
        return ""
    if _ENTITY.search(text):
        text = html.unescape(text)
    if _TAG.search(text):
        dropped.append(Dropped("HTML markup in the text (the tags cut, their text kept)",
                               " ".join(m.group(0) for m in _TAG.finditer(text))[:200]))
        for _ in range(8):  # a cut can join what is left into a tag (<<span>span>)
            text = _TAG.sub(" ", text)
            if not _TAG.search(text):
                break
    short = len(text) <= SHORT and bool(_CUE.search(text))
    for rule, pattern in CHROME if short else ():
        if pattern.search(text):
            dropped.append(Dropped(rule, " ".join(m.group(0).strip()
                                                  for m in pattern.finditer(text))[:200]))
            text = pattern.sub(" ", text)
    if text != was:
        text = " ".join(text.split())  # the spaces left where something was cut
    if not _WORD.search(text):
        if text:
            dropped.append(Dropped("no letter or digit (a button's ×, a separator)", text))
        return ""
    if len(text) <= SHORT and not _WORD.search(_FIELD.sub("", text)):
        dropped.append(Dropped("a line of the page's metadata (date, source, author)", text))
        return ""
    if len(text) <= 150 and not _ENDS.search(text) and _FOOTER.search(text):
        # a notice's 联系电话 or 地址 is the article's: contacts alone are kept
        dropped.append(Dropped("the site's footer (copyright, licence numbers, sponsor)", text))
        return ""
    return text


_NAME_MARKS = re.compile(r"[\s|｜_\-–—·•>»]")  # what sits between a site's and a channel's names


def site_names(names: list[str]) -> set[str]:
    """The site's names (its <title>'s later parts, og:site_name), as
    ``site_name`` compares them."""
    return {flat for name in names if (flat := _NAME_MARKS.sub("", name))}


def site_name(text: str, names: set[str]) -> bool:
    """A paragraph that is the site's name alone (``site_names``)."""
    return _NAME_MARKS.sub("", text) in names
