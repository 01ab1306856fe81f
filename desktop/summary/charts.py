"""PNG charts for the Word 汇总报告, drawn without Qt.

Why matplotlib: python-docx cannot write native Word charts, and hand-drawing bars with a
CJK-capable text rasteriser is a library of its own. matplotlib (a bare Figure rendered by Agg; no pyplot, no GUI) is
imported only here and only when a report is written, so app start-up never pays for it; if
it is missing the report is written without charts. The xlsx 汇总表 uses native Excel charts.
A CJK font is looked up by family name (Noto Sans CJK on Linux, 微软雅黑/黑体 on Windows);
without one, labels fall back to codes and numbers so nothing renders as empty boxes.
"""
from __future__ import annotations

import io

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei",
                "WenQuanYi Micro Hei", "PingFang SC", "Noto Serif CJK SC", "SimSun")
COLORS = {"未启动": "#c0504d", "推进中": "#f0ad4e", "已完成": "#5b9b55", "不适用": "#a6a6a6", "未填": "#dddddd"}
CLIP = 200
_font: list = []


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure(w: float, h: float):
    """A bare Figure (no pyplot: no global figure state, safe on a worker thread) and its axes."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    if not _font:
        names = {f.name for f in font_manager.fontManager.ttflist}
        _font.append(next((f for f in CJK_FAMILIES if f in names), None))
    family = _font[0]
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    fig = Figure(figsize=(w, h))
    return fig, fig.subplots(), family is not None


def _cut(text: str, n: int = 16) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    return buf.getvalue()


def filing_rate_png(branches) -> bytes:
    """Bar per child node: filed / must file."""
    fig, ax, cjk = _figure(7.5, 3.6)
    labels = [b.name if cjk else b.code for b in branches]
    rates = [100 * (b.rate or 0) for b in branches]
    bars = ax.bar(range(len(rates)), rates, color="#4f81bd")
    ax.bar_label(bars, labels=[f"{r:.0f}%" for r in rates], fontsize=7)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_ylabel("报送率（%）" if cjk else "%")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def progress_png(items) -> bytes:
    """Stacked bars per item: the share of each 进度 value."""
    fig, ax, cjk = _figure(7.5, 3.8)
    states = list(items[0].status) if items else []
    x = range(len(items))
    bottom = [0.0] * len(items)
    for s in states:
        vals = [100 * it.status[s] / it.plans if it.plans else 0 for it in items]
        ax.bar(x, vals, bottom=bottom, color=COLORS.get(s), label=s if cjk else str(states.index(s)), width=0.75)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_xticks(list(x), [it.display_no for it in items], fontsize=7)
    ax.set_xlabel("任务序号" if cjk else "item")
    ax.set_ylabel("占统计方案（%）" if cjk else "%")
    ax.set_ylim(0, 100)
    ax.legend(ncol=len(states), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 1.14), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def attainment_png(indicators) -> bytes:
    """Horizontal bar per indicator: actual against the provincial (or own) target."""
    n = len(indicators)
    fig, ax, cjk = _figure(7.5, 0.9 + 0.3 * n)
    labels = [f"{_cut(t.name)}（{t.plan_kind}）" if cjk else f"{t.key} {t.item_no}" for t in indicators]
    vals = [100 * (t.attainment or 0) for t in indicators]
    shown = [min(v, CLIP) for v in vals]  # a sum over thousands of schools may dwarf the target
    y = list(range(n))[::-1]
    ax.barh(y, shown, color=["#5b9b55" if v >= 100 else "#4f81bd" for v in vals], height=0.6)
    ax.axvline(100, color="#c0504d", linewidth=1, linestyle="--")
    for yy, v, w in zip(y, vals, shown):
        ax.text(w + 2, yy, f"{v:.0f}%" + ("▶" if v > CLIP else ""), va="center", fontsize=7)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(f"达成率（%，虚线为 100%，超过 {CLIP}% 截断显示）" if cjk else "%")
    ax.set_xlim(0, CLIP * 1.18)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
