"""Bar charts for the 汇总 view, painted with QPainter.

The view needs three simple charts (报送率 per branch, progress shares per task stacked to 100 %,
target vs actual per region). Qt Charts drew them before, but it brought QtCharts, QtOpenGL and
the PySide6-Addons wheel (13 MB of the bundle, 1/3 of a wheel install) for bars, an axis and a
legend; this widget is those, and nothing more. Hovering a bar shows its value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from ..core import fmt


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: list[float]


@dataclass(frozen=True)
class Bar:
    rect: QRectF
    category: int
    series: int
    value: float


def nice_ticks(hi: float, target: int = 5) -> list[float]:
    """0, step, 2·step … ≥ hi with step 1, 2 or 5 × 10^k (what a person would draw by hand)."""
    hi = hi if hi > 0 else 1.0
    raw = hi / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    n = math.ceil(hi / step - 1e-9)
    return [i * step for i in range(n + 1)]


class BarChart(QWidget):
    """Vertical or horizontal bars, grouped or stacked, with a value axis, a legend and a title."""

    PAD, BAR_SHARE = 8.0, 0.72  # outer padding (px); share of a category slot the bars fill

    def __init__(self, min_height: int = 220, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(min_height)
        self.setMouseTracking(True)
        self.title, self.categories, self.series = "", [], []
        self.hi, self.stacked, self.horizontal, self.labels, self.legend = 100.0, False, False, False, True

    def plot(self, title: str, categories: list[str], series: list[Series], *, hi: float,
             stacked: bool = False, horizontal: bool = False, labels: bool = False, legend: bool = True) -> None:
        """Show new data; ``hi`` is the least top of the value axis (rounded up to a tick)."""
        self.title, self.categories, self.series = title, list(categories), list(series)
        self.hi, self.stacked, self.horizontal, self.labels, self.legend = hi, stacked, horizontal, labels, legend
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(480, max(self.minimumHeight(), 220))

    # ------------------------------------------------------------------ layout
    def _fonts(self) -> tuple[QFont, QFont]:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        bold = QFont(self.font())
        bold.setBold(True)
        return small, bold

    def _legend_items(self, fm: QFontMetricsF) -> list[tuple[QRectF, Series]]:
        """Swatch rectangles of the legend, centred in rows under the title."""
        if not (self.legend and self.series):
            return []
        box, gap, width = fm.height() * 0.8, 14.0, self.width() - 2 * self.PAD
        rows, row, x = [], [], 0.0
        for s in self.series:
            w = box + 4 + fm.horizontalAdvance(s.name)
            if row and x + w > width:
                rows.append((row, x - gap))
                row, x = [], 0.0
            row.append((x, s))
            x += w + gap
        rows.append((row, x - gap))
        top = self.PAD + (QFontMetricsF(self._fonts()[1]).height() + 4 if self.title else 0)
        out = []
        for r, (items, used) in enumerate(rows):
            left = self.PAD + (width - used) / 2
            y = top + r * fm.height() * 1.3
            out.extend((QRectF(left + x, y + (fm.height() - box) / 2, box, box), s) for x, s in items)
        return out

    def _areas(self):
        """(plot rectangle, value ticks, category-label rotation) for the current size and data."""
        small, bold = self._fonts()
        fm = QFontMetricsF(small)
        ticks = nice_ticks(self.hi)
        top = self.PAD + (QFontMetricsF(bold).height() + 4 if self.title else 0)
        legend = self._legend_items(fm)
        if legend:
            top = max(r.bottom() for r, _ in legend) + fm.height() * 0.6
        value_w = max(fm.horizontalAdvance(fmt.number(t)) for t in ticks) + 6
        names = [fm.horizontalAdvance(c) for c in self.categories] or [0.0]
        w, h = self.width() - 2 * self.PAD, self.height() - self.PAD
        if self.horizontal:
            left = self.PAD + min(max(names) + 6, w * 0.4)
            return QRectF(left, top, self.PAD + w - left - value_w / 2, h - top - fm.height() - 4), ticks, 0
        slot = (w - value_w) / max(1, len(self.categories))
        rotate = max(names) + 8 > slot
        below = (min(max(names), h * 0.3) * 0.87 + fm.height() * 0.5) if rotate else fm.height()
        plot = QRectF(self.PAD + value_w, top, w - value_w, h - top - below - 6)
        return plot, ticks, (-60 if rotate else 0)

    def bars(self) -> list[Bar]:
        """Every bar's rectangle in widget coordinates (what is painted; also for tooltips)."""
        plot, ticks, _ = self._areas()
        n, top = len(self.categories), ticks[-1] or 1.0
        if not n or plot.width() <= 0 or plot.height() <= 0:
            return []
        out = []
        length = plot.width() if self.horizontal else plot.height()
        slot = (plot.height() if self.horizontal else plot.width()) / n
        groups = 1 if self.stacked else max(1, len(self.series))
        thick = slot * self.BAR_SHARE / groups
        for i in range(n):
            start, base = i * slot + slot * (1 - self.BAR_SHARE) / 2, 0.0
            for k, s in enumerate(self.series):
                v = s.values[i] if i < len(s.values) else 0.0
                size = length * max(0.0, v or 0.0) / top
                offset = start + (0 if self.stacked else k * thick)
                if self.horizontal:
                    r = QRectF(plot.left() + base, plot.top() + offset, size, thick)
                else:
                    r = QRectF(plot.left() + offset, plot.bottom() - base - size, thick, size)
                out.append(Bar(r, i, k, v or 0.0))
                if self.stacked:
                    base += size
        return out

    # ------------------------------------------------------------------- paint
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        small, bold = self._fonts()
        fm = QFontMetricsF(small)
        text = self.palette().text().color()
        if self.title:
            p.setFont(bold)
            p.setPen(text)
            p.drawText(QRectF(self.PAD, self.PAD, self.width() - 2 * self.PAD, QFontMetricsF(bold).height()),
                       Qt.AlignmentFlag.AlignCenter, self.title)
        p.setFont(small)
        for r, s in self._legend_items(fm):
            p.fillRect(r, QColor(s.color))
            p.setPen(text)
            p.drawText(QPointF(r.right() + 4, r.bottom()), s.name)
        if not self.categories:
            return
        plot, ticks, angle = self._areas()
        self._paint_axes(p, plot, ticks, angle, fm, text)
        for b in self.bars():
            p.fillRect(b.rect, QColor(self.series[b.series].color))
        if self.labels:
            p.setPen(text)
            for b in self.bars():
                label = fmt.number(round(b.value, 1))
                if self.horizontal:
                    p.drawText(QPointF(b.rect.right() + 3, b.rect.center().y() + fm.ascent() / 2 - 1), label)
                elif fm.horizontalAdvance(label) <= b.rect.width() * 1.3:  # no label over its neighbours
                    at = b.rect.center().x() - fm.horizontalAdvance(label) / 2
                    p.drawText(QPointF(at, b.rect.top() - 3), label)
        p.end()

    def _paint_axes(self, p: QPainter, plot: QRectF, ticks, angle, fm: QFontMetricsF, text: QColor) -> None:
        grid, top = QPen(QColor("#d9d9d9")), ticks[-1] or 1.0
        n = len(self.categories)
        for t in ticks:
            label = fmt.number(t)
            if self.horizontal:
                x = plot.left() + plot.width() * t / top
                p.setPen(grid)
                p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
                p.setPen(text)
                p.drawText(QPointF(x - fm.horizontalAdvance(label) / 2, plot.bottom() + fm.ascent() + 3), label)
            else:
                y = plot.bottom() - plot.height() * t / top
                p.setPen(grid)
                p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
                p.setPen(text)
                p.drawText(QRectF(self.PAD, y - fm.height() / 2, plot.left() - self.PAD - 4, fm.height()),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        p.setPen(QPen(text))
        if self.horizontal:
            p.drawLine(plot.topLeft(), plot.bottomLeft())
            slot = plot.height() / n
            for i, c in enumerate(self.categories):
                r = QRectF(self.PAD, plot.top() + i * slot, plot.left() - self.PAD - 6, slot)
                p.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           fm.elidedText(c, Qt.TextElideMode.ElideRight, r.width()))
            return
        p.drawLine(plot.bottomLeft(), plot.bottomRight())
        slot = plot.width() / n
        for i, c in enumerate(self.categories):
            x = plot.left() + (i + 0.5) * slot
            if not angle:
                p.drawText(QPointF(x - fm.horizontalAdvance(c) / 2, plot.bottom() + fm.ascent() + 3), c)
                continue
            limit = (self.height() - plot.bottom()) / 0.87
            shown = fm.elidedText(c, Qt.TextElideMode.ElideRight, limit)
            p.save()
            p.translate(x, plot.bottom() + 4)
            p.rotate(angle)
            p.drawText(QPointF(-fm.horizontalAdvance(shown), fm.ascent() / 2), shown)
            p.restore()

    # ----------------------------------------------------------------- tooltip
    def bar_at(self, pos: QPointF) -> Bar | None:
        return next((b for b in self.bars() if b.rect.adjusted(-1, -1, 1, 1).contains(pos)), None)

    def event(self, e) -> bool:
        if e.type() == e.Type.ToolTip:
            b = self.bar_at(QPointF(e.pos()))
            if b is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(e.globalPos(), f"{self.categories[b.category]}\n"
                                  f"{self.series[b.series].name}：{fmt.number(round(b.value, 2))}", self)
            return True
        return super().event(e)
