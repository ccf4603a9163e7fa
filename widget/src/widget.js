// The chat's behaviour: what happens when the patient opens the chat, writes, picks a quick
// reply, restarts or retries, and when the bot answers. State lives in the Store (so it
// survives reloads), the link to Rasa in the Connection, the DOM in the View.

import { Connection } from "./connection.js";
import { Store } from "./store.js";
import { URGENT_LABELS, View } from "./ui.js";

const BATCH_MS = 80; // bot messages of one turn arrive within a few ms: show them together
const REPLY_TIMEOUT_MS = 45000; // stop the typing indicator if no answer comes

export class Widget {
  constructor(config, storage) {
    this.config = config;
    this.store = new Store(config.storageKey, storage);
    this.view = new View(config, {
      onOpen: () => this.open(),
      onClose: () => this.close(),
      onSend: (text) => this.send(text, text),
      onQuickReply: (message, button) => this.quickReply(message, button),
      onRestart: () => this.restart(),
      onRetry: () => this.retry(),
    });
    this.connection = new Connection({
      serverUrl: config.serverUrl,
      socketPath: config.socketPath,
      onMessage: (message) => this.receive(message),
      onStatus: (status) => this.statusChanged(status),
      onSession: (sessionId) => this.store.set({ sessionId }),
      onConsultantReplies: (replies) => this.showConsultantReplies(replies),
    });
    this.incoming = [];
    this.batchTimer = null;
    this.replyTimer = null;
    this.waiting = false;
    this.offline = false;
    this.retrying = false;
  }

  mount(parent) {
    this.renderHistory();
    parent.append(this.view.root);
    const state = this.store.state;
    if (state.open || (this.config.open && !state.started)) this.open({ focus: false });
  }

  metadata() {
    return this.config.drug ? { drug: this.config.drug } : {};
  }

  renderHistory() {
    this.view.clear();
    if (!this.store.state.messages.length) this.store.add({ from: "notice" });
    for (const message of this.store.state.messages) this.view.addMessage(message);
  }

  // --- the patient ----------------------------------------------------------------------------

  open({ focus = true } = {}) {
    this.store.set({ open: true });
    this.view.setOpen(true, { focus });
    this.connection.start(this.store.state.sessionId);
    this.startConversation();
  }

  close() {
    this.store.set({ open: false });
    this.view.setOpen(false);
  }

  /** A new conversation opens with the initial payload (hidden), which carries the page's drug. */
  startConversation() {
    if (this.store.state.started) return;
    this.store.set({ started: true });
    if (this.config.initialPayload) {
      this.connection.send(this.config.initialPayload, this.metadata());
      this.expectReply();
    }
  }

  /** Show `shown` as the patient's message and send `payload` to the bot. */
  send(shown, payload) {
    this.store.newTurn();
    this.retireQuickReplies();
    const pending = this.connection.status !== "ready";
    this.view.addMessage(this.store.add({ from: "user", text: shown, pending }));
    this.connection.send(payload, this.metadata());
    this.expectReply();
  }

  quickReply(message, button) {
    this.send(button.title, button.payload);
    this.view.focusInput(); // the buttons are gone
  }

  retireQuickReplies() {
    for (const message of this.store.state.messages) {
      if (message.buttons && message.buttons.length && !message.answered) {
        this.view.updateMessage(this.store.update(message.id, { answered: true }));
      }
    }
  }

  restart() {
    if (this.connection.status === "ready") {
      this.connection.send("/restart", this.metadata()); // the bot forgets the old conversation
    }
    this.stopWaiting();
    this.incoming = [];
    this.store.reset();
    this.renderHistory();
    this.connection.switchSession(this.store.state.sessionId);
    this.startConversation();
    this.view.announce("A new conversation has started.");
    this.view.focusInput();
  }

  retry() {
    if (this.retrying) return;
    this.retrying = true;
    this.view.showRetrying();
    this.connection.retry();
  }

  // --- the bot ----------------------------------------------------------------------------------

  receive(message) {
    this.incoming.push(message);
    if (!this.batchTimer) this.batchTimer = setTimeout(() => this.showIncoming(), BATCH_MS);
  }

