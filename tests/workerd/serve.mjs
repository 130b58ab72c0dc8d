// The local edge test bed: every RainbowNet Worker in workerd (through Miniflare), with the
// routes and the D1 / KV bindings of edge-config/wrangler/*.json, on a loopback port.
//
//   node tests/workerd/serve.mjs --state DIR [--port 0] [--demo-sql public=FILE] [--var K=V]
//        [--worker-var WORKER:K=V]   (a binding for one Worker only, as a secret would be)
//
// Migrations are applied with `wrangler d1 migrations apply --local`, exactly as for a
// deployment; demo data with `wrangler d1 execute --local --file`. Prints
// "workerd listening on http://127.0.0.1:PORT" when ready; stops on SIGTERM or SIGINT.

import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const configDir = join(root, "edge-config/wrangler");
const wranglerBin = join(root, "tests/node_modules/.bin/wrangler");

function parseArgs(argv) {
  const args = { port: 0, state: null, demoSql: [], vars: {}, workerVars: {} };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case "--port": args.port = Number(value()); break;
      case "--state": args.state = resolve(value()); break;
      case "--demo-sql": { const [db, file] = value().split("="); args.demoSql.push({ db, file: resolve(file) }); break; }
      case "--var": { const v = value(); const at = v.indexOf("="); args.vars[v.slice(0, at)] = v.slice(at + 1); break; }
      case "--worker-var": {
        const v = value();
        const colon = v.indexOf(":");
        const at = v.indexOf("=", colon);
        const worker = v.slice(0, colon);
        (args.workerVars[worker] ??= {})[v.slice(colon + 1, at)] = v.slice(at + 1);
        break;
      }
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!args.state) throw new Error("--state DIR is required");
  return args;
}

const args = parseArgs(process.argv.slice(2));
const configs = readdirSync(configDir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ file: join(configDir, f), ...JSON.parse(readFileSync(join(configDir, f), "utf8")) }));

const quiet = {
  ...process.env,
  CI: "true",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_D1_WARNING: "true",
};

function wrangler(configFile, ...rest) {
  execFileSync(wranglerBin, [...rest, "--local", "--persist-to", args.state, "-c", configFile], {
    env: quiet,
    stdio: ["ignore", "ignore", "inherit"],
  });
}

// Each database once, from the first config that binds it.
const databases = new Map();
for (const config of configs) {
  for (const d1 of config.d1_databases ?? []) {
    if (!databases.has(d1.database_name)) databases.set(d1.database_name, config.file);
  }
}
for (const [name, configFile] of databases) wrangler(configFile, "d1", "migrations", "apply", name);
for (const { db, file } of args.demoSql) {
  const name = `rainbownet-${db}`;
  if (!databases.has(name)) throw new Error(`no Worker binds database ${name}`);
  wrangler(databases.get(name), "d1", "execute", name, "--file", file);
}

// A Worker route `host/path*` becomes a Miniflare route for any host. The portal, with the
// catch-all `/*`, goes first: Miniflare sends what no other route matches to the first Worker.
const toRoute = (pattern) => "*" + pattern.slice(pattern.indexOf("/"));
configs.sort((a, b) => (a.name === "rainbownet-portal" ? -1 : b.name === "rainbownet-portal" ? 1 : 0));
const workers = configs.map((config) => {
  const buildDir = resolve(dirname(config.file), dirname(config.main));
  return {
    name: config.name,
    compatibilityDate: config.compatibility_date,
    modulesRoot: buildDir,
    modules: [
      { type: "ESModule", path: join(buildDir, "index.js") },
      { type: "CompiledWasm", path: join(buildDir, "index_bg.wasm") },
    ],
    routes: config.name === "rainbownet-portal" ? [] : (config.routes ?? []).map((r) => toRoute(r.pattern)),
    d1Databases: Object.fromEntries((config.d1_databases ?? []).map((d) => [d.binding, d.database_id])),
    kvNamespaces: Object.fromEntries((config.kv_namespaces ?? []).map((k) => [k.binding, k.id])),
    bindings: { ...args.vars, ...(args.workerVars[config.name] ?? {}) },
  };
});

const mf = new Miniflare({
  workers,
  host: "127.0.0.1",
  port: args.port,
  d1Persist: join(args.state, "v3/d1"),
  kvPersist: join(args.state, "v3/kv"),
  cf: false,
});
const url = await mf.ready;
console.log(`workerd listening on ${url.origin}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await mf.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
