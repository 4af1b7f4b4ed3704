/*
 * Northwind Outfitters web chat widget: plain JS on socket.io-client, for Rasa's socket.io channel.
 *
 * Embed with one tag (the action server serves this file and its vendored socket.io client):
 *   <script src="http://HOST:5055/webchat/widget.js" data-rasa-url="http://127.0.0.1:5005"></script>
 *
 * Optional attributes: data-socket-path (default "/socket.io"), data-title, data-open="true".
 * The session id and the rendered history live in localStorage, so a reload keeps the conversation
 * (Rasa's socket.io channel needs `session_persistence: true` in credentials.yml).
 */
(function () {
  "use strict";
  if (window.NorthwindChat) { return; }

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src*='widget.js']");
    return all[all.length - 1];
  })();
  var BASE = script.src.replace(/[^/]*(\?.*)?$/, "");
  var RASA_URL = (script.getAttribute("data-rasa-url") || "http://127.0.0.1:5005").replace(/\/+$/, "");
  var SOCKET_PATH = script.getAttribute("data-socket-path") || "/socket.io";
  var TITLE = script.getAttribute("data-title") || "Northwind Outfitters help";
  var KEY = "nwchat:" + RASA_URL + ":";
  var MAX_HISTORY = 200;

  // ---- storage (localStorage may be unavailable: private mode, blocked cookies) ----
  function load(name, fallback) {
    try {
      var raw = window.localStorage.getItem(KEY + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }
  function save(name, value) {
    try { window.localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* ignore */ }
  }
  function forget(name) {
    try { window.localStorage.removeItem(KEY + name); } catch (e) { /* ignore */ }
  }

  var state = {
    sessionId: load("session", null),
    history: load("history", []),   // [{from: "user"|"bot", text, buttons?, image?, used?}]
    open: load("open", false),
    confirmed: false,
    queue: [],
    socket: null,
    typingTimer: null
  };

  // ---- styles ----
  var CSS = [
    "#nw-chat{position:fixed;right:20px;bottom:20px;z-index:2147483000;font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2a22}",
    "#nw-chat *{box-sizing:border-box}",
    "#nw-chat-launcher{background:#2f5d3a;color:#fff;border:0;border-radius:24px;padding:12px 18px;font:inherit;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}",
    "#nw-chat-panel{display:none;flex-direction:column;width:360px;max-width:calc(100vw - 40px);height:520px;max-height:calc(100vh - 40px);background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}",
    "#nw-chat.nw-open #nw-chat-panel{display:flex}",
    "#nw-chat.nw-open #nw-chat-launcher{display:none}",
    "#nw-chat-header{display:flex;align-items:center;gap:8px;background:#2f5d3a;color:#fff;padding:10px 12px}",
    "#nw-chat-header strong{flex:1}",
    "#nw-chat-header button{background:transparent;color:#fff;border:1px solid rgba(255,255,255,.5);border-radius:6px;font:inherit;font-size:12px;padding:2px 8px;cursor:pointer}",
    "#nw-chat-log{flex:1;overflow-y:auto;padding:12px;background:#f4f1ea;display:flex;flex-direction:column;gap:8px}",
    ".nw-msg{max-width:85%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".nw-msg--bot{align-self:flex-start;background:#fff;border:1px solid #ddd6c8}",
    ".nw-msg--user{align-self:flex-end;background:#2f5d3a;color:#fff}",
    ".nw-msg--user a{color:#fff}",
    ".nw-msg a{color:#2f5d3a;text-decoration:underline}",
    ".nw-msg img{max-width:100%;border-radius:8px;display:block}",
    ".nw-buttons{align-self:flex-start;display:flex;flex-wrap:wrap;gap:6px;max-width:90%}",
    ".nw-btn{background:#fff;color:#2f5d3a;border:1px solid #2f5d3a;border-radius:16px;padding:5px 12px;font:inherit;cursor:pointer}",
    ".nw-btn:hover:not(:disabled){background:#2f5d3a;color:#fff}",
    ".nw-btn:disabled{opacity:.45;cursor:default}",
    ".nw-typing{align-self:flex-start;background:#fff;border:1px solid #ddd6c8;border-radius:12px;padding:10px 12px;display:flex;gap:4px}",
    ".nw-typing span{width:7px;height:7px;border-radius:50%;background:#8a9a8e;animation:nw-blink 1.2s infinite}",
    ".nw-typing span:nth-child(2){animation-delay:.2s}.nw-typing span:nth-child(3){animation-delay:.4s}",
    "@keyframes nw-blink{0%,80%,100%{opacity:.25}40%{opacity:1}}",
    "#nw-chat-status{font-size:12px;color:#7a4b00;background:#fff4dc;padding:4px 12px;display:none}",
    "#nw-chat-form{display:flex;border-top:1px solid #ddd6c8}",
    "#nw-chat-input{flex:1;border:0;padding:12px;font:inherit;outline:none}",
    "#nw-chat-send{border:0;background:#2f5d3a;color:#fff;padding:0 16px;font:inherit;font-weight:600;cursor:pointer}"
  ].join("\n");

  // ---- DOM ----
  var root, log, input, statusBar, typingEl;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  // Text as DOM nodes: Markdown links "[title](https://...)" show their title, bare http(s)
  // URLs become links; newlines are kept by `white-space: pre-wrap`. Never innerHTML.
  var LINK_RE = /\[([^\[\]\n]{1,200})\]\((https?:\/\/[^\s()<>]{1,2000})\)|https?:\/\/[^\s<>"]+/g;
  function link(url, title) {
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: title });
  }
  function renderText(node, text) {
    var last = 0, m;
    LINK_RE.lastIndex = 0;
    while ((m = LINK_RE.exec(text)) !== null) {
      var end, anchor;
      if (m[1] !== undefined) {
        anchor = link(m[2], m[1]);
        end = m.index + m[0].length;
      } else {
        var url = m[0].replace(/[.,;:!?)\]'"]+$/, "");
        anchor = link(url, url);
        end = m.index + url.length;
      }
      if (m.index > last) { node.appendChild(document.createTextNode(text.slice(last, m.index))); }
      node.appendChild(anchor);
      last = end;
      LINK_RE.lastIndex = last;
    }
    if (last < text.length) { node.appendChild(document.createTextNode(text.slice(last))); }
  }

  function build() {
    var style = el("style", { id: "nw-chat-style" });
    style.textContent = CSS;
    document.head.appendChild(style);
    log = el("div", { id: "nw-chat-log", role: "log", "aria-live": "polite" });
    input = el("input", { id: "nw-chat-input", type: "text", autocomplete: "off",
                          placeholder: "Type your message…", "aria-label": "Your message" });
    statusBar = el("div", { id: "nw-chat-status", role: "status" });
    var form = el("form", { id: "nw-chat-form" }, [
      input, el("button", { id: "nw-chat-send", type: "submit", text: "Send" })
    ]);
    var restart = el("button", { id: "nw-chat-restart", type: "button", title: "Start a new conversation", text: "New chat" });
    var close = el("button", { id: "nw-chat-close", type: "button", "aria-label": "Close chat", text: "✕" });
    var panel = el("div", { id: "nw-chat-panel", role: "dialog", "aria-label": TITLE }, [
      el("div", { id: "nw-chat-header" }, [el("strong", { text: TITLE }), restart, close]),
      statusBar, log, form
    ]);
    var launcher = el("button", { id: "nw-chat-launcher", type: "button", text: "💬 Chat with us" });
    root = el("div", { id: "nw-chat" }, [panel, launcher]);
    document.body.appendChild(root);

    launcher.addEventListener("click", function () { setOpen(true); });
    close.addEventListener("click", function () { setOpen(false); });
    restart.addEventListener("click", newConversation);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      input.value = "";
      send(text, text);
    });

    state.history.forEach(function (m) { renderMessage(m); });
    if (state.open || script.getAttribute("data-open") === "true") { setOpen(true); }
  }

  function setOpen(open) {
    state.open = open;
    save("open", open);
    root.classList.toggle("nw-open", open);
    if (open) { scrollDown(); input.focus(); }
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function renderMessage(m) {
    var bubble = el("div", { "class": "nw-msg nw-msg--" + m.from });
    if (m.text) { renderText(bubble, m.text); }
    if (m.image) { bubble.appendChild(el("img", { src: m.image, alt: "" })); }
    log.insertBefore(bubble, typingEl && typingEl.parentNode === log ? typingEl : null);
    if (m.buttons && m.buttons.length) {
      var group = el("div", { "class": "nw-buttons" });
      m.buttons.forEach(function (b) {
        var btn = el("button", { "class": "nw-btn", type: "button", text: b.title });
        if (m.used) { btn.disabled = true; }
        btn.addEventListener("click", function () { send(b.title, b.payload); });
        group.appendChild(btn);
      });
      log.insertBefore(group, typingEl && typingEl.parentNode === log ? typingEl : null);
    }
    scrollDown();
  }

  function remember(m) {
    state.history.push(m);
    if (state.history.length > MAX_HISTORY) { state.history = state.history.slice(-MAX_HISTORY); }
    save("history", state.history);
  }

  function showTyping(on) {
    clearTimeout(state.typingTimer);
    if (on) {
      if (!typingEl) {
        typingEl = el("div", { "class": "nw-typing", "aria-label": "The assistant is typing" },
                      [el("span"), el("span"), el("span")]);
      }
      log.appendChild(typingEl);
      scrollDown();
      state.typingTimer = setTimeout(function () { showTyping(false); }, 60000);
    } else if (typingEl && typingEl.parentNode) {
      typingEl.parentNode.removeChild(typingEl);
    }
  }

  function setStatus(text) {
    statusBar.textContent = text || "";
    statusBar.style.display = text ? "block" : "none";
  }

  // ---- conversation ----
  // `shown` is what the user sees as their message (a button's title), `message` what Rasa gets.
  function send(shown, message) {
    state.history.forEach(function (m) { if (m.buttons) { m.used = true; } });
    Array.prototype.forEach.call(log.querySelectorAll(".nw-btn"), function (b) { b.disabled = true; });
    var m = { from: "user", text: shown };
    renderMessage(m);
    remember(m);
    showTyping(true);
    if (state.confirmed) { emitMessage(message); } else { state.queue.push(message); }
  }

  function emitMessage(message) {
    state.socket.emit("user_uttered", { message: message, session_id: state.sessionId });
  }

  function onBotMessage(data) {
    if (!data || typeof data !== "object") { return; }
    showTyping(false);
    var replies = data.quick_replies || data.buttons || [];
    var m = { from: "bot", text: typeof data.text === "string" ? data.text : "" };
    if (replies.length) {
      m.buttons = replies.map(function (b) { return { title: String(b.title), payload: String(b.payload || b.title) }; });
    }
    if (data.attachment && data.attachment.type === "image" && data.attachment.payload) {
      m.image = data.attachment.payload.src;
    }
    if (!m.text && !m.buttons && !m.image) { return; }
    renderMessage(m);
    remember(m);
  }

  function newConversation() {
    forget("session");
    forget("history");
    state.sessionId = null;
    state.history = [];
    state.confirmed = false;
    log.textContent = "";
    typingEl = null;
    if (state.socket) { state.socket.emit("session_request", { session_id: null }); }
    input.focus();
  }

  function connect() {
    var socket = window.io(RASA_URL, {
      path: SOCKET_PATH,
      transports: ["websocket", "polling"],
      tryAllTransports: true
    });
    state.socket = socket;
    socket.on("connect", function () {
      setStatus("");
      state.confirmed = false;
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", function (data) {
      var id = typeof data === "string" ? data : (data && data.session_id);
      if (!id) { return; }
      state.sessionId = id;
      save("session", id);
      state.confirmed = true;
      var queued = state.queue.splice(0);
      queued.forEach(emitMessage);
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("connect_error", function () {
      setStatus("Can't reach the assistant right now. Retrying…");
    });
    socket.on("disconnect", function () { state.confirmed = false; });
  }

  function loadSocketIo(done) {
    if (window.io) { done(); return; }
    var s = document.createElement("script");
    s.src = BASE + "vendor/socket.io.min.js";
    s.onload = done;
    s.onerror = function () { setStatus("Couldn't load the chat. Please reload the page."); };
    document.head.appendChild(s);
  }

  function start() {
    build();
    loadSocketIo(connect);
  }

  window.NorthwindChat = { open: function () { setOpen(true); }, close: function () { setOpen(false); },
                           reset: newConversation };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
