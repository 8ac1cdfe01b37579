// Jobunivers web UI: small enhancements only; every page works without this file.
// - moves the focus to a form's error summary after a failed submit;
// - keeps the inbox count in the menu and the inbox page up to date from the live
//   notification stream (server-sent events, /api/v1/me/notifications/stream).
// Everything a message contains is inserted as text, never as HTML.
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-focus-first]");
    if (summary) {
      summary.focus();
    }
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function liveInbox() {
    var count = document.querySelector("[data-live-count]");
    if (!count || typeof window.EventSource !== "function") {
      return;
    }
    var unread = {};
    var list = document.querySelector("[data-inbox-list]");
    var region = document.querySelector("[data-live-inbox]");
    var source = new EventSource("/api/v1/me/notifications/stream");
    source.addEventListener("notification", function (event) {
      var note;
      try {
        note = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!note.read) {
        unread[note.id] = true;
      }
      var n = Object.keys(unread).length;
      count.textContent = n > 0 ? " (" + fill(count.getAttribute("data-template") || "{count}", { count: n }) + ")" : "";
      count.hidden = n === 0;
      if (list && !document.getElementById("note-" + note.id)) {
        var item = document.createElement("li");
        item.id = "note-" + note.id;
        item.className = "ju-note ju-note-unread ju-note-live";
        var title = document.createElement("p");
        title.className = "h4 mb-1";
        title.textContent = note.title;
        var body = document.createElement("p");
        body.className = "mb-2";
        body.textContent = note.body;
        var hint = document.createElement("p");
        hint.className = "ju-muted";
        hint.textContent = list.getAttribute("data-reload-text") || "";
        item.appendChild(title);
        item.appendChild(body);
        item.appendChild(hint);
        list.insertBefore(item, list.firstChild);
        var empty = document.querySelector("[data-inbox-empty]");
        if (empty) {
          empty.hidden = true;
        }
        if (region) {
          region.textContent = fill(region.getAttribute("data-template") || "{title}", { title: note.title });
        }
      }
    });
    source.onerror = function () {
      // The browser reconnects by itself; nothing to do but wait.
    };
  }

  function start() {
    focusErrorSummary();
    liveInbox();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
