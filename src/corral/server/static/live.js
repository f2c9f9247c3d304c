// Live progress of a request's run: its events (server-sent) as lines, then the page
// again when the run is over. No framework, no build step.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const list = document.getElementById("live");
  if (!list) return;
  const source = new EventSource(list.dataset.events);
  const line = (text, kind) => {
    const item = document.createElement("li");
    item.textContent = text;  // text, never HTML
    if (kind) item.className = kind;
    list.appendChild(item);
  };
  source.onmessage = (message) => {
    const e = JSON.parse(message.data);
    if (e.event === "operation" && e.result) {
      const r = e.result;
      line(`${e.phase}: ${r.host}: [${r.changed ? "changed" : r.status}] ${r.name}`,
           r.changed ? "add" : "");
    } else if (e.event === "host_done" && e.result) {
      line(`${e.phase}: ${e.result.host}: ${e.result.status}`);
    } else if (e.event === "host_unreachable") {
      line(`${e.phase}: ${e.host}: unreachable`, "del");
    } else if (e.type === "exit") {
      line(`${e.phase} finished: exit ${e.exit_code}${e.error ? ": " + e.error : ""}`);
    }
  };
  source.addEventListener("end", () => { source.close(); window.location.reload(); });
});
