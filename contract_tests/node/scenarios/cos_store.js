// COS beyond an object's bytes through cos-nodejs-sdk-v5 (Proxy set to the emulator): ACLs, tags, metadata and
// response overrides, copies, buckets, batch delete, GET Service — and a sub-resource the emulator does not keep.
"use strict";

const COS = require("cos-nodejs-sdk-v5");
const { EMULATOR, attempt, run } = require("./lib");

const Region = "ap-guangzhou";
const Bucket = process.env.BUCKET || "examplebucket-1250000000";
const cos = new COS({ SecretId: process.env.SECRET_ID, SecretKey: process.env.SECRET_KEY, Protocol: "http:",
  Proxy: EMULATOR });
const call = (method, params) => new Promise((resolve, reject) =>
  cos[method]({ Bucket, Region, ...params }, (err, data) => (err ? reject(err) : resolve(data))));
const body = async (Key) => (await call("getObject", { Key })).Body.toString();

async function main() {
  const out = {};
  const Key = "store/数据 #1.txt";
  await call("putObject", { Key, Body: Buffer.from("the bytes"), CacheControl: "max-age=60",
    ContentDisposition: "attachment", Headers: { "x-cos-meta-who": "node" } });
  await call("putObjectAcl", { Key, ACL: "public-read" });
  out.aclKeepsBytes = await body(Key);
  out.acl = (await call("getObjectAcl", { Key })).ACL;
  await call("putObjectTagging", { Key, Tags: [{ Key: "team", Value: "asr" }] });
  out.taggingKeepsBytes = await body(Key);
  out.tags = (await call("getObjectTagging", { Key })).Tags;
  await call("deleteObjectTagging", { Key });
  out.tagsAfterDelete = (await call("getObjectTagging", { Key })).Tags;
  const head = await call("headObject", { Key });
  out.head = { who: head.headers["x-cos-meta-who"], cache: head.headers["cache-control"],
    disposition: head.headers["content-disposition"] };
  const overridden = await call("getObject", { Key, ResponseCacheControl: "no-cache" });
  out.override = overridden.headers["cache-control"];
  await call("putObjectCopy", { Key: "store/copy.txt",
    CopySource: `${Bucket}.cos.${Region}.myqcloud.com/${encodeURIComponent(Key)}` });
  out.copy = { body: await body("store/copy.txt"),
    who: (await call("headObject", { Key: "store/copy.txt" })).headers["x-cos-meta-who"] };
  out.restore = await attempt(() => call("restoreObject", { Key, RestoreRequest: { Days: 1,
    CASJobParameters: { Tier: "Standard" } } }));
  out.afterRestore = await body(Key);
  const deleted = await call("deleteMultipleObject", { Objects: [{ Key }, { Key: "store/copy.txt" }] });
  out.deleted = deleted.Deleted.map((d) => d.Key).sort();
  // buckets
  const other = { Bucket: "nodebucket-1250000000", Region };
  const b = (method, params = {}) => new Promise((resolve, reject) =>
    cos[method]({ ...other, ...params }, (err, data) => (err ? reject(err) : resolve(data))));
  out.headBefore = await attempt(() => b("headBucket"));
  await b("putBucket");
  out.headAfter = (await b("headBucket")).statusCode;
  out.listed = await new Promise((resolve, reject) => cos.getService({}, (err, data) =>
    (err ? reject(err) : resolve(data.Buckets.map((x) => x.Name)))));
  await b("deleteBucket");
  out.headDeleted = await attempt(() => b("headBucket"));
  return out;
}

run(main);
