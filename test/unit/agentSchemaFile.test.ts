import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// ajv comes with @vscode/vsce (a dev dependency); it stands in for VS Code's JSON validation here.
import Ajv from 'ajv';
import { agentJsonSchemaText } from '../../src/core/agents/agentJsonSchema';

const ROOT = join(__dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

describe('schemas/agent.schema.json', () => {
  it('is up to date with the zod schema (regenerate: npx tsx scripts/genSchema.ts)', () => {
    assert.equal(read('schemas/agent.schema.json'), agentJsonSchemaText());
  });

  it('is registered for *.agent.json in package.json', () => {
    const manifest = JSON.parse(read('package.json')) as {
      contributes: { jsonValidation?: { fileMatch: string; url: string }[] };
    };
    assert.deepEqual(
      manifest.contributes.jsonValidation?.find((v) => v.fileMatch === '*.agent.json'),
      { fileMatch: '*.agent.json', url: './schemas/agent.schema.json' },
    );
  });

  describe('what the editor will say', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(read('schemas/agent.schema.json')) as object);
    /** The example agent, typed only as far as the paths these tests edit. */
    type Example = Record<string, unknown> & {
      tools: { parameters: { type: unknown }; mock: { responses: { when: unknown }[] } }[];
    };
    const example = () => JSON.parse(read('examples/hotel-desk.agent.json')) as Example;
    const accepts = (data: unknown) => validate(data) === true;

    it('accepts the example agent', () => {
      assert.equal(validate(example()), true, ajv.errorsText(validate.errors));
    });

    it('flags both prompt sources, and parameters that are not an object schema', () => {
      assert.equal(accepts({ ...example(), promptRef: 'desk@2' }), false);
      const notObject = example();
      notObject.tools[0]!.parameters.type = 'array';
      assert.equal(accepts(notObject), false);
    });

    it('flags a malformed matcher in a mock `when` but allows a literal object', () => {
      const bad = example();
      bad.tools[0]!.mock.responses[0]!.when = { room_type: { regex: 3 } };
      assert.equal(accepts(bad), false);
      const literal = example();
      literal.tools[0]!.mock.responses[0]!.when = { room_type: { name: 'suite' } };
      assert.equal(accepts(literal), true, ajv.errorsText(validate.errors));
    });

    it('knows each assertion type: its value, its scopes, and the threshold only on llm-rubric', () => {
      const withAssertion = (a: Record<string, unknown>) => ({ ...example(), assertions: [a] });
      assert.equal(accepts(withAssertion({ type: 'llm-rubric' })), false, 'llm-rubric without a rubric');
      assert.equal(accepts(withAssertion({ type: 'contains', value: 3 })), false, 'contains with a number');
      assert.equal(
        accepts(withAssertion({ type: 'llm-rubric', value: 'ok', scope: 'each' })),
        false,
        'llm-rubric per message',
      );
      assert.equal(
        accepts(withAssertion({ type: 'contains', value: 'x', threshold: 0.5 })),
        false,
        'threshold on contains',
      );
      assert.equal(accepts(withAssertion({ type: 'is-refusal', value: 'no' })), false, 'is-refusal with a value');
      assert.equal(accepts(withAssertion({ type: 'llm-rubric', value: 'ok', scope: 'final', threshold: 0.5 })), true);
      assert.equal(accepts(withAssertion({ type: 'is-json' })), true);
      assert.equal(accepts(withAssertion({ type: 'contains-json', value: { type: 'object' }, scope: 'final' })), true);
    });
  });
});
