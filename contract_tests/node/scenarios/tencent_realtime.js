// Tencent realtime recognition (asr/v2) with the npm package ws, driven as the vendor's JS SDK drives it: the URL
// signed over the literal host, the first frame taken as the acknowledgement, binary audio, {"type":"end"}, results
// until final: 1, and the server's close. HOTWORDS (optional) go into the URL unescaped, as the Go SDK sends them.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const WebSocket = require("ws");
const { EMULATOR, run } = require("./lib");

const appid = "1250000000";

function signedUrl(extra) {
  const now = Math.floor(Date.now() / 1000);
  const params = { secretid: process.env.SECRET_ID, timestamp: now, expired: now + 3600, nonce: Math.round(now / 100),
    engine_model_type: "16k_zh", voice_format: 1, voice_id: crypto.randomUUID(), word_info: 2, ...extra };
  const query = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join("&");
  const signature = crypto.createHmac("sha1", process.env.SECRET_KEY)
    .update(`asr.cloud.tencent.com/asr/v2/${appid}?${query}`).digest("base64");
  return `${EMULATOR.replace(/^http/, "ws")}/asr/v2/${appid}?${query}&signature=${encodeURIComponent(signature)}`;
}

function session(url, audio) {
  return new Promise((resolve, reject) => {
    const frames = [];
    const ws = new WebSocket(url);
    ws.on("open", () => {
      for (let i = 0; i < audio.length; i += 6400) ws.send(audio.subarray(i, i + 6400));
      ws.send(JSON.stringify({ type: "end" }));
    });
    ws.on("message", (data) => frames.push(JSON.parse(data.toString())));
    ws.on("close", (code) => resolve({ frames, code }));
    ws.on("error", reject);
  });
}

async function main() {
  const audio = fs.readFileSync(process.env.AUDIO);
  const extra = process.env.HOTWORDS ? { hotword_list: process.env.HOTWORDS } : {};
  const { frames, code } = await session(signedUrl(extra), audio);
  return {
    ack: frames[0],
    ends: frames.filter((f) => f.result && f.result.slice_type === 2).map((f) => f.result.voice_text_str),
    words: frames.filter((f) => f.result && f.result.slice_type === 2).map((f) => f.result.word_list.length),
    last: frames[frames.length - 1],
    closeCode: code,
  };
}

run(main);
