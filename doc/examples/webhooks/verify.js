// Verifying a GPUaaS webhook delivery with Node's standard library only (node:crypto).
//
//   GPUAAS_WEBHOOK_SECRETS="whsec_..." PORT=8080 node verify.js          a receiver on 127.0.0.1
//   node verify.js --check < delivery.json                               checks {body, headers, secrets}
//
// Standard Webhooks: the signed content is `${webhook-id}.${webhook-timestamp}.${raw body}`, the key is
// the base64 after "whsec_", and webhook-signature lists "v1,<base64 HMAC-SHA256>" entries separated
// by spaces (two during a secret rotation). Verify the raw body, before any JSON parsing.
'use strict';

const crypto = require('node:crypto');
const http = require('node:http');

const TOLERANCE_SECONDS = 5 * 60;

class WebhookVerificationError extends Error {}

function keyOf(secret) {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  if (key.length === 0) throw new TypeError('not a whsec_ secret');
  return key;
}

function verifyWebhook(payload, headers, secrets, nowSeconds = Math.floor(Date.now() / 1000)) {
  const h = {};
  for (const [name, value] of Object.entries(headers)) h[name.toLowerCase()] = String(value);
  const id = h['webhook-id'];
  const timestamp = h['webhook-timestamp'];
  const signatures = h['webhook-signature'];
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook headers');
  if (!/^[0-9]+$/.test(timestamp)) throw new WebhookVerificationError('invalid webhook-timestamp');
  // A replayed delivery carries an old timestamp: refuse anything more than 5 minutes off.
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) {
    throw new WebhookVerificationError('webhook-timestamp outside the 5-minute tolerance');
  }
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
  for (const secret of [].concat(secrets)) {
    const expected = crypto.createHmac('sha256', keyOf(secret)).update(content).digest();
    for (const entry of signatures.split(' ')) {
      const comma = entry.indexOf(',');
      if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
      const given = Buffer.from(entry.slice(comma + 1), 'base64');
      if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) {
        return JSON.parse(body.toString('utf8'));
      }
    }
  }
  throw new WebhookVerificationError('no signature matches');
}

function serve(port, secrets) {
  const processed = new Set(); // webhook-id is the same across retries (keep it in your database)
  http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let event;
      try {
        event = verifyWebhook(Buffer.concat(chunks), req.headers, secrets);
      } catch (err) {
        res.writeHead(400).end();
        return;
      }
      if (!processed.has(req.headers['webhook-id'])) {
        processed.add(req.headers['webhook-id']);
        console.log(`${event.type} ${event.id} version ${event.data.version}`);
      }
      res.writeHead(204).end();
    });
  }).listen(port, '127.0.0.1');
}

function check() {
  const chunks = [];
  process.stdin.on('data', (chunk) => chunks.push(chunk));
  process.stdin.on('end', () => {
    const { body, headers, secrets } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    try {
      const event = verifyWebhook(Buffer.from(body, 'utf8'), headers, secrets);
      process.stdout.write(JSON.stringify({ ok: true, event }) + '\n');
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      process.stdout.write(JSON.stringify({ ok: false, error: err.message }) + '\n');
      process.exitCode = 1;
    }
  });
}

module.exports = { verifyWebhook, WebhookVerificationError };

if (require.main === module) {
  if (process.argv.includes('--check')) check();
  else serve(Number(process.env.PORT || 8080), (process.env.GPUAAS_WEBHOOK_SECRETS || '').split(' ').filter(Boolean));
}
