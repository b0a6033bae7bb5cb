// Names and states that ipywidgets leaves out of the page, for screen readers and keyboards.
//
// ipywidgets 8 gives a slider's handle role="slider" but no name (jupyter-widgets/ipywidgets
// issue 2650), draws Play's buttons as bare icons, and shows a toggle's state by a CSS class
// only. The kernel sets each control's accessible name as its tooltip (the label's title);
// this script copies it where assistive technology reads it, and keeps it current as widgets
// are redrawn. It changes an attribute only when the value differs, so its own writes end.
(() => {
  if (window.lstmAccessibilityInstalled) return;
  window.lstmAccessibilityInstalled = true;

  const PLAY_ICONS = {"fa-play": "Play", "fa-pause": "Pause", "fa-stop": "Stop",
                      "fa-retweet": "Repeat"};

  const put = (el, name, value) => {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  };

  // a description widget's name: its tooltip (the label's title) or else its visible label
  const nameOf = (widget) => {
    const label = widget.querySelector(":scope > .widget-label");
    return label ? (label.title || label.textContent || "").trim() : "";
  };

  const labelSliders = (root) => {
    for (const slider of root.querySelectorAll(".widget-slider")) {
      const name = nameOf(slider);
      if (!name) continue;
      for (const handle of slider.querySelectorAll(".noUi-handle")) put(handle, "aria-label", name);
      const readout = slider.querySelector(".widget-readout");
      if (readout) {  // an editable number: a text box to assistive technology
        put(readout, "role", "textbox");
        put(readout, "aria-label", name + ", typed value");
      }
    }
  };

  const labelPlay = (root) => {
    for (const play of root.querySelectorAll(".widget-play")) {
      const what = (play.title || "").trim();  // the Play widget's tooltip: what it steps
      for (const button of play.querySelectorAll("button")) {
        const icon = button.querySelector("i");
        const key = icon && Object.keys(PLAY_ICONS).find((k) => icon.classList.contains(k));
        if (!key) continue;
        put(button, "aria-label", what ? `${PLAY_ICONS[key]} ${what}` : PLAY_ICONS[key]);
        put(button, "title", PLAY_ICONS[key]);
        if (key === "fa-retweet") {
          put(button, "aria-pressed", String(button.classList.contains("mod-active")));
        }
      }
    }
  };

  const markToggles = (root) => {
    // a toggle button and each button of a toggle group: pressed or not, in words
    for (const button of root.querySelectorAll(".widget-toggle-button, .widget-toggle-buttons button")) {
      put(button, "aria-pressed", String(button.classList.contains("mod-active")));
    }
    for (const group of root.querySelectorAll(".widget-toggle-buttons")) {
      const buttons = group.querySelector(":scope > div:not(.widget-label)");
      if (!buttons) continue;
      put(buttons, "role", "group");
      const name = nameOf(group);
      if (name) put(buttons, "aria-label", name);
    }
  };

  // a control marked "named-by-tooltip" is named by its tooltip, which says more than its
  // label (which question's "answer" or "Check"): a button's own title, a field's own title
  // (ipywidgets puts it there when the field has no description), else its label's
  const nameByTooltip = (root) => {
    for (const el of root.querySelectorAll(".named-by-tooltip")) {
      const field = el.tagName === "BUTTON" ? el : el.querySelector("input, select, textarea");
      if (!field) continue;
      const name = (field.title || "").trim() || nameOf(el);
      if (name) put(field, "aria-label", name);
    }
  };

  // the kernel marks what must be announced when it changes: a refusal or error (an alert),
  // a check's verdict or a run's progress (a polite status); the region must already be in
  // the page when its text changes, so the roles go on the widget's own element
  const markLive = (root) => {
    for (const el of root.querySelectorAll(".live-alert")) put(el, "role", "alert");
    for (const el of root.querySelectorAll(".live-status")) {
      put(el, "role", "status");
      put(el, "aria-live", "polite");
    }
  };

  const hideFigures = (root) => {
    // a chart's SVG is axes and tick numbers: its text alternative sits beside it
    for (const figure of root.querySelectorAll(".bqplot.figure")) put(figure, "aria-hidden", "true");
  };

  const focusScrollers = (root) => {
    // a figure wider than a narrow output area (JupyterLab's) scrolls sideways: a keyboard
    // must reach it to scroll it, and a screen reader hears what it is
    for (const box of root.querySelectorAll(".parameter-panel, .lstm-heatmap")) {
      if (box.scrollWidth <= box.clientWidth + 1) continue;
      put(box, "tabindex", "0");
      put(box, "role", "region");
      if (!box.getAttribute("aria-label")) put(box, "aria-label", "Figure: scroll sideways to see all of it");
    }
  };

  const pass = () => {
    scheduled = false;
    for (const dash of document.querySelectorAll(".lstm-dash")) {
      focusScrollers(dash);
      labelSliders(dash);
      labelPlay(dash);
      markToggles(dash);
      nameByTooltip(dash);
      markLive(dash);
      hideFigures(dash);
    }
  };

  // at most one pass per 100 ms, however many changes Play or a rebuild makes
  let scheduled = false;
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setTimeout(pass, 100);
    }
  };
  new MutationObserver(schedule).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class", "title"],
  });
  schedule();
})();
