// The tenant's load balancers: status and operating status at a glance,
// kept current while changes deploy.

import { PENDING, call, session, tenantPath } from "./api.js";
import { announce, badge, h, heading, replace, table, when } from "./dom.js";
import { poll } from "./poll.js";

export function listView(main) {
  const body = h("div", { id: "lb-list" }, h("p", {}, "Loading…"));
  main.replaceChildren(heading("Load balancers"),
    h("p", { class: "actions" }, h("a", { href: "#/new" }, "Create a load balancer")),
    body);
  const seen = new Map();   // id -> status last shown, to say what changed
  return poll(async () => {
    let lbs;
    try {
      lbs = (await call("GET", tenantPath())).loadbalancers;
    } catch (err) {
      replace(body, h("p", { class: "error-text" }, "Could not list load balancers: " + err.message));
      throw err;
    }
    const changes = [];
    for (const lb of lbs) {
      const before = seen.get(lb.id);
      if (before && before !== lb.status) changes.push(`${lb.name || lb.id} is now ${lb.status}`);
      seen.set(lb.id, lb.status);
    }
    if (changes.length) announce("Load balancer " + changes.join("; ") + ".", changes.some((c) => c.endsWith("ERROR")));
    render(body, lbs);
    return lbs.some((lb) => PENDING.includes(lb.status));
  });
}

function render(body, lbs) {
  if (!lbs.length) {
    replace(body, h("p", {}, `Tenant ${session.tenant} has no load balancers yet.`));
    return;
  }
  const rows = lbs.map((lb) => h("tr", { dataset: { lbId: lb.id } },
    h("th", { scope: "row" }, h("a", { href: "#/lbs/" + encodeURIComponent(lb.id) }, lb.name || lb.id)),
    h("td", { class: "lb-status" }, badge(lb.status)),
    h("td", { class: "lb-operating" }, badge(lb.operatingStatus)),
    h("td", {}, lb.algorithm || ""),
    h("td", {}, lb.protocol || ""),
    h("td", {}, when(lb.updated_at)),
    h("td", { class: "error-text" }, lb.status === "ERROR" ? lb.statusDescription || "" : "")));
  replace(body, table(`${lbs.length} load balancer${lbs.length === 1 ? "" : "s"} of tenant ${session.tenant}`,
    ["Name", "Status", "Operating status", "Algorithm", "Protocol", "Updated", "Error"], rows));
}
