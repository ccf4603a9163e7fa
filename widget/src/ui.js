// The chat's DOM: a launcher button and a non-modal chat panel with the conversation log
// (role="log", a polite live region), a typing indicator (role="status"), the error notice
// with its retry button (role="alert") and the message form. It only shows what the Widget
// (widget.js) tells it; every text it shows goes in as text, except bot messages, which go
// through renderMarkdown (sanitised). A consultant's reply is plain text under the label
// "Your consultant NAME", styled apart from the assistant's answers.

import { renderMarkdown } from "./markdown.js";

/** The longest message the server reads by default (MAX_MESSAGE_CHARS in bot/settings.py). */
const MAX_MESSAGE_CHARS = 2000;

export const URGENT_LABELS = {
  emergency: "Urgent: act now",
  same_day: "Urgent: today",
  crisis: "Urgent: help is available now",
  poisoning: "Urgent: call Poison Control now",
};

let instances = 0;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter(Boolean));
  return node;
}

function icon(paths) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", "pbw-icon");
  for (const d of paths) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

const ICONS = {
  chat: ["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"],
  close: ["M6 6l12 12M18 6L6 18"],
  restart: ["M4 12a8 8 0 1 0 2.3-5.6M4 4v4h4"],
  send: ["M3 20l18-8L3 4v6l12 2-12 2z"],
  alert: ["M12 3l10 18H2L12 3z", "M12 10v5M12 18v.01"],
};

export class View {
  constructor(config, handlers) {
    this.config = config;
    this.handlers = handlers;
    this.nodes = new Map(); // message id -> <li>
    const n = ++instances;
    const id = (name) => `pbw${n}-${name}`;

    this.launcher = el(
      "button",
      { type: "button", class: "pbw-launcher", "aria-expanded": "false", "aria-controls": id("panel") },
      icon(ICONS.chat),
      el("span", { class: "pbw-launcher-label", text: config.launcherLabel }),
    );
    this.title = el("h2", { class: "pbw-title", id: id("title"), text: config.title });
    this.restartButton = el(
      "button",
      { type: "button", class: "pbw-header-button pbw-restart" },
      icon(ICONS.restart),
      el("span", { text: "Restart" }),
    );
    this.restartButton.title = "Start a new conversation";
    this.closeButton = el(
      "button",
      { type: "button", class: "pbw-header-button pbw-close", "aria-label": "Close chat" },
      icon(ICONS.close),
    );
    this.closeButton.title = "Close chat";

    this.list = el("ol", { class: "pbw-messages" });
    this.log = el(
      "div",
      {
        class: "pbw-log",
        role: "log",
        "aria-live": "polite",
        "aria-relevant": "additions",
        "aria-label": "Conversation",
        tabindex: "0",
      },
      this.list,
    );
    this.typing = el(
      "div",
      { class: "pbw-typing", hidden: true, "aria-hidden": "true" },
      el("span", { class: "pbw-dot" }),
      el("span", { class: "pbw-dot" }),
      el("span", { class: "pbw-dot" }),
    );
    this.status = el("div", { class: "pbw-sr", role: "status" });

    this.errorText = el("p", { class: "pbw-error-text" });
    this.retryButton = el("button", { type: "button", class: "pbw-retry", text: "Try again" });
    this.errorBox = el(
      "div",
      { class: "pbw-error", hidden: true },
      icon(ICONS.alert),
      el("div", { class: "pbw-error-body" }, this.errorText, this.retryButton),
    );
    this.alert = el("div", { class: "pbw-sr", role: "alert" });

    this.input = el("textarea", {
      id: id("input"),
      class: "pbw-input",
      rows: "1",
      autocomplete: "off",
      placeholder: "Type your question…",
    });
    this.sendButton = el(
      "button",
      { type: "submit", class: "pbw-send" },
      icon(ICONS.send),
      el("span", { class: "pbw-send-label", text: "Send" }),
    );
    // a long paste is never cut: the counter shows near the limit, and over it Send waits
    this.counter = el("p", { class: "pbw-counter", id: id("counter"), "aria-live": "polite", hidden: true });
    this.input.setAttribute("aria-describedby", id("counter"));
    this.form = el(
      "form",
      { class: "pbw-composer", "aria-label": "Write a message" },
      el("label", { class: "pbw-sr", for: id("input"), text: "Your message" }),
      this.input,
      this.sendButton,
      this.counter,
    );

    this.panel = el(
      "section",
      {
        class: "pbw-panel",
        id: id("panel"),
        role: "dialog",
        "aria-modal": "false",
        "aria-labelledby": id("title"),
        hidden: true,
      },
      el(
        "header",
        { class: "pbw-header" },
        this.title,
        el("div", { class: "pbw-header-actions" }, this.restartButton, this.closeButton),
      ),
      this.log,
      this.typing,
      this.errorBox,
      this.status,
      this.alert,
      this.form,
    );
    this.root = el(
      "div",
      { class: `pbw pbw--${config.position}`, "data-state": "closed", "data-connection": "idle" },
      this.launcher,
      this.panel,
    );
    this.bindEvents();
  }

