"""report.html of an evaluation: one self-contained page a process engineer can read offline.

Inline CSS, inline SVG charts (``report_svg``), base64 JPEG thumbnails (``report_thumbs``); no
script, no web font, no link to anything outside the file.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.atomic import atomic_write_text
from workbench.core.decisions import DecisionConfig
from workbench.core.report_style import CSS
from workbench.core.report_svg import histogram_chart, roc_chart, tradeoff_chart
from workbench.core.report_thumbs import MAX_BOXES, jpeg_data_uri, overlay_thumbnail

if TYPE_CHECKING:
    from workbench.core.evaluation import EvaluationSession

REPORT_NAME = "report.html"
GALLERY_LIMIT = 48
GALLERIES = (
    ("escape", "Escapes: NG parts the model passed",
     "The worst first (lowest score). Green outline = labelled defect; heat = model score."),
    ("overkill", "Overkills: OK parts the model rejected",
     "The worst first (highest score). Magenta boxes = defects the decision found."),
    ("gray", "Gray zone: parts sent to human review",
     "Score between the two gray-zone thresholds, or a region that passes only there."),
)  # fmt: skip


def _e(value: object) -> str:
    return html.escape(str(value))


def _pct(v: float | None, digits: int = 1) -> str:
    return "n/a" if v is None else f"{v * 100:.{digits}f}%"


def _ci(ci: Sequence[float] | None) -> str:
    return "" if not ci else f"95% interval {_pct(ci[0])} to {_pct(ci[1])}"


def _card(title: str, value: str, detail: str, tone: str = "") -> str:
    size = " long" if len(value) > 14 else ""
    return (
        f'<div class="card {tone}{size}"><div class="card-title">{_e(title)}</div>'
        f'<div class="card-value">{_e(value)}</div><div class="card-detail">{_e(detail)}</div></div>'
    )


def _lone_part(m: dict[str, Any]) -> str:
    """The NG part far below the others that sets the zero-escape point, if one does
    (``core.evaluation.zero_escape_part``)."""
    without = m.get("image.overkill_without_lowest_ng")
    if not m.get("image.zero_escape_lone") or without is None:
        return ""
    return (f"; set by one NG part far below the others, {m.get('image.zero_escape_name')}: check its label; "
            f"without it {_pct(without)}")  # fmt: skip


def _cards(m: dict[str, Any]) -> str:
    esc, n_ng = m.get("image.escapes", 0), m.get("image.n_ng", 0)
    ovk, n_ok = m.get("image.overkills", 0), m.get("image.n_ok", 0)
    auroc = m.get("image.auroc")
    zero = m.get("image.overkill_at_zero_escape")
    zero_t = m.get("image.zero_escape_threshold")
    extra, target = m.get("image.extra_ng_needed"), m.get("image.target_escape", 0.01)
    if extra is None:
        claim = "more than a billion NG parts"
    elif extra == 0:
        claim = "already shown by this test"
    else:
        claim = f"test {extra} more NG parts, all caught"
    cards = [
        _card("Escape (NG passed)", f"{esc} / {n_ng}", f"{_pct(m.get('image.escape_rate'))}; "
              f"{_ci(m.get('image.escape_ci95'))}", "bad" if esc else "good"),
        _card("Overkill (OK rejected)", f"{ovk} / {n_ok}", f"{_pct(m.get('image.overkill_rate'))}; "
              f"{_ci(m.get('image.overkill_ci95'))}", "warn" if ovk else "good"),
        _card("AUROC", "n/a" if auroc is None else f"{auroc:.3f}",
              "1.000 = every NG part scores above every OK part"),
        _card("Overkill at zero escape", _pct(zero),
              "" if zero_t is None else f"{m.get('image.overkills_at_zero_escape')} OK parts rejected "
              f"at threshold {zero_t:.3f}{_lone_part(m)}"),
        _card(f"To claim escape < {_pct(target, 0)}", claim, "95% confidence (exact binomial bound)"),
        _card("Gray zone", f"{m.get('image.n_gray', 0)} / {m.get('image.n', 0)}",
              f"{m.get('image.gray_ng', 0)} NG and {m.get('image.gray_ok', 0)} OK parts sent to review"),
    ]  # fmt: skip
    share = m.get("image.coverage_at_zero_escape")
    if share is not None:
        cards.append(_card("Decided without a person", _pct(share),
                           f"no escape, no overkill: pass below {m['image.coverage.pass_below']:.3f}, reject "
                           f"above {m['image.coverage.reject_above']:.3f}, a person decides between; "
                           f"{_ci(m.get('image.coverage_ci95'))}"))  # fmt: skip
    if m.get("image.doubtful.n"):
        cards.append(_card("Doubtful parts called NG", f"{m.get('image.doubtful.called_ng', 0)} / "
                           f"{m['image.doubtful.n']}", doubtful_sentence(m)))  # fmt: skip
    return '<div class="cards">' + "".join(cards) + "</div>"


def doubtful_sentence(m: dict[str, Any]) -> str:
    """How the model split the doubtful parts, in one plain sentence ("" without doubtful parts)."""
    n = m.get("image.doubtful.n") or 0
    if not n:
        return ""
    gray = m.get("image.doubtful.gray") or 0
    called_ng, called_ok = m.get("image.doubtful.called_ng", 0), m.get("image.doubtful.called_ok", 0)
    return (
        f"Of {n} doubtful parts (the experts disagree), the model called {called_ng} NG and {called_ok} OK"
        + (f" and sent {gray} to review" if gray else "")
        + "; they count neither as escapes nor as overkills, which are measured on the clear parts only."
    )


def _section(title: str, how: str, body: str, anchor: str = "") -> str:
    ident = f' id="{anchor}"' if anchor else ""
    return f'<section{ident}><h2>{_e(title)}</h2><p class="how">{_e(how)}</p>{body}</section>'


def _thresholds(config: DecisionConfig, n_classes: int) -> list[float]:
    return sorted({config.ng_threshold(r) for r in config.rules_for(n_classes) if r.enabled})


def _charts(m: dict[str, Any], rows: Sequence[dict[str, Any]], config: DecisionConfig, n_cls: int) -> str:
    operating = None
    if m.get("image.escape_rate") is not None and m.get("image.overkill_rate") is not None:
        operating = (m["image.overkill_rate"], m["image.escape_rate"])
    gray = None
    if config.gray_low is not None and config.gray_high is not None:
        gray = (config.gray_low, config.gray_high)
    ok_s = [r["image_score"] for r in rows if r["label"] == "ok"]
    ng_s = [r["image_score"] for r in rows if r["label"] == "ng"]
    figs = [
        ("Escape vs overkill at every threshold",
         tradeoff_chart(m.get("image.sweep.overkill_rate"), m.get("image.sweep.escape_rate"), operating,
                        m.get("image.overkill_at_zero_escape"))),
        ("ROC", roc_chart(m.get("image.roc.fpr"), m.get("image.roc.tpr"), m.get("image.auroc"))),
        ("Image scores of OK and NG parts", histogram_chart(ok_s, ng_s, _thresholds(config, n_cls), gray)),
    ]  # fmt: skip
    return (
        '<div class="charts">'
        + "".join(f"<figure>{svg}<figcaption>{_e(cap)}</figcaption></figure>" for cap, svg in figs)
        + "</div>"
    )


def _confusion(m: dict[str, Any]) -> str:
    conf = m.get("image.confusion") or {}
    head = "<tr><th></th><th>called OK</th><th>called NG</th><th>GRAY (review)</th><th>total</th></tr>"
    body = ""
    for row, name in (("ok", "labelled OK"), ("ng", "labelled NG")):
        cells = conf.get(row, {})
        tones = {"OK": "good" if row == "ok" else "bad", "NG": "good" if row == "ng" else "warn", "GRAY": ""}
        tds = "".join(f'<td class="{tones[v]}">{cells.get(v, 0)}</td>' for v in ("OK", "NG", "GRAY"))
        body += f"<tr><th>{name}</th>{tds}<td>{sum(cells.values())}</td></tr>"
    return f'<table class="confusion">{head}{body}</table>'


def _fmt(v: object, pct: bool = False) -> str:
    if v is None:
        return "n/a"
    if pct and isinstance(v, float):
        return _pct(v)
    return f"{v:.3f}" if isinstance(v, float) else _e(v)


def _per_class(m: dict[str, Any], names: dict[int, str], model_classes: bool = True) -> str:
    """Rows per class. With ``model_classes`` False (a model that merges every class into one
    "defect" channel) the rows are the project's classes and only their escapes are per class;
    pixel, region and overkill figures exist for the merged channel only (the total row)."""
    ids = sorted(names)
    if not ids:
        return "<p>No defect classes.</p>"
    head = ("<tr><th>class</th><th>NG parts with it</th><th>escapes</th><th>escape rate</th>"
            "<th>overkills it caused</th><th>Dice</th><th>IoU</th><th>regions found</th>"
            "<th>region recall</th></tr>")  # fmt: skip
    rows = ""
    for c in ids:
        p = f"image.class.{c}"
        found = f"{m.get(f'region.class.{c}.n_found', 0)} / {m.get(f'region.class.{c}.n_true', 0)}"
        if not model_classes:
            rows += (
                f"<tr><th>{_e(names[c])} <span class=dim>(id {c})</span></th>"
                f"<td>{_fmt(m.get(f'{p}.n_ng', 0))}</td><td>{_fmt(m.get(f'{p}.escapes', 0))}</td>"
                f"<td>{_fmt(m.get(f'{p}.escape_rate'), True)}</td>" + "<td>n/a</td>" * 5 + "</tr>"
            )
            continue
        rows += (
            f"<tr><th>{_e(names[c])} <span class=dim>(id {c})</span></th>"
            f"<td>{_fmt(m.get(f'{p}.n_ng', 0))}</td><td>{_fmt(m.get(f'{p}.escapes', 0))}</td>"
            f"<td>{_fmt(m.get(f'{p}.escape_rate'), True)}</td><td>{_fmt(m.get(f'{p}.overkills', 0))}</td>"
            f"<td>{_fmt(m.get(f'pixel.class.{c}.dice'))}</td><td>{_fmt(m.get(f'pixel.class.{c}.iou'))}</td>"
            f"<td>{found}</td><td>{_fmt(m.get(f'region.class.{c}.recall'), True)}</td></tr>"
        )
    total = (f"<tr class=total><th>all classes</th><td>{m.get('image.n_ng', 0)}</td>"
             f"<td>{m.get('image.escapes', 0)}</td><td>{_pct(m.get('image.escape_rate'))}</td>"
             f"<td>{m.get('image.overkills', 0)}</td><td>{_fmt(m.get('pixel.dice'))}</td>"
             f"<td>{_fmt(m.get('pixel.iou'))}</td>"
             f"<td>{m.get('region.n_found', 0)} / {m.get('region.n_true', 0)}</td>"
             f"<td>{_fmt(m.get('region.recall'), True)}</td></tr>")  # fmt: skip
    return f'<table class="per-class">{head}{rows}{total}</table>'


def _reason(
    row: dict[str, Any], config: DecisionConfig, names: dict[int, str], project_names: dict[int, str]
) -> str:
    if row["outcome"] == "gray":
        return str(row.get("gray_reason") or "in the gray zone")
    if row["outcome"] == "escape":
        labelled = ", ".join(names.get(c, f"class {c}") for c in row["classes"]) or "unmarked defect"
        lowest = min(_thresholds(config, max(len(names), 1)), default=config.default_threshold)
        return f"labelled {labelled}; highest score {row['image_score']:.3f}, NG needs a region >= {lowest:g}"
    defects = row.get("defects") or []
    vetoed = row.get("vetoed") or []
    dropped = f"; {len(vetoed)} region(s) vetoed by the classifier" if vetoed else ""
    if not defects:
        return f"score {row['image_score']:.3f}{dropped}"
    big = max(defects, key=lambda d: d["area_px"])
    boxed = f" ({MAX_BOXES} largest boxed)" if len(defects) > MAX_BOXES else ""
    sure = big.get("defect_prob")
    named = project_names.get(big.get("named_class") or 0)
    said = f", classifier {sure:.2f}" + (f" says {named}" if named else "") if sure is not None else ""
    return (
        f"{len(defects)} defect(s) found{boxed}; largest {big['class_name']} {big['area_px']} px, "
        f"score {big['max_score']:.3f}{said}{dropped}"
    )


def _figure(session: EvaluationSession, row: dict[str, Any], caption: str) -> str:
    sid = int(row["sample_id"])
    project = session.project
    sample = project.sample(sid)
    image = project.read_image(sample, None)
    mask = project.read_mask(sample) if sample.has_mask else None
    thumb = overlay_thumbnail(image, session.score_map(sid), mask, row.get("defects") or [])
    return (
        f'<figure class="thumb"><img src="{jpeg_data_uri(thumb)}" alt="{_e(row["name"])}">'
        f"<figcaption><b>{_e(row['name'])}</b> <span class=dim>#{sid}</span> score "
        f"{row['image_score']:.3f}<br>{_e(caption)}</figcaption></figure>"
    )


def _gallery(session: EvaluationSession, rows: Sequence[dict[str, Any]], kind: str,
             config: DecisionConfig, names: dict[int, str]) -> str:  # fmt: skip
    chosen = [r for r in rows if r["outcome"] == kind]
    if not chosen:
        return f'<p class="none">No {kind} images at these settings.</p>'
    # Worst first: escapes with the lowest scores, overkills and gray images with the highest.
    chosen.sort(key=lambda r: r["image_score"], reverse=kind != "escape")
    shown = chosen[:GALLERY_LIMIT]
    more = f"<p class=dim>Showing {len(shown)} of {len(chosen)}; all are in results.csv.</p>"
    project_names = {c.id: c.name for c in session.project.classes()}
    figs = "".join(_figure(session, r, _reason(r, config, names, project_names)) for r in shown)
    return (more if len(chosen) > len(shown) else "") + f'<div class="gallery">{figs}</div>'


def _settings(config: DecisionConfig, names: dict[int, str]) -> str:
    parts = []
    for rule in config.rules_for(max(len(names), 1)):
        extra = [f"min area {rule.min_area_px} px"] if rule.min_area_px else []
        extra += [f"min area {rule.min_area_mm2:g} mm²"] if rule.min_area_mm2 else []
        extra += [f"min length {rule.min_length_px:g} px"] if rule.min_length_px else []
        extra += [f"min contrast {rule.min_contrast:g}"] if rule.min_contrast else []
        outline, ng_at = rule.outline_threshold, config.ng_threshold(rule)
        if outline is not None and outline != ng_at:
            extra += [f"outlines at {outline:g}" if outline > ng_at else f"outlines down to {outline:g}"]
        if rule.confirm_threshold is not None:
            extra += [f"region classifier vetoes below {rule.confirm_threshold:g}"]
        state = "" if rule.enabled else " (disabled)"
        parts.append(f"{rule.name}: threshold {config.ng_threshold(rule):g}{state}"
                     + (f" ({', '.join(extra)})" if extra else ""))  # fmt: skip
    if config.has_gray_zone:
        parts.append(f"gray zone {config.gray_low:g} to {config.gray_high:g}")
    return "; ".join(parts)


def _header(session: EvaluationSession, m: dict[str, Any], config: DecisionConfig,
            names: dict[int, str]) -> str:  # fmt: skip
    meta = session.meta
    model = meta.get("model", {})
    source = f"run {model['run_id']}" if model.get("run_id") else f"bundle {model.get('bundle', '?')}"
    split = meta.get("split")
    locked = " (locked baseline)" if meta.get("test_locked") and split == "test" else ""
    where = f"the {split} split{locked}" if split else "every OK/NG/doubtful-labelled part"
    return (
        f"<header><h1>Evaluation {_e(session.eval_id)}</h1>"
        f"<p>{_e(source)} ({_e(model.get('task', '?'))}) on {_e(where)} of project "
        f"<b>{_e(session.project.name)}</b>: {m.get('image.n', 0)} parts ({m.get('image.n_ok', 0)} OK, "
        f"{m.get('image.n_ng', 0)} NG){_doubtful_aside(m)}; created {_e(meta.get('created_at', ''))}.</p>"
        f"<p class=dim>Decision: {_e(_settings(config, names))}.</p></header>"
    )


def _doubtful_aside(m: dict[str, Any]) -> str:
    n = m.get("image.doubtful.n") or 0
    return f", and {n} doubtful parts measured apart" if n else ""


def render_report(
    session: EvaluationSession,
    rows: Sequence[dict[str, Any]],
    metrics: dict[str, Any],
    config: DecisionConfig,
) -> str:
    """The whole report page as one HTML string."""
    names = dict(zip(session.class_ids, session.class_names, strict=True))
    model_classes = session.classes_match_project
    table_names = names if model_classes else {c.id: c.name for c in session.project.classes()}
    n_cls = max(len(names), 1)
    parts = [
        _header(session, metrics, config, names),
        _section("Summary", "Escape = NG part passed as OK (the costly mistake); overkill = OK part "
                 "rejected. Intervals are 95% Wilson intervals: with few parts they are wide.",
                 _cards(metrics)),
        _section("Threshold trade-off", "Left: the curve is the image score swept over every threshold; "
                 "the orange dot is the current decision (size rules and the gray zone can put it off the "
                 "curve), the green dot the strictest threshold that passes no NG part. Middle: the closer "
                 "the curve hugs the top-left corner, the better. Right: OK and NG scores should not overlap "
                 "around the dashed threshold.", _charts(metrics, rows, config, n_cls)),
        _section("Confusion matrix", "Rows are the labels, columns the decisions. Escapes are "
                 "labelled NG / called OK; overkills labelled OK / called NG.", _confusion(metrics)),
        _section("Per defect class", "Escapes per class count NG parts that carry that class; Dice and "
                 "IoU compare predicted and labelled defect pixels (1.0 = perfect); region recall is the "
                 "share of labelled defect regions the model touched.",
                 _per_class(metrics, table_names, model_classes)),
    ]  # fmt: skip
    for kind, title, how in GALLERIES:
        parts.append(_section(title, how, _gallery(session, rows, kind, config, names), anchor=kind))
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Evaluation {_e(session.eval_id)}</title><style>{CSS}</style></head>"
        f"<body>{body}<footer>Files next to this page: results.csv and results.json (every part), "
        "metrics.json (every number), decision.json (the settings used).</footer></body></html>\n"
    )


def write_report(
    session: EvaluationSession,
    rows: Sequence[dict[str, Any]],
    metrics: dict[str, Any],
    config: DecisionConfig,
) -> Path:
    """Write ``report.html`` into the evaluation folder (atomically) and return its path."""
    path = session.dir / REPORT_NAME
    atomic_write_text(path, render_report(session, rows, metrics, config))
    return path
