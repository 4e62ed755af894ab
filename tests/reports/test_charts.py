"""The SVG charts: labels escaped, values written as text, a title for assistive technology."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from evalflow.reports.charts import Bar, bar_chart, grouped_bar_chart, strip_plot

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & Co'


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # well-formed XML, so nothing escaped its element
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def test_a_bar_chart_writes_each_value_beside_its_bar():
    svg = bar_chart("Embudo", [Bar("Recibidas", 29), Bar("Elegibles", 26),
                               Bar("Financiadas", 8, "8 propuestas")])
    texts = _texts(svg)
    assert "Recibidas" in texts and "29" in texts and "26" in texts and "8 propuestas" in texts
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "Embudo"
    assert root.find(f"{SVG}title").text == "Embudo"
    assert len(root.findall(f".//{SVG}rect[@height='15']")) == 3


def test_labels_and_titles_are_escaped():
    svg = str(bar_chart(HOSTILE, [Bar(HOSTILE, Decimal("1000.50"), HOSTILE)]))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = ET.fromstring(svg)
    assert root.get("aria-label") == HOSTILE
    assert HOSTILE in _texts(svg)


def test_the_tallest_bar_fills_the_plot_and_zero_draws_nothing():
    svg = bar_chart("t", [Bar("a", 10), Bar("b", 5), Bar("c", 0)])
    widths = [float(r.get("width")) for r in ET.fromstring(svg).iter(f"{SVG}rect")
              if r.get("height") == "15"]
    assert widths[0] == 2 * widths[1] and widths[2] == 0


def test_an_empty_chart_is_still_valid():
    assert ET.fromstring(bar_chart("vacío", [])) is not None


def test_grouped_bars_name_their_series_in_a_legend_and_differ_by_pattern():
    svg = grouped_bar_chart(
        "Por sector", ["TIC", "Salud"],
        [("Recibidas", [Bar("TIC", 3), Bar("Salud", 1)]),
         ("Financiadas", [Bar("TIC", 2), Bar("Salud", 0)])],
    )
    texts = _texts(svg)
    assert {"Recibidas", "Financiadas", "TIC", "Salud", "3", "1", "2", "0"} <= set(texts)
    fills = {r.get("fill") for r in ET.fromstring(svg).iter(f"{SVG}rect")
             if r.get("height") == "15"}
    assert len(fills) == 2 and any(f.startswith("url(#") for f in fills)


def test_a_strip_plot_shows_each_reviewers_count_and_median():
    svg = strip_plot("Totales", [("Ana", [Decimal("7.5"), Decimal("8"), Decimal("6")]),
                                 (HOSTILE, [Decimal("9.25")]), ("Sin reseñas", [])],
                     low=1, high=10)
    texts = _texts(svg)
    assert "n=3 · median 7.5" in texts and "n=1 · median 9.25" in texts
    assert HOSTILE in texts and "<script>" not in str(svg)
    circles = list(ET.fromstring(svg).iterfind(f"{SVG}circle"))  # not the patterns' dots
    assert len(circles) == 4
    assert {"".join(c.itertext()) for c in circles} >= {"Ana: 7.5", "Ana: 8", "Ana: 6"}


def test_a_very_long_label_is_cut_and_kept_whole_in_its_tooltip():
    long = "Cooperación Internacional para el Desarrollo " * 3
    svg = bar_chart("t", [Bar(long, 1)])
    texts = _texts(svg)
    assert not any(text == long for text in texts)
    label = next(el for el in ET.fromstring(svg).iter(f"{SVG}text")
                 if el.find(f"{SVG}title") is not None)
    assert label.find(f"{SVG}title").text == long and "".join(label.itertext()).endswith("…")
