// What the benchmarks share: the simulator in a process of its own (as a real provider would be: client and
// server then do not share one event loop), driven over its control endpoints, and the table they print.
import { spawn, type ChildProcess } from 'node:child_process';
import { startSimulator, type SimCounters, type SimFaultsPatch } from '../sim/server';

/** The simulator as a benchmark sees it: configured and read over its control endpoints. */
export interface BenchSim {
  openaiBaseUrl: string;
  configure(f: SimFaultsPatch): Promise<void>;
  reset(): Promise<void>;
  counters(): Promise<SimCounters>;
  close(): Promise<void>;
}

/** In its own process; BENCH_INPROCESS=1 runs it in this one instead. */
export async function startBenchSim(): Promise<BenchSim> {
  if (process.env.BENCH_INPROCESS === '1') {
    const sim = await startSimulator();
    return {
      openaiBaseUrl: sim.openaiBaseUrl,
      configure: async (f) => sim.configure(f),
      reset: async () => sim.reset(),
      counters: async () => sim.counters(),
      close: () => sim.close(),
    };
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'test/sim/main.ts'], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const openaiBaseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = out.match(/OpenAI base URL:\s+(\S+)/);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const url = openaiBaseUrl.replace(/\/v1$/, '');
  const post = async (p: string, body: unknown) => {
    const r = await fetch(url + p, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  };
  return {
    openaiBaseUrl,
    configure: (f) => post('/__sim/config', f),
    reset: () => post('/__sim/reset', {}),
    counters: async () => (await (await fetch(url + '/__sim/counters')).json()) as SimCounters,
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Prints a title, then the rows as left-aligned columns under a header and a rule. */
export function printTable(title: string, header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(title);
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}