  bindEvents() {
    this.launcher.addEventListener("click", () => this.handlers.onOpen());
    this.closeButton.addEventListener("click", () => this.handlers.onClose());
    this.restartButton.addEventListener("click", () => this.handlers.onRestart());
    this.retryButton.addEventListener("click", () => this.handlers.onRetry());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => {
      this.fitInput();
      this.showCount();
    });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.handlers.onClose();
      }
    });
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || text.length > MAX_MESSAGE_CHARS) {
      this.showCount();
      this.input.focus();
      return;
    }
    this.input.value = "";
    this.fitInput();
    this.showCount();
    this.handlers.onSend(text);
  }

  /** "812 / 1000" near the limit; over it, how much to cut, and Send waits. */
  showCount() {
    const length = this.input.value.trim().length;
    const over = length > MAX_MESSAGE_CHARS;
    this.counter.hidden = length < MAX_MESSAGE_CHARS * 0.8;
    this.counter.classList.toggle("pbw-counter--over", over);
    this.counter.textContent = over
      ? `${length} / ${MAX_MESSAGE_CHARS} characters: please shorten your message by ${length - MAX_MESSAGE_CHARS} to send it.`
      : `${length} / ${MAX_MESSAGE_CHARS} characters`;
    this.sendButton.disabled = over;
  }

  fitInput() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  // --- open / close ------------------------------------------------------------------------

  setOpen(open, { focus = true } = {}) {
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.root.dataset.state = open ? "open" : "closed";
    if (!focus) return;
    if (open) {
      this.scrollToEnd();
      this.input.focus();
    } else {
      this.launcher.focus();
    }
  }

  // --- messages ------------------------------------------------------------------------------

  clear() {
    this.list.replaceChildren();
    this.nodes.clear();
  }

  /** Show a stored message (see widget.js for its fields). */
  addMessage(message, { scroll = true } = {}) {
    const node = this.renderMessage(message);
    this.nodes.set(message.id, node);
    this.list.append(node);
    if (scroll) this.scrollToEnd();
  }

  /** Scroll so that the message `id` starts at the top, or to the end if all fits below it. */
  reveal(id) {
    const node = this.nodes.get(id);
    if (!node || this.panel.hidden) return;
    const end = this.log.scrollHeight - this.log.clientHeight;
    this.log.scrollTop = Math.max(0, Math.min(node.offsetTop - 8, end));
  }

  updateMessage(message) {
    const old = this.nodes.get(message.id);
    if (!old) return;
    const node = this.renderMessage(message);
    this.nodes.set(message.id, node);
    old.replaceWith(node);
  }

  renderMessage(message) {
    if (message.from === "notice") return this.renderNotice();
    if (message.from === "consultant") return this.renderConsultantReply(message);
    const mine = message.from === "user";
    const item = el("li", {
      class: `pbw-msg ${mine ? "pbw-msg--user" : "pbw-msg--bot"}`,
      "data-turn": String(message.turn),
    });
    const bubble = el("div", { class: "pbw-bubble" });
    if (message.urgent) {
      item.classList.add("pbw-msg--urgent");
      item.dataset.urgency = message.urgent;
      bubble.append(
        el(
          "p",
          { class: "pbw-urgent-badge" },
          icon(ICONS.alert),
          el("strong", { text: URGENT_LABELS[message.urgent] || "Urgent" }),
        ),
      );
    } else if (message.urgentTurn) {
      item.classList.add("pbw-msg--urgent-turn");
    }
    const who = mine ? "You said:" : message.urgent ? "Urgent message from the assistant:" : "Assistant:";
    item.append(el("span", { class: "pbw-sr", text: `${who} ` }));
    if (mine) {
      bubble.append(el("p", { class: "pbw-text", text: message.text }));
    } else if (message.text) {
      const body = el("div", { class: "pbw-text" });
      body.append(renderMarkdown(message.text));
      bubble.append(body);
    }
    if (message.link) {
      const link = el("a", { href: message.link.href, target: "_blank", rel: "noopener noreferrer" });
      link.textContent = message.link.title;
      link.append(el("span", { class: "pbw-sr", text: " (opens in a new tab)" }));
      bubble.append(el("p", {}, link));
    }
    item.append(bubble);
    if (mine && message.pending) {
      item.append(el("span", { class: "pbw-pending", text: "Waiting to send…" }));
    }
    if (!mine && message.buttons && message.buttons.length && !message.answered) {
      const group = el("div", { class: "pbw-quick", role: "group", "aria-label": "Suggested replies" });
      for (const button of message.buttons) {
        const node = el("button", { type: "button", class: "pbw-quick-button", text: button.title });
        node.addEventListener("click", () => this.handlers.onQuickReply(message, button));
        group.append(node);
      }
      item.append(group);
    }
    return item;
  }

  /** A consultant's reply from the ticket: the label, then the text as text (never HTML). */
  renderConsultantReply(message) {
    const label = message.name ? `Your consultant ${message.name}` : "Your consultant";
    return el(
      "li",
      { class: "pbw-msg pbw-msg--consultant", "data-turn": String(message.turn), "data-reply-id": message.replyId },
      el(
        "div",
        { class: "pbw-bubble" },
        el(
          "p",
          { class: "pbw-consultant-label" },
          el("strong", { text: label }),
          message.reference ? el("span", { class: "pbw-consultant-ref", text: ` · request ${message.reference}` }) : null,
        ),
        el("p", { class: "pbw-text", text: message.text }),
      ),
    );
  }

  renderNotice() {
    const { greeting, disclaimer, privacyNote, retention } = this.config;
    return el(
      "li",
      { class: "pbw-notice" },
      greeting ? el("p", { class: "pbw-greeting", text: greeting }) : null,
      el("p", { class: "pbw-disclaimer", text: disclaimer }),
      el("p", { class: "pbw-privacy", text: privacyNote.replace("{retention}", retention) }),
    );
  }

  scrollToEnd() {
    if (this.panel.hidden) return;
    this.log.scrollTop = this.log.scrollHeight;
  }

  // --- status ----------------------------------------------------------------------------------

  setTyping(on) {
    this.typing.hidden = !on;
    this.status.textContent = on ? "The assistant is typing…" : "";
    if (on) this.scrollToEnd();
  }

  /** The error notice: shown while the server cannot be reached, until it answers again. */
  showOffline({ announce }) {
    this.root.dataset.connection = "offline";
    this.errorText.textContent =
      "We can't reach the medicine assistant right now. Please check your internet connection and try again.";
    this.retryButton.textContent = "Try again";
    this.retryButton.removeAttribute("aria-disabled");
    this.errorBox.hidden = false;
    this.setTyping(false);
    if (announce) {
      // cleared first so that the same words are announced again after a failed retry
      this.alert.textContent = "";
      setTimeout(() => {
        this.alert.textContent = this.errorText.textContent;
      }, 50);
    }
  }

  showRetrying() {
    this.retryButton.textContent = "Trying again…";
    this.retryButton.setAttribute("aria-disabled", "true");
  }

  hideOffline({ reconnected }) {
    this.root.dataset.connection = "online";
    const hadFocus = this.errorBox.contains(document.activeElement);
    this.errorBox.hidden = true;
    this.alert.textContent = "";
    if (reconnected) this.status.textContent = "Connected to the assistant again.";
    if (hadFocus) this.input.focus();
  }

  announce(text) {
    this.status.textContent = text;
  }

  focusInput() {
    this.input.focus();
  }
}
