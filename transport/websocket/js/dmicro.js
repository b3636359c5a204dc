// dmicro.js: a small, dependency-free client for browsers (an ES module)
// that calls a dmicro rpc endpoint served over WebSocket (the Go package
// transport/websocket) with the json frame format (rpc/wire/json/FORMAT.md):
// the endpoint must serve json, as its Config.Format or among its
// Config.Formats (one port for every format and WebSocket, with
// websocket.Upgrader in Config.Upgraders).
//
//   import { connect } from "./dmicro.js";
//   const client = connect("wss://example.com/"); // "/": the Go side's default path
//   const sum = await client.call("/math/add", [1, 2, 3]); // 6
//   client.close();
//
// connect(url) opens a WebSocket with the subprotocol "dmicro" and returns
// the client at once; calls made before the socket is open wait for it.
// The url's path is the server's websocket.Config.Path, "/" by default:
// `go run ./cmd/rpcserver -wire auto` (or -transport websocket -wire json)
// serves ws://127.0.0.1:9091/. The server refuses pages of another origin
// than its own unless its websocket.Config.OriginPatterns allows them.
//
// client.call(method, params, options) sends a CALL whose body is params
// as JSON (codec 'j', 106), or no body when params is undefined, and
// returns a Promise of the reply's body: the JSON value of "body", a
// Uint8Array for a "body64" (a reply in another codec), or undefined for
// none. The Promise rejects with an Error whose `code` is the status code
// of the reply (5 not found, 7 too large, ...) and whose message is its
// "error"; with code 8 (connection closed) when the connection ends first
// or never opens (a refused Origin, for example); with code 15
// (unavailable) after the server said it goes away. Options:
//   timeout  milliseconds: the deadline travels with the call
//            ("timeout_us"), and when it passes the call is cancelled
//            and rejects with code 3 (deadline exceeded);
//   meta     an object of string keys and values sent as metadata.
//
// client.onpush = (method, body) => { ... } receives the server's pushes.
// Calls from the server are answered with code 5 (not found). When the
// server goes away (GOAWAY), the client acks it, lets the calls in flight
// finish, and refuses new ones: connect again for those.
// client.close() closes the connection with status 1000.
//
// On the wire each frame is a 4-byte big-endian length and one JSON
// object. Frames go in binary messages, one frame per message from this
// client; from the server a frame may be split across messages and a
// message may hold several frames.

const CALL = 1, REPLY = 2, PUSH = 3, CANCEL = 4, GOAWAY = 5, GOAWAY_ACK = 6;
const CODEC_JSON = 106;
const DEADLINE_EXCEEDED = 3, NOT_FOUND = 5, CONN_CLOSED = 8, UNAVAILABLE = 15;

function rpcError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

export function connect(url) {
  const ws = new WebSocket(url, "dmicro");
  ws.binaryType = "arraybuffer";
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const pending = new Map(); // seq -> {resolve, reject, timer}
  let lastSeq = 0;
  let closed = null; // the Error calls reject with once the socket closed
  let goingAway = false;
  let buf = new Uint8Array(0); // bytes of an incomplete frame

  let openFailed;
  const opened = new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    openFailed = reject;
  });
  opened.catch(() => {}); // a client nobody calls must not report it

  function send(obj) {
    const json = encoder.encode(JSON.stringify(obj));
    const frame = new Uint8Array(4 + json.length);
    new DataView(frame.buffer).setUint32(0, json.length); // big-endian
    frame.set(json, 4);
    ws.send(frame);
  }

  function body(m) {
    if ("body" in m) return m.body;
    if (typeof m.body64 === "string") {
      return Uint8Array.from(atob(m.body64), (c) => c.charCodeAt(0));
    }
    return undefined;
  }

  function handle(m) {
    switch (m.type) {
      case REPLY: {
        const p = pending.get(m.seq || 0);
        if (!p) return;
        pending.delete(m.seq || 0);
        clearTimeout(p.timer);
        if (m.code) p.reject(rpcError(m.code, m.error || "code " + m.code));
        else p.resolve(body(m));
        return;
      }
      case PUSH:
        if (client.onpush) client.onpush(m.method || "", body(m));
        return;
      case CALL:
        send({ v: 1, type: REPLY, seq: m.seq || 0, code: NOT_FOUND, error: "the browser client serves no calls" });
        return;
      case GOAWAY:
        goingAway = true;
        send({ v: 1, type: GOAWAY_ACK });
        return;
    }
  }

  ws.addEventListener("message", (ev) => {
    const data = new Uint8Array(ev.data);
    if (buf.length === 0) {
      buf = data;
    } else {
      const joined = new Uint8Array(buf.length + data.length);
      joined.set(buf);
      joined.set(data, buf.length);
      buf = joined;
    }
    let off = 0;
    while (buf.length - off >= 4) {
      const n = new DataView(buf.buffer, buf.byteOffset + off, 4).getUint32(0);
      if (buf.length - off - 4 < n) break; // the rest comes in later messages
      const text = decoder.decode(buf.subarray(off + 4, off + 4 + n));
      off += 4 + n;
      let m;
      try {
        m = JSON.parse(text);
      } catch {
        continue; // a malformed frame is dropped
      }
      handle(m);
    }
    buf = buf.slice(off);
  });

  ws.addEventListener("close", (ev) => {
    closed = rpcError(CONN_CLOSED, "dmicro: connection closed (" + ev.code + (ev.reason ? " " + ev.reason : "") + ")");
    openFailed(closed); // no effect once open
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(closed);
    }
    pending.clear();
  });

  const client = {
    onpush: null,

    async call(method, params, options = {}) {
      await opened;
      if (closed) throw closed;
      if (goingAway) throw rpcError(UNAVAILABLE, "dmicro: the server is going away");
      lastSeq = lastSeq >= 0xffffffff ? 1 : lastSeq + 1;
      const seq = lastSeq;
      const m = { v: 1, type: CALL, seq, method };
      if (options.timeout > 0) m.timeout_us = Math.ceil(options.timeout * 1000);
      if (options.meta) m.meta = Object.entries(options.meta).map(([k, v]) => [String(k), String(v)]);
      if (params !== undefined) {
        m.codec = CODEC_JSON;
        m.body = params;
      }
      return new Promise((resolve, reject) => {
        const p = { resolve, reject, timer: 0 };
        if (options.timeout > 0) {
          p.timer = setTimeout(() => {
            pending.delete(seq);
            send({ v: 1, type: CANCEL, seq, code: DEADLINE_EXCEEDED });
            reject(rpcError(DEADLINE_EXCEEDED, "dmicro: deadline exceeded"));
          }, options.timeout);
        }
        pending.set(seq, p);
        send(m);
      });
    },

    close() {
      ws.close(1000);
    },
  };
  return client;
}
