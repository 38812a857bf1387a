// COS objects with keys of every kind, multipart, and CI speech jobs through cos.request (as the vendor's Node.js
// samples do), with cos-nodejs-sdk-v5 sending through the emulator as a proxy. PROTOCOL: "http:" (default: the
// proxy gets absolute-form requests) or "https:" (CONNECT host:443, TLS with the local CA; needs
// NODE_EXTRA_CA_CERTS).
"use strict";

const fs = require("fs");
const COS = require("cos-nodejs-sdk-v5");
const { EMULATOR, attempt, run, sleep } = require("./lib");

const Bucket = process.env.BUCKET || "examplebucket-1250000000";
const Region = "ap-guangzhou";
const Protocol = process.env.PROTOCOL || "http:";
const cos = new COS({ SecretId: process.env.SECRET_ID, SecretKey: process.env.SECRET_KEY, Protocol,
  Proxy: EMULATOR });
const call = (method, params) => new Promise((resolve, reject) =>
  cos[method]({ Bucket, Region, ...params }, (err, data) => (err ? reject(err) : resolve(data))));
const KEYS = JSON.parse(process.env.KEYS || '["a.txt"]');

function ciRequest(method, path, body) {
  return new Promise((resolve, reject) => cos.request({
    Bucket, Region, Method: method, Key: path, Url: `${Protocol}//${Bucket}.ci.${Region}.myqcloud.com/${path}`,
    Headers: body ? { "content-type": "application/xml" } : {},
    Body: body ? COS.util.json2xml(body) : undefined,
  }, (err, data) => (err ? reject(err) : resolve(data))));
}

async function main() {
  const out = { keys: {} };
  for (const [i, key] of KEYS.entries()) {
    const body = `${i}:${key}`;
    await call("putObject", { Key: key, Body: Buffer.from(body) });
    const got = await call("getObject", { Key: key });
    const head = await call("headObject", { Key: key });
    out.keys[key] = { body: got.Body.toString(), length: head.headers["content-length"] };
  }
  const listed = await call("getBucket", { MaxKeys: 100 });
  out.listed = listed.Contents.map((c) => c.Key).sort();
  for (const key of KEYS) await call("deleteObject", { Key: key });
  out.afterDelete = (await call("getBucket", {})).Contents.length;
  out.missing = await attempt(() => call("getObject", { Key: KEYS[0] }));
  const wrong = new COS({ SecretId: process.env.SECRET_ID, SecretKey: "not-the-key", Protocol, Proxy: EMULATOR });
  out.wrongSecret = await attempt(() => new Promise((resolve, reject) => wrong.getObject({ Bucket, Region,
    Key: KEYS[0] }, (err, data) => (err ? reject(err) : resolve(data)))));

  // multipart: a 2.5 MB file in 1 MB parts
  const big = Buffer.alloc(2_500_000, 7);
  const file = `${process.env.TMPDIR || "/tmp"}/cos-node-${process.pid}.bin`;
  fs.writeFileSync(file, big);
  const partKey = process.env.PART_KEY || "big.bin";
  await call("sliceUploadFile", { Key: partKey, FilePath: file, SliceSize: 1024 * 1024, ChunkSize: 1024 * 1024 });
  fs.unlinkSync(file);
  out.multipart = (await call("getObject", { Key: partKey })).Body.equals(big);

  // a CI speech job on an input whose key is unusual, with /jobs (QueueId optional there) and /asr_jobs
  const input = process.env.INPUT_KEY || "input/hello.wav";
  await call("putObject", { Key: input, Body: fs.readFileSync(process.env.AUDIO) });
  const speech = { EngineModelType: "16k_zh", ChannelNum: 1, ResTextFormat: 0 };
  const made = await ciRequest("POST", "jobs", { Request: { Tag: "SpeechRecognition", Input: { Object: input },
    Operation: { SpeechRecognition: speech, Output: { Bucket, Region, Object: "output/node.txt" } } } });
  const job = made.Response.JobsDetail;
  out.job = { state: job.State, queue: job.QueueId };
  for (let i = 0; i < 50; i++) {
    const got = (await ciRequest("GET", `jobs/${job.JobId}`)).Response.JobsDetail;
    out.job.state = got.State;
    if (got.State === "Success" || got.State === "Failed") {
      out.job.input = got.Input.Object;
      out.job.result = got.Operation.SpeechRecognitionResult && got.Operation.SpeechRecognitionResult.Result;
      break;
    }
    await sleep(50);
  }
  out.output = (await call("getObject", { Key: "output/node.txt" })).Body.toString();
  out.noQueue = await attempt(() => ciRequest("POST", "asr_jobs", { Request: { Tag: "SpeechRecognition",
    Input: { Object: input }, Operation: { SpeechRecognition: speech,
      Output: { Bucket, Region, Object: "o.txt" } } } }));
  return out;
}

run(main);
