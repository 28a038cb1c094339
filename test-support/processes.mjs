// Process and port helpers for every suite (__test__/, e2e/, e2e/create-app/): child processes
// started by the tests (output kept for failure messages, stopped by pid) and free loopback ports.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

// Ports are drawn below the kernel's ephemeral range: a port the kernel handed out once (listen
// on 0) can be taken by any outgoing connection before our server binds it, and a backend that
// meets EADDRINUSE never becomes ready. Below the range only a listener can hold a port, and the
// bind below checks that; ports handed out in this process are not handed out again.
const EPHEMERAL_START = ephemeralStart();
const PORT_FLOOR = 10000;
const handedOut = new Set();

function ephemeralStart() {
  try {
    const [low] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > PORT_FLOOR + 1000) return low;
  } catch {
    // not Linux
  }
  return 32768; // Linux's default, and below the IANA dynamic range
}

function bindable(port) {
  return new Promise(resolve => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free loopback port, for a server that must be told its port before it starts. */
export async function freePort() {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = PORT_FLOOR + Math.floor(Math.random() * (EPHEMERAL_START - PORT_FLOOR));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port between ${PORT_FLOOR} and ${EPHEMERAL_START}`);
}

// Children still running when the test process exits (a crash, a failed before()) are killed
// then, so no Apache, backend or replica outlives the run.
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGTERM');
});

// group: the command starts children of its own (e.g. `yarn start`); it gets its own process
// group and stop() signals that group, by the child's id. killAfterMs: how long stop() waits
// after SIGTERM before SIGKILL.
export function startProcess(command, args, { env, cwd, name, group = false, killAfterMs = 5000 } = {}) {
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  const signal = sig => {
    try {
      if (group) process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // already gone
    }
  };
  const entry = { kill: signal };
  live.add(entry);
  // A group may outlive its first process: it is forgotten only once stop() has ended it.
  if (!group) child.once('exit', () => live.delete(entry));
  let output = '';
  const keep = chunk => {
    output += chunk;
    // Keep the tail only: a backend's logs can be long and only the end explains a failure.
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise(resolve => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    name,
    child,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGTERM');
        const timer = setTimeout(() => signal('SIGKILL'), killAfterMs);
        await exited;
        clearTimeout(timer);
      }
      // The group's other members (a dev server, a backend) may outlive the command itself.
      if (group) signal('SIGKILL');
      live.delete(entry);
    },
  };
}

// Polls `probe` until it returns true, failing early if the process dies.
export async function waitFor(proc, probe, what, { attempts = 600, intervalMs = 100 } = {}) {
  for (let i = 0; i < attempts; i++) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}) before ${what}:\n${proc.output().slice(-4000)}`);
    }
    // A server that could not bind its port stays up but never becomes ready: fail now.
    if (proc.output().includes('EADDRINUSE')) {
      throw new Error(`${proc.name} could not bind its port before ${what}:\n${proc.output().slice(-4000)}`);
    }
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    await new Promise(r => setTimeout(r, intervalMs));
  }
  throw new Error(`${proc.name}: gave up waiting for ${what}:\n${proc.output().slice(-4000)}`);
}