  showIncoming() {
    this.batchTimer = null;
    const batch = this.incoming.splice(0);
    const fresh = [];
    const state = this.store.state;
    let botSpoke = false;
    for (const message of batch) {
      if (message.consultant !== undefined) {
        const reply = this.keepConsultantReply(message.consultant, message.text);
        if (reply) fresh.push(reply);
        continue;
      }
      botSpoke = true;
      const custom = message.custom && typeof message.custom === "object" ? message.custom : null;
      if (custom && custom.urgent === true) {
        this.markUrgent(custom.level, fresh);
      }
      const shown = toStored(message);
      if (shown) {
        shown.urgentTurn = state.urgentTurn === state.turn;
        fresh.push(this.store.add(shown));
      }
    }
    for (const message of fresh) this.view.addMessage(message, { scroll: false });
    if (!fresh.length) return;
    if (!botSpoke) {
      this.view.reveal(fresh[0].id); // a consultant wrote; the patient may still wait for the bot
      return;
    }
    this.stopWaiting();
    // a long answer is read from its start, below the question it answers; the first
    // greeting below the disclaimer and privacy note
    const question = state.messages.find((m) => m.from === "user" && m.turn === state.turn);
    this.view.reveal(state.turn === 0 ? state.messages[0].id : (question || fresh[0]).id);
  }

  /** The consultant replies the server kept for this conversation: those not shown yet. */
  showConsultantReplies(replies) {
    const fresh = [];
    for (const reply of replies) {
      const stored = this.keepConsultantReply(reply);
      if (stored) fresh.push(stored);
    }
    for (const message of fresh) this.view.addMessage(message, { scroll: false });
    if (fresh.length) this.view.reveal(fresh[0].id);
  }

  /** Store a consultant reply (the server's marker) once; null if shown before or malformed. */
  keepConsultantReply(marker, fallbackText) {
    const reply = toConsultantReply(marker, fallbackText);
    if (!reply || !this.store.rememberConsultantReply(reply.replyId)) return null;
    return this.store.add(reply);
  }

  /** The urgent marker follows the urgent text: style that message and the rest of its turn. */
  markUrgent(level, fresh) {
    const urgency = Object.prototype.hasOwnProperty.call(URGENT_LABELS, level) ? level : "emergency";
    this.store.set({ urgentTurn: this.store.state.turn });
    const messages = this.store.state.messages;
    const target = [...messages].reverse().find((m) => m.from === "bot" && m.text);
    if (!target || target.turn !== this.store.state.turn) return;
    this.store.update(target.id, { urgent: urgency, urgentTurn: true });
    if (!fresh.includes(target)) this.view.updateMessage(target);
  }

  expectReply() {
    this.waiting = true;
    if (this.connection.status === "ready") this.view.setTyping(true);
    clearTimeout(this.replyTimer);
    this.replyTimer = setTimeout(() => this.stopWaiting(), REPLY_TIMEOUT_MS);
  }

  stopWaiting() {
    this.waiting = false;
    clearTimeout(this.replyTimer);
    this.view.setTyping(false);
  }

  statusChanged(status) {
    if (status === "offline") {
      const announce = !this.offline || this.retrying;
      this.offline = true;
      this.retrying = false;
      this.view.showOffline({ announce });
    } else if (status === "connecting") {
      if (this.offline && this.retrying) this.view.showRetrying();
    } else if (status === "ready") {
      const reconnected = this.offline;
      this.offline = false;
      this.retrying = false;
      this.view.hideOffline({ reconnected });
      for (const message of this.store.state.messages) {
        if (message.pending) this.view.updateMessage(this.store.update(message.id, { pending: false }));
      }
      if (this.waiting) this.view.setTyping(true);
    }
  }
}

/** A consultant reply marker ({reply_id, name, reference, text}) as a stored message, or null. */
function toConsultantReply(marker, fallbackText) {
  if (!marker || typeof marker !== "object") return null;
  const replyId = marker.reply_id;
  if (typeof replyId !== "number" && typeof replyId !== "string") return null;
  const text = typeof marker.text === "string" ? marker.text : typeof fallbackText === "string" ? fallbackText : "";
  if (!text) return null;
  return {
    from: "consultant",
    replyId: String(replyId),
    name: typeof marker.name === "string" ? marker.name : "",
    reference: typeof marker.reference === "string" ? marker.reference : "",
    text,
  };
}

/** A bot_uttered payload as a stored message, or null if there is nothing to show. */
function toStored(message) {
  const text = typeof message.text === "string" ? message.text : "";
  const raw = Array.isArray(message.quick_replies)
    ? message.quick_replies
    : Array.isArray(message.buttons)
      ? message.buttons
      : [];
  const buttons = raw
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
    .map((b) => ({ title: b.title, payload: b.payload }));
  let link = null;
  const attachment = message.attachment;
  if (attachment && attachment.payload && typeof attachment.payload.src === "string") {
    const href = attachment.payload.src;
    if (/^https?:\/\//i.test(href)) link = { href, title: attachment.payload.title || "Open the attachment" };
  }
  if (!text && !buttons.length && !link) return null;
  return { from: "bot", text, buttons, link };
}

