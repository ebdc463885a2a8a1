// Small DOM helpers: build elements without innerHTML (nothing the API
// returns is ever parsed as HTML), and say every result in words.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

// The aria-live region: screen readers read each new line, and so do the
// tests.  The last few lines stay, so a result is not lost when a status
// change the page noticed is said right after it.
const KEPT_LINES = 3;

export function announce(text, isError = false) {
  const region = document.getElementById("status");
  const line = document.createElement("p");
  line.className = isError ? "error" : "";
  line.textContent = text;
  region.append(line);
  while (region.childElementCount > KEPT_LINES) region.firstElementChild.remove();
}

export function badge(word) {
  const text = word || "UNKNOWN";
  return h("span", { class: "badge s-" + text.replace(/[^A-Z_]/g, "") }, text);
}

export function table(caption, headings, rows) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("caption", { class: "muted" }, caption),
      h("thead", {}, h("tr", {}, headings.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)));
}

export function heading(text) {
  return h("h1", { tabindex: "-1", id: "page-title" }, text);
}

export function when(stamp) {
  if (!stamp) return "";
  return stamp.replace("T", " ").replace(/\.\d+$/, "") + "\u00a0UTC";
}
