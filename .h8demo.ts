import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '/work/main/src/cli/main';
import { startSimulator } from '/work/main/test/sim/server';
const AGENT = {
  name: 'Hotel desk', systemPrompt: 'You are a hotel front desk assistant. Use the tools to book rooms. Be brief.', character: 'A warm, brief receptionist.', maxTurns: 3,
  tools: [{ name: 'book_room', description: 'Book a hotel room in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, mock: { responses: [{ when: { city: 'Oslo' }, result: { ok: true, confirmation: 'OSL123' } }], result: { ok: false, error: 'no rooms' } } }],
  scenarios: [
    { id: 'oslo', persona: 'A brief business traveller.', goal: 'Book a room in Oslo.', openingMessage: 'Book me a room in Oslo please.' },
    { id: 'rome', persona: 'An impatient tourist.', goal: 'Book a room in Rome.', openingMessage: 'I need a room in Rome, quickly.' },
  ],
};
(async () => {
  const sim = await startSimulator({ latencyMs: 2 });
  const ws = mkdtempSync(path.join(tmpdir(), 'pt-demo-'));
  writeFileSync(path.join(ws, 'hotel.agent.json'), JSON.stringify(AGENT));
  const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stdout.write(`[err] ${t}`), cwd: ws, env: { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: 'k', PROMPT_TUNER_SCALE_STAGGER_MS: '0' }, signal: new AbortController().signal };
  const args = process.argv.slice(2);
  const code = await runCli(['scale', '--agent', 'hotel.agent.json', '--model', 'openai/sim-1', ...args], io);
  console.log('exit', code);
  if (args.includes('--then-show')) {}
  const list = await runCli(['scale', 'list'], io);
  await sim.close();
})();
