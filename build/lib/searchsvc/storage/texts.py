"""Every paragraph's flat text: normalized, without white space, by docnum.

What literal matching reads (``analysis.flat_text``: a paragraph contains
X when X occurs in this text) and what the character index is made of, so
both are written from one list (``write``) in the same pass.

File, per part of a build (``P`` is the part's name):
  P.normalized.txt   one flat text a line, in docnum order
"""

from __future__ import annotations

from array import array
from pathlib import Path

from ..analysis import flat_text

NORMALIZED_FILE = "normalized.txt"


def file(part: str) -> str:
    return f"{part}.{NORMALIZED_FILE}"


def write(folder: Path, part: str, flats: list[str]) -> None:
    """Part ``part``'s flat texts, in docnum order."""
    (folder / file(part)).write_text("".join(t + "\n" for t in flats), encoding="utf-8")


class NormalizedTexts:
    """Every paragraph's normalized text (no white space), by docnum.

    Held as one string with an offset table rather than a list of strings:
    a quarter of the memory, and a substring test is ``find`` within bounds.
    """

    def __init__(self, joined: str, starts: array):
        self.joined = joined
        self.starts = starts  # len(self) + 1 offsets; text n is [starts[n], starts[n+1] - 1)

    @classmethod
    def read(cls, files: list[Path], counts: list[int], paragraphs) -> NormalizedTexts:
        """The parts' files, one text a line in docnum order; ``counts``
        says how many each holds. Checked on every file's count and on its
        first and last paragraph against ``paragraphs`` (the paragraph
        store). Raises ValueError when they do not line up, OSError."""
        chunks = [f.read_text(encoding="utf-8") for f in files]
        joined = "".join(chunks)
        starts = array("I", [0])
        position = joined.find("\n")
        while position != -1:
            starts.append(position + 1)
            position = joined.find("\n", position + 1)
        texts = cls(joined, starts)
        lines = [chunk.count("\n") for chunk in chunks]
        if lines != list(counts) or any(c and not c.endswith("\n") for c in chunks) or \
                len(paragraphs) != len(texts):
            raise ValueError("the normalized texts do not line up with the index")
        base = 0
        for path, count in zip(files, counts):
            for docnum in {base, base + count - 1} if count else ():
                if flat_text(paragraphs.record(docnum)["text"]) != texts[docnum]:
                    raise ValueError(f"{path.name} does not line up with the index")
            base += count
        return texts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, n: int) -> str:
        return self.joined[self.starts[n]:self.starts[n + 1] - 1]

    def length(self, n: int) -> int:
        return self.starts[n + 1] - self.starts[n] - 1

    def contains(self, n: int, literal: str) -> bool:
        return self.joined.find(literal, self.starts[n], self.starts[n + 1] - 1) != -1
