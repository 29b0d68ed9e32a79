"""What a chart spec draws, read back from its Vega-Lite: the colour of every named series
and the number of coloured series in each panel. The report's tests hold every page to the
palette (one colour per loss) and to `pwlkit.palette.MAX_SERIES` series per panel with these."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Encoding channels that give series their colour.
COLOUR_CHANNELS = ("color", "fill", "stroke")
_FACET_CHANNELS = ("facet", "row", "column")


def _facet_fields(facet: Any) -> list[str]:
    if isinstance(facet, dict) and "field" in facet:
        return [facet["field"]]
    if isinstance(facet, dict):
        return [f["field"] for k, f in facet.items() if k in _FACET_CHANNELS and "field" in f]
    return []


def _units(
    spec: dict, datasets: dict, data: list | None, facets: tuple[str, ...]
) -> Iterator[tuple[dict, list | None, tuple[str, ...]]]:
    """Every unit or layer spec with the rows it draws and the facet fields around it."""
    own = spec.get("data")
    if isinstance(own, dict):
        if "name" in own:
            data = datasets.get(own["name"], data)
        elif "values" in own:
            data = own["values"]
    enc = spec.get("encoding", {})
    facets = facets + tuple(
        f["field"] for k, f in enc.items() if k in _FACET_CHANNELS and "field" in f
    )
    if "facet" in spec and "spec" in spec:
        yield from _units(
            spec["spec"], datasets, data, facets + tuple(_facet_fields(spec["facet"]))
        )
    for key in ("layer", "concat", "hconcat", "vconcat"):
        for child in spec.get(key, []):
            yield from _units(child, datasets, data, facets)
    if "mark" in spec:
        yield spec, data, facets


def _colour_encodings(spec: dict) -> Iterator[tuple[dict, list | None, tuple[str, ...], dict]]:
    datasets = spec.get("datasets", {})
    for unit, rows, facets in _units(spec, datasets, None, ()):
        for channel in COLOUR_CHANNELS:
            enc = unit.get("encoding", {}).get(channel)
            if isinstance(enc, dict) and "field" in enc and enc.get("type") == "nominal":
                yield unit, rows, facets, enc


def series_colours(spec: dict) -> dict[str, dict[str, str]]:
    """``{field: {value: colour}}`` of every nominal colour scale with a fixed range."""
    out: dict[str, dict[str, str]] = {}
    for _, _, _, enc in _colour_encodings(spec):
        scale = enc.get("scale") or {}
        domain, colours = scale.get("domain"), scale.get("range")
        if isinstance(domain, list) and isinstance(colours, list):
            out.setdefault(enc["field"], {}).update(
                {str(d): str(c) for d, c in zip(domain, colours)}
            )
    return out


def most_series(spec: dict) -> int:
    """The most distinct values of a nominal colour field that one panel draws."""
    most = 0
    for _, rows, facets, enc in _colour_encodings(spec):
        if not rows:
            continue
        panels: dict[tuple, set] = {}
        for row in rows:
            key = tuple(row.get(f) for f in facets)
            panels.setdefault(key, set()).add(row.get(enc["field"]))
        most = max(most, *(len(v) for v in panels.values()))
    return most
