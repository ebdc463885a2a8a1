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
  let trimmed = false;  // samples older than 30 minutes were let go
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
    while (samples.length > 2 && now - samples[0][0] > 30 * 60000) {
      samples.shift();
      trimmed = true;
    }
    const points = [];
    let answered = 0;
    for (let i = 1; i < samples.length; i++) {
      const [t0, v0] = samples[i - 1];
      const [t1, v1] = samples[i];
      // a restarted server counts from 0 again: no negative increase
      const increase = Math.max(0, v1 - v0);
      answered += increase;
      points.push({ label: new Date(t1).toISOString().slice(11, 16),
                    value: Math.round(increase * 60000 / Math.max(1, t1 - t0)) });
    }
    if (!points.length) {
      return { available: true, points, summary: "Counting API requests; the rate shows after the next sample." };
    }
    const since = trimmed ? "in the last 30 minutes" : "since this page opened";
    return { available: true, points,
             summary: `About ${points[points.length - 1].value} API requests per minute now; ` +
                      `${answered} answered ${since}.` };
  };
}
