// What only the browser can do for sharing: copy to the learner's clipboard, and know the
// address the learner sees.
//
// Copy: a button with data-copy (a CSS selector of the box around it) copies the text of the
// box's [data-copy-text] element and says so in the box's [data-copy-status] live region.
//
// "Link to this view": the kernel sends the view's query string (data-query on the link); the
// address depends on where the page is served (Voila on its own, behind a proxy or a hub). On
// a Voila page this script makes the link this page's origin and path with the view's query,
// as soon as the widget is drawn or redrawn. Elsewhere (JupyterLab) a query alone cannot be
// opened, so the link loses its href and the sentence beside it says where to add the query.
(() => {
  if (window.lstmShareInstalled) return;
  window.lstmShareInstalled = true;

  const REFUSED = "The browser refused to copy: the text is selected, press Ctrl+C " +
                  "(Cmd+C on a Mac) to copy it.";

  // the older way, for a page that is not a secure context (a classroom server on
  // http://10.0.0.5): execCommand on a hidden copy of the text
  const copyByCommand = (text, button) => {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    button.focus();
    return ok;
  };

  const copy = async (button) => {
    const box = button.closest(button.dataset.copy);
    const source = box?.querySelector("[data-copy-text]");
    const status = box?.querySelector("[data-copy-status]");
    if (!source || !status) return;
    const text = source.textContent;
    let ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(text); ok = true; } catch (e) { ok = false; }
    }
    if (!ok) ok = copyByCommand(text, button);
    if (!ok) {  // refused both ways: the text itself selected, for the keyboard's copy
      const range = document.createRange();
      range.selectNodeContents(source);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    // emptied first, so a second copy is announced again
    status.textContent = "";
    setTimeout(() => { status.textContent = ok ? button.dataset.copied : REFUSED; }, 50);
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest?.("button[data-copy]");
    if (button) copy(button);
  });

  // this page's address with the view's query; on a JupyterHub the server's own prefix
  // (data-server, /user/alice/) becomes the hub's user-redirect (data-shared), which opens
  // whoever follows the link on a server of their own
  const address = (page, query, server, shared) => {
    const url = new URL(page);
    let path = url.pathname;
    if (server && shared && path.startsWith(server)) path = shared + path.slice(server.length);
    return url.origin + path + query;
  };
  window.lstmViewLinkAddress = address;  // for the tests

  const completeLinks = () => {
    const voila = document.body.dataset.voila === "voila";  // Voila's <body data-voila>
    for (const link of document.querySelectorAll(".view-link a[data-query]")) {
      if (!voila) {
        if (link.hasAttribute("href")) link.removeAttribute("href");
        continue;
      }
      const full = address(window.location.href, link.dataset.query, link.dataset.server,
                           link.dataset.shared);
      // only where it differs, so the observer's answer to these writes ends here
      if (link.getAttribute("href") !== full) link.setAttribute("href", full);
      if (link.textContent !== full) link.textContent = full;
      const note = link.closest(".view-link").querySelector(".view-link-note");
      if (note && !note.hidden) note.hidden = true;
    }
  };

  // at once, not on a timer: the observer runs before the browser paints, so the bare query
  // the kernel sends is never seen
  new MutationObserver(completeLinks).observe(document.body, {childList: true, subtree: true});
  completeLinks();
})();
