"""A bar the page raises by itself when the dashboard's kernel stops: reload to start again.

Voila 0.5 shows nothing clear when a kernel dies: the server starts an empty kernel in its
place, the widgets lose their models (small broken-link icons) and every move goes nowhere.
This script runs in the page, so it works with the kernel gone. It watches Voila's kernel
connection and raises the bar when the kernel dies or is restarted, and, if the connection
drops, once the server says the kernel no longer exists (a server restart, culling).
"""

from __future__ import annotations

import json

from IPython.display import HTML

__all__ = ["KERNEL_STOPPED", "kernel_notice"]

KERNEL_STOPPED = "The dashboard's kernel stopped; reload the page to start again."

_SCRIPT = """
<script>
(() => {
  if (window.kernelNoticeInstalled) return;
  window.kernelNoticeInstalled = true;
  let leaving = false;  // Voila closes the kernel connection itself when the tab unloads
  window.addEventListener("beforeunload", () => { leaving = true; });

  const show = (why) => {
    if (leaving || document.querySelector(".kernel-stopped")) return;
    const bar = document.createElement("div");
    bar.className = "kernel-stopped";
    bar.dataset.why = why;
    bar.setAttribute("role", "alert");
    bar.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:10000;padding:12px;" +
      "background:#8b1a10;color:#fff;font:16px/1.4 sans-serif;text-align:center";
    bar.textContent = MESSAGE + " ";
    const reload = document.createElement("button");
    reload.textContent = "Reload";
    reload.style.cssText = "margin-left:12px;font:inherit;padding:2px 12px";
    reload.onclick = () => window.location.reload();
    bar.appendChild(reload);
    document.body.appendChild(bar);
  };

  // the socket dropped: wait for the server, then ask whether it still has this kernel
  const probe = async (kernel) => {
    if (kernel.connectionStatus !== "connecting" || leaving) return;
    try {
      const url = kernel.serverSettings.baseUrl + "api/kernels/" + kernel.id;
      const answer = await fetch(url, {cache: "no-store"});
      if (answer.status === 404) { show("kernel gone from the server"); return; }
    } catch (err) { /* the server is not back yet */ }
    setTimeout(() => probe(kernel), 2000);
  };

  const watch = (kernel) => {
    kernel.statusChanged.connect((_, status) => {
      if (["dead", "restarting", "autorestarting"].includes(status)) show("kernel " + status);
    });
    kernel.connectionStatusChanged.connect((_, status) => {
      if (status === "disconnected") show("connection lost");
      if (status === "connecting") probe(kernel);
    });
  };

  const start = async () => {
    for (let i = 0; i < 600 && !window.jupyterapp; i++) {
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const app = window.jupyterapp;
    if (!app || app.name !== "Voila") return;  // JupyterLab shows kernel status itself
    const manager = await app.widgetManagerPromise.promise;
    if (manager && manager.kernel) watch(manager.kernel);
  };
  start();
})();
</script>
"""


def kernel_notice() -> HTML:
    """The script to display once in a dashboard notebook (it shows nothing until needed).

    Under Voila it raises a bar with ``KERNEL_STOPPED`` and a Reload button when the kernel
    dies, is restarted, or is no longer on the server; elsewhere it does nothing.
    """
    return HTML(_SCRIPT.replace("MESSAGE", json.dumps(KERNEL_STOPPED)))
