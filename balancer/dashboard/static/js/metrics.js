// API requests per minute, where the service exports Prometheus metrics at
// /metrics: the page samples the request counters (any *_requests_total
// family) while it is open and charts the increase per minute.  Where
// /metrics does not exist, it says so instead of drawing nothing.

import { session } from "./api.js";

const COUNTER = /^([a-zA-Z_:][a-zA-Z0-9_:]*requests_total)(\{[^}]*\})?\s+([0-9.eE+]+)/;

async function sample() {
  const headers = { Accept: "text/plain" };
  if (session.token) headers["X-Auth-Token"] = session.token;
  const response = await fetch("/metrics", { headers, cache: "no-store" });
  if (!response.ok) return null;
  const text = await response.text();
  let total = null;
  for (const line of text.split("\n")) {
    const match = line.match(COUNTER);
    if (match) total = (total || 0) + Number(match[3]);
  }
  return total;
}

export function requestRates() {
  const samples = [];   // [time ms, total]
  return async function rates() {
    let total = null;
    try {
      total = await sample();
    } catch {
      total = null;
    }
    if (total === null) {
      return { available: false,
               summary: "Request counts are not available: this server has no /metrics with a request counter." };
    }
    const now = Date.now();
    samples.push([now, total]);
    while (samples.length > 2 && now - samples[0][0] > 30 * 60000) samples.shift();
    const points = [];
    for (let i = 1; i < samples.length; i++) {
      const [t0, v0] = samples[i - 1];
      const [t1, v1] = samples[i];
      const perMinute = Math.max(0, v1 - v0) * 60000 / Math.max(1, t1 - t0);
      points.push({ label: new Date(t1).toISOString().slice(11, 16), value: Math.round(perMinute) });
    }
    const last = points.length ? points[points.length - 1].value : 0;
    return { available: true, points,
             summary: points.length ? `About ${last} API requests per minute now (sampled since this page opened).`
               : "Counting API requests; the rate shows after the next sample." };
  };
}
