// The conversation as this browser tab knows it, kept in sessionStorage so that it survives a
// reload and navigation within the site (same tab, same origin): the session id the server
// issued, the messages shown, whether the chat is open, and which consultant replies were
// shown (the server sends them again when the patient comes back). Closing the tab forgets it.

const VERSION = 1;
const MAX_MESSAGES = 300;

export class Store {
  constructor(key, storage) {
    this.key = `${key}:v${VERSION}`;
    this.storage = storage;
    this.state = this.load() || Store.fresh();
  }

  static fresh() {
    // the server issues (and signs) the session id on the first connect: null until then
    return {
      sessionId: null,
      started: false,
      open: false,
      messages: [],
      turn: 0,
      nextId: 1,
      consultantReplies: [], // the reply ids of the consultant replies shown
    };
  }

  load() {
    try {
      const raw = this.storage && this.storage.getItem(this.key);
      if (!raw) return null;
      const state = JSON.parse(raw);
      if (!state || !Array.isArray(state.messages)) return null;
      if (state.sessionId !== null && typeof state.sessionId !== "string") return null;
      if (state.consultantReplies !== undefined && !Array.isArray(state.consultantReplies)) return null;
      return { ...Store.fresh(), ...state };
    } catch {
      return null; // storage blocked or corrupt: start afresh
    }
  }

  save() {
    try {
      if (this.storage) this.storage.setItem(this.key, JSON.stringify(this.state));
    } catch {
      // storage full or blocked: the chat still works, it just won't survive a reload
    }
  }

  /** Append a message; returns it with its id. */
  add(message) {
    const stored = { id: this.state.nextId++, turn: this.state.turn, ...message };
    this.state.messages.push(stored);
    if (this.state.messages.length > MAX_MESSAGES) {
      this.state.messages.splice(0, this.state.messages.length - MAX_MESSAGES);
    }
    this.save();
    return stored;
  }

  update(id, changes) {
    const message = this.state.messages.find((m) => m.id === id);
    if (message) Object.assign(message, changes);
    this.save();
    return message;
  }

  /** Remember that the consultant reply `replyId` is shown; false if it already was. */
  rememberConsultantReply(replyId) {
    const key = String(replyId);
    if (this.state.consultantReplies.includes(key)) return false;
    this.state.consultantReplies.push(key);
    this.save();
    return true;
  }

  newTurn() {
    this.state.turn += 1;
    this.save();
    return this.state.turn;
  }

  set(changes) {
    Object.assign(this.state, changes);
    this.save();
  }

  /** Forget the conversation; the server issues a new session id for the next one. */
  reset() {
    const open = this.state.open;
    this.state = { ...Store.fresh(), open };
    this.save();
  }
}
