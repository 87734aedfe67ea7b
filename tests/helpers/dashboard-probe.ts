import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dashboardHtml } from '../../src/control-plane/dashboard-page';

/**
 * What the eye would catch, measured in the browser once the page has rendered its first overview:
 * the page served as the control plane serves it, plus this script, which writes its findings
 * into `<pre id="probe">` for `--dump-dom` to carry out.
 */
const probe = `<script>
(function () {
  const boxes = (sel) => [...document.querySelectorAll(sel)].map((el) => ({ el, r: el.getBoundingClientRect() }));
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const measure = () => {
    const labels = boxes("[data-edge-label]");
    const overlaps = [];
    for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) if (hit(labels[i].r, labels[j].r)) overlaps.push([labels[i].el.dataset.edgeLabel, labels[j].el.dataset.edgeLabel]);
    // Caller → service lines that cross: rows in opposite order at the two ends.
    const rowOf = (kind, name) => { const n = document.querySelector('[data-node="' + CSS.escape(kind + ":" + name) + '"]'); return n ? n.getBoundingClientRect().top : NaN; };
    const lines = [...document.querySelectorAll("[data-edge-line]")].map((l) => l.dataset.edgeLine.split("→")).map(([c, s]) => [rowOf("caller", c), rowOf("service", s)]);
    let crossings = 0;
    for (let i = 0; i < lines.length; i++) for (let j = i + 1; j < lines.length; j++) if ((lines[i][0] - lines[j][0]) * (lines[i][1] - lines[j][1]) < 0) crossings++;
    const wide = [...document.querySelectorAll("section")].filter((s) => s.scrollWidth > s.clientWidth + 1).map((s) => s.querySelector("h2").textContent);
    const doc = document.documentElement;
    const out = document.createElement("pre");
    out.id = "probe";
    out.textContent = JSON.stringify({ labels: labels.length, overlaps, crossings, lineRows: lines, viewport: window.innerWidth, scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wideSections: wide });
    document.body.appendChild(out);
  };
  const wait = setInterval(() => {
    if (!document.body.dataset.updated) return;
    clearInterval(wait);
    measure();
  }, 20);
})();
</script>`;

/** Serves the dashboard with the probe at `/`, and the control plane's `/api/overview` through. */
export async function startDashboardProbe(controlPlaneAdmin: string): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(dashboardHtml.replace('</body>', `${probe}</body>`));
      return;
    }
    fetch(`${controlPlaneAdmin}${req.url}`).then(
      async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await r.arrayBuffer())),
      () => res.writeHead(502).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, stop: () => new Promise((r) => server.close(() => r())) };
}

/** The probe's findings in a dumped DOM. */
export function probeResult(html: string): { labels: number; overlaps: string[][]; crossings: number; lineRows: number[][]; viewport: number; scrollWidth: number; clientWidth: number; wideSections: string[] } {
  const m = /<pre id="probe">([^<]*)<\/pre>/.exec(html);
  if (!m) throw new Error('the dashboard did not render (no probe result in the DOM)');
  return JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&'));
}
