// The dashboard's entry point: who is signed in, then one view per URL hash.
// Views return a function that stops their polling when the page changes.

import { call, remember, session } from "./api.js";
import { announce, h } from "./dom.js";
import { detailsView } from "./details.js";
import { createView, editView } from "./forms.js";
import { listView } from "./lbs.js";
import { deploysView, devicesView } from "./operator.js";
import { signInView, tenantView } from "./signin.js";

const main = document.getElementById("main");
let stop = () => {};
let starting = false;

const ROUTES = [
  [/^#\/lbs\/([^/]+)\/edit$/, (m) => editView(main, decodeURIComponent(m[1]))],
  [/^#\/lbs\/([^/]+)$/, (m) => detailsView(main, decodeURIComponent(m[1]))],
  [/^#\/new$/, () => createView(main)],
  [/^#\/devices$/, () => devicesView(main)],
  [/^#\/deploys$/, () => deploysView(main)],
  [/^#\/tenant$/, () => tenantView(main, start)],
  [/^#\/signin$/, () => signInView(main, start)],
  [/^(#\/lbs)?$/, () => listView(main)],
];

function needsSignIn() {
  return !session.tenant;
}

function route() {
  stop();
  stop = () => {};
  const hash = location.hash || "#/lbs";
  if (needsSignIn() && hash !== "#/signin" && hash !== "#/tenant") {
    location.hash = session.mode === "keystone" ? "#/signin" : "#/tenant";
    return;
  }
  for (const [pattern, view] of ROUTES) {
    const match = hash.match(pattern);
    if (match) {
      stop = view(match) || (() => {});
      const title = document.getElementById("page-title");
      if (title) {
        document.title = title.textContent + " - balancer";
        title.focus();
      }
      return;
    }
  }
  main.replaceChildren(h("h1", { tabindex: "-1", id: "page-title" }, "Not found"),
                       h("p", {}, "No page at " + hash + ". ", h("a", { href: "#/lbs" },
                                                                 "Load balancers")));
}

function showChrome() {
  document.getElementById("nav").hidden = needsSignIn();
  for (const item of document.querySelectorAll("#nav .operator")) item.hidden = !session.operator;
  const who = document.getElementById("who");
  who.replaceChildren();
  if (needsSignIn()) return;
  const label = session.authenticated
    ? `Signed in as ${session.user || "?"}, project ${session.projectName || session.tenant}`
    : `Tenant ${session.tenant} (no authentication)`;
  who.append(label + " ",
    h("button", { type: "button", id: "sign-out", onclick: signOut },
      session.authenticated ? "Sign out" : "Change tenant"));
}

function signOut() {
  remember(null, null);
  session.authenticated = false;
  session.operator = false;
  announce(session.mode === "keystone" ? "Signed out." : "Choose a tenant.");
  start();
}

// Learn who we are: the noauth pipeline answers without a token; the
// Keystone one answers 401 until the page has a token.
export async function start() {
  starting = true;
  try {
    await learnWhoWeAre();
  } finally {
    starting = false;
  }
}

async function learnWhoWeAre() {
  try {
    const me = await call("GET", "/dashboard/api/session");
    session.mode = me.authenticated ? "keystone" : "noauth";
    session.authenticated = me.authenticated;
    session.user = me.user_name;
    session.projectName = me.project_name;
    if (me.authenticated) remember(session.token, me.project_id);
  } catch (err) {
    if (err.status !== 401) {
      announce("The dashboard could not reach the API: " + err.message, true);
      return;
    }
    session.mode = "keystone";
    remember(null, null);
  }
  session.operator = false;
  if (!needsSignIn()) {
    try {
      await call("GET", "/devices");
      session.operator = true;      // policy lets this identity see devices
    } catch {
      session.operator = false;
    }
  }
  showChrome();
  if (!needsSignIn() && (location.hash === "#/signin" || location.hash === "#/tenant")) {
    location.hash = "#/lbs";
  } else {
    route();
  }
}

window.addEventListener("hashchange", route);
window.addEventListener("balancer:signed-out", () => {
  // only a signed-in page signs out; a sign-in or start-up in progress
  // handles its own 401
  if (!starting && session.mode === "keystone" && session.token && session.tenant) {
    remember(null, null);
    announce("Your sign-in has expired or was refused; sign in again.", true);
    start();
  }
});
start();
