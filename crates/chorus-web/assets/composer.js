// The composer, progressively enhanced: networks show and hide as they are ticked, previews follow the text,
// and every change is checked against each network's rules through the same API the save uses. Without this
// script the page still works; the check then runs when the post is saved.
(function () {
  "use strict";
  const form = document.querySelector("form.composer");
  if (!form) return;

  const base = form.querySelector("#base_text");
  const summary = document.getElementById("check-summary");
  const sections = Array.from(form.querySelectorAll("section.variant"));
  const chosen = () => sections.filter((s) => !s.hidden);

  function value(section, field) {
    const input = section.querySelector('[data-field="' + field + '"]');
    return input ? input.value : "";
  }

  // A variant with no text of its own starts from the base text, as the server does on save.
  function variantText(section) {
    const own = value(section, "text");
    return own.trim() === "" ? base.value : own;
  }

  function previews() {
    for (const section of sections) {
      const text = section.querySelector('[data-preview="text"]');
      if (text) text.textContent = variantText(section);
      const title = section.querySelector('[data-preview="options.title"]');
      if (title) title.textContent = value(section, "options.title");
      const own = section.querySelector('textarea[data-field="text"]');
      if (own) own.placeholder = base.value;
      const image = section.querySelector(".preview-media");
      const crop = section.querySelector("select[data-crop]");
      if (image && crop && image.dataset.asset) {
        image.src = crop.value
          ? "/api/v1/assets/" + image.dataset.asset + "/rendition?aspect=" + encodeURIComponent(crop.value) + "&fit=crop&size=600"
          : "/api/v1/assets/" + image.dataset.asset + "/file";
      }
    }
  }

  function show(result) {
    for (const section of sections) {
      const check = result.variants.find((v) => v.network === section.dataset.network);
      for (const meter of section.querySelectorAll("[data-meter]")) {
        const count = check && check.counts.find((c) => c.field === meter.dataset.meter);
        meter.textContent = "";
        if (count) {
          const span = document.createElement("span");
          span.textContent = count.used + " / " + count.limit;
          if (count.over) span.className = "over";
          meter.appendChild(span);
        }
      }
      const lists = Array.from(section.querySelectorAll("[data-messages]"));
      const shown = new Set(lists.map((l) => l.dataset.messages));
      for (const list of lists) {
        list.textContent = "";
        if (!check) continue;
        const field = list.dataset.messages;
        // A file ticked but not saved yet has no row of its own; its messages go with the media as a whole.
        const belongs = (i) => i.field === field || (field === "media" && i.field.startsWith("media[") && !shown.has(i.field));
        const items = check.issues
          .filter(belongs)
          .map((i) => [i.severity === "error", i.message])
          .concat(check.voice.filter((v) => v.field === field).map((v) => [true, v.message]))
          .sort((a, b) => Number(b[0]) - Number(a[0]));
        for (const [error, message] of items) {
          const li = document.createElement("li");
          li.className = error ? "error" : "warning";
          li.textContent = message;
          list.appendChild(li);
        }
      }
    }
    if (summary) {
      summary.textContent = result.variants.length === 0
        ? "Choose the networks this post is for."
        : result.errors === 0 && result.warnings === 0
          ? "Ready for every chosen network."
          : result.errors + " to fix before scheduling · " + result.warnings + " to look at";
    }
  }

  let timer = null;
  let latest = 0;
  function check() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ticket = ++latest;
      try {
        // The form itself is sent, so the check reads it exactly as saving it would.
        const response = await fetch(form.dataset.checkUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(new FormData(form)),
        });
        // Only the answer to the newest question is shown; slower older ones are dropped.
        if (ticket === latest && response.ok) show(await response.json());
      } catch (_) {
        // Offline or the server is restarting: the check runs again on the next change or on save.
      }
    }, 250);
  }

  for (const toggle of form.querySelectorAll("[data-network-toggle]")) {
    toggle.addEventListener("change", () => {
      const section = form.querySelector('section.variant[data-network="' + toggle.dataset.networkToggle + '"]');
      if (section) section.hidden = !toggle.checked;
      check();
    });
  }
  form.addEventListener("input", () => {
    previews();
    check();
  });
  // Selects and checkboxes (crops, media, settings) only fire "change" in some browsers.
  form.addEventListener("change", () => {
    previews();
    check();
  });
  previews();
})();
