// `npm run sim`: the model simulator on 127.0.0.1 (PORT or 4010) until Ctrl-C. Fault settings come
// from --name value flags named as in SimFaults (e.g. --latencyMs 100 --rateLimitRps 20 --summarizerFault always-bad).
import { DEFAULT_FAULTS, SimFaultsPatchSchema, type SimFaultsPatch } from './faults';
import { startSimulator } from './server';

function parseFlags(argv: string[]): SimFaultsPatch {
  const patch: Record<string, number | string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = arg.match(/^--([A-Za-z]+)(?:=(.*))?$/);
    if (!m?.[1] || !(m[1] in DEFAULT_FAULTS))
      throw new Error(
        `unknown option ${arg}; known: ${Object.keys(DEFAULT_FAULTS)
          .map((k) => `--${k}`)
          .join(' ')}`,
      );
    const raw = m[2] ?? argv[++i];
    if (typeof DEFAULT_FAULTS[m[1] as keyof typeof DEFAULT_FAULTS] === 'string') {
      if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
      patch[m[1]] = raw;
      continue;
    }
    const value = Number(raw);
    if (raw === undefined || !Number.isFinite(value)) throw new Error(`--${m[1]} needs a number, got ${String(raw)}`);
    patch[m[1]] = value;
  }
  const parsed = SimFaultsPatchSchema.safeParse(patch);
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const sim = await startSimulator({ port, ...parseFlags(process.argv.slice(2)) });
  const out = process.stdout;
  out.write('Prompt Tuner model simulator: a test instrument, not a real model.\n');
  out.write(`  OpenAI base URL:    ${sim.openaiBaseUrl}   (OPENAI_BASE_URL; any key except "bad-key")\n`);
  out.write(`  Anthropic base URL: ${sim.anthropicBaseUrl}      (ANTHROPIC_BASE_URL)\n`);
  out.write(
    `  Counters:           ${sim.url}/__sim/counters   Config: POST ${sim.url}/__sim/config   Reset: POST ${sim.url}/__sim/reset\n`,
  );
  out.write(`  Faults:             ${JSON.stringify(sim.faults())}\n`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`sim: ${(e as Error).message}\n`);
  process.exit(2);
});
