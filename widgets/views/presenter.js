// Presenter mode's keys: Page Down and Page Up (what a presentation remote sends) press the
// bar's Next and Previous, unless the focus is on a control that uses those keys itself (a
// slider moves by a page, a text box or a list scrolls). The focus goes to the button pressed,
// which stays on screen, so it is never left in a section that was just hidden.
(() => {
  if (window.lstmPresenterInstalled) return;
  window.lstmPresenterInstalled = true;

  const OWN_KEYS = "input, textarea, select, [contenteditable=''], [contenteditable='true'], " +
                   "[role='slider'], .widget-slider, .widget-readout";

  document.addEventListener("keydown", (event) => {
    if (event.key !== "PageDown" && event.key !== "PageUp") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest(OWN_KEYS)) return;
    const root = (target && target.closest(".lstm-present")) ||
                 document.querySelector(".lstm-present");
    if (!root) return;  // not presenting: the keys scroll, as always
    const button = root.querySelector(
      event.key === "PageDown" ? ".presenter-next" : ".presenter-previous");
    if (!button) return;
    event.preventDefault();
    button.focus();
    button.click();
  });
})();
