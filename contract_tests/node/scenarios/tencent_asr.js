// Tencent Cloud ASR API 3.0 through tencentcloud-sdk-nodejs-asr, configured as its README shows, with the endpoint
// set to the emulator. SCENARIO (env) chooses the signature and method: tc3 (default), tc3-get, hmacsha1,
// hmacsha256, hmacsha256-get; PROXY: send through the emulator as an HTTP proxy (httpProfile.proxy).
"use strict";

const tencentcloud = require("tencentcloud-sdk-nodejs-asr");
const { EMULATOR, hostPort, attempt, run, sleep } = require("./lib");

const AsrClient = tencentcloud.asr.v20190614.Client;
const variant = process.env.SCENARIO || "tc3";
const signMethod = { tc3: "TC3-HMAC-SHA256", "tc3-get": "TC3-HMAC-SHA256", hmacsha1: "HmacSHA1",
  hmacsha256: "HmacSHA256", "hmacsha256-get": "HmacSHA256" }[variant];
const reqMethod = variant.endsWith("-get") ? "GET" : "POST";
const proxied = Boolean(process.env.PROXY);

const client = new AsrClient({
  credential: { secretId: process.env.SECRET_ID, secretKey: process.env.SECRET_KEY },
  region: "ap-guangzhou",
  profile: {
    signMethod,
    httpProfile: proxied
      ? { reqMethod, protocol: process.env.PROTOCOL || "http://", proxy: EMULATOR }
      : { reqMethod, protocol: "http://", endpoint: hostPort() },
  },
});

async function main() {
  const out = { variant };
  const url = `${EMULATOR}/_emulator/fixtures/hello_en.wav`;
  if (process.env.ONLY_CREATE) {
    out.created = await attempt(() => client.CreateRecTask({ EngineModelType: "16k_en", ChannelNum: 1,
      ResTextFormat: 0, SourceType: 0, Url: url }));
    return out;
  }
  const created = await client.CreateRecTask({ EngineModelType: "16k_en", ChannelNum: 1, ResTextFormat: 0,
    SourceType: 0, Url: url });
  out.taskId = created.Data.TaskId;
  for (let i = 0; i < 50; i++) {
    const status = await client.DescribeTaskStatus({ TaskId: out.taskId });
    out.status = status.Data.StatusStr;
    if (status.Data.Status >= 2) {
      out.result = status.Data.Result;
      break;
    }
    await sleep(50);
  }
  const vocab = await client.CreateAsrVocab({ Name: "node-words",
    WordWeights: [{ Word: "智聆", Weight: 10 }, { Word: "滨海大厦", Weight: 11 }] });
  out.words = (await client.GetAsrVocab({ VocabId: vocab.VocabId })).WordWeights.map((w) => [w.Word, w.Weight]);
  await client.UpdateAsrVocab({ VocabId: vocab.VocabId, WordWeights: [{ Word: "腾讯云", Weight: 100 }] });
  out.updated = (await client.GetAsrVocab({ VocabId: vocab.VocabId })).WordWeights.map((w) => [w.Word, w.Weight]);
  out.listedWithTags = (await client.GetAsrVocabList({ TagInfos: ["nobody"], Offset: 0, Limit: 10 })).TotalCount;
  out.listed = (await client.GetAsrVocabList({})).TotalCount;
  const sentence = await client.SentenceRecognition({ EngSerViceType: "16k_en", SourceType: 0, VoiceFormat: "wav",
    Url: url, HotwordList: "emulator|10" });
  out.sentence = sentence.Result;
  await client.DeleteAsrVocab({ VocabId: vocab.VocabId });
  out.deleted = await attempt(() => client.GetAsrVocab({ VocabId: vocab.VocabId }));
  out.badEngine = await attempt(() => client.CreateRecTask({ EngineModelType: "16k_xx", ChannelNum: 1,
    ResTextFormat: 0, SourceType: 0, Url: url }));
  out.unknownTask = await attempt(() => client.DescribeTaskStatus({ TaskId: 987654321 }));
  out.undeclared = await attempt(() => client.DescribeTaskStatus({ TaskId: out.taskId, Colour: "blue" }));
  return out;
}

run(main);
