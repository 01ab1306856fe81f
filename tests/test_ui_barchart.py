"""The 汇总 view's bar charts (QPainter): bars sized to their values, stacked to the top, hover."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from desktop.gui.barchart import BarChart, Series, nice_ticks


def test_nice_ticks():
    assert nice_ticks(100) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(110) == [0, 50, 100, 150]
    assert nice_ticks(7.3) == pytest.approx([0, 2, 4, 6, 8])
    assert nice_ticks(0) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])


def _chart(qtbot, **kw) -> BarChart:
    c = BarChart()
    qtbot.addWidget(c)
    c.resize(640, 300)
    c.show()
    c.plot(**kw)
    return c


def test_vertical_bars_are_proportional_and_labelled(qtbot, artifacts):
    cats = ["兰州市", "天水市", "酒泉市", "临夏回族自治州"]
    c = _chart(qtbot, title="各市州报送率（%）", categories=cats, series=[Series("报送率", "#4f81bd", [100, 50, 25, 0])],
               hi=100, labels=True, legend=False)
    bars = c.bars()
    assert [b.category for b in bars] == [0, 1, 2, 3]
    full = bars[0].rect.height()
    assert full > 100 and bars[1].rect.height() == pytest.approx(full / 2) and bars[3].rect.height() == 0
    assert len({round(b.rect.bottom(), 3) for b in bars}) == 1  # one baseline
    assert all(0 <= b.rect.left() and b.rect.right() <= c.width() for b in bars)
    img = c.grab().toImage()
    # the first bar is painted in its colour
    assert img.pixelColor(bars[0].rect.center().toPoint()).name() == "#4f81bd"
    c.grab().save(str(artifacts / "barchart_vertical.png"))


def test_stacked_shares_fill_the_bar_and_hover_names_the_segment(qtbot, artifacts):
    series = [Series("未启动", "#c0504d", [10, 0, 50]), Series("推进中", "#f0ad4e", [40, 0, 50]),
              Series("已完成", "#5b9b55", [50, 100, 0])]
    c = _chart(qtbot, title="各项任务进度分布", categories=[str(i) for i in range(1, 34)][:3], series=series,
               hi=100, stacked=True)
    bars = c.bars()
    per_item = {}
    for b in bars:
        per_item.setdefault(b.category, []).append(b)
    heights = [sum(b.rect.height() for b in bs) for bs in per_item.values()]
    assert heights == pytest.approx([heights[0]] * 3)
    seg = next(b for b in bars if b.category == 0 and b.series == 1)
    assert seg.rect.bottom() == pytest.approx(next(b for b in bars if b.category == 0 and b.series == 0).rect.top())
    hit = c.bar_at(seg.rect.center())
    assert (hit.category, hit.series, hit.value) == (0, 1, 40)
    assert c.bar_at(QPointF(1, 1)) is None
    c.grab().save(str(artifacts / "barchart_stacked.png"))


def test_horizontal_groups_and_many_rotated_labels(qtbot, artifacts):
    c = _chart(qtbot, title="目标值与完成值", categories=["兰州市", "天水市"],
               series=[Series("目标值", "#a6a6a6", [120, 60]), Series("完成值", "#5b9b55", [60, 60])],
               hi=132, horizontal=True)
    t0, a0, t1, a1 = c.bars()
    assert t0.rect.width() == pytest.approx(2 * a0.rect.width()) and t1.rect.width() == pytest.approx(a1.rect.width())
    assert t0.rect.top() < t1.rect.top()  # the first category on top, as listed in the table beside it
    assert t0.rect.left() == pytest.approx(a0.rect.left())
    c.grab().save(str(artifacts / "barchart_horizontal.png"))

    many = [f"第{i}所职业技术学院" for i in range(30)]
    c.plot("报送率", many, [Series("报送率", "#4f81bd", [float(i) for i in range(30)])], hi=100)
    plot, _, angle = c._areas()
    assert angle and plot.bottom() < c.height() - 40  # names turned, room left for them
    c.grab().save(str(artifacts / "barchart_rotated.png"))
