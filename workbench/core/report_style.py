"""The inline stylesheet of report.html: system fonts only, readable on screen and on paper."""

from __future__ import annotations

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;
 margin:0 auto;max-width:1320px;padding:20px 28px;color:#1d2329;background:#f6f7f9;font-size:14px}
header h1{margin:0 0 6px;font-size:24px}
h2{font-size:18px;margin:0 0 4px;border-bottom:2px solid #d7dce2;padding-bottom:4px}
section{background:#fff;border:1px solid #e1e5ea;border-radius:8px;padding:14px 18px;margin:16px 0}
p{margin:4px 0}
.how{color:#4a5561;font-size:13px;margin:4px 0 12px;font-style:italic}
.dim{color:#6b7580;font-size:12px}
.cards{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:12px}
.card{border:1px solid #dfe3e8;border-left:6px solid #90a4ae;border-radius:6px;padding:10px 12px}
.card.good{border-left-color:#2e7d32}.card.bad{border-left-color:#c62828}.card.warn{border-left-color:#ef6c00}
.card-title{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#4a5561}
.card-value{font-size:26px;font-weight:700;margin:2px 0}
.card-detail{font-size:12px;color:#4a5561}
.card.long .card-value{font-size:18px;margin:6px 0}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.charts figure{margin:0;flex:1 1 360px}
.charts svg{width:100%;height:auto;max-width:440px;font-family:inherit}
figcaption{font-size:12px;color:#4a5561;text-align:center}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #dfe3e8;padding:5px 10px;text-align:right}
th{background:#f0f2f5;text-align:left;font-weight:600}
tr.total td,tr.total th{font-weight:700;background:#fafbfc}
td.good{background:#e8f5e9}td.bad{background:#ffebee;font-weight:700}td.warn{background:#fff3e0}
.confusion td{min-width:90px;text-align:center;font-size:16px}
.gallery{display:flex;flex-wrap:wrap;gap:10px}
.thumb{margin:0;width:230px;border:1px solid #dfe3e8;border-radius:6px;padding:6px;background:#fafbfc}
.thumb img{width:100%;height:auto;display:block;border-radius:3px;image-rendering:auto}
.thumb figcaption{text-align:left;margin-top:4px;word-wrap:break-word}
.none{color:#2e7d32}
footer{color:#6b7580;font-size:12px;margin:16px 0}
@media print{body{background:#fff}section{break-inside:avoid}}
"""
