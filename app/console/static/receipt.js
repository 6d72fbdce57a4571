// The owners' receipt check (issue #22): everything is verified here, in the browser, with Web Crypto
// (SHA-256 and Ed25519), from docs/evidence-formats.md §1–3; the server supplies only its published log key
// (GET /api/v1/log/keys), never a verdict.
"use strict";

(function () {
  const enc = new TextEncoder();
  const form = document.getElementById("receipt-form");
  const out = document.getElementById("verdict");
  const zh = document.documentElement.lang !== "en";
  const say = (zhText, enText) => (zh ? zhText : enText);

  class Refusal extends Error {}
  const refuse = (zhText, enText) => {
    throw new Refusal(say(zhText, enText));
  };

  function b64decode(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      refuse("Base64 编码错误。", "Malformed base64.");
    }
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const equal = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  // RFC 8785 for evidence documents: no floats, keys sorted by UTF-16 code units (JavaScript's default order),
  // strings as JSON.stringify writes them (the JCS escapes; everything else raw).
  function canonical(value) {
    if (value === null || typeof value === "boolean") return JSON.stringify(value);
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) refuse("证据中出现非整数。", "A non-integer number in the evidence.");
      return String(value);
    }
    if (typeof value === "string") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }

  // RFC 9162 §2.1.3.2
  // A leaf index or a tree size is a whole number written in decimal digits, nothing else (no 0x, no spaces).
  function wholeNumber(text) {
    return typeof text === "string" && /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : NaN;
  }

  async function verifyInclusion(index, size, leaf, proof, root) {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size)) return false;
    if (!(index >= 0 && index < size)) return false;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(concat(Uint8Array.of(1), p, r));
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await sha256(concat(Uint8Array.of(1), r, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, root);
  }

  // Go sumdb/note verifier key: name+hex8(key id)+base64(0x01 || Ed25519 public key)
  function parseVerifierKey(text) {
    const first = text.indexOf("+");
    const second = text.indexOf("+", first + 1);
    const name = text.slice(0, first);
    const keyId = text.slice(first + 1, second);
    const raw = b64decode(text.slice(second + 1));
    if (raw.length !== 33 || raw[0] !== 1) refuse("日志公钥格式错误。", "Malformed log key.");
    return { name, keyId, publicKey: raw.slice(1) };
  }

  async function openNote(note, keys) {
    const split = note.lastIndexOf("\n\n");
    if (split < 0 || !note.endsWith("\n")) refuse("检查点签名格式错误。", "Malformed checkpoint note.");
    const text = note.slice(0, split + 1);
    const lines = note.slice(split + 2, -1).split("\n");
    let verified = null;
    for (const line of lines) {
      if (!line.startsWith("\u2014 ")) refuse("检查点签名行格式错误。", "Malformed signature line.");
      const [name, encoded] = line.slice(2).split(" ");
      const raw = b64decode(encoded || "");
      const keyId = hex(raw.slice(0, 4));
      const key = keys.find((k) => k.name === name && k.keyId === keyId);
      if (!key) continue; // witnesses and unknown signers are not the log
      const publicKey = await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
      const ok = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, raw.slice(4), enc.encode(text));
      if (!ok) refuse("检查点签名无效：该检查点不是本日志签发的。", "The checkpoint signature does not verify.");
      verified = key;
    }
    if (!verified) refuse("检查点没有本日志公钥的有效签名。", "No signature of the log key on the checkpoint.");
    const parts = text.split("\n");
    if (parts[0] !== verified.name || !/^(0|[1-9][0-9]*)$/.test(parts[1] || "")) {
      refuse("检查点内容格式错误。", "Malformed checkpoint.");
    }
    return { size: wholeNumber(parts[1]), root: b64decode(parts[2] || "") };
  }

  // A receipt's JSON form (evote-receipt@v1) or text form (c2sp.org/tlog-proof@v1).
  async function parseReceipt(text) {
    text = text.trim();
    if (text.startsWith("{")) {
      let doc;
      try { doc = JSON.parse(text); } catch (e) { refuse("回执不是有效的 JSON。", "The receipt is not valid JSON."); }
      if (doc.format !== "evote-receipt@v1" || typeof doc.entry !== "object" || !Array.isArray(doc.proof)) {
        refuse("回执格式错误。", "The receipt is malformed.");
      }
      const data = enc.encode(canonical(doc.entry));
      return { data, index: doc.index, proof: doc.proof.map(b64decode), note: doc.checkpoint, leafHash: doc.leaf_hash };
    }
    const lines = text.replace(/\r\n/g, "\n").split("\n");
    if (lines[0] !== "c2sp.org/tlog-proof@v1" || !lines[1].startsWith("extra ") || !lines[2].startsWith("index ")) {
      refuse("回执格式错误。", "The receipt is malformed.");
    }
    const blank = lines.indexOf("", 3);
    return {
      data: b64decode(lines[1].slice(6)),
      index: wholeNumber(lines[2].slice(6)),
      proof: lines.slice(3, blank).map(b64decode),
      note: lines.slice(blank + 1).join("\n") + "\n",
      leafHash: null,
    };
  }

  async function checkReceipt(text, keys) {
    const receipt = await parseReceipt(text);
    let entry;
    try { entry = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(receipt.data)); }
    catch (e) { refuse("回执中的记录无法解析。", "The receipt's entry cannot be read."); }
    const members = ["created_at", "estate_id", "id", "kind", "payload", "payload_sha256", "vote_id"];
    if (canonical(Object.keys(entry).sort()) !== canonical(members) || canonical(entry) !== new TextDecoder().decode(receipt.data)) {
      refuse("回执中的记录不是规范格式。", "The receipt's entry is not in canonical form.");
    }
    const preimage = { kind: entry.kind, estate_id: entry.estate_id || "", vote_id: entry.vote_id || "", payload: entry.payload };
    if (hex(await sha256(enc.encode(canonical(preimage)))) !== entry.payload_sha256) {
      refuse("记录内容与其哈希不符：回执被改动过。", "The entry does not match its hash: the receipt was altered.");
    }
    const leaf = await sha256(concat(Uint8Array.of(0), receipt.data));
    if (receipt.leafHash !== null && !equal(b64decode(receipt.leafHash), leaf)) {
      refuse("叶哈希与记录不符：回执被改动过。", "The leaf hash does not match the entry: the receipt was altered.");
    }
    const checkpoint = await openNote(receipt.note, keys);
    if (!Number.isSafeInteger(receipt.index) || !(await verifyInclusion(receipt.index, checkpoint.size, leaf, receipt.proof, checkpoint.root))) {
      refuse("包含证明不成立：无法证明该记录在日志中。", "The inclusion proof fails: the entry is not proven to be in the log.");
    }
    return { entry, checkpoint };
  }

  async function checkCounted(text, ballot, keys) {
    let doc;
    try { doc = JSON.parse(text); } catch (e) { refuse("计票证明不是有效的 JSON。", "The counted proof is not valid JSON."); }
    if (doc.format !== "evote-counted-proof@v1" || !Array.isArray(doc.proof) || typeof doc.closed !== "object") {
      refuse("计票证明格式错误。", "The counted proof is malformed.");
    }
    const closed = await checkReceipt(JSON.stringify(doc.closed), keys);
    if (closed.entry.kind !== "vote.closed" || closed.entry.vote_id !== ballot.entry.vote_id || doc.vote_id !== ballot.entry.vote_id) {
      refuse("计票证明不属于这次表决。", "The counted proof is not of this vote.");
    }
    const commitment = ballot.entry.payload.commitment;
    if (doc.commitment !== commitment) refuse("计票证明不是这张选票的。", "The counted proof is not of this ballot.");
    const counted = closed.entry.payload.counted || {};
    const leaf = await sha256(concat(Uint8Array.of(0), enc.encode(commitment)));
    const root = new Uint8Array((counted.root || "").match(/../g)?.map((h) => parseInt(h, 16)) || []);
    if (!(await verifyInclusion(doc.index, counted.count, leaf, doc.proof.map(b64decode), root))) {
      refuse("计票证明不成立：无法证明该选票被计入。", "The counted proof fails: the ballot is not proven counted.");
    }
  }

  function show(ok, lines) {
    out.hidden = false;
    out.className = ok ? "verdict ok" : "verdict bad";
    out.dataset.verdict = ok ? "valid" : "refused";
    out.replaceChildren(...lines.map((line) => {
      const p = document.createElement("p");
      p.textContent = line;
      return p;
    }));
    out.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const receiptText = document.getElementById("receipt").value;
    const countedText = document.getElementById("counted").value.trim();
    try {
      const response = await fetch("/api/v1/log/keys", { headers: { Accept: "application/json" } });
      if (!response.ok) refuse("无法获取日志公钥。", "The log key could not be fetched.");
      const published = await response.json();
      const keys = [published.current, ...published.retired].map((k) => parseVerifierKey(k.verifier_key));
      document.getElementById("log-key").textContent = published.current.verifier_key;
      const ballot = await checkReceipt(receiptText, keys);
      if (ballot.entry.kind !== "ballot.cast") refuse("该回执不是选票回执。", "This receipt is not a ballot's.");
      const lines = [
        say("核验通过：您的选票已记入签名日志。", "Valid: your ballot is in the signed log."),
        say(`日志记录编号 ${ballot.entry.id}，所在签名检查点共 ${ballot.checkpoint.size} 条记录。`,
            `Entry ${ballot.entry.id}, checkpoint size ${ballot.checkpoint.size}.`),
      ];
      if (countedText) {
        await checkCounted(countedText, ballot, keys);
        lines.push(say("核验通过：您的选票已被计入表决结果。", "Valid: your ballot was counted in the result."));
      } else {
        lines.push(say("是否计票：表决结束后粘贴计票证明即可核验。", "Counted: paste the counted proof after the close to check."));
      }
      show(true, lines);
    } catch (error) {
      const reason = error instanceof Refusal ? error.message : say("无法核验：", "Cannot verify: ") + error;
      show(false, [say("核验未通过：", "Refused: ") + reason]);
    }
  });
})();
