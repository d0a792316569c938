// Starts the real Eventdesk binary through tauri-driver (WebKitWebDriver underneath) with its
// own temp database and environment, and gives tests a WebdriverIO browser on it.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync, createWriteStream, existsSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { remote } from "webdriverio";

export const root = resolve(import.meta.dirname, "..");
export const app = process.env.EVENTDESK_E2E_APP ?? join(root, "target/debug/eventdesk");
export const cli = process.env.EVENTDESK_E2E_CLI ?? join(root, "target/debug/eventdesk-cli");
const tauriDriver = process.env.TAURI_DRIVER ?? join(root, ".tools/bin/tauri-driver");
export const artifacts = join(root, "e2e/artifacts");

/** A fresh folder for one scenario: its database and its XDG data home. */
export function workspace(name) {
  const dir = mkdtempSync(join(tmpdir(), `eventdesk-e2e-${name}-`));
  mkdirSync(join(dir, "xdg"), { recursive: true });
  return { dir, db: join(dir, "eventdesk.db"), xdg: join(dir, "xdg") };
}

/** Runs `eventdesk-cli` (the core's headless tool) and returns its standard output. */
export function eventdeskCli(...args) {
  return execFileSync(cli, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
}

export function dbStats(db) {
  return JSON.parse(eventdeskCli("stats", "--db", db));
}

export function dbEvent(db, id) {
  return JSON.parse(eventdeskCli("show", "--db", db, "--id", String(id)));
}

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function waitForPort(port, child, deadline, what) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    const open = await new Promise((ok) => {
      const socket = createConnection(port);
      socket.once("connect", () => (socket.end(), ok(true)));
      socket.once("error", () => ok(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pid of the app running on `ws.db` (found through /proc), or null. */
export function appPid(ws) {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readlinkSync(`/proc/${entry}/exe`).endsWith("/eventdesk")) continue;
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (env.includes(`EVENTDESK_DB=${ws.db}`)) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  return null;
}

/** Asks the app on `ws.db` to quit as a desktop session would (SIGTERM), and waits for it. */
export async function quitApp(ws, timeout = 10_000) {
  const pid = appPid(ws);
  if (pid === null) throw new Error("the app is not running");
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const state = (() => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
      } catch {
        return "gone";
      }
    })();
    if (state === "gone" || state === "Z") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the app (pid ${pid}) did not quit within ${timeout} ms of SIGTERM`);
}

/** The environment the app runs in for a scenario: its own database, folders and locale. */
export function appEnv(ws, env = {}) {
  return {
    ...process.env,
    EVENTDESK_DB: ws.db,
    // A desktop session's locale; WebKit reports "C" otherwise, which Intl rejects.
    LANG: "en_US.UTF-8",
    XDG_DATA_HOME: ws.xdg,
    XDG_CONFIG_HOME: ws.xdg,
    XDG_CACHE_HOME: ws.xdg,
    EVENTDESK_LOG: "info",
    ...env,
  };
}

/**
 * Starts the app on `ws.db` with `env` (simulator settings) and returns a session.
 * The app's output goes to a log file; `stop()` ends the session and the driver.
 */
export async function launch(ws, env = {}, name = "app") {
  const [port, nativePort] = [await freePort(), await freePort()];
  const logPath = join(ws.dir, `${name}.log`);
  const log = createWriteStream(logPath, { flags: "a" });
  const driver = spawn(tauriDriver, ["--port", String(port), "--native-port", String(nativePort)], {
    env: appEnv(ws, env),
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that the driver, WebKitWebDriver and the app end together.
    detached: true,
  });
  driver.stdout.pipe(log);
  driver.stderr.pipe(log);
  const killAll = (signal) => {
    try {
      process.kill(-driver.pid, signal);
    } catch {
      // already gone
    }
  };
  const exited = new Promise((r) => (driver.exitCode !== null ? r() : driver.once("exit", r)));
  try {
    const deadline = Date.now() + 20_000;
    await waitForPort(port, driver, deadline, "tauri-driver");
    await waitForPort(nativePort, driver, deadline, "WebKitWebDriver");
    const browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "error",
      connectionRetryCount: 0,
      capabilities: { "tauri:options": { application: app } },
    });
    await browser.setTimeout({ implicit: 0, script: 20_000 });
    const session = {
      browser,
      logPath,
      async stop() {
        await browser.deleteSession().catch(() => undefined);
        killAll("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        killAll("SIGKILL");
        log.end();
      },
    };
    return session;
  } catch (e) {
    killAll("SIGKILL");
    log.end();
    throw new Error(`${e.message}\n--- log ${logPath} ---\n${tail(logPath)}`);
  }
}

export function tail(path, lines = 40) {
  if (!existsSync(path)) return "(no log)";
  return readFileSync(path, "utf8").split("\n").slice(-lines).join("\n");
}

/** Saves a screenshot and the end of the app's log; returns the paths. */
export async function saveArtifacts(name, session) {
  mkdirSync(artifacts, { recursive: true });
  const stamp = `${name.replace(/[^a-z0-9]+/gi, "-")}-${Date.now()}`;
  const shot = join(artifacts, `${stamp}.png`);
  const logOut = join(artifacts, `${stamp}.log`);
  try {
    await session.browser.saveScreenshot(shot);
  } catch {
    try {
      execFileSync("import", ["-window", "root", shot]);
    } catch {
      writeFileSync(shot.replace(/\.png$/, ".no-screenshot.txt"), "no screenshot could be taken\n");
    }
  }
  writeFileSync(logOut, tail(session.logPath, 80));
  return { shot, log: logOut };
}

/** Runs `body` with a fresh app; on failure saves artifacts and prints where. */
export async function withApp(name, ws, env, body) {
  const session = await launch(ws, env, name);
  try {
    await body(session.browser, session);
  } catch (e) {
    const saved = await saveArtifacts(name, session);
    console.error(`\n[e2e] ${name} failed. Screenshot: ${saved.shot}\n[e2e] App log: ${saved.log}\n${tail(session.logPath, 20)}`);
    throw e;
  } finally {
    await session.stop();
  }
}
