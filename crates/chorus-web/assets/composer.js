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

  function draft() {
    const status = form.querySelector('input[name="status"]:checked');
    const pillar = form.querySelector("#pillar_id");
    return {
      status: status ? status.value : "draft",
      title: form.querySelector("#title").value,
      base_text: base.value,
      pillar_id: pillar && pillar.value ? pillar.value : null,
      sponsored: form.querySelector("#sponsored").checked,
      variants: chosen().map((section) => ({
        network: section.dataset.network,
        text: variantText(section),
        link: value(section, "link").trim(),
        first_comment: value(section, "first_comment"),
        options: { title: value(section, "options.title"), content_warning: value(section, "options.content_warning") },
      })),
    };
  }

  function previews() {
    for (const section of sections) {
      const text = section.querySelector('[data-preview="text"]');
      if (text) text.textContent = variantText(section);
      const title = section.querySelector('[data-preview="options.title"]');
      if (title) title.textContent = value(section, "options.title");
      const own = section.querySelector('textarea[data-field="text"]');
      if (own) own.placeholder = base.value;
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
      for (const list of section.querySelectorAll("[data-messages]")) {
        list.textContent = "";
        if (!check) continue;
        const field = list.dataset.messages;
        const items = check.issues
          .filter((i) => i.field === field)
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
        const response = await fetch(form.dataset.checkUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
          body: JSON.stringify(draft()),
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
  previews();
})();
