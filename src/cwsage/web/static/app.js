// cwsage web UI behaviour: CSRF header for htmx, tabs, select all, sorting, search, live progress.
// Presentation only: every rule about what may be posted lives in the server's services.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the session's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });

  // ---- tabs (WAI-ARIA tabs pattern: arrows, Home, End) ----
  function selectTab(tab) {
    var list = tab.closest('[role="tablist"]');
    if (!list) { return; }
    list.querySelectorAll('[role="tab"]').forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !on; }
    });
  }
  document.addEventListener("click", function (event) {
    var tab = event.target.closest('[role="tab"]');
    if (tab) { event.preventDefault(); selectTab(tab); }
  });
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest('[role="tab"]');
    if (!tab) { return; }
    var tabs = Array.prototype.slice.call(tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]'));
    var index = tabs.indexOf(tab);
    var next = null;
    if (event.key === "ArrowRight") { next = tabs[(index + 1) % tabs.length]; }
    if (event.key === "ArrowLeft") { next = tabs[(index - 1 + tabs.length) % tabs.length]; }
    if (event.key === "Home") { next = tabs[0]; }
    if (event.key === "End") { next = tabs[tabs.length - 1]; }
    if (next) { event.preventDefault(); selectTab(next); next.focus(); }
  });

  // ---- Include checkboxes: counts, Select All / Deselect All / leave out the ones with problems ----
  function updateCounts() {
    var total = 0;
    document.querySelectorAll("[data-records]").forEach(function (panel) {
      var boxes = panel.querySelectorAll('input[name="include"]');
      var ticked = panel.querySelectorAll('input[name="include"]:checked').length;
      total += ticked;
      var out = panel.querySelector("[data-count]");
      if (out) { out.textContent = ticked + " of " + boxes.length + " selected"; }
      var tab = document.getElementById(panel.getAttribute("aria-labelledby"));
      var badge = tab && tab.querySelector("[data-tab-count]");
      if (badge) { badge.textContent = "(" + ticked + "/" + boxes.length + ")"; }
    });
    var summary = document.querySelector("[data-total-selected]");
    if (summary) { summary.textContent = total + " record(s) selected"; }
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "include") { updateCounts(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-select]");
    if (!button) { return; }
    event.preventDefault();
    var panel = document.getElementById(button.getAttribute("data-target"));
    var mode = button.getAttribute("data-select");
    panel.querySelectorAll("tbody tr").forEach(function (row) {
      if (row.hidden) { return; }
      var box = row.querySelector('input[name="include"]');
      if (!box) { return; }
      if (mode === "all") { box.checked = true; }
      if (mode === "none") { box.checked = false; }
      if (mode === "valid") { box.checked = !row.classList.contains("blocked"); }
    });
    updateCounts();
    panel.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // ---- the suggested Batch Number follows the ticks until the user types one of their own ----
  document.addEventListener("input", function (event) {
    if (event.target.id === "batch-number") { event.target.setAttribute("data-edited", "1"); }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var field = document.getElementById("batch-number");
    if (event.detail.elt.id === "batch-number-field" && field && field.hasAttribute("data-edited")) {
      event.preventDefault();
    }
  });

  // ---- sorting: buttons in column headers; cells carry data-sort values ----
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.sort");
    if (!button) { return; }
    event.preventDefault();
    var th = button.closest("th");
    var table = th.closest("table");
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.hasAttribute("data-numeric");
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].getAttribute("data-sort") || a.cells[column].textContent.trim();
      var y = b.cells[column].getAttribute("data-sort") || b.cells[column].textContent.trim();
      var result = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, undefined, { numeric: true });
      return ascending ? result : -result;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });

  // ---- search: hide the rows that do not contain the text ----
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-filter")) { return; }
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var table = document.getElementById(input.getAttribute("data-filter"));
    var shown = 0;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var match = words.every(function (word) { return text.indexOf(word) >= 0; });
      row.hidden = !match;
      if (match) { shown += 1; }
    });
    var out = document.getElementById(input.getAttribute("data-filter") + "-shown");
    if (out) { out.textContent = words.length ? shown + " shown" : ""; }
  });

  // ---- Login screen: show the fields of the chosen Manage auth type ----
  function showAuthFields() {
    var chosen = document.querySelector('input[name="manage.auth"]:checked');
    if (!chosen) { return; }
    document.querySelectorAll("[data-auth]").forEach(function (group) {
      group.hidden = group.getAttribute("data-auth") !== chosen.value;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "manage.auth") { showAuthFields(); }
    if (event.target.name === "since") { enableCustomDate(); }
  });

  // ---- Update Invoice Payments: the date picker is for "Custom Date" ----
  function enableCustomDate() {
    var custom = document.querySelector('input[name="since"][value="custom"]');
    var date = document.getElementById("custom_date");
    if (custom && date) { date.disabled = !custom.checked; }
  }

  // ---- job page: follow progress over server-sent events, then show the result ----
  function followJob() {
    var box = document.querySelector("[data-job-events]");
    if (!box || !window.EventSource) { return; }
    var log = box.querySelector(".progress-log");
    var bar = box.querySelector("progress");
    var stage = box.querySelector("[data-stage]");
    var source = new EventSource(box.getAttribute("data-job-events") + "?after=" + box.getAttribute("data-last"));
    source.addEventListener("progress", function (message) {
      var event = JSON.parse(message.data);
      if (event.kind === "stage" || event.kind === "note") {
        var item = document.createElement("li");
        item.className = event.kind;
        item.textContent = event.text;
        log.appendChild(item);
        log.scrollTop = log.scrollHeight;
      }
      if (event.kind === "stage") { stage.textContent = event.text; }
      if (event.total) { bar.max = event.total; bar.value = event.done; } else { bar.removeAttribute("value"); }
    });
    source.addEventListener("end", function () {
      source.close();
      window.location.reload();
    });
  }

  // ---- the login link's page signs in by itself when no password is asked ----
  function autoSubmit() {
    var form = document.querySelector("form[data-autosubmit]");
    if (form) { form.submit(); }
  }

  function init() {
    updateCounts();
    showAuthFields();
    enableCustomDate();
    followJob();
    autoSubmit();
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", function () { updateCounts(); showAuthFields(); });
})();
