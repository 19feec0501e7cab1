import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentError, loadAgent, parseAgent } from '../../src/core/agents/loadAgent';

const ROOT = join(__dirname, '..', '..');
const FILE = 'desk.agent.json';

/** Agent JSON as the tests bend it: any key at any depth gets any value, valid or not. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately malformed JSON, mutated at arbitrary depth
type AgentDraft = Record<string, any>;

/** A valid agent; each test breaks one thing. */
function baseAgent(): AgentDraft {
  return {
    name: 'Desk',
    systemPrompt: 'You are a hotel desk.',
    tools: [
      {
        name: 'search_rooms',
        parameters: {
          type: 'object',
          properties: {
            city: { type: 'string' },
            nights: { type: 'integer' },
            room_type: { type: 'string', enum: ['single', 'double'] },
          },
          required: ['city'],
        },
        mock: { responses: [{ when: { city: 'Oslo' }, result: { rooms: 2 } }], result: { rooms: 0 } },
      },
      {
        name: 'book_room',
        parameters: { type: 'object', properties: { room_id: { type: 'string' } }, required: ['room_id'] },
      },
    ],
    scenarios: [
      { id: 'a', persona: 'Terse.', goal: 'Book a room.' },
      { id: 'b', persona: 'Chatty.', goal: 'Ask about breakfast.', openingMessage: 'Hi!' },
    ],
    assertions: [
      { type: 'llm-rubric', value: 'Reaches the goal.', tag: 'GOAL_MISS', threshold: 0.7 },
      { type: 'not-contains', value: '**', tag: 'FORMAT_ERROR', scope: 'each' },
      { type: 'regex', value: '^[A-Z]' },
      { type: 'is-json', value: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } } },
      { type: 'not-is-refusal' },
    ],
  };
}

function errorOf(mutate: (a: AgentDraft) => void): AgentError {
  const a = baseAgent();
  mutate(a);
  try {
    parseAgent(JSON.stringify(a, null, 2), FILE);
  } catch (e) {
    assert.ok(e instanceof AgentError, `expected an AgentError, got ${String(e)}`);
    return e;
  }
  assert.fail('the agent loaded, but it should have been refused');
}

/** The error names the file and the path, and says what is wrong. */
function assertProblem(mutate: (a: AgentDraft) => void, path: string, problem: RegExp): void {
  const e = errorOf(mutate);
  const line = e.message.split('\n').find((l) => l.startsWith(`${FILE}: ${path}: `));
  assert.ok(line, `no problem at ${path} in:\n${e.message}`);
  assert.match(line, problem);
  assert.ok(e.issues.some((i) => i.path === path));
}

