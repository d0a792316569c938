// Starts the real Eventdesk binary through tauri-driver (WebKitWebDriver on Linux, Microsoft
// Edge WebDriver on Windows) with its own temp database and folders, and gives tests a
// WebdriverIO browser on it. Portable: no /proc, no signals Windows lacks, no XDG_* needed.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  createWriteStream,
  existsSync,
  openSync,
  readSync,
  fstatSync,
  closeSync,
} from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { remote } from "webdriverio";

export const root = resolve(import.meta.dirname, "..");
export const windows = process.platform === "win32";
const exe = windows ? ".exe" : "";
export const app = process.env.EVENTDESK_E2E_APP ?? join(root, `target/debug/eventdesk${exe}`);
export const cli = process.env.EVENTDESK_E2E_CLI ?? join(root, `target/debug/eventdesk-cli${exe}`);
const tauriDriver = process.env.TAURI_DRIVER ?? join(root, `.tools/bin/tauri-driver${exe}`);
export const artifacts = join(root, "e2e/artifacts");

/**
 * A fresh folder for one scenario: its database, the app's home (EVENTDESK_HOME: window state,
 * logs, the web view's data) and, on Linux, an XDG home for whatever else the desktop keeps.
 */
export function workspace(name) {
  const dir = mkdtempSync(join(tmpdir(), `eventdesk-e2e-${name}-`));
  made.push(dir);
  mkdirSync(join(dir, "xdg"), { recursive: true });
  return { dir, db: join(dir, "eventdesk.db"), home: join(dir, "home"), xdg: join(dir, "xdg") };
}

/** Workspaces made since the last `settleWorkspaces`. */
const made = [];

/**
 * Ends the workspaces of the scenario that just finished: removed when it passed, kept for a
 * look when it failed (or when EVENTDESK_E2E_KEEP is set). Each holds a database and the web
 * view's data, tens of megabytes.
 */
export function settleWorkspaces(passed) {
  const dirs = made.splice(0);
  if (!passed || process.env.EVENTDESK_E2E_KEEP) return;
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (e) {
      console.error(`[e2e] ${dir} was left: ${e.message}`);
    }
  }
}

/** Everything the app has logged on `ws` (its own log files, every run), oldest first. */
export function appLog(ws) {
  const logs = join(ws.home, "logs");
  if (!existsSync(logs)) return "";
  return readdirSync(logs)
    .filter((f) => /^eventdesk\..*log$/.test(f))
    .sort()
    .map((f) => readFileSync(join(logs, f), "utf8"))
    .join("");
}

/** Runs `eventdesk-cli` (the core's headless tool) and returns its standard output. */
export function eventdeskCli(...args) {
  return execFileSync(cli, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 30,
  });
}

/** Runs the tool with `input` on its standard input; returns its standard output. */
export function eventdeskCliWithInput(input, ...args) {
  return execFileSync(cli, args, { encoding: "utf8", input, maxBuffer: 1 << 30 });
}

export function dbStats(db) {
  return JSON.parse(eventdeskCli("stats", "--db", db));
}

export function dbEvent(db, id) {
  return JSON.parse(eventdeskCli("show", "--db", db, "--id", String(id)));
}

export async function freePort() {
  return (await freePorts(1))[0];
}

/**
 * `count` distinct free ports: each is held until all are chosen (one released before the next
 * is asked for may be handed out again, and the driver's two servers then collide).
 */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise((ok, fail) => {
        server.once("error", fail);
        server.listen(0, "127.0.0.1", ok);
      });
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

/** Raised when another program took a port between its choice and the driver's start. */
class PortTaken extends Error {}

