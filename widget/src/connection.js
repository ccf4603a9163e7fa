// The link to Rasa's socket.io channel (credentials.yml: socketio, session_persistence: true).
//
// After every (re)connect the client asks for its session with `session_request {session_id}`
// and waits for `session_confirm`, which carries the session id the server issued (a new one
// when the id asked for is unknown or was not issued by it); only then are messages sent
// (`user_uttered {message, session_id, metadata}`); messages written before are queued. Bot messages arrive as
// `bot_uttered`; a consultant's reply from the ticket arrives as one of them (marked
// `consultant`), or, for a conversation resumed after a reload, in `consultant_replies
// {replies: [...]}` right after `session_confirm`. Status changes: "connecting" -> "ready", or "offline" when the server cannot
// be reached (socket.io keeps retrying in the background; retry() tries again at once).

import { io } from "socket.io-client";

const CONNECT_TIMEOUT_MS = 8000;

export class Connection {
  constructor({ serverUrl, socketPath, onMessage, onStatus, onSession, onConsultantReplies }) {
    const url = new URL(serverUrl);
    this.origin = url.origin;
    // a server URL with a path (behind a proxy) keeps it in front of the socket.io path
    this.path = url.pathname.replace(/\/+$/, "") + socketPath;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.onSession = onSession;
    this.onConsultantReplies = onConsultantReplies;
    this.socket = null;
    this.sessionId = null;
    this.status = "idle";
    this.queue = [];
  }

  /** Connect (if not yet) for the conversation `sessionId`. */
  start(sessionId) {
    this.sessionId = sessionId;
    if (this.socket) return;
    this.setStatus("connecting");
    const socket = io(this.origin, {
      path: this.path,
      // a WebSocket first (no CORS, no sticky sessions needed); long polling if it is blocked
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      timeout: CONNECT_TIMEOUT_MS,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
      forceNew: true,
    });
    this.socket = socket;
    socket.on("connect", () => {
      if (socket !== this.socket) return;
      this.confirmed = false;
      socket.emit("session_request", { session_id: this.sessionId });
    });
    socket.on("session_confirm", (id) => {
      if (socket !== this.socket) return;
      const confirmed = typeof id === "object" && id !== null ? id.session_id : id;
      if (typeof confirmed !== "string" || !confirmed) return;
      if (confirmed !== this.sessionId) {
        this.sessionId = confirmed; // the server's id: new, or the one we asked for
        if (this.onSession) this.onSession(confirmed);
      }
      this.setStatus("ready");
      this.flush();
    });
    socket.on("bot_uttered", (message) => {
      if (socket === this.socket && message && typeof message === "object") this.onMessage(message);
    });
    socket.on("consultant_replies", (data) => {
      if (socket !== this.socket || !this.onConsultantReplies) return;
      if (data && typeof data === "object" && Array.isArray(data.replies)) this.onConsultantReplies(data.replies);
    });
    socket.on("connect_error", () => {
      if (socket === this.socket) this.setStatus("offline");
    });
    socket.on("disconnect", (reason) => {
      if (socket !== this.socket) return;
      // the server closed the socket on purpose: socket.io does not reconnect by itself then
      if (reason === "io server disconnect") socket.connect();
      this.setStatus("connecting");
    });
    socket.io.on("reconnect_attempt", () => {
      if (socket === this.socket && this.status !== "offline") this.setStatus("connecting");
    });
  }

  /** Send a message now, or as soon as the session is confirmed. */
  send(text, metadata) {
    this.queue.push({ text, metadata });
    this.flush();
  }

  flush() {
    if (this.status !== "ready") return;
    while (this.queue.length) {
      const { text, metadata } = this.queue.shift();
      this.socket.emit("user_uttered", { message: text, session_id: this.sessionId, metadata });
    }
  }

  /** Give up the current socket and connect again now (unless it has just connected). */
  retry() {
    if (this.socket && this.socket.connected) return;
    const sessionId = this.sessionId;
    this.close();
    this.start(sessionId);
  }

  /** A new conversation: the old socket (and its room) is left behind. */
  switchSession(sessionId) {
    this.queue = [];
    this.close();
    this.start(sessionId);
  }

  close() {
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.removeAllListeners();
      socket.io.removeAllListeners();
      socket.disconnect();
    }
    this.status = "idle";
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.onStatus(status);
  }
}
