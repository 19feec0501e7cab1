// The `prompt-tuner optimize …` help texts and the default store place.
import * as path from 'node:path';

/** Tau's `.tau/training/store.sqlite`, in our folder. */
export const DEFAULT_STORE = path.join('.prompt-tuner', 'training', 'store.sqlite');

const STORE_OPTION = `  --store P|URL          the store: a SQLite file (default <workspace>/${DEFAULT_STORE}) or a postgres:// URL`;
const WORKSPACE_OPTION =
  '  --workspace DIR        the workspace (config.json, the library, the default store; default: current folder)';

export const RUN_HELP = `Usage: prompt-tuner optimize run --config F --model ID [--store P] [--json | --events]
                                [--meta-model ID] [--apo] [--workspace DIR]
       prompt-tuner --model ID --prompt-optimization-config F [--prompt-optimization-store-sqlite P]
                    [--prompt-optimization-json]            (Tau's command line; the same run)

Runs Tau's prompt-optimization mode on a config file: every optimize item as a train rollout and every
validate item as a val rollout of the initial resources (resources.system_prompt), executed by
worker_count local workers (or by optimize worker processes, with --no-local-workers) on a durable
rollout store, each answer scored by the config's reward. With "apo" in the config (or --apo) Agent
Lightning's APO then critiques the failing rollouts, edits the prompt and keeps the best candidates by
validate reward for its rounds; the best prompt is marked latest in the
store and saved to the workspace's Prompt Library (source optimized). A killed run can be resumed.

Options:
  --config F             the prompt-optimization config (JSON: optimize/train, validate/val, resources,
                         worker_count, poll_interval_ms, heartbeat_interval_ms, completion_poll_interval_ms,
                         completion_timeout_secs, max_attempts, rollout_timeout_secs, reward, apo)
  --model ID             the model the rollouts run on (provider/model)
${STORE_OPTION}
                         (status.json is written beside it)
  --json                 print only the report as JSON on stdout (Tau's keys first)
  --events               print one JSON object per line per event instead of progress lines
  --meta-model ID        the critique and edit model of APO (default: apo.gradient_model / apo.edit_model,
                         else --model)
  --apo                  run APO with Agent Lightning's defaults when the config has no "apo"
${WORKSPACE_OPTION}
  --help                 this text

Tau's legacy flags --train-config, --train-store-sqlite and --train-json (also --flag=value) still work,
with a deprecation line on stderr. Every config check happens before the store is created.
Keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY; OPENAI_BASE_URL / ANTHROPIC_BASE_URL point at other servers.

Exit codes: 0 the run completed (failed rollouts are counted, not fatal), 1 it failed (completion timeout,
store error), 2 bad input (nothing written), 130 cancelled with Ctrl-C (resume with prompt-tuner optimize resume).

Examples:
  prompt-tuner optimize run --config examples/prompt-optimization.json --model openai/gpt-4o-mini
  prompt-tuner --model openai/gpt-4o-mini --prompt-optimization-config examples/prompt-optimization.json --prompt-optimization-json
`;

export const RESUME_HELP = `Usage: prompt-tuner optimize resume [--store P] [--run ID] [--model ID] [--json | --events] [--workspace DIR]

Continues an interrupted, failed or cancelled prompt-optimization run (the latest unfinished one by
default): attempts a killed process left running are marked unresponsive and requeued, rollouts already
made are kept, and the run goes on from where it stopped (APO from its last completed round).

Options:
${STORE_OPTION}
  --run ID               the run to continue (prompt-tuner optimize status lists them)
  --model ID             run the remaining rollouts on another model (default: the run's)
  --json                 print only the report as JSON on stdout
  --events               print one JSON object per line per event
${WORKSPACE_OPTION}
  --help                 this text

Exit codes: 0 completed, 1 failed, 2 bad input (no store, no such run, nothing to resume), 130 cancelled.
`;

export const STATUS_HELP = `Usage: prompt-tuner optimize status [--store P] [--run ID] [--json] [--workspace DIR]

Shows a prompt-optimization store without changing it: its runs (an interrupted one says so and how to
resume it), the rollout counters of the shown run (the newest unless --run) and of the whole store, the
workers with their heartbeat age (stale ones marked), the latest resources, alerts and status.json.

Options:
${STORE_OPTION}
  --run ID               the run to show (default: the newest)
  --json                 print the overview as one JSON object
${WORKSPACE_OPTION}
  --help                 this text

Exit codes: 0 shown, 2 no store at the path or no such run.
`;

export const DASHBOARD_HELP = `Usage: prompt-tuner optimize dashboard [--store P] [--port N] [--workspace DIR]

Serves Tau's read-only dashboard over a store on 127.0.0.1 only, until Ctrl-C: a page at / and the
endpoints /dashboard/health, /dashboard/widgets, /dashboard/queue-timeline, /dashboard/alerts and
/gateway/training/status (JSON, each with Tau's "training" field from status.json). Another process's
run shows live. A store that does not exist yet is served with diagnostics.

Options:
${STORE_OPTION}
  --port N               the port (default 0: a free one; the URL is printed)
${WORKSPACE_OPTION}
  --help                 this text

Exit codes: 0 stopped with Ctrl-C, 1 the port could not be opened, 2 bad input.
`;
