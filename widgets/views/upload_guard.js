// A file over the upload's cap never leaves the page. The kernel refuses one anyway, but only
// after the browser has sent every megabyte of it over the websocket; here the choice of file
// is stopped before ipywidgets reads it, and the picker's status says why, in words.
//
// ipywidgets 8's upload keeps its file input out of the document, so no listener on the page
// hears that input's "change". The guard therefore wraps the "change" listeners that file
// inputs are given (the upload view adds its own when it is drawn, after this script has run):
// the wrapped listener first looks at the files' sizes. Nothing else is touched.
(() => {
  if (window.lstmUploadGuardInstalled) return;
  window.lstmUploadGuardInstalled = true;

  const MAX_BYTES = __MAX_BYTES__;
  const megabytes = (n) => (n / 1048576).toFixed(1);
  let lastPicker = null;  // the picker whose upload button was pressed last

  document.addEventListener("click", (event) => {
    const upload = event.target instanceof Element && event.target.closest(".csv-upload");
    if (upload) lastPicker = upload.closest(".series-picker");
  }, true);

  const refused = (input) => {
    const big = Array.from(input.files || []).find((file) => file.size > MAX_BYTES);
    if (!big) return false;
    input.value = "";
    const picker = lastPicker || document.querySelector(".series-picker");
    const status = picker && picker.querySelector(".csv-upload-status");
    if (status) {
      const content = status.querySelector(".widget-html-content") || status;
      // text, never markup: the file's name is the learner's
      content.textContent = `${big.name} is ${megabytes(big.size)} MB; the limit is ` +
        `${megabytes(MAX_BYTES)} MB. Nothing was sent: cut the file to the rows you need ` +
        "and upload it again.";
    }
    return true;
  };

  // only a file input's "change" listeners are wrapped (the upload view sets the type first);
  // each wrapper is remembered, so removing the listener removes its wrapper
  const add = HTMLInputElement.prototype.addEventListener;
  const remove = HTMLInputElement.prototype.removeEventListener;
  const wrappers = new WeakMap();  // listener -> its wrapper
  HTMLInputElement.prototype.addEventListener = function (type, listener, options) {
    if (type !== "change" || this.type !== "file" || typeof listener !== "function") {
      return add.call(this, type, listener, options);
    }
    let wrapper = wrappers.get(listener);
    if (!wrapper) {
      wrapper = function (event) {
        const input = event.currentTarget;
        if (input instanceof HTMLInputElement && input.type === "file" && refused(input)) {
          return undefined;
        }
        return listener.call(this, event);
      };
      wrappers.set(listener, wrapper);
    }
    return add.call(this, type, wrapper, options);
  };
  HTMLInputElement.prototype.removeEventListener = function (type, listener, options) {
    const wrapper = typeof listener === "function" ? wrappers.get(listener) : undefined;
    if (wrapper) remove.call(this, type, wrapper, options);
    return remove.call(this, type, listener, options);
  };
})();
