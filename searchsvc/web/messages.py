"""A refused parameter said in Chinese, on the page beside what was typed.

The JSON API keeps ``BadParameter``'s English code and message (clients
read the code); a reader of the page gets one sentence in Chinese that
names the field as the page labels it and says what it takes.
"""

from __future__ import annotations

from ..engine.params import BadParameter

LABELS = {"q": "搜索词", "page": "页码", "per_page": "每页条数", "from": "起始日期",
          "to": "截止日期", "sort": "排序", "group": "分组", "as_typed": "按原样搜索"}
DATE_HELP = "请填写年份、年-月或年-月-日，如 2019、2019-03、2019-03-05 或 2019年3月"
CHOICES = {"sort": "按相关度（relevance）或按日期（date）",
           "group": "每篇报告一处（doc）或不分组（留空）", "as_typed": "1 或留空"}


HTTP_MESSAGES = {
    400: "请求有误，无法处理。", 404: "没有这个页面：请检查网址，或回到首页搜索。",
    405: "这个网址不接受这种请求方式。", 413: "请求太大了。", 414: "网址太长了，请缩短搜索词。",
    429: "请求太频繁，请稍后再试。",
}


def page_message(exc: BadParameter, args, settings, view_args=None) -> str:
    """The sentence the page shows for ``exc``; ``args`` the request's
    arguments (what was typed is quoted back), ``view_args`` the path's."""
    code = exc.code
    doc_id = (view_args or {}).get("doc_id", "")
    if code == "document_not_found":
        return f"没有编号为“{doc_id[:60]}”的文档：它可能已被删除或改名，请回到首页搜索。"
    if code == "file_not_found":
        return f"文档“{doc_id[:60]}”的原文件已不在语料文件夹中；索引里的正文仍可阅读。"
    if code == "query_too_long":
        return f"搜索词太长了：最多 {settings['MAX_QUERY_LENGTH']} 个字符，请删短一些。"
    if code == "invalid_query":
        return "搜索词里有无法处理的控制字符，请删掉后再试。"
    if code == "invalid_date_range":
        return (f"起始日期（{args.get('from', '').strip()}）晚于截止日期"
                f"（{args.get('to', '').strip()}），请对调或改正其中一个。")
    name = code.removeprefix("invalid_")
    label = LABELS.get(name, name)
    typed = _typed(args, name)
    if name in ("from", "to"):
        return f"无法识别{label}{typed}。{DATE_HELP}。"
    if name in ("page", "per_page"):
        high = settings["MAX_PAGE" if name == "page" else "MAX_PER_PAGE"]
        return f"{label}{typed}无效：应为 1 到 {high} 之间的整数。"
    if name in CHOICES:
        return f"{label}{typed}无效：可选 {CHOICES[name]}。"
    return f"参数「{label}」无效{typed}。"


def _typed(args, name: str) -> str:
    values = args.getlist(name)
    raw = values[-1].strip() if values else ""
    if not raw:
        return ""
    return f"“{raw[:40]}{'…' if len(raw) > 40 else ''}”"
