// The dashboard's glue: forms go to the control API as JSON (nested by dotted names, numbers as numbers, empty
// fields left out); a failed call shows the API's error; a successful one reloads what it changed.
(function () {
  htmx.defineExtension("control-json", {
    onEvent: function (name, evt) {
      if (name === "htmx:configRequest") { evt.detail.headers["Content-Type"] = "application/json"; }
    },
    encodeParameters: function (xhr, parameters, elt) {
      xhr.overrideMimeType("text/json");
      const form = elt.closest("form") || elt;
      const out = {};
      for (const [key, raw] of parameters.entries()) {
        if (raw === "" || raw === null) { continue; }
        const field = form.querySelector ? form.querySelector('[name="' + key + '"]') : null;
        const value = field && field.type === "number" ? Number(raw) : raw;
        const path = key.split(".");
        let node = out;
        for (const part of path.slice(0, -1)) { node = node[part] = node[part] || {}; }
        node[path[path.length - 1]] = value;
      }
      return JSON.stringify(out);
    },
  });
  // a form sent as it is (multipart: a file), answered like the JSON ones
  htmx.defineExtension("control-form", {});
  document.addEventListener("htmx:afterRequest", function (evt) {
    const elt = evt.detail.elt;
    if (!elt.hasAttribute || !elt.hasAttribute("hx-ext")) { return; }
    const flash = document.getElementById("flash");
    if (evt.detail.successful) {
      if (elt.hasAttribute("data-reload")) { window.location.reload(); }
      return;
    }
    let message = evt.detail.xhr.responseText;
    try { message = JSON.parse(message).error || message; } catch (e) { /* not JSON */ }
    if (flash) { flash.className = "error"; flash.textContent = message; }
  });
})();
