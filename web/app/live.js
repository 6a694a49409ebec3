// The live event socket (`GET /api/ws?token=&since=`). It remembers the
// last seq it handed on; after a drop it reconnects with `since=` that seq
// (backing off 0.5 s .. 15 s, at once when the browser comes back online)
// so nothing is lost, and it drops any frame whose seq it has already seen
// so nothing is doubled. A hello with `resync: true` means the server no
// longer holds everything missed: the app reloads its lists over REST.

export class LiveSocket {
  /**
   * @param {() => string | null} token  the current token
   * @param {{onEvent, onHello, onStatus}} handlers
   *   onEvent(frame), onHello({resync, seq, first}), onStatus("connecting"|"live"|"offline")
   */
  constructor(token, handlers) {
    this.token = token;
    this.handlers = handlers;
    this.lastSeq = null;
    this.ws = null;
    this.retry = 0;
    this.timer = null;
    this.stopped = true;
    this.connectedOnce = false;
    this.onOnline = () => this.reconnectNow();
    this.onVisible = () => {
      if (document.visibilityState === "visible" && !this.ws) this.reconnectNow();
    };
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    document.addEventListener("visibilitychange", this.onVisible);
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this.onOnline);
    document.removeEventListener("visibilitychange", this.onVisible);
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = ws.onmessage = ws.onerror = null;
      ws.close(1000, "signed out");
    }
    this.handlers.onStatus?.("offline");
  }

  /** Drops the current socket (tests and "reconnect" buttons use it). */
  reconnectNow() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.retry = 0;
    if (this.ws) {
      this.ws.close(4000, "reconnect");
    } else {
      this.open();
    }
  }

  open() {
    const token = this.token();
    if (!token || this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let url = `${scheme}//${location.host}/api/ws?token=${encodeURIComponent(token)}`;
    if (this.lastSeq !== null) url += `&since=${this.lastSeq}`;
    this.handlers.onStatus?.("connecting");
    let ws;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    let greeted = false;
    ws.onmessage = (msg) => {
      let frame;
      try {
        frame = JSON.parse(msg.data);
      } catch {
        return;
      }
      if (frame.type === "hello") {
        greeted = true;
        this.retry = 0;
        const first = !this.connectedOnce;
        this.connectedOnce = true;
        const resync = Boolean(frame.resync);
        // A first connection starts at the server's latest seq; so does a
        // resync (everything before is reloaded over REST).
        if (this.lastSeq === null || resync) this.lastSeq = frame.seq;
        this.handlers.onStatus?.("live");
        this.handlers.onHello?.({ resync, first, seq: frame.seq });
        return;
      }
      if (typeof frame.seq === "number") {
        if (this.lastSeq !== null && frame.seq <= this.lastSeq) return; // already seen
        this.lastSeq = frame.seq;
      }
      this.handlers.onEvent?.(frame);
    };
    ws.onclose = () => {
      if (this.ws === ws) this.ws = null;
      if (this.stopped) return;
      this.handlers.onStatus?.(greeted ? "connecting" : "offline");
      this.scheduleRetry();
    };
    ws.onerror = () => {
      // onclose follows and schedules the retry.
    };
  }

  scheduleRetry() {
    clearTimeout(this.timer);
    const base = Math.min(15000, 500 * 2 ** this.retry);
    this.retry = Math.min(this.retry + 1, 6);
    const delay = base / 2 + Math.random() * (base / 2);
    this.timer = setTimeout(() => this.open(), delay);
  }
}
