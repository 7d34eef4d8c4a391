"""``/docs``: a self-contained API page (no CDN, no external URL), rendered from /openapi.json.

FastAPI's default docs load Swagger UI from a CDN and render blank offline; this page is one
HTML document with an inline script that lists every endpoint and lets you send a request,
with example bodies built from the served models' inputs.
"""

from __future__ import annotations

import html

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;
color:#1b1b1b;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e8e8e8;background:#1e1e1e}
textarea,input,pre{background:#2a2a2a;color:#e8e8e8}}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #8884}
.op{border:1px solid #8886;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
.m{display:inline-block;min-width:3.6rem;font-weight:600}.GET{color:#2a7}.POST{color:#27c}
code,pre,textarea{font:13px/1.4 ui-monospace,monospace}
textarea{width:100%;min-height:7rem;box-sizing:border-box}
pre{white-space:pre-wrap;padding:.5rem;border-radius:4px;background:#8881;max-height:20rem;
overflow:auto}button{margin:.3rem .3rem .3rem 0}
</style></head><body>
<h1>__TITLE__</h1>
<p>MLflow scoring (<code>/invocations</code>), Open Inference Protocol v2 (<code>/v2</code>) and
KServe v1 (<code>/v1</code>). Every answer names the model and version in the
<code>X-Model-Name</code> and <code>X-Model-Version</code> headers. The machine-readable
description is at <a href="openapi.json">/openapi.json</a>.</p>
<p><label>Token (admin endpoints, or every request when the service requires it):
<input id="token" type="password" size="40"></label></p>
<div id="ops">Loading the API description...</div>
<script>
"use strict";
const $ = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  Object.assign(e, attrs || {});
  kids.forEach(k => e.append(k));
  return e;
};
function auth() {
  const t = document.getElementById("token").value.trim();
  return t ? {"Authorization": "Bearer " + t} : {};
}
let example = {names: ["column"], model: "MODEL"};
function bodyFor(path) {
  const row = {};
  example.names.forEach(n => { row[n] = null; });
  if (path.startsWith("/v2")) {
    return JSON.stringify({inputs: example.names.map(n => (
      {name: n, shape: [1], datatype: "BYTES", data: [null]}))}, null, 2);
  }
  if (path.startsWith("/admin")) {
    return JSON.stringify({model: example.model + "@1"}, null, 2);
  }
  if (path.startsWith("/outcomes")) {
    return JSON.stringify({model: example.model, outcomes: [
      {request_id: "the X-Request-ID of a scored request", label: null}]}, null, 2);
  }
  if (path.startsWith("/v1")) return JSON.stringify({instances: [row]}, null, 2);
  return JSON.stringify({dataframe_records: [row]}, null, 2);
}
function fill(path) { return path.replace("{name}", example.model).replace("{version}", "1"); }
async function send(method, pathInput, textarea, out) {
  out.textContent = "...";
  const opts = {method, headers: auth()};
  if (method !== "GET") {
    opts.body = textarea.value;
    opts.headers["Content-Type"] = "application/json";
  }
  try {
    const r = await fetch(pathInput.value, opts);
    const heads = ["x-model-name", "x-model-version", "x-model-arm", "x-request-id"]
      .filter(h => r.headers.get(h)).map(h => h + ": " + r.headers.get(h)).join("\\n");
    out.textContent = r.status + " " + r.statusText + "\\n" + heads + "\\n\\n" + await r.text();
  } catch (err) { out.textContent = String(err); }
}
async function main() {
  const spec = await (await fetch("openapi.json", {headers: auth()})).json();
  try {
    const models = (await (await fetch("v1/models", {headers: auth()})).json()).models || [];
    if (models.length) {
      const meta = await (await fetch("v2/models/" + models[0], {headers: auth()})).json();
      const inputs = meta.inputs || [];
      const columns = inputs.length === 1 && inputs[0].parameters && inputs[0].parameters.columns;
      example = {model: models[0], names: columns || inputs.map(i => i.name)};
    }
  } catch (err) { /* no model deployed yet: generic examples */ }
  const root = document.getElementById("ops");
  root.textContent = "";
  const groups = {};
  Object.entries(spec.paths).forEach(([path, item]) => {
    Object.entries(item).forEach(([method, op]) => {
      const group = path.startsWith("/v2") ? "Open Inference Protocol v2"
        : path.startsWith("/v1") ? "KServe v1" : path.startsWith("/admin")
        ? "Admin (token required)" : "MLflow scoring server";
      (groups[group] = groups[group] || []).push([method.toUpperCase(), path, op]);
    });
  });
  Object.entries(groups).forEach(([group, ops]) => {
    root.append($("h2", {textContent: group}));
    ops.forEach(([method, path, op]) => {
      const pathInput = $("input", {value: fill(path), size: 50});
      const out = $("pre", {textContent: ""});
      const box = $("div", {className: "op"},
        $("span", {className: "m " + method, textContent: method}), $("code", {textContent: path}),
        $("div", {textContent: op.summary || ""}));
      let textarea = null;
      if (method !== "GET") {
        textarea = $("textarea", {value: bodyFor(path)});
        box.append(textarea);
      }
      box.append($("div", {}, pathInput,
        $("button", {textContent: "Send", onclick: () => send(method, pathInput, textarea, out)})));
      box.append(out);
      root.append(box);
    });
  });
}
main().catch(err => {
  document.getElementById("ops").textContent = "Cannot load /openapi.json: " + err;
});
</script></body></html>
"""


def docs_page(title: str) -> str:
    """The docs page for the app titled ``title``."""
    return _PAGE.replace("__TITLE__", html.escape(title))
