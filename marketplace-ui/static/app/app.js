// Jobunivers web UI: small enhancements only; every page works without this file.
// - moves the focus to a form's error summary after a failed submit;
// - keeps the inbox count in the menu and the inbox page up to date from the live
//   notification stream (server-sent events, /api/v1/me/notifications/stream);
// - on a block's own page, sends chat messages without reloading the page (the same
//   POST the form makes; the block's part of the answer replaces the block).
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

  function liveChat() {
    if (typeof window.fetch !== "function" || typeof window.DOMParser !== "function") {
      return;
    }
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var block = form && form.closest ? form.closest(".ju-block-page") : null;
      if (!block || !form.classList.contains("ju-chat-form")) {
        return;
      }
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
      }
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
        headers: { Accept: "text/html" }
      })
        .then(function (res) {
          return res.text().then(function (text) {
            return { ok: res.ok || res.status === 422, text: text };
          });
        })
        .then(function (answer) {
          var doc = new DOMParser().parseFromString(answer.text, "text/html");
          var fresh = doc.querySelector(".ju-block-page");
          if (!answer.ok || !fresh) {
            // An error page: show it as a normal submit would have.
            document.documentElement.replaceWith(document.importNode(doc.documentElement, true));
            return;
          }
          block.replaceChildren.apply(block, Array.prototype.map.call(fresh.childNodes, function (n) {
            return document.importNode(n, true);
          }));
          var log = block.querySelector(".ju-chat-log");
          if (log && log.lastElementChild) {
            log.lastElementChild.scrollIntoView({ block: "nearest" });
          }
          var input = block.querySelector(".ju-chat-form input[name=message]");
          if (input) {
            input.focus();
          } else {
            focusErrorSummary();
          }
        })
        .catch(function () {
          // The message did not go; send it the ordinary way.
          form.submit();
        });
    });
  }

  function start() {
    focusErrorSummary();
    liveInbox();
    liveChat();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
