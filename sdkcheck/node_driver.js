#!/usr/bin/env node
// Drives Plivo's Node SDK (npm `plivo`) through the Account Phone Number methods for sdkcheck.
//
// Input: a JSON plan on stdin:
//   {"base_url": "http://127.0.0.1:PORT", "auth_id": "MA...",
//    "steps": [{"name": "list-type", "call": "list", "params": {"type": "local"}}, ...]}
// calls: list (params), paginate (params: starting filters; follows meta.next to the end),
//        get (number), update (number, params), unrent (number), and on the NumberResource a get
//        resolves to: resource.update (number, params), resource.unrent (number).
// A step may carry "auth": {"auth_id", "auth_token"} to call with other credentials (the 401 case).
// The account's auth token comes from the environment (PLIVO_AUTH_TOKEN), never from argv or stdin,
// so it is in no command line; nothing printed ever contains it.
//
// Output: one JSON document on stdout: {"sdk": "node", "version", "node", "results": [...]}; each
// result is {"name", "call", "ok", "value"} or {"name", "call", "ok": false, "error": {...}}.
// Exit 0 when every step ran (failed SDK calls are results, not driver failures); 2 for a bad plan;
// 3 when the SDK is not installed.
//
// Before each step the driver sends GET <base_url>/__sdkcheck/step/<name> with Node's own http module
// (not the SDK), so the recording proxy labels the SDK requests that follow with the step.
'use strict';

const http = require('http');

// Label of the get a resource.* step makes first (see runStep).
const GET_SUFFIX = ' :: get';

function fail(code, message) {
  process.stdout.write(JSON.stringify({ sdk: 'node', fatal: message }) + '\n');
  process.exit(code);
}

