"""Small server-rendered SVG charts (no JavaScript, readable by screen readers through their table twin)."""

from django.utils.html import escape


def theme_bars_svg(themes: list[dict], width: int = 640) -> str:
    bar_height, gap, label_width = 22, 10, 300
    height = len(themes) * (bar_height + gap) + 10
    usable = width - label_width - 60
    parts = [f'<svg class="care-chart" role="img" aria-label="Score par thème" viewBox="0 0 {width} {height}" '
             f'width="100%" xmlns="http://www.w3.org/2000/svg">']
    for index, theme in enumerate(themes):
        y = index * (bar_height + gap) + 5
        percent = float(theme.get("percent", 0))
        parts.append(f'<text x="0" y="{y + 15}">{escape(theme["title"][:34])}</text>')
        parts.append(f'<rect class="care-bar--ref" x="{label_width}" y="{y}" width="{usable}" height="{bar_height}"/>')
        parts.append(f'<rect class="care-bar" x="{label_width}" y="{y}" width="{usable * percent / 100:.1f}" '
                     f'height="{bar_height}"/>')
        parts.append(f'<text x="{label_width + usable + 8}" y="{y + 15}">{percent:.0f} %</text>')
    parts.append("</svg>")
    return "".join(parts)


def distribution_svg(rows: list[dict], width: int = 480) -> str:
    total = sum(r["count"] for r in rows) or 1
    bar_height, gap, label_width = 26, 10, 130
    usable = width - label_width - 80
    height = len(rows) * (bar_height + gap) + 10
    parts = [f'<svg class="care-chart" role="img" aria-label="Répartition des niveaux" viewBox="0 0 {width} '
             f'{height}" width="100%" xmlns="http://www.w3.org/2000/svg">']
    for index, row in enumerate(rows):
        y = index * (bar_height + gap) + 5
        share = row["count"] / total
        parts.append(f'<text x="0" y="{y + 17}">{escape(row["label"])}</text>')
        parts.append(f'<rect class="care-bar" x="{label_width}" y="{y}" width="{usable * share:.1f}" '
                     f'height="{bar_height}"/>')
        parts.append(f'<text x="{label_width + usable * share + 6:.1f}" y="{y + 17}">{row["count"]}</text>')
    parts.append("</svg>")
    return "".join(parts)
