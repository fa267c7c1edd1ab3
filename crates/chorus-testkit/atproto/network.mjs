// The reference AT Protocol network for chorus-testkit's Bluesky tests: @atproto/dev-env's TestNetwork (PLC,
// PDS and the Bluesky AppView, plus the Ozone and bsync services the AppView wants) in this one process.
//
//   CHORUS_ATPROTO_DIR=<install> DB_POSTGRES_URL=postgres://… <install>/node_modules/.bin/node network.mjs
//
// CHORUS_ATPROTO_DIR is where scripts/test installed this folder's package-lock.json (the packages live outside
// the clone, so they are loaded from there rather than next to this file). Once every service answers, one JSON
// line goes to stdout: {"plc": url, "pds": url, "appview": url, "ozone": url}. The network stops on SIGTERM,
// SIGINT or when stdin closes, which is how it follows a test process that died without cleaning up (so when
// running it by hand, keep stdin open: a terminal, not </dev/null).
import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const install = process.env.CHORUS_ATPROTO_DIR;
const dbUrl = process.env.DB_POSTGRES_URL;
if (!install || !dbUrl) {
  console.error('network.mjs needs CHORUS_ATPROTO_DIR and DB_POSTGRES_URL');
  process.exit(2);
}

// dev-env's servers listen on every interface; test servers must be reachable from this machine only. Its URLs
// say "localhost", so that name must mean the IPv4 loopback we bind.
dns.setDefaultResultOrder('ipv4first');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args.length === 0 || typeof args[0] === 'function') {
    args.unshift(0, '127.0.0.1');
  } else if ((typeof args[0] === 'number' || /^\d+$/.test(args[0])) && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1');
  } else if (typeof args[0] === 'object' && args[0] !== null && 'port' in args[0] && !args[0].host) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

// The PDS keeps its SQLite files and blobs under the temporary directory; give it one of our own to remove.
const scratch = mkdtempSync(join(tmpdir(), 'chorus-atproto-'));
process.env.TMPDIR = scratch;
// dev-env insists on a Redis host, but its AppView no longer connects to one.
process.env.REDIS_HOST ??= 'unused';

const require = createRequire(join(install, 'package.json'));
const { TestNetwork } = await import(pathToFileURL(require.resolve('@atproto/dev-env')).href);

let network;
let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  // Closing first drains the AppView's subscription; that must not keep a test run waiting.
  setTimeout(() => finish(code), 5000).unref();
  try {
    await network?.close();
  } catch (err) {
    console.error('closing the network:', err);
  }
  finish(code);
};
const finish = (code) => {
  rmSync(scratch, { recursive: true, force: true });
  process.exit(code);
};
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.stdin.on('end', () => stop(0));
process.stdin.on('error', () => stop(0));
process.stdin.resume();

try {
  network = await TestNetwork.create({ dbPostgresUrl: dbUrl, dbPostgresSchema: 'chorus' });
} catch (err) {
  console.error('the network did not start:', err);
  await stop(1);
}
if (network && !stopping) {
  console.log(
    JSON.stringify({
      plc: network.plc.url,
      pds: network.pds.url,
      appview: network.bsky.url,
      ozone: network.ozone.url,
    }),
  );
}