describe('agent loading', () => {
  it('loads a valid agent with defaults applied', () => {
    const input = baseAgent();
    delete input.tools;
    input.$schema = './agent.schema.json';
    input.assertions = [];
    const agent = parseAgent(JSON.stringify(input), FILE);
    assert.equal(agent.name, 'Desk');
    assert.equal(agent.file, FILE);
    assert.equal(agent.maxTurns, 8);
    assert.deepEqual(agent.tools, []);
    assert.equal('$schema' in agent, false);
    assert.deepEqual(
      agent.scenarios?.map((s) => s.id),
      ['a', 'b'],
    );
  });

  it('keeps maxTurns, tools, mocks and assertions as written', () => {
    const agent = parseAgent(JSON.stringify({ ...baseAgent(), maxTurns: 3 }), FILE);
    assert.equal(agent.maxTurns, 3);
    assert.deepEqual(agent.tools[0]!.mock?.responses?.[0]?.when, { city: 'Oslo' });
    assert.equal(agent.assertions?.[0]?.threshold, 0.7);
  });

  it('accepts an agent with neither systemPrompt nor promptRef (the form gives the prompt), and a promptRef alone', () => {
    const none = baseAgent();
    delete none.systemPrompt;
    assert.equal(parseAgent(JSON.stringify(none), FILE).systemPrompt, undefined);
    assert.equal(parseAgent(JSON.stringify({ ...none, promptRef: 'hotel desk@3' }), FILE).promptRef, 'hotel desk@3');
  });

  it('loads the example hotel desk with its label as file', async () => {
    const agent = await loadAgent(join(ROOT, 'examples', 'hotel-desk.agent.json'), 'examples/hotel-desk.agent.json');
    assert.equal(agent.file, 'examples/hotel-desk.agent.json');
    assert.equal(agent.format, 'plain');
    assert.ok(agent.tools.length >= 3 && agent.tools.length <= 4);
    assert.equal(agent.scenarios?.length, 5);
    assert.deepEqual(
      new Set(agent.assertions?.map((a) => a.tag)),
      new Set(['GOAL_MISS', 'CHARACTER_BREAK', 'FORMAT_ERROR', 'REFUSAL']),
    );
  });

  it('names a missing file and a folder', async () => {
    await assert.rejects(
      loadAgent(join(ROOT, 'nope.agent.json'), 'nope.agent.json'),
      (e: unknown) => e instanceof AgentError && e.message === 'nope.agent.json: file not found',
    );
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    await assert.rejects(loadAgent(dir, 'dir'), /dir: is a folder, not a file/);
  });

  it('gives the line and column of a JSON syntax error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const file = join(dir, 'bad.agent.json');
    writeFileSync(file, '{\n  "name": "x",\n  "tools": [,]\n}\n');
    await assert.rejects(
      loadAgent(file, 'bad.agent.json'),
      (e: unknown) =>
        e instanceof AgentError && e.message === "bad.agent.json: invalid JSON at line 3:13: Unexpected token ','",
    );
    // V8 gives no position for some errors; the loader finds it itself.
    assert.throws(
      () => parseAgent('{"name": "x",\n "tools": [{"name": nul}]}', FILE),
      /desk\.agent\.json: invalid JSON at line 2:21:/,
    );
    assert.throws(() => parseAgent('{"name": "x",\n "maxTurns": 01}', FILE), /line 2:15: Unexpected number/);
    assert.throws(() => parseAgent('{"name": "x"', FILE), /line 1:13:/);
  });

  it('maps structural problems to their paths', () => {
    assertProblem((a) => delete a.name, 'name', /required/);
    assertProblem((a) => (a.tools[0].colour = 'red'), 'tools[0].colour', /unknown key/);
    assertProblem((a) => (a.maxTurns = 31), 'maxTurns', /30/);
    assertProblem((a) => (a.maxTurns = 'eight'), 'maxTurns', /expected a number, got a string/);
    assertProblem((a) => (a.assertions[0].tag = 'goal-miss'), 'assertions[0].tag', /UPPER_SNAKE_CASE/);
    assertProblem((a) => (a.assertions[0].type = 'g-eval'), 'assertions[0].type', /"llm-rubric"/);
    assertProblem((a) => (a.scenarios[0].goal = ''), 'scenarios[0].goal', /must not be empty/);
    assertProblem(
      (a) => delete a.tools[0].mock.responses[0].result,
      'tools[0].mock.responses[0].result',
      /required \(a value\)/,
    );
  });

  it('refuses both systemPrompt and promptRef, naming both', () => {
    assertProblem((a) => (a.promptRef = 'desk@2'), 'promptRef', /systemPrompt.*promptRef.*both/);
  });

  it('refuses a promptRef that is not NAME or NAME@VERSION', () => {
    assertProblem(
      (a) => {
        delete a.systemPrompt;
        a.promptRef = 'desk@v2';
      },
      'promptRef',
      /NAME@VERSION.*whole number/,
    );
  });

  it('checks tool parameters as a JSON Schema object', () => {
    assertProblem((a) => (a.tools[1].parameters.type = 'array'), 'tools[1].parameters.type', /must be "object"/);
    assertProblem(
      (a) => (a.tools[0].parameters.required = ['city', 'date']),
      'tools[0].parameters.required[1]',
      /"date" is not in properties/,
    );
    assertProblem(
      (a) => (a.tools[0].parameters.properties.nights.type = 'int'),
      'tools[0].parameters.properties.nights.type',
      /unknown JSON Schema type "int"/,
    );
    assertProblem(
      (a) => (a.tools[0].parameters.properties.city.pattern = '(['),
      'tools[0].parameters.properties.city.pattern',
      /invalid regular expression/,
    );
  });

  it('refuses duplicate tool names and scenario ids', () => {
    assertProblem(
      (a) => (a.tools[1].name = 'search_rooms'),
      'tools[1].name',
      /duplicate tool name "search_rooms" \(first used at tools\[0\]\)/,
    );
    assertProblem((a) => (a.scenarios[1].id = 'a'), 'scenarios[1].id', /duplicate scenario id "a"/);
  });

  it('checks mock `when` keys against the parameters and values as literals or matchers', () => {
    assertProblem(
      (a) => (a.tools[0].mock.responses[0].when = { town: 'Oslo' }),
      'tools[0].mock.responses[0].when.town',
      /not a parameter of search_rooms \(parameters: city, nights, room_type\)/,
    );
    assertProblem(
      (a) => (a.tools[0].mock.responses[0].when = { city: { regex: '([' } }),
      'tools[0].mock.responses[0].when.city.regex',
      /invalid regular expression/,
    );
    assertProblem(
      (a) => (a.tools[0].mock.responses[0].when = { nights: { min: 5, max: 2 } }),
      'tools[0].mock.responses[0].when.nights',
      /min \(5\) is greater than max \(2\)/,
    );
    assertProblem(
      (a) => (a.tools[0].mock.responses[0].when = { city: { absent: true } }),
      'tools[0].mock.responses[0].when.city',
      /required by search_rooms.*never match/,
    );
    assertProblem(
      (a) => (a.tools[0].mock.responses[0].when = { city: { oneOf: 'Oslo' } }),
      'tools[0].mock.responses[0].when.city.oneOf',
      /non-empty array/,
    );
    // A literal object and an open schema are fine.
    const open = baseAgent();
    open.tools[0].parameters.additionalProperties = true;
    open.tools[0].mock.responses[0].when = { town: { name: 'Oslo' }, nights: { min: 1 } };
    assert.doesNotThrow(() => parseAgent(JSON.stringify(open), FILE));
  });

  it('requires an assertion value of the right type for each type', () => {
    assertProblem((a) => delete a.assertions[0].value, 'assertions[0].value', /required for llm-rubric/);
    assertProblem(
      (a) => (a.assertions[1].value = 3),
      'assertions[1].value',
      /non-empty string for not-contains.*got a number \(3\)/,
    );
    assertProblem((a) => (a.assertions[1].value = '  '), 'assertions[1].value', /non-empty string/);
    assertProblem((a) => a.assertions.push({ type: 'contains' }), 'assertions[5].value', /required for contains/);
    assertProblem((a) => a.assertions.push({ type: 'icontains', value: ['a'] }), 'assertions[5].value', /got an array/);
    assertProblem((a) => (a.assertions[2].value = '(unclosed'), 'assertions[2].value', /invalid regular expression/);
    assertProblem((a) => delete a.assertions[2].value, 'assertions[2].value', /required for regex/);
    assertProblem((a) => (a.assertions[3].value = 'object'), 'assertions[3].value', /JSON Schema object/);
    assertProblem(
      (a) => (a.assertions[3].value = { type: 'thing' }),
      'assertions[3].value.type',
      /unknown JSON Schema type/,
    );
    assertProblem((a) => (a.assertions[4].value = 'sorry'), 'assertions[4].value', /not-is-refusal takes no value/);
    const jsonWithout = baseAgent();
    jsonWithout.assertions = [{ type: 'is-json' }, { type: 'contains-json' }, { type: 'is-refusal', scope: 'final' }];
    assert.doesNotThrow(() => parseAgent(JSON.stringify(jsonWithout), FILE));
  });

  it('allows only the scopes of each type, and a threshold only on llm-rubric', () => {
    assertProblem(
      (a) => (a.assertions[0].scope = 'each'),
      'assertions[0].scope',
      /"each" is not a scope of llm-rubric \(allowed: transcript, final\)/,
    );
    assertProblem((a) => (a.assertions[3].scope = 'transcript'), 'assertions[3].scope', /not a scope of is-json/);
    assertProblem(
      (a) => (a.assertions[1].threshold = 0.5),
      'assertions[1].threshold',
      /only llm-rubric takes a threshold/,
    );
  });

  it('lists every problem, one line each, as FILE: PATH: PROBLEM', () => {
    const e = errorOf((a) => {
      a.tools[1].name = 'search_rooms';
      a.scenarios[1].id = 'a';
      a.assertions[1].threshold = 0.5;
    });
    assert.equal(e.issues.length, 3);
    assert.deepEqual(
      e.message.split('\n').map((l) => l.split(': ')[1]),
      ['tools[1].name', 'scenarios[1].id', 'assertions[1].threshold'],
    );
    assert.ok(e.message.split('\n').every((l) => l.startsWith(`${FILE}: `)));
  });
});
