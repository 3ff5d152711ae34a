"""The public page, `index.html`: what is funded, by whom, in which borough, and how it is going.

One self-contained file (styles and the small filter script inline, no fonts, images or
requests), so it works opened from disk and on any web server. Written for residents first:
headings to navigate by, a labelled area filter ("what is funded in my borough"), a count read
out when the filter changes, tables that turn into cards on a phone, colours that pass WCAG 2.2
AA contrast, and RAG always written as a word, never shown by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from html import escape

from domain.agreement import Agreement
from domain.answers import Period
from domain.publication import Performance, published_status
from domain.values import format_date

ALL_AREAS = "All areas"
NO_AREA = "Not recorded"
KIND_LABELS = {"contract": "Contracts", "grant": "Grants", "partnership": "Partnerships"}

STYLE = """
:root{--ink:#0b0c0c;--muted:#484949;--line:#b1b4b6;--link:#1d4f91;--panel:#f3f2f1;--focus:#ffdd00}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);background:#fff;line-height:1.5;font-size:1.05rem}
header,main,footer{max-width:72rem;margin:0 auto;padding:1rem}
header{border-bottom:6px solid var(--link)}
h1{font-size:1.9rem;margin:.3rem 0}h2{font-size:1.45rem;margin-top:2rem}
p.lede{font-size:1.15rem;margin:.2rem 0}
.muted{color:var(--muted)}
a{color:var(--link)}
a:focus,select:focus,button:focus,[tabindex]:focus{outline:3px solid var(--focus);outline-offset:0;box-shadow:0 0 0 6px var(--ink)}
.skip{position:absolute;left:-999px}.skip:focus{position:static}
.filter{background:var(--panel);padding:1rem;border-left:6px solid var(--link);margin:1rem 0}
label{display:block;font-weight:700;margin-bottom:.3rem}
select{font-size:1.05rem;padding:.45rem;min-width:16rem;max-width:100%;border:2px solid var(--ink);background:#fff;color:var(--ink)}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
caption{text-align:left;font-weight:700;padding:.3rem 0}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--panel)}
td.num,th.num{text-align:right;white-space:nowrap}
.rag{display:inline-block;padding:0 .4rem;border-radius:3px;font-weight:700}
.rag-Red{background:#b0281a;color:#fff}.rag-Amber{background:#ffdd00;color:#0b0c0c}.rag-Green{background:#00703c;color:#fff}
.scroll{overflow-x:auto}
@media (max-width:40rem){
  header,main,footer{padding:.75rem}
  h1{font-size:1.5rem}
  table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
  table.cards caption{display:block;width:100%}
  table.cards thead{position:absolute;left:-9999px}
  table.cards tr{border:1px solid var(--line);margin:0 0 .75rem;padding:.4rem}
  table.cards td{border:0;padding:.15rem 0;text-align:left}
  table.cards td::before{content:attr(data-label) ": ";font-weight:700}
  select{min-width:0;width:100%}
}
"""

SCRIPT = """
(function(){
  var select=document.getElementById('area');
  var status=document.getElementById('shown');
  function money(n){return '\\u00a3'+Math.round(n).toLocaleString('en-GB');}
  function apply(){
    var area=select.value, count=0, total=0;
    var rows=document.querySelectorAll('tr[data-area]');
    for(var i=0;i<rows.length;i++){
      var row=rows[i], show=(area===''||row.getAttribute('data-area')===area);
      row.hidden=!show;
      if(show&&row.getAttribute('data-service')==='1'){count++;total+=Number(row.getAttribute('data-value')||0);}
    }
    var where=area===''?'in all areas':'in '+area;
    status.textContent=count+(count===1?' service ':' services ')+where+', worth '+money(total)+' in total.';
  }
  select.addEventListener('change',apply);
  apply();
})();
"""


def _money(value: Decimal | None) -> str:
    return "not recorded" if value is None else f"£{value:,.0f}"


def _area(agreement: Agreement) -> str:
    return agreement.area.strip() or NO_AREA


def _rag(rag: str) -> str:
    if rag in ("Red", "Amber", "Green"):
        return f'<span class="rag rag-{rag}">{rag}</span>'
    return '<span class="muted">none yet</span>'


def _cell(label: str, content: str, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<td data-label="{escape(label)}"{klass}>{content}</td>'


def _totals(agreements: Sequence[Agreement]) -> str:
    groups: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for agreement in agreements:
        key = (agreement.funding_stream or "Not recorded", agreement.kind)
        count, total = groups.get(key, (0, Decimal(0)))
        groups[key] = (count + 1, total + (agreement.value or Decimal(0)))
    rows = []
    for (stream, kind), (count, total) in sorted(groups.items(), key=lambda item: (-item[1][1], item[0])):
        rows.append("<tr>" + _cell("Funding stream", escape(stream)) + _cell("Kind", KIND_LABELS.get(kind, kind))
                    + _cell("Agreements", str(count), "num") + _cell("Total value", _money(total), "num") + "</tr>")
    grand = sum((a.value or Decimal(0) for a in agreements), Decimal(0))
    rows.append("<tr>" + _cell("Funding stream", "<strong>All funding streams</strong>") + _cell("Kind", "All")
                + _cell("Agreements", f"<strong>{len(agreements)}</strong>", "num")
                + _cell("Total value", f"<strong>{_money(grand)}</strong>", "num") + "</tr>")
    return (
        '<table class="cards"><caption>Agreements and total value by funding stream and kind, all areas</caption>'
        '<thead><tr><th scope="col">Funding stream</th><th scope="col">Kind</th><th scope="col" class="num">Agreements</th>'
        '<th scope="col" class="num">Total value</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def _services(agreements: Sequence[Agreement], rags: dict[str, str], quarter: Period) -> str:
    rows = []
    for a in agreements:
        value = f"{a.value:.2f}" if a.value is not None else "0"
        dates = f"{format_date(a.start_date) or 'not recorded'} to {format_date(a.current_end_date) or 'not recorded'}"
        rows.append(
            f'<tr data-area="{escape(_area(a))}" data-service="1" data-value="{value}">'
            + _cell("Reference", escape(a.reference)) + _cell("Service", escape(a.title))
            + _cell("Provider", escape(a.provider)) + _cell("Area", escape(_area(a)))
            + _cell("Kind", KIND_LABELS.get(a.kind, a.kind)[:-1]) + _cell("Value", _money(a.value), "num")
            + _cell("Dates", escape(dates)) + _cell("Status", escape(published_status(a, quarter)))
            + _cell("Latest RAG", _rag(rags.get(a.reference, ""))) + "</tr>"
        )
    return (
        '<table class="cards" id="services"><caption>Services funded in the quarter</caption><thead><tr>'
        '<th scope="col">Reference</th><th scope="col">Service</th><th scope="col">Provider</th><th scope="col">Area</th>'
        '<th scope="col">Kind</th><th scope="col" class="num">Value</th><th scope="col">Dates</th><th scope="col">Status</th>'
        '<th scope="col">Latest RAG</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def _performance(lines: Sequence[Performance]) -> str:
    rows = []
    for line in lines:
        a, latest = line.agreement, line.latest
        kpis = "; ".join(
            f"{escape(k.name)}: {k.actual if k.actual is not None else 'not given'} of {k.target}" for k in latest.kpis
        ) if latest else ""
        percent = line.percent_of_profile
        spend = f"{percent}% of profile" if percent is not None else ("not given" if latest else "")
        rows.append(
            f'<tr data-area="{escape(_area(a))}">' + _cell("Reference", escape(a.reference)) + _cell("Service", escape(a.title))
            + _cell("Period", escape(latest.period_label) if latest else "") + _cell("RAG", _rag(latest.rag if latest else ""))
            + _cell("KPIs (actual of target)", kpis or '<span class="muted">none</span>') + _cell("Spend", spend)
            + _cell("Assessment", f"<strong>{escape(line.status)}</strong>") + "</tr>"
        )
    return (
        '<table class="cards"><caption>Latest accepted monitoring return for each monitored service</caption><thead><tr>'
        '<th scope="col">Reference</th><th scope="col">Service</th><th scope="col">Period</th><th scope="col">RAG</th>'
        '<th scope="col">KPIs (actual of target)</th><th scope="col">Spend</th><th scope="col">Assessment</th></tr></thead><tbody>'
        + "".join(rows) + "</tbody></table>"
    )


def render_page(
    agreements: Sequence[Agreement], lines: Sequence[Performance], *, funder: str, quarter: Period, quarter_label: str,
    published_on: date, files: Sequence[tuple[str, str]],
) -> str:
    """The whole page as one HTML string; register text is escaped everywhere."""
    rags = {line.agreement.reference: line.latest.rag for line in lines if line.latest is not None}
    areas = sorted({_area(a) for a in agreements}, key=lambda name: (name == NO_AREA, name.casefold()))
    options = '<option value="">All areas</option>' + "".join(
        f'<option value="{escape(area)}">{escape(area)}</option>' for area in areas
    )
    links = "".join(f'<li><a href="{escape(name)}">{escape(name)}</a>: {escape(what)}</li>' for name, what in files)
    period = f"{format_date(quarter.start)} to {format_date(quarter.end)}"
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>What {escape(funder)} funds: {escape(quarter_label)}</title>
<style>{STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the services</a>
<header>
<p class="muted">{escape(funder)}</p>
<h1>Commissioned services: {escape(quarter_label)}</h1>
<p class="lede">Contracts, grants and partnerships that were running from {period}.</p>
</header>
<main id="main">
<div class="filter">
<label for="area">What is funded in my borough: choose an area</label>
<select id="area" name="area">{options}</select>
<p id="shown" role="status" aria-live="polite">{len(agreements)} services in all areas.</p>
</div>
<h2 id="totals">Totals by funding stream</h2>
{_totals(agreements)}
<h2 id="services-heading">Services</h2>
<p>Each service with its provider, value, dates, status on {format_date(quarter.end)} and its latest
rating (RAG: Red, Amber or Green) from the provider's accepted monitoring return.</p>
{_services(agreements, rags, quarter)}
<h2 id="performance">How services are performing</h2>
<p>Outputs against targets and spend against a straight-line profile, from the latest return the
commissioning team accepted. "At risk" means rated Red or Amber, a target missed by more than a fifth,
or spend far from its profile.</p>
{_performance(lines)}
<h2 id="data">Open data</h2>
<p>The same information as files anyone can reuse, under the Open Government Licence v3.0:</p>
<ul>{links}</ul>
</main>
<footer><p class="muted">Published {format_date(published_on)} by {escape(funder)}. No personal details are published.</p></footer>
<script>{SCRIPT}</script>
</body>
</html>
"""
