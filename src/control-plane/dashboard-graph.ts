/**
 * "Who calls whom" as inline SVG, in three columns (callers, services, provider apps). Rows are
 * ordered by the barycenter heuristic (each node moves toward the mean row of its neighbours, a
 * few sweeps) so lines cross only where the graph makes them. Each caller → service edge gets its
 * label in the gap between the first two columns, at the middle of its line; labels are then
 * pushed apart vertically so no two overlap, and the line is drawn through its label.
 */
export const dashboardGraphScript = String.raw`
function order(nodes, neighbours, rank) {
  const score = (n) => {
    const ns = neighbours(n).map(rank).filter((i) => i >= 0);
    return ns.length ? ns.reduce((a, b) => a + b, 0) / ns.length : Infinity;
  };
  const scored = nodes.map((n, i) => [n, score(n), i]);
  scored.sort((a, b) => (a[1] === b[1] ? a[2] - b[2] : a[1] === Infinity ? 1 : b[1] === Infinity ? -1 : a[1] - b[1]));
  return scored.map((s) => s[0]);
}

function graph(o) {
  let callers = [...new Set(o.edges.map((e) => e.caller))].sort();
  let services = [...new Set([...o.edges.map((e) => e.service), ...o.providers.map((p) => p.service)])].sort();
  let providerApps = [...new Set(o.providers.map((p) => p.app))].sort();
  if (!services.length) return '<p class="empty">no services seen yet</p>';
  const callersOf = (s) => o.edges.filter((e) => e.service === s).map((e) => e.caller);
  const servicesOfCaller = (c) => o.edges.filter((e) => e.caller === c).map((e) => e.service);
  const appsOf = (s) => o.providers.filter((p) => p.service === s).map((p) => p.app);
  const servicesOfApp = (a) => o.providers.filter((p) => p.app === a).map((p) => p.service);
  for (let sweep = 0; sweep < 4; sweep++) {
    services = order(services, (s) => [...callersOf(s).map((c) => "c:" + c), ...appsOf(s).map((a) => "p:" + a)], (k) => (k[0] === "c" ? callers.indexOf(k.slice(2)) : providerApps.indexOf(k.slice(2))));
    callers = order(callers, servicesOfCaller, (s) => services.indexOf(s));
    providerApps = order(providerApps, servicesOfApp, (s) => services.indexOf(s));
  }
  const rowH = 46, w = 1180, top = 30, boxH = 30, labelH = 15;
  const col = { caller: { x: 10, w: 210 }, service: { x: 520, w: 250 }, provider: { x: 960, w: 210 } };
  const y = (i) => top + i * rowH;
  const fmt = (e) => (e.calls > 0 ? num(e.rps, "/s") + " · " + pct(e.failureRate) + " failed · p99 " + num(e.p99Ms, " ms") : "idle · " + num(e.span.rps, "/s") + " over 15 min");
  // Labels at the middle of their lines, then pushed apart (top to bottom) so none overlaps the next.
  const labelX = (col.caller.x + col.caller.w + col.service.x) / 2;
  const labels = o.edges.map((e) => {
    const a = callers.indexOf(e.caller), b = services.indexOf(e.service);
    const y1 = y(a) + boxH / 2, y2 = y(b) + boxH / 2;
    return { e, y1, y2, ly: (y1 + y2) / 2 };
  }).filter((l) => l.y2 > 0).sort((p, q) => p.ly - q.ly || p.y1 - q.y1);
  for (let i = 1; i < labels.length; i++) if (labels[i].ly < labels[i - 1].ly + labelH) labels[i].ly = labels[i - 1].ly + labelH;
  const lowest = labels.length ? labels[labels.length - 1].ly + labelH : 0;
  const h = Math.max(top + Math.max(callers.length, services.length, providerApps.length, 1) * rowH, lowest + 10);
  const box = (c, cy, label, kind, suffix) =>
    '<g data-node="' + esc(kind + ":" + label) + '"><rect x="' + c.x + '" y="' + cy + '" width="' + c.w + '" height="' + boxH + '" rx="6" fill="' +
    (kind === "service" ? "#eef2ff" : kind === "caller" ? "#ecfdf5" : "#fff7ed") + '" stroke="#c7cdd8"/><text x="' + (c.x + 10) + '" y="' + (cy + 19) + '">' +
    esc((label.length > 30 ? "…" + label.slice(-29) : label) + (suffix || "")) + "<title>" + esc(label) + "</title></text></g>";
  let svg = '<svg width="100%" viewBox="0 0 ' + w + " " + h + '" role="img" aria-label="who calls whom">';
  svg += '<text x="' + col.caller.x + '" y="16" class="edge-label">callers</text><text x="' + col.service.x + '" y="16" class="edge-label">services</text><text x="' + col.provider.x + '" y="16" class="edge-label">providers</text>';
  for (const p of o.providers) {
    const a = services.indexOf(p.service), b = providerApps.indexOf(p.app);
    const y1 = y(a) + boxH / 2, y2 = y(b) + boxH / 2, x1 = col.service.x + col.service.w, x2 = col.provider.x;
    svg += '<path d="M' + x1 + " " + y1 + " C" + (x1 + 80) + " " + y1 + " " + (x2 - 80) + " " + y2 + " " + x2 + " " + y2 + '" fill="none" stroke="#9ca3af" stroke-dasharray="4 3"/>';
  }
  const half = 85;
  for (const l of labels) {
    const e = l.e, x1 = col.caller.x + col.caller.w, x2 = col.service.x;
    const rate = e.calls > 0 ? e.failureRate : e.span.failureRate;
    const color = rate && rate > 0.05 ? "#dc2626" : rate && rate > 0 ? "#d97706" : "#1f9d55";
    const width = 1.5 + Math.min(6, Math.log10(1 + (e.calls > 0 ? e.rps : e.span.rps)) * 3);
    const ax = labelX - half, bx = labelX + half;
    svg += '<path data-edge-line="' + esc(e.caller + "→" + e.service) + '" d="M' + x1 + " " + l.y1 + " C" + (x1 + 40) + " " + l.y1 + " " + (ax - 40) + " " + l.ly + " " + ax + " " + l.ly + " L" + bx + " " + l.ly +
      " C" + (bx + 40) + " " + l.ly + " " + (x2 - 40) + " " + l.y2 + " " + x2 + " " + l.y2 + '" fill="none" stroke="' + color + '" stroke-width="' + width.toFixed(1) + '" opacity=".8"/>';
    svg += '<text class="edge-label" data-edge-label="' + esc(e.caller + "→" + e.service) + '" text-anchor="middle" x="' + labelX + '" y="' + (l.ly - 4) + '">' + esc(fmt(e)) + "</text>";
  }
  callers.forEach((c, i) => (svg += box(col.caller, y(i), c, "caller")));
  services.forEach((s, i) => (svg += box(col.service, y(i), s, "service")));
  const instances = (app) => new Set(o.providers.filter((p) => p.app === app).map((p) => p.instance)).size;
  providerApps.forEach((p, i) => (svg += box(col.provider, y(i), p, "provider", instances(p) > 1 ? " ×" + instances(p) : "")));
  return svg + "</svg>";
}
`;
