// JSON forms: a message rebuilt from lossless JSON (Message.toJSON() and
// its siblings are on Message).

export function installJson(api) {
  const { native, call, Message } = api;
  /** Rebuilds a message from lossless JSON (an object or its text). */
  function fromJSON(json) {
    const text = typeof json === "string" ? json : JSON.stringify(json);
    return new Message(call(() => native.fromLosslessJson(text)));
  }

  Object.assign(api, { fromJSON });
}