async function waitForPort(port, child, deadline, what, taken) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited with ${child.exitCode}`);
    if (taken()) throw new PortTaken(`${what} could not listen on ${port}: the port was taken`);
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

/** The pid of the app last started on `ws`, from the line its log opens with. */
export function appPid(ws) {
  const started = [...appLog(ws).matchAll(/Eventdesk started pid=(\d+)/g)].at(-1);
  if (!started) throw new Error(`no "Eventdesk started" line in ${join(ws.home, "logs")}`);
  return Number(started[1]);
}

/** Whether process `pid` still runs (a zombie, on Linux, has ended). */
function running(pid) {
  if (process.platform === "linux") {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Quits the app running on `ws` and waits until its process has ended. `how`: "keyboard"
 * presses Ctrl+Q in `browser`'s window (every system); "signal" sends SIGTERM, as a desktop
 * session ending does (not on Windows, which has no such signal).
 */
export async function quitApp(ws, { how, browser }, timeout = 10_000) {
  const pid = appPid(ws);
  if (!running(pid)) throw new Error(`the app (pid ${pid}) is not running`);
  if (how === "keyboard") {
    // The app may be gone before the driver has released the keys, and the driver's answer
    // then is an error, or none for a long while: whether it quit is told by its process.
    browser.keys(["Control", "q"]).catch(() => undefined);
  } else if (how === "signal" && !windows) {
    process.kill(pid, "SIGTERM");
  } else {
    throw new Error(`no way to quit by ${how} on ${process.platform}`);
  }
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (!running(pid)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the app (pid ${pid}) did not quit within ${timeout} ms (${how})`);
}

// Win32 calls on the app's main window, through PowerShell. WebDriver's window commands need a
// browser window (Microsoft Edge WebDriver asks the browser for it), and a WebView2 app has
// none: on Windows the harness moves, sizes and minimises the app's own window instead.
const WIN32_WINDOW = [
  "$ErrorActionPreference = 'Stop'",
  "Add-Type -TypeDefinition @'",
  "using System;",
  "using System.Runtime.InteropServices;",
  "public static class EventdeskWindow {",
  "  [StructLayout(LayoutKind.Sequential)] public struct Rect { public int Left; public int Top; public int Right; public int Bottom; }",
  '  [DllImport("user32.dll")] public static extern bool GetWindowRect(IntPtr hwnd, out Rect rect);',
  '  [DllImport("user32.dll")] public static extern bool SetWindowPos(IntPtr hwnd, IntPtr after, int x, int y, int cx, int cy, uint flags);',
  '  [DllImport("user32.dll")] public static extern bool ShowWindow(IntPtr hwnd, int cmd);',
  '  [DllImport("user32.dll")] public static extern bool IsIconic(IntPtr hwnd);',
  '  [DllImport("user32.dll")] public static extern bool IsWindowVisible(IntPtr hwnd);',
  "  public delegate bool EnumProc(IntPtr hwnd, IntPtr data);",
  '  [DllImport("user32.dll")] public static extern bool EnumWindows(EnumProc proc, IntPtr data);',
  '  [DllImport("user32.dll")] public static extern uint GetWindowThreadProcessId(IntPtr hwnd, out uint pid);',
  '  [DllImport("user32.dll")] public static extern int GetWindowLong(IntPtr hwnd, int index);',
  // The process's top-level window with a title bar (WS_CAPTION in GWL_STYLE): not tao's or the
  // single-instance plugin's invisible helper windows, which Process.MainWindowHandle may
  // return once the main window is minimised and sinks below them.
  "  public static IntPtr Find(uint pid) {",
  "    IntPtr found = IntPtr.Zero;",
  "    EnumWindows((h, data) => {",
  "      uint owner;",
  "      GetWindowThreadProcessId(h, out owner);",
  "      if (owner == pid && (GetWindowLong(h, -16) & 0x00C00000) == 0x00C00000) { found = h; return false; }",
  "      return true;",
  "    }, IntPtr.Zero);",
  "    return found;",
  "  }",
  "}",
  "'@",
  "$hwnd = [EventdeskWindow]::Find([uint32]$env:EVENTDESK_WIN_PID)",
  "if ($hwnd -eq [IntPtr]::Zero) { throw 'the app has no window with a title bar' }",
  "switch ($env:EVENTDESK_WIN_OP) {",
  // SW_RESTORE, then SWP_NOZORDER | SWP_NOACTIVATE.
  "  'set' { [void][EventdeskWindow]::ShowWindow($hwnd, 9); if (-not [EventdeskWindow]::SetWindowPos($hwnd, [IntPtr]::Zero, [int]$env:EVENTDESK_WIN_X, [int]$env:EVENTDESK_WIN_Y, [int]$env:EVENTDESK_WIN_W, [int]$env:EVENTDESK_WIN_H, 0x14)) { throw 'SetWindowPos failed' } }",
  // SW_MINIMIZE.
  "  'minimize' { [void][EventdeskWindow]::ShowWindow($hwnd, 6) }",
  "}",
  "$r = New-Object EventdeskWindow+Rect",
  "[void][EventdeskWindow]::GetWindowRect($hwnd, [ref]$r)",
  "@{ x = $r.Left; y = $r.Top; width = $r.Right - $r.Left; height = $r.Bottom - $r.Top; minimized = [EventdeskWindow]::IsIconic($hwnd); visible = [EventdeskWindow]::IsWindowVisible($hwnd) } | ConvertTo-Json -Compress",
].join("\n");

