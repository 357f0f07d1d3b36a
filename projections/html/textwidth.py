"""Text measured, not counted: advance widths of DejaVu Sans (regular and bold), the font the
drawings ask for first, so boxes fit their text and labels keep clear of arrows.

The tables are the fonts' own advance widths (hmtx, in thousandths of an em) for U+0020-U+017F
and a few punctuation marks, read once from DejaVuSans.ttf 2.37 and kept here so the report needs
no font file and no imaging library. DejaVu Sans is among the widest common sans-serif faces, so
a browser that substitutes another (Liberation Sans, Helvetica, Segoe UI) draws narrower text:
the boxes still fit. A character outside the table counts as a full em (CJK ideographs are),
again erring wide; combining marks are rare enough in names to count the same.
"""

from __future__ import annotations

_FIRST = 0x20
_WIDE = 1000  # a character the table lacks: one em, wider than any Latin letter

# Advance widths from U+0020 on, space-separated (0: no glyph), then "CODE:WIDTH" pairs.

_REGULAR_BASE = """
318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 636 636
636 636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 557 863 748 787
603 787 695 635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 635 550 635 615 352 635
634 278 278 579 278 974 634 612 635 635 411 521 392 634 592 818 592 592 525 636 337 636 838 0 0
0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 318 401 636 636 636 636 337 500
500 1000 471 612 838 361 1000 500 500 838 401 401 500 636 636 318 500 401 471 612 969 969 969
531 684 684 684 684 684 684 974 698 632 632 632 632 295 295 295 295 775 748 787 787 787 787 787
838 787 732 732 732 732 611 605 630 613 613 613 613 613 613 982 550 615 615 615 615 278 278 278
278 612 634 612 612 612 612 612 838 612 634 634 634 634 592 635 592 684 613 684 613 684 613 698
550 698 550 698 550 698 550 770 635 775 635 632 615 632 615 632 615 632 615 632 615 775 635 775
635 775 635 775 635 752 634 916 695 295 278 295 278 295 278 295 278 295 278 590 556 295 278 656
579 579 557 278 557 278 557 375 557 342 562 284 748 634 748 634 748 634 813 748 634 787 612 787
612 787 612 1070 1023 695 411 695 411 695 411 635 521 635 521 635 521 635 521 611 392 611 392
611 392 732 634 732 634 732 634 732 634 732 634 732 634 989 818 611 592 611 685 525 685 525 685
525 352
"""
_REGULAR_EXTRA = """
2013:500 2014:1000 2018:318 2019:318 201C:518 201D:518 2022:590 2026:1000 2192:838 2212:838
25B2:769 25BC:769
"""

_BOLD_BASE = """
348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696 696 696 696 696
696 696 400 400 838 838 838 580 1000 774 762 734 830 683 683 821 837 372 372 775 637 995 837 850
733 850 770 720 682 812 774 1103 771 724 725 457 365 457 838 500 500 675 716 593 716 678 435 716
712 343 343 665 343 1042 712 687 716 716 493 595 478 712 652 924 645 652 582 712 365 712 838 0 0
0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 348 456 696 696 636 696 365 500
500 1000 564 646 838 415 1000 500 500 838 438 438 500 736 636 380 500 438 564 646 1035 1035 1035
580 774 774 774 774 774 774 1085 734 683 683 683 683 372 372 372 372 838 837 850 850 850 850 850
838 850 812 812 812 812 724 738 719 675 675 675 675 675 675 1048 593 678 678 678 678 343 343 343
343 687 712 687 687 687 687 687 838 687 712 712 712 712 652 716 652 774 675 774 675 774 675 734
593 734 593 734 593 734 593 830 716 838 716 683 678 683 678 683 678 683 678 683 678 821 716 821
716 821 716 821 716 837 712 974 790 372 343 372 343 372 343 372 343 372 343 744 686 372 343 775
665 665 637 343 637 343 637 479 637 557 642 371 837 712 837 712 837 712 983 837 712 850 687 850
687 850 687 1167 1094 770 493 770 493 770 493 720 595 720 595 720 595 720 595 682 478 682 478
682 478 812 712 812 712 812 712 812 712 812 712 812 712 1103 924 724 652 724 725 582 725 582 725
582 435
"""
_BOLD_EXTRA = """
2013:500 2014:1000 2018:380 2019:380 201C:657 201D:657 2022:639 2026:1000 2192:838 2212:838
25B2:769 25BC:769
"""


class _Widths(dict[str, int]):
    """Character -> advance width; a character the font lacks counts as one em."""

    def __missing__(self, char: str) -> int:
        return _WIDE


def _table(base: str, extra: str) -> _Widths:
    widths = _Widths()
    for offset, width in enumerate(base.split()):
        if int(width):
            widths[chr(_FIRST + offset)] = int(width)
    for pair in extra.split():
        code, width = pair.split(":")
        widths[chr(int(code, 16))] = int(width)
    return widths


_REGULAR, _BOLD = _table(_REGULAR_BASE, _REGULAR_EXTRA), _table(_BOLD_BASE, _BOLD_EXTRA)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width in pixels of one line of `text` at `size` px in DejaVu Sans (bold or not)."""
    return sum(map((_BOLD if bold else _REGULAR).__getitem__, text)) * size / 1000


def wrap(text: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """`text` broken at spaces into lines no wider than `width` px; a word wider than a line is
    broken between characters, so nothing is ever clipped."""
    widths = _BOLD if bold else _REGULAR
    limit = width * 1000 / size  # in thousandths of an em, as the table
    space = widths[" "]
    lines: list[str] = []
    line: list[str] = []
    used = 0
    for word in text.split():
        length = sum(map(widths.__getitem__, word))
        if line and used + space + length <= limit:
            line.append(word)
            used += space + length
            continue
        if line:
            lines.append(" ".join(line))
        while length > limit:  # a word longer than a line: cut it where it stops fitting
            cut, total = 0, 0
            for cut, char in enumerate(word):  # noqa: B007 - cut is used after the loop
                total += widths[char]
                if total > limit:
                    break
            cut = max(1, cut)
            lines.append(word[:cut])
            word = word[cut:]
            length = sum(map(widths.__getitem__, word))
        line, used = [word], length
    if line or not lines:
        lines.append(" ".join(line))
    return lines
