// What every scenario shares: the emulator's address from the environment, and one JSON line of results on stdout
// (read by the pytest files beside this folder). A scenario never catches what it does not expect: a crash is a
// failed test, with its stack on stderr.
"use strict";

const EMULATOR = process.env.EMULATOR_URL || "http://127.0.0.1:8000";

function hostPort() {
  return EMULATOR.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
}

// The code and message of an SDK's error, whichever SDK threw it.
function failure(err) {
  return {
    code: err.code || err.errorCode || (err.error && (err.error.Code || err.error.code)) || err.name || null,
    message: err.message || (err.error && (err.error.Message || err.error.message)) || String(err),
    status: err.statusCode || null,
    requestId: err.requestId || (err.error && err.error.RequestId) || null,
  };
}

async function attempt(fn) {
  try {
    return { ok: await fn() };
  } catch (err) {
    return { error: failure(err) };
  }
}

function report(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
}

function run(main) {
  main().then(report, (err) => {
    // an SDK rejects with a plain object (cos-nodejs-sdk-v5: {error, statusCode, …}): shown whole, not as [object Object]
    let shown = err && err.stack;
    if (!shown) {
      try { shown = JSON.stringify(err); } catch (e) { shown = String(err); }
    }
    process.stderr.write(shown || String(err));
    process.exit(1);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { EMULATOR, hostPort, failure, attempt, report, run, sleep };
