// The `prompt-tuner scale --help` text and the test-only stagger variable it documents.
import { SCALE_LIMITS } from '../../../core/scale/config';

const L = SCALE_LIMITS;
/** Launch stagger for tests ("0" or "MIN,MAX" in ms); read by the CLI only. */
export const STAGGER_ENV = 'PROMPT_TUNER_SCALE_STAGGER_MS';

export const SCALE_HELP = `Usage: prompt-tuner scale --agent FILE --model ID [options]
       prompt-tuner scale --resume RUN_ID [--yes] [--json | --events]
       prompt-tuner scale list | show RUN_ID

Scale-tests an agent (*.agent.json): N conversations between the agent model (with the agent's tools,
answered from their mocks) and a simulated user (the agent's scenarios, else --goal and --message), each
graded by the agent's assertions (or the built-in checks) as pass, fail or unscored; then a summarizer
writes the failure modes, hallucinations, goal failures and character inconsistencies, citing
conversations and turns, and a revised prompt with its rationale. Everything is stored as it happens
in .prompt-tuner/, so an interrupted run can be resumed.

Options:
  --agent FILE                 the agent file
  --model ID                   the agent model (provider/model)
  --user-model ID              the simulated user (default: --model)
  --judge-model ID             grades llm-rubric assertions (default: --model)
  --summarizer-model ID        writes the summary and the revised prompt (default: --model)
  --system-prompt-file F       the system prompt under test, from a file
  --system-prompt TEXT         the system prompt under test, inline
  --library NAME[@V]           the system prompt under test, from the Prompt Library (latest without @V)
                               (default: the agent's systemPrompt, or its promptRef from the library)
  --goal TEXT                  the simulated user's goal when the agent has no scenarios
  --message TEXT               the first user message when the agent has no scenarios
  --runs N                     conversations, ${L.runs.min}–${L.runs.max} (default ${L.runs.default})
  --concurrency N              conversations at a time, ${L.concurrency.min}–${L.concurrency.max} (default ${L.concurrency.default})
  --max-budget-usd X           total cap: no conversation or call starts that would exceed it
  --max-conversation-usd X     cap per conversation
  --yes                        start even when the estimate is over --max-budget-usd
  --seed N                     conversation i sends seed N + i, so a run can be replayed (default 1)
  --temperature T              agent and simulated user, ${L.temperature.min}–${L.temperature.max} (default ${L.temperature.default}; judge and summarizer use 0)
  --evaluator KIND             builtin (default), promptfoo (needs promptfoo installed) or http
  --evaluator-url U            the http evaluator's base URL (POST U/eval)
  --idempotency-key K          a start with a key used before prints that run's report and makes no call
  --timeout-s N                seconds one request may take before it is retried, 1–600 (default: requestTimeoutSeconds
                               in .prompt-tuner/config.json, else 60; also with --resume)
  --verify                     afterwards, run the revised prompt on the same scenarios, seeds and models
                               and report the win rate before → after
  --resume RUN_ID              run again the conversations an interrupted, failed or cancelled run did not
                               finish; the finished ones are kept
  --estimate                   print the calls, cost and time per role, then stop (nothing is written)
  --json                       print the report as one JSON object
  --events                     print one JSON object per line per event: scale_start, conversation_start,
                               turn_complete, conversation_complete, evaluation_complete, summary_complete,
                               verification_start, verification_complete, throttle, …, ending with
                               scale_complete (with the report), scale_error or scale_cancelled (a reused
                               --idempotency-key prints only that run's closing event, with "reused": true)
  --workspace DIR              the workspace whose .prompt-tuner/ store and config to use (default: current folder)
  --help                       this text

Before any call the estimate is printed. Over --max-budget-usd without --yes, or a USD cap with a model
whose price is unknown (add it under "prices" in .prompt-tuner/config.json), exits 2 and makes no call.
Keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY; OPENAI_BASE_URL / ANTHROPIC_BASE_URL point at other servers.
For tests only: ${STAGGER_ENV}=MIN,MAX (or one number) sets the launch stagger in ms (default 200–400).

Exit codes: 0 the run completed, 1 it failed or reached the budget (partial report kept), 2 bad input
(nothing written, no call made), 130 cancelled with Ctrl-C (partial results kept; resume with --resume).

Examples:
  prompt-tuner scale --agent examples/hotel-desk.agent.json --model openai/gpt-4o-mini --runs 10 --max-budget-usd 0.50
  prompt-tuner scale --agent examples/hotel-desk.agent.json --model openai/gpt-4o-mini --judge-model openai/gpt-4o --verify --json
  prompt-tuner scale --resume 3f2c…   ·   prompt-tuner scale show 3f2c… --conversation c3
`;
