// The teacher's page: ask for the class's numbers every few seconds and put them in place.
// Every sentence comes from the server (widgets/state/class_answers.py); this only places
// text (textContent, never markup), so an answer a student typed is shown as text.
(function () {
  "use strict";
  const body = document.body;
  const url = body.dataset.json;
  const every = 1000 * Number(body.dataset.refresh || 3);
  const status = document.getElementById("status");
  const problem = document.getElementById("problem");
  const updated = document.getElementById("updated-at");
  const clock = (iso) => new Date(iso).toLocaleTimeString();

  function say(element, text) {
    if (element && element.textContent !== text) element.textContent = text; // said once
  }

  function place(row) {
    const tr = document.querySelector(`tr[data-key="${CSS.escape(row.key)}"]`);
    if (!tr) return false;
    say(tr.querySelector(".answered"), String(row.answered));
    say(tr.querySelector(".right-text"), row.right_text);
    const meter = tr.querySelector("meter");
    meter.max = Math.max(row.answered, 1);
    meter.value = row.right;
    say(tr.querySelector(".wrong-text"), row.wrong_text);
    const list = tr.querySelector(".wrong ul");
    const items = row.wrong.map(([answer, times]) => {
      const li = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = answer;
      li.append(code, ` × ${times}`);
      return li;
    });
    const same = list.children.length === items.length &&
      items.every((li, k) => li.textContent === list.children[k].textContent);
    if (!same) list.replaceChildren(...items);
    return true;
  }

  async function refresh() {
    if (document.hidden) return;
    let view;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.status === 403) {
        say(problem, "This page's access has ended (the server restarted, or a day went " +
            "by): open the teacher's address that make classroom printed again.");
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      view = await response.json();
    } catch (error) {
      say(problem, `The class's numbers could not be fetched (${error.message}): ` +
          "the page tries again by itself; check that the classroom server still runs.");
      return;
    }
    say(problem, "");
    const rows = view.pages.flatMap((page) => page.rows);
    if (!rows.every(place)) {  // a question this page has no row for: draw the page anew
      window.location.reload();
      return;
    }
    say(status, view.status);
    const last = view.last ? ` The last answer came at ${clock(view.last)}.` : "";
    say(updated, `Updated at ${new Date().toLocaleTimeString()}.${last}`);
  }

  if (body.dataset.live === "yes") {
    refresh();
    setInterval(refresh, every);
    document.addEventListener("visibilitychange", refresh);
  }
})();