function win32Window(ws, op, { x = 0, y = 0, width = 0, height = 0 } = {}) {
  // -EncodedCommand (UTF-16LE, base64): Windows PowerShell mangles quotes in a -Command argument.
  const script = Buffer.from(WIN32_WINDOW, "utf16le").toString("base64");
  const out = execFileSync(
    "powershell.exe",
    ["-NoProfile", "-NonInteractive", "-EncodedCommand", script],
    {
      encoding: "utf8",
      env: {
        ...process.env,
        EVENTDESK_WIN_PID: String(appPid(ws)),
        EVENTDESK_WIN_OP: op,
        EVENTDESK_WIN_X: String(x),
        EVENTDESK_WIN_Y: String(y),
        EVENTDESK_WIN_W: String(width),
        EVENTDESK_WIN_H: String(height),
      },
    },
  );
  return JSON.parse(out.trim());
}

/**
 * The app's main window: where it is, moving and sizing it, minimising it, and whether it is
 * in sight. WebDriver's window commands on Linux; Win32 on Windows (see WIN32_WINDOW).
 */
export function appWindow(browser, ws) {
  const rectOf = ({ x, y, width, height }) => ({ x, y, width, height });
  return {
    async rect() {
      return windows ? rectOf(win32Window(ws, "get")) : rectOf(await browser.getWindowRect());
    },
    async setRect(x, y, width, height) {
      if (windows) win32Window(ws, "set", { x, y, width, height });
      else await browser.setWindowRect(x, y, width, height);
    },
    async minimize() {
      if (windows) win32Window(ws, "minimize");
      else await browser.minimizeWindow();
    },
    /** Whether the operator can see the window: the page's own view on Linux, Win32's on Windows. */
    async inSight() {
      if (!windows) return (await browser.execute(() => document.visibilityState)) === "visible";
      try {
        const w = win32Window(ws, "get");
        return w.visible && !w.minimized;
      } catch {
        return false; // no main window on screen
      }
    },
  };
}

/** The environment the app runs in for a scenario: its own database, folders and locale. */
export function appEnv(ws, env = {}) {
  return {
    ...process.env,
    EVENTDESK_DB: ws.db,
    EVENTDESK_HOME: ws.home,
    // A desktop session's locale; WebKit reports "C" otherwise, which Intl rejects.
    LANG: "en_US.UTF-8",
    // The app's own folders follow EVENTDESK_HOME; these keep the desktop's (GTK's, WebKit's
    // own) apart too. Windows has no such variables.
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
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchOnce(ws, env, name);
    } catch (e) {
      if (!(e instanceof PortTaken) || attempt === 3) throw e;
      console.error(`[e2e] ${name}: ${e.message.split("\n")[0]}; starting again on other ports`);
    }
  }
}

