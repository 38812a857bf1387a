// Alibaba NLS through the vendor's Node.js SDKs: recording-file recognition (SubmitTask, GetTaskResult) and
// CreateToken through @alicloud/pop-core's RPCClient with the endpoint set to the emulator, then realtime recognition
// through alibabacloud-nls (SpeechTranscription, SpeechRecognition) with that token. METHOD: GET (the client's
// default) or POST.
"use strict";

const fs = require("fs");
const RPCClient = require("@alicloud/pop-core").RPCClient;
const Nls = require("alibabacloud-nls");
const { EMULATOR, attempt, run, sleep } = require("./lib");

const method = process.env.METHOD || "GET";
const credentials = { accessKeyId: process.env.AKID, accessKeySecret: process.env.SECRET };
const filetrans = new RPCClient({ ...credentials, endpoint: EMULATOR, apiVersion: "2018-08-17" });
const meta = new RPCClient({ ...credentials, endpoint: EMULATOR, apiVersion: "2019-02-28" });
const appkey = process.env.APPKEY;
const wsUrl = EMULATOR.replace(/^http/, "ws") + "/ws/v1";

async function realtime(Kind, token, audio, control) {
  const events = [];
  const client = new Kind({ url: wsUrl, appkey, token });
  for (const name of ["started", "changed", "begin", "end", "completed", "failed", "closed"]) {
    client.on(name, (msg) => events.push([name, msg ? JSON.parse(msg) : null]));
  }
  const params = client.defaultStartParams();
  params.enable_punctuation_prediction = true;
  params.format = "wav";
  const started = await attempt(() => client.start(params, true, 6000));
  if (started.error) return { started, events };
  for (let i = 0; i < audio.length; i += 3200) {
    if (control && i === 32000) client.ctrl({ max_sentence_silence: 600 });
    client.sendAudio(audio.subarray(i, i + 3200));
  }
  const closed = await attempt(() => client.close());
  return { started: true, closed, events };
}

async function main() {
  const out = {};
  if (process.env.PART === "refused") {            // a token the gateway refuses (the emulator in strict mode)
    const refused = await realtime(Nls.SpeechTranscription, "not-a-token", fs.readFileSync(process.env.AUDIO), false);
    return { started: refused.started, names: refused.events.map(([n]) => n) };
  }
  const link = `${EMULATOR}/_emulator/fixtures/hello_zh.wav`;
  const task = JSON.stringify({ appkey, file_link: link, version: "4.0", enable_words: true });
  const submitted = await filetrans.request("SubmitTask", { Task: task }, { method });
  out.submitted = submitted.StatusText;
  for (let i = 0; i < 50; i++) {
    const got = await filetrans.request("GetTaskResult", { TaskId: submitted.TaskId }, { method });
    out.status = got.StatusText;
    if (got.StatusText !== "QUEUEING" && got.StatusText !== "RUNNING") {
      out.sentences = got.Result.Sentences.map((s) => s.Text);
      out.words = got.Result.Words.length;
      break;
    }
    await sleep(50);
  }
  const badAppkey = await filetrans.request("SubmitTask",
    { Task: JSON.stringify({ appkey: "", file_link: link }) }, { method });
  out.badAppkey = [badAppkey.StatusCode, badAppkey.StatusText];
  out.wrongSecret = await attempt(() => new RPCClient({ ...credentials, accessKeySecret: "not-it",
    endpoint: EMULATOR, apiVersion: "2018-08-17" }).request("GetTaskResult", { TaskId: "x" }, { method }));

  const token = (await meta.request("CreateToken", {}, { method })).Token;
  out.token = { id: typeof token.Id, expires: token.ExpireTime > Date.now() / 1000 };
  const audio = fs.readFileSync(process.env.AUDIO);
  const st = await realtime(Nls.SpeechTranscription, token.Id, audio, true);
  out.transcription = { started: st.started, closed: Boolean(st.closed && st.closed.ok),
    sentences: st.events.filter(([n]) => n === "end").map(([, m]) => m.payload.result),
    names: [...new Set(st.events.map(([n]) => n))] };
  const sr = await realtime(Nls.SpeechRecognition, token.Id, audio, false);
  out.recognition = { started: sr.started,
    result: sr.closed && sr.closed.ok ? JSON.parse(sr.closed.ok).payload.result : sr.closed };
  return out;
}

run(main);
