"""One line of a PDF page as pdf.py reads it out of pdfium: its text,
box, type size and weight. What the layout, the furniture and the title
rules each look at, on lines made by hand in their tests too."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Line:
    text: str
    page: int  # from 1
    left: float
    right: float
    top: float
    bottom: float
    size: float = 0.0  # type size; 0: unknown (the box's height stands for it)
    bold: bool = False
    hyphen: bool = False  # ends in a soft hyphen: the word goes on in the next line

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def type_size(self) -> float:
        return self.size or self.height