async function launchOnce(ws, env, name) {
  const [port, nativePort] = await freePorts(2);
  const logPath = join(ws.dir, `${name}.log`);
  const log = createWriteStream(logPath, { flags: "a" });
  const driver = spawn(tauriDriver, ["--port", String(port), "--native-port", String(nativePort)], {
    env: appEnv(ws, env),
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that the driver, WebKitWebDriver and the app end together
    // (Windows: taskkill ends the tree instead).
    detached: !windows,
  });
  driver.stdout.pipe(log);
  driver.stderr.pipe(log);
  // Output still on its way from a killed driver must not be written to an ended log.
  const closeLog = () => {
    driver.stdout.unpipe(log);
    driver.stderr.unpipe(log);
    log.end();
  };
  // WebKitWebDriver says so when its port was taken meanwhile; the driver then spins on its
  // side of the connection, writing a line per try, so the launch ends at once.
  let portTaken = false;
  let onTaken = () => undefined;
  const taken = new Promise((_, fail) => {
    onTaken = () => fail(new PortTaken(`WebKitWebDriver could not listen on ${nativePort}`));
  });
  taken.catch(() => undefined); // raced below; unobserved when all goes well
  const watch = (chunk) => {
    if (!portTaken && /Unable to listen/.test(chunk)) {
      portTaken = true;
      onTaken();
    }
  };
  driver.stdout.on("data", watch);
  driver.stderr.on("data", watch);
  const killAll = (signal) => {
    if (windows) {
      // The driver, msedgedriver and the app (/T). Forced: without /F, Windows would only ask
      // the app's window to close, which hides it in the tray.
      spawnSync("taskkill", ["/PID", String(driver.pid), "/T", "/F"], { stdio: "ignore" });
      return;
    }
    try {
      process.kill(-driver.pid, signal);
    } catch {
      // already gone
    }
  };
  const exited = new Promise((r) => (driver.exitCode !== null ? r() : driver.once("exit", r)));
  try {
    const deadline = Date.now() + 20_000;
    await waitForPort(port, driver, deadline, "tauri-driver", () => portTaken);
    await waitForPort(nativePort, driver, deadline, "WebKitWebDriver", () => portTaken);
    const connecting = remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "error",
      connectionRetryCount: 0,
      // A command the app cannot answer (it quit under it) fails within a minute, not two.
      connectionRetryTimeout: 60_000,
      capabilities: { "tauri:options": { application: app } },
    });
    connecting.catch(() => undefined); // a port taken ends the launch before this answers
    const browser = await Promise.race([connecting, taken]);
    await browser.setTimeout({ implicit: 0, script: 20_000 });
    const session = {
      browser,
      window: appWindow(browser, ws),
      logPath,
      async stop() {
        await browser.deleteSession().catch(() => undefined);
        killAll("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        killAll("SIGKILL");
        closeLog();
      },
    };
    return session;
  } catch (e) {
    killAll("SIGKILL");
    closeLog();
    const Failure = e instanceof PortTaken ? PortTaken : Error;
    throw new Failure(`${e.message}\n--- log ${logPath} ---\n${tail(logPath)}`);
  }
}

/** The last `lines` lines of a log, read from its last 64 KiB however long it grew. */
export function tail(path, lines = 40) {
  if (!existsSync(path)) return "(no log)";
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString("utf8").split("\n").slice(-lines).join("\n");
  } finally {
    closeSync(fd);
  }
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
    console.error(
      `\n[e2e] ${name} failed. Screenshot: ${saved.shot}\n[e2e] App log: ${saved.log}\n${tail(session.logPath, 20)}`,
    );
    throw e;
  } finally {
    await session.stop();
  }
}
