// A small bar chart as inline SVG; the numbers are also given in words
// (the caller's summary) and as the SVG's title for screen readers.

const SVG = "http://www.w3.org/2000/svg";
const MIN_SLOTS = 30;

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// points: [{label, value, bad?}]; bad is the part of value drawn as failed.
// describe(point) says one bar in words: its title, read by screen readers
// and shown as a tooltip.
export function barChart(points, summary, describe) {
  const width = 600, height = 160, pad = 24;
  const max = Math.max(1, ...points.map((p) => p.value));
  // at least 30 slots (the deploys' half hour): a chart that has only its
  // first samples draws thin bars from the left, not one block
  const step = (width - pad * 2) / Math.max(MIN_SLOTS, points.length);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", width, height });
  svg.append(el("title", {}, summary));
  svg.append(el("line", { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, stroke: "#767676" }));
  svg.append(el("text", { x: 2, y: pad, "font-size": 12, fill: "#1b1b1b" }, String(max)));
  points.forEach((p, i) => {
    const x = pad + i * step + 1;
    const full = ((height - pad * 2) * p.value) / max;
    const bad = ((height - pad * 2) * (p.bad || 0)) / max;
    if (full > 0) {
      const bar = el("g", { class: "bar" });
      bar.append(el("title", {}, describe(p)));
      bar.append(el("rect", { x, y: height - pad - full, width: Math.max(1, step - 2), height: full - bad,
                              fill: "#0b57a4" }));
      if (bad > 0) {
        bar.append(el("rect", { x, y: height - pad - bad, width: Math.max(1, step - 2), height: bad,
                                fill: "#a4161a" }));
      }
      svg.append(bar);
    }
    if (i % 5 === 0 || i === points.length - 1) {
      svg.append(el("text", { x, y: height - 6, "font-size": 11, fill: "#1b1b1b" }, p.label));
    }
  });
  return svg;
}
