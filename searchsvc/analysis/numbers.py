"""Numbers as Chinese readers write them: one amount, every common spelling.

Reports write the same figure as 2023年 or 二〇二三年, 5% or 百分之五,
121万亿元 or 一百二十一万亿元, 3,680 or 3680. A query's number is read
(``numbers``) and spelled the other ways (``Number.spellings``), so a
search finds and marks each spelling where the paragraph has it. Text is
left as written: the spellings are alternatives of the query, matched
literally like a synonym.

A Chinese numeral is read as a number only where a reader would: after
百分之, before a unit or measure word (元, 公斤, 人, 年…), or as four
digits before 年; 一带一路, 六稳 or 十四五 stay words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_LARGE = {"万": 10_000, "亿": 100_000_000}
_DIGIT_NAMES = "零一二三四五六七八九"
_ZEROS = ("〇", "零", "○")  # how a year's zero is written (○ in older typesetting)

# Measure words and units a number is read before, longest first.
MEASURES = sorted("""
元 美元 欧元 港元 斤 公斤 千克 克 吨 万吨 亿吨 亩 公顷 米 千米 公里 平方米 平方公里 立方米 千瓦
千瓦时 度 人 名 户 个 家 所 项 座 台 辆 套 件 条 只 头 架 艘 倍 岁 年 月 日 天 周 小时 分钟 秒 次 批 期 届
位 种 类 处 部 本 篇 张 床 间 栋 辆次 人次 余 多
""".split(), key=len, reverse=True)
_MEASURE = "|".join(map(re.escape, MEASURES))
_CN = "〇零○一二两三四五六七八九十百千万亿"
_CN_DIGIT = "〇零○一二两三四五六七八九"
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
NUMBER = re.compile(
    rf"(?P<pct>百分之|千分之)?"
    rf"(?:(?P<ar>(?<![\da-z.,])(?:{_ARABIC})(?![\da-z]))|(?P<cn>[{_CN_DIGIT}十][{_CN}]*(?:点[{_CN_DIGIT}]+)?))"
    rf"(?P<mult>万亿|亿|万)?"
    rf"(?P<tail>%|‰|{_MEASURE})?")


@dataclass(frozen=True)
class Number:
    """One number in a text: where it stands, its value as Arabic digits
    and what surrounds the value (百分之 / %, 万 or 亿, a measure word)."""

    start: int
    end: int
    text: str
    digits: str  # the value: "12.8", "2023", "3680"
    percent: str  # "" , "%" or "‰"
    multiplier: str  # "", "万", "亿" or "万亿"
    measure: str  # the measure word after it (年 for a year), "" for none
    year: bool  # four digits before 年, read digit by digit in Chinese

    @property
    def value(self) -> str:
        """The number as written without its measure word (12.8%, 121万亿)."""
        return self.text[:len(self.text) - len(self.measure)]

    def value_spellings(self) -> list[str]:
        """The value's other spellings without the measure word, none of
        one character (五 alone would find every 五): what a query's number
        word also finds, while the measure word stays a word of its own."""
        cut = len(self.measure)
        others = [s[:len(s) - cut] for s in self.spellings()[1:]]
        return [s for s in dict.fromkeys(others) if len(s) > 1 and s != self.value]

    def spellings(self) -> list[str]:
        """Every common way to write it, this one first."""
        values = [self.digits]
        whole = self.digits.partition(".")[0]
        context = self.percent or self.multiplier or self.measure
        if len(whole) > 4 or (len(whole) == 4 and context and not self.year):
            values.append(f"{int(whole):,}" + self.digits[len(whole):])  # 3,680亿斤
        # a bare number (2023, 12) is read in Chinese only with what it counts
        chinese = [chinese_reading(self.digits)] if context else []
        if self.year:
            chinese = [self.digits.translate(str.maketrans("0123456789", zero + "一二三四五六七八九"))
                       for zero in _ZEROS]
        out = [self.text]
        if self.percent:
            word = "百分之" if self.percent == "%" else "千分之"
            out += [v + self.percent for v in values] + [word + c for c in chinese]
        else:
            tail = self.multiplier + self.measure
            out += [v + tail for v in values] + [c + tail for c in chinese]
        return list(dict.fromkeys(out))


# What a word made of a number's pieces holds (亿元, 一百二十一万, 百分之十五):
# jieba's word across a number's edge is cut there when it holds nothing else.
NUMERIC = frozenset(_CN + "点百分之0123456789.,%‰" + "".join(MEASURES))


def chinese_reading(digits: str) -> str:
    """An Arabic number read in Chinese numerals: 121 -> 一百二十一, 12.8 ->
    十二点八, 402 -> 四百零二, 14764 -> 一万四千七百六十四."""
    whole, _, frac = digits.partition(".")
    text = _integer_reading(int(whole))
    if frac:
        text += "点" + "".join(_DIGIT_NAMES[int(d)] for d in frac)
    return text


def _integer_reading(n: int) -> str:
    if n == 0:
        return "零"
    sections, groups = [], []
    while n:
        groups.append(n % 10_000)
        n //= 10_000
    names = ["", "万", "亿", "万亿"]
    zero_pending = False
    for i in range(len(groups) - 1, -1, -1):
        group = groups[i]
        if group == 0:
            zero_pending = bool(sections)
            continue
        if sections and (zero_pending or group < 1000):
            sections.append("零")
        sections.append(_group_reading(group) + names[i])
        zero_pending = False
    text = "".join(sections)
    return text[1:] if text.startswith("一十") else text  # 十四, not 一十四


def _group_reading(n: int) -> str:
    """1-9999 in Chinese, zeros inside as one 零 (4002 -> 四千零二)."""
    out, zero = [], False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero and out:
                out.append("零")
            out.append(_DIGIT_NAMES[d] + name)
            zero = False
        elif out:
            zero = True
    return "".join(out)


def parse_chinese(text: str) -> str | None:
    """Chinese numerals as Arabic digits (一百二十一 -> "121", 一九八二 ->
    "1982", 十二点八 -> "12.8"); None when they are not a number."""
    whole, _, frac = text.partition("点")
    if frac and not all(c in CN_DIGITS for c in frac):
        return None
    if not whole:
        return None
    if all(c in CN_DIGITS for c in whole):  # digit by digit (一九八二), or one digit
        if len(whole) > 1 and whole[0] in _ZEROS:
            return None
        digits = "".join(str(CN_DIGITS[c]) for c in whole)
    else:
        value = _positional(whole)
        if value is None:
            return None
        digits = str(value)
    if frac:
        digits += "." + "".join(str(CN_DIGITS[c]) for c in frac)
    return digits


def _positional(text: str) -> int | None:
    """一百二十一 -> 121, 一万四千七百六十四 -> 14764; None if malformed."""
    total = section = 0
    digit: int | None = None
    last_small = 10_000
    last_large = 10 ** 13
    for c in text:
        if c in CN_DIGITS:
            if digit is not None and CN_DIGITS[c] and digit:
                return None  # two digits in a row (二三百) is not positional
            digit = CN_DIGITS[c]
        elif c in _SMALL:
            unit = _SMALL[c]
            if unit >= last_small:
                return None
            section += (1 if digit is None else digit) * unit
            digit, last_small = None, unit
        elif c in _LARGE:
            unit = _LARGE[c]
            if unit >= last_large or (section == 0 and not digit):
                return None
            total += (section + (digit or 0)) * unit
            section, digit, last_small, last_large = 0, None, 10_000, unit
        else:
            return None
    return total + section + (digit or 0)


def numbers(text: str) -> list[Number]:
    """The numbers in normalized ``text`` that a reader reads as amounts."""
    found = []
    for m in NUMBER.finditer(text):
        percent = "%" if m["pct"] == "百分之" else "‰" if m["pct"] else ""
        mult, tail = m["mult"] or "", m["tail"] or ""
        if tail in ("%", "‰"):
            if percent:
                continue  # 百分之5%: not a spelling anyone uses
            percent, tail = tail, ""
        if m["ar"] is not None:
            digits = m["ar"].replace(",", "")
            year = tail == "年" and not mult and not percent and len(digits) == 4 \
                and digits.isdigit()
        else:
            cn = m["cn"]
            if cn[-1] in _LARGE and not mult:  # 一百二十万: 120 and 万
                stripped = cn.rstrip("万亿")
                mult, cn = cn[len(stripped):], stripped
                if mult not in ("万", "亿", "万亿") or not cn:
                    continue
            digits = parse_chinese(cn)
            if digits is None:
                continue
            year = tail == "年" and len(cn) == 4 and all(c in CN_DIGITS for c in cn)
            # a Chinese numeral is a number after 百分之 or before a measure
            # (一带一路, 十四五 and 六稳 are words); 一 alone is too common
            if not percent and not (tail or mult) or (cn == "一" and not percent):
                continue
        if len(digits.partition(".")[0]) > 16:
            continue  # not an amount anyone writes in words
        found.append(Number(m.start(), m.end(), m.group(), digits, percent, mult, tail, year))
    return found


def spelled(text: str, limit: int = 8) -> list[str]:
    """``text`` with its numbers written every common way (this spelling
    first), at most ``limit`` spellings in all."""
    found = numbers(text)
    if not found:
        return [text]
    options = [n.spellings() for n in found]
    out: list[str] = []
    for choice in product(*options):
        pieces, last = [], 0
        for n, spelling in zip(found, choice):
            pieces += [text[last:n.start], spelling]
            last = n.end
        pieces.append(text[last:])
        out.append("".join(pieces))
        if len(out) >= limit:
            break
    return list(dict.fromkeys(out))

