// Runs the watching page's script under Node with a minimal fake DOM, EventSource and
// fetch (no browser): feeds it the events of stdin (one {"id", "data"} JSON per line,
// then the "end" event, or with "offline" as its second argument a dropped connection
// and a server that cannot be reached), lets the list poll run once, and prints what
// it rendered, as JSON.
"use strict";
const fs = require("fs");

class FakeText { constructor(text) { this.data = String(text); } get textContent() { return this.data; } }
class FakeElement {
  constructor(tag) { this.tag = tag; this.children = []; this.className = ""; this.dataset = {}; this.parentNode = null; this.own = ""; }
  appendChild(child) { child.parentNode = this; this.children.push(child); return child; }
  replaceChildren() { this.children = []; }
  set textContent(value) { this.own = String(value); this.children = []; }
  get textContent() { return this.own + this.children.map((c) => c.textContent).join(""); }
  addEventListener() {}
  querySelectorAll() { return []; }
  after(node) {
    const siblings = this.parentNode.children;
    const at = siblings.indexOf(node);
    if (at >= 0) siblings.splice(at, 1);
    siblings.splice(siblings.indexOf(this) + 1, 0, node);
    node.parentNode = this.parentNode;
  }
}
const elements = {};
for (const id of ["status", "runs-status", "runs", "run-title", "run-summary", "events"]) elements[id] = new FakeElement("div");
let htmlSinks = 0;
const addresses = []; // every URL the page put in the address bar
for (const sink of ["innerHTML", "outerHTML"]) {
  Object.defineProperty(FakeElement.prototype, sink, { set() { htmlSinks += 1; }, get() { return ""; } });
}
global.document = {
  getElementById: (id) => elements[id],
  createElement: (tag) => new FakeElement(tag),
  createTextNode: (text) => new FakeText(text),
};
global.window = {
  location: { search: "?run=r1&token=t%26k", href: "http://127.0.0.1/?run=r1&token=t%26k" },
  history: {
    replaceState(state, title, url) { // as a browser does: the location follows
      const next = new URL(String(url), global.window.location.href);
      addresses.push(next.href);
      global.window.location.href = next.href;
      global.window.location.search = next.search;
    },
  },
  setInterval(fn) { poll = fn; },
};
let poll = null;
const offline = process.argv[3] === "offline";
let source = null;
global.EventSource = class {
  constructor(url) { this.url = url; this.listeners = {}; this.closed = false; source = this; }
  addEventListener(type, listener) { this.listeners[type] = listener; }
  close() { this.closed = true; }
};
global.EventSource.CLOSED = 2;
global.fetch = async () => {
  if (offline) throw new TypeError("Failed to fetch");
  return { ok: true, json: async () => [{ id: "r1", status: "ended", events: 1, started: 0 }] };
};

const [pagePath] = process.argv.slice(2);
const html = fs.readFileSync(pagePath, "utf8");
const script = /<script>([\s\S]*?)<\/script>/.exec(html)[1];
new Function(script)();

for (const line of fs.readFileSync(0, "utf8").split("\n")) {
  if (!line) continue;
  const message = JSON.parse(line);
  source.listeners.message({ data: message.data, lastEventId: message.id });
}

async function finish() {
  if (offline) {
    source.readyState = 0; // CONNECTING: the browser retries by itself
    source.listeners.error({});
  } else {
    source.listeners.end({ data: "{}" });
  }
  await poll();
  await new Promise((resolve) => setTimeout(resolve, 0));
  report();
}

function tree(node) {
  if (node instanceof FakeText) return { text: node.data };
  return { tag: node.tag, cls: node.className, own: node.own, children: node.children.map(tree) };
}
function report() {
process.stdout.write(JSON.stringify({
  url: source.url,
  closed: source.closed,
  htmlSinks,
  status: elements.status.textContent,
  runsStatus: elements["runs-status"].textContent,
  addresses,
  summary: elements["run-summary"].textContent,
  text: elements.events.textContent,
  events: tree(elements.events),
}));
}
finish();
