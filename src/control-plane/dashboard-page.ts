import { dashboardScript } from './dashboard-script';

/**
 * The control plane's dashboard at `/`: one self-contained page (no files from other hosts, no
 * build step) that polls `/api/overview` every 2 s and draws who calls whom, charts of the last
 * 15 minutes, traffic per edge and per method, policies, quotas, denials, providers and IDL, all
 * as plain HTML and inline SVG. Every value from the mesh is escaped before it reaches the DOM.
 * The layout holds at 1280 px without sideways scrolling: long names wrap, never widen a table.
 */
export const dashboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Transmesh</title>
<style>
  :root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#6b7385; --line:#dfe3ea; --ok:#1f9d55; --warn:#d97706; --bad:#dc2626; --accent:#2563eb; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; flex-wrap:wrap; align-items:baseline; gap:16px; padding:14px 24px; background:#111827; color:#fff; }
  header h1 { font-size:18px; margin:0; letter-spacing:.3px; }
  header .meta { color:#9ca3af; font-size:13px; }
  header .dot { display:inline-block; width:9px; height:9px; border-radius:50%; background:var(--ok); margin-right:6px; }
  header .dot.stale { background:var(--bad); }
  main { padding:18px 24px; display:grid; gap:18px; grid-template-columns: minmax(0,1fr) minmax(0,1fr); }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; min-width:0; overflow:hidden; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:.6px; color:var(--muted); margin:0 0 10px; }
  h2 small { text-transform:none; letter-spacing:0; font-weight:400; }
  table { border-collapse:collapse; width:100%; table-layout:auto; }
  th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; overflow-wrap:anywhere; }
  th { font-weight:600; color:var(--muted); font-size:12px; white-space:nowrap; }
  td.num { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
  td.past { color:var(--muted); }
  .pill { display:inline-block; padding:1px 7px; border-radius:10px; background:#eef2ff; color:#3730a3; font-size:12px; margin:1px 2px; white-space:nowrap; max-width:100%; overflow:hidden; text-overflow:ellipsis; vertical-align:middle; }
  .pill.behind { background:#fee2e2; color:#991b1b; }
  .up { color:var(--ok); font-weight:600; }
  .err { color:var(--bad); font-weight:600; }
  .answers { color:var(--muted); }
  .empty { color:var(--muted); font-style:italic; }
  .bar { display:inline-block; width:80px; height:8px; background:#e5e7eb; border-radius:4px; vertical-align:middle; margin-right:6px; overflow:hidden; }
  .bar i { display:block; height:100%; background:var(--accent); }
  .bar i.full { background:var(--bad); }
  svg text { font-size:12px; fill:var(--ink); }
  svg .edge-label { font-size:11px; fill:var(--muted); paint-order:stroke; stroke:#fff; stroke-width:4px; stroke-linejoin:round; }
  .charts { display:grid; grid-template-columns: minmax(0,200px) repeat(3, minmax(0,1fr)); gap:6px 14px; align-items:center; }
  .charts .name { font-size:13px; overflow-wrap:anywhere; }
  .charts .head { font-size:12px; color:var(--muted); font-weight:600; }
  .chart svg { display:block; width:100%; height:64px; }
  .chart .axis { font-size:10px; fill:var(--muted); }
  .legend { font-size:12px; color:var(--muted); }
</style>
</head>
<body>
<header><h1>Transmesh</h1><span class="meta"><span id="dot" class="dot"></span><span id="status">loading…</span></span></header>
<main>
  <section class="wide"><h2>Who calls whom</h2><div id="graph"></div></section>
  <section class="wide"><h2>Services <small>now (last ~10 s); after traffic stops, grey figures are the last 15 min</small></h2><div id="services"></div></section>
  <section class="wide"><h2>Last 15 minutes <small class="legend">calls/s · failure rate · latency (p50 solid, p99 dashed)</small></h2><div id="charts"></div></section>
  <section class="wide"><h2>Callers → services</h2><div id="edges"></div></section>
  <section class="wide"><h2>Policies in force</h2><div id="policies"></div></section>
  <section><h2>Quota use per caller</h2><div id="quotas"></div></section>
  <section><h2>Access denials</h2><div id="denials"></div></section>
  <section class="wide"><h2>Methods</h2><div id="methods"></div></section>
  <section><h2>Providers</h2><div id="providers"></div></section>
  <section><h2>IDL versions</h2><div id="idl"></div></section>
</main>
<script>
${dashboardScript}
</script>
</body>
</html>
`;
