// protod serve: the one script. Shows slider values, sends with Ctrl+Enter, and stops a double click from sending a
// form twice. The pages work without it; it never writes text into the page as HTML.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const range of document.querySelectorAll("input[type=range]")) {
    const shown = range.parentElement.querySelector("output");
    if (shown) range.addEventListener("input", () => { shown.textContent = Number(range.value).toFixed(2); });
  }
  for (const box of document.querySelectorAll("textarea")) {
    box.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); box.form.requestSubmit(); }
    });
  }
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", () => {
      // Disabled after this event, so the pressed button's own value still goes with the form.
      setTimeout(() => form.querySelectorAll("button").forEach((b) => { b.disabled = true; }), 0);
    });
  }
  const log = document.getElementById("transcript");
  if (log && log.lastElementChild) log.lastElementChild.scrollIntoView({block: "nearest"});
  document.body.dataset.ready = "1";
});