function loadSdk() {
  const paths = [process.cwd(), __dirname];
  try {
    const plivo = require(require.resolve('plivo', { paths }));
    const version = require(require.resolve('plivo/package.json', { paths })).version;
    let exceptions = {};
    try {
      exceptions = require(require.resolve('plivo/dist/utils/exceptions', { paths }));
    } catch (e) {
      exceptions = {};
    }
    return { plivo, version, exceptions };
  } catch (e) {
    fail(3, 'the npm package plivo is not installed here; run `make node-tools` (npm install) first');
  }
  return null;
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function mark(baseUrl, name) {
  return new Promise((resolve, reject) => {
    const req = http.get(baseUrl + '/__sdkcheck/step/' + encodeURIComponent(name), (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
}

// Own enumerable data of an SDK object, as JSON sees it (the SDK keeps its client under Symbols).
function plain(value) {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

function className(value) {
  return value && value.constructor ? value.constructor.name : typeof value;
}

function describeError(err, exceptions) {
  if (typeof err === 'string') {
    // The SDK rejects with a stack string when there was no HTTP answer at all.
    return { class: 'string', instanceOf: [], status: null, message: err.split('\n')[0].slice(0, 300) };
  }
  const instanceOf = Object.keys(exceptions)
    .filter((name) => typeof exceptions[name] === 'function' && err instanceof exceptions[name])
    .sort();
  if (err instanceof Error) instanceOf.push('Error');
  return {
    class: className(err),
    instanceOf,
    status: typeof err.status === 'number' ? err.status : null,
    // Only the message: an axios error object also carries the request config, Authorization included.
    message: String(err && err.message !== undefined ? err.message : err).slice(0, 300),
    apiId: typeof err.apiID === 'string' ? err.apiID : null,
  };
}

function describeList(list) {
  return {
    class: className(list),
    isArray: Array.isArray(list),
    objectClasses: Array.from(new Set(list.map(className))),
    meta: plain(list.meta),
    objects: list.map(plain),
  };
}

async function paginate(client, params) {
  // A user's walk to the end: follow meta.next's limit and offset until there is no next page.
  const pages = [];
  let request = Object.assign({}, params);
  for (let guard = 0; guard < 1000; guard += 1) {
    const list = await client.numbers.list(request);
    pages.push({ request: plain(request), count: list.length, meta: plain(list.meta),
      numbers: list.map((o) => o.number) });
    const next = list.meta && list.meta.next;
    if (!next) return { pages };
    const query = new URLSearchParams(next.split('?')[1] || '');
    request = Object.assign({}, params, {
      limit: Number(query.get('limit')),
      offset: Number(query.get('offset')),
    });
  }
  throw new Error('pagination did not end after 1000 pages');
}

async function runStep(step, clients, baseUrl) {
  const client = clients(step.auth);
  switch (step.call) {
    case 'list':
      return describeList(await client.numbers.list(step.params));
    case 'paginate':
      return paginate(client, step.params || {});
    case 'get': {
      const value = await client.numbers.get(step.number);
      return { class: className(value), object: plain(value) };
    }
    case 'update': {
      const value = await client.numbers.update(step.number, step.params || {});
      return { class: className(value), object: plain(value) };
    }
    case 'unrent': {
      const value = await client.numbers.unrent(step.number);
      return { class: className(value), object: plain(value) };
    }
    case 'resource.update':
    case 'resource.unrent': {
      // The NumberResource a get resolves to has its own update(number, params) and unrent(number);
      // the get is labelled apart so the step's requests are the resource call's alone.
      await mark(baseUrl, step.name + GET_SUFFIX);
      const resource = await client.numbers.get(step.number);
      await mark(baseUrl, step.name);
      const value = step.call === 'resource.update'
        ? await resource.update(step.number, step.params || {})
        : await resource.unrent(step.number);
      return { class: className(value), object: plain(value), resourceClass: className(resource) };
    }
    default:
      throw new Error('unknown call ' + JSON.stringify(step.call)
        + ' (use list, paginate, get, update, unrent, resource.update, resource.unrent)');
  }
}

async function main() {
  const sdk = loadSdk();
  let plan;
  try {
    plan = JSON.parse(await readStdin());
  } catch (e) {
    fail(2, 'the plan on stdin is not JSON: ' + e.message);
  }
  if (!plan || typeof plan.base_url !== 'string' || typeof plan.auth_id !== 'string' || !Array.isArray(plan.steps)) {
    fail(2, 'the plan needs base_url, auth_id and a steps list');
  }
  const token = process.env.PLIVO_AUTH_TOKEN;
  if (!token) fail(2, 'set PLIVO_AUTH_TOKEN in the environment to the account auth token');

  const cache = new Map();
  const clients = (auth) => {
    const authId = auth ? auth.auth_id : plan.auth_id;
    const authToken = auth ? auth.auth_token : token;
    const key = authId + '\u0000' + authToken;
    if (!cache.has(key)) {
      // Client(authId, authToken, options) merges options over its defaults, whose `url` is
      // https://api.plivo.com/v1/Account/<auth_id>; overriding it is how the SDK is pointed elsewhere.
      cache.set(key, new sdk.plivo.Client(authId, authToken, {
        url: plan.base_url + '/v1/Account/' + authId,
        timeout: 10000,
      }));
    }
    return cache.get(key);
  };

  const results = [];
  for (const step of plan.steps) {
    await mark(plan.base_url, step.name);
    const started = Date.now();
    const result = { name: step.name, call: step.call };
    try {
      result.value = await runStep(step, clients, plan.base_url);
      result.ok = true;
    } catch (err) {
      result.ok = false;
      result.error = describeError(err, sdk.exceptions);
    }
    result.ms = Date.now() - started;
    results.push(result);
  }
  await mark(plan.base_url, '');
  process.stdout.write(JSON.stringify({ sdk: 'node', version: sdk.version, node: process.version, results }) + '\n');
}

main().catch((e) => fail(1, 'driver error: ' + (e && e.message ? e.message : String(e))));
