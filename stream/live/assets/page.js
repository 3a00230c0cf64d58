// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
// The live page: one EventSource, each event a JSON snapshot (see
// Snapshot in server.go) that replaces the drawing and refills the tables.
"use strict";
const $ = (id) => document.getElementById(id);
let previewing = -1;

function cell(tr, text, cls) {
  const td = tr.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function preview(id, name) {
  previewing = id;
  $("preview").hidden = false;
  $("preview-name").textContent = name;
  $("preview-img").src = "preview/" + id;
}

function render(s) {
  const state = $("state");
  state.textContent = s.state;
  state.className = "badge " + s.state;
  $("stop").hidden = !s.can_stop || s.state !== "running";
  if (s.svg) $("graph").innerHTML = s.svg;
  else if (s.svg_error) $("graph").textContent = s.svg_error;

  const stages = $("stages").tBodies[0];
  stages.replaceChildren();
  for (const st of s.stages) {
    const tr = stages.insertRow();
    tr.id = "stage-row-" + st.id;
    tr.className = st.state;
    cell(tr, st.name, "name");
    cell(tr, st.state, "state");
    cell(tr, st.in, "in");
    cell(tr, st.out, "out");
    cell(tr, st.fps.toFixed(1), "fps");
    cell(tr, st.dropped, "dropped");
    cell(tr, st.queued, "queued");
    cell(tr, st.latency_ms.toFixed(1) + " ms", "latency");
    cell(tr, st.live ? st.live.reconnects + " / " + st.live.retries : "", "reconnects");
    if (st.error) {
      const row = stages.insertRow();
      row.className = "failed";
      const td = cell(row, st.name + ": " + st.error, "error");
      td.id = "stage-error-" + st.id;
      td.colSpan = 9;
    }
  }

  const links = $("links").tBodies[0];
  links.replaceChildren();
  for (const l of s.links) {
    const tr = links.insertRow();
    tr.id = "link-row-" + l.id;
    const name = l.from + " → " + l.to;
    cell(tr, name, "name");
    cell(tr, l.kind, "kind");
    const q = cell(tr, " " + l.queued + "/" + l.capacity, "queue");
    const bar = document.createElement("span");
    bar.className = "bar";
    const fill = document.createElement("i");
    fill.style.width = Math.min(100, (100 * l.queued) / l.capacity) + "%";
    bar.append(fill);
    q.prepend(bar);
    cell(tr, l.sent, "sent");
    cell(tr, l.fps.toFixed(1), "fps");
    cell(tr, l.dropped, "dropped");
    const p = cell(tr, "", "preview");
    if (l.previewable) {
      const b = document.createElement("button");
      b.textContent = l.id === previewing ? "watching" : "watch";
      b.id = "watch-" + l.id;
      b.onclick = () => preview(l.id, name);
      p.append(b);
      if (l.preview_dropped) p.append(" skipped " + l.preview_dropped);
    }
    if (l.id === previewing) $("preview-note").textContent = l.preview_note || "";
  }
}

$("graph").addEventListener("click", (e) => {
  const edge = e.target.closest("g.edge");
  const m = edge && /^link-(\d+)$/.exec(edge.id);
  const btn = m && $("watch-" + m[1]);
  if (btn) btn.click();
});

$("stop").addEventListener("click", () => {
  fetch("stop", { method: "POST" }).then((r) => r.text()).then((t) => ($("conn").textContent = t));
});

const events = new EventSource("events");
events.onmessage = (e) => {
  $("conn").textContent = "";
  render(JSON.parse(e.data));
};
events.onerror = () => ($("conn").textContent = "reconnecting…");
