// How the simulated target model fills a tool's arguments from the user's words, by parameter schema.
// Deliberately simple and documented (README.md): enums by mention, dates, numbers next to a word of
// the parameter, places after in/to/from, currencies, booking codes, quoted strings.

/** A JSON Schema as tools carry it; only the parts the simulator reads are typed. */
export interface SchemaLike {
  type?: unknown;
  description?: unknown;
  enum?: unknown;
  format?: unknown;
  properties?: unknown;
  required?: unknown;
}

export interface ExtractOptions {
  /** Convert dates written in words to YYYY-MM-DD (rule iso_dates). */
  isoDates: boolean;
  /** Numbers and booleans as JSON values, not strings (rule json_types). */
  jsonTypes: boolean;
  /** Year for dates written without one. */
  defaultYear: number;
}

const STOPWORDS = new Set(
  (
    'a an the and or but if of on in at to from for by with about into over under as is are was were be been am do does did ' +
    'i me my we our you your it its this that these those there here what whats which who whom how when where why ' +
    'can could would should will shall may might must please pls need want like get got give let lets tell show ' +
    'some any all each every one also then just now so very too not no yes ok okay hi hello hey thanks thank ' +
    'number given existing another other s t ll re ve d m e g eg name'
  ).split(/\s+/),
);

/** Lowercase content words of a text; numbers and codes left out. */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[a-z][a-z']*/g) ?? [])
    .map((w) => w.replace(/'s$/, '').replace(/'/g, ''))
    .filter((w) => w.length > 1 && !STOPWORDS.has(w));
}

/** Two words match when equal or one is a prefix (≥ 4 letters) of the other: book/booking, flight/flights. */
export function wordsMatch(a: string, b: string): boolean {
  if (a === b) return true;
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  return s.length >= 4 && l.startsWith(s);
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const MONTH_RE =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DAY_RE = '(\\d{1,2})(?:st|nd|rd|th)?';
const YEAR_RE = '(?:,?\\s+(\\d{4}))?';
const MONTH_FIRST = new RegExp(`\\b${MONTH_RE}\\.?\\s+${DAY_RE}\\b${YEAR_RE}`, 'gi');
const DAY_FIRST = new RegExp(`\\b${DAY_RE}\\s+(?:of\\s+)?${MONTH_RE}\\b${YEAR_RE}`, 'gi');

export interface DateMention {
  /** Text as written. */
  text: string;
  /** YYYY-MM-DD. */
  iso: string;
  /** Start offset in the text. */
  index: number;
}

function monthIndex(name: string): number {
  const n = name.toLowerCase().slice(0, 3);
  return MONTHS.findIndex((m) => m.startsWith(n));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Dates in a text, in order: ISO, "December 5[th][, 2026]", "5[th] December [2026]". */
export function findDates(text: string, defaultYear: number): DateMention[] {
  const found: DateMention[] = [];
  const taken: [number, number][] = [];
  const add = (m: RegExpExecArray, iso: string): void => {
    const start = m.index;
    const end = start + m[0].length;
    if (taken.some(([s, e]) => start < e && end > s)) return;
    taken.push([start, end]);
    found.push({ text: m[0].trim(), iso, index: start });
  };
  for (const m of text.matchAll(/\b(\d{4})-(\d{2})-(\d{2})\b/g)) add(m, m[0]);
  for (const m of text.matchAll(MONTH_FIRST)) {
    const month = monthIndex(m[1] ?? '');
    const day = Number(m[2]);
    if (month < 0 || day < 1 || day > 31) continue;
    add(m, `${m[3] ?? defaultYear}-${pad(month + 1)}-${pad(day)}`);
  }
  for (const m of text.matchAll(DAY_FIRST)) {
    const month = monthIndex(m[2] ?? '');
    const day = Number(m[1]);
    if (month < 0 || day < 1 || day > 31) continue;
    add(m, `${m[3] ?? defaultYear}-${pad(month + 1)}-${pad(day)}`);
  }
  return found.sort((a, b) => a.index - b.index);
}

const CURRENCY_NAMES: [RegExp, string][] = [
  [/\b(?:us|american) dollars?\b/gi, 'USD'],
  [/\bcanadian dollars?\b/gi, 'CAD'],
  [/\baustralian dollars?\b/gi, 'AUD'],
  [/\beuros?\b/gi, 'EUR'],
  [/\b(?:british )?pounds?(?: sterling)?\b/gi, 'GBP'],
  [/\bdollars?\b/gi, 'USD'],
  [/\byen\b/gi, 'JPY'],
  [/\b(?:swiss )?francs?\b/gi, 'CHF'],
];
const CURRENCY_CODES = new Set([
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'CHF',
  'CAD',
  'AUD',
  'SEK',
  'NOK',
  'DKK',
  'PLN',
  'CZK',
  'MXN',
  'BRL',
  'INR',
  'CNY',
]);

/** Currency mentions in order, as ISO 4217 codes. */
export function findCurrencies(text: string): { code: string; index: number }[] {
  const found: { code: string; index: number; end: number }[] = [];
  const overlaps = (s: number, e: number): boolean => found.some((f) => s < f.end && e > f.index);
  for (const m of text.matchAll(/\b[A-Z]{3}\b/g))
    if (CURRENCY_CODES.has(m[0])) found.push({ code: m[0], index: m.index, end: m.index + 3 });
  for (const [re, code] of CURRENCY_NAMES) {
    for (const m of text.matchAll(re)) {
      if (!overlaps(m.index, m.index + m[0].length)) found.push({ code, index: m.index, end: m.index + m[0].length });
    }
  }
  return found.sort((a, b) => a.index - b.index).map(({ code, index }) => ({ code, index }));
}

const NOT_PLACES = new Set([
  ...MONTHS.map((m) => m[0]!.toUpperCase() + m.slice(1)),
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
  'I',
  'US',
  'EUR',
  'USD',
  'GBP',
]);

/** Capitalised place names after in/to/from/at/for, with the preposition that introduced them. */
export function findPlaces(text: string): { prep: string; place: string; index: number }[] {
  const out: { prep: string; place: string; index: number }[] = [];
  for (const m of text.matchAll(/\b(in|to|from|at|for)\s+((?:[A-Z][\p{L}'-]*)(?:\s+[A-Z][\p{L}'-]*)*)/gu)) {
    const words = (m[2] ?? '').split(/\s+/).filter((w) => !NOT_PLACES.has(w));
    if (words.length === 0 || (m[2] ?? '').split(/\s+/).some((w) => NOT_PLACES.has(w))) continue;
    out.push({ prep: (m[1] ?? '').toLowerCase(), place: words.join(' '), index: m.index });
  }
  return out;
}

const WORD_NUMBERS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};

/** Numbers with the words around them; date and code spans are removed first. */
export function findNumbers(
  text: string,
  dates: DateMention[],
): { value: number; raw: string; before: string[]; after: string[] }[] {
  let clean = text;
  for (const d of dates)
    clean = clean.slice(0, d.index) + ' '.repeat(d.text.length) + clean.slice(d.index + d.text.length);
  const out: { value: number; raw: string; before: string[]; after: string[] }[] = [];
  const re = /(?<![\w.-])(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten)(?![\w-])/gi;
  for (const m of clean.matchAll(re)) {
    const raw = m[1] ?? '';
    const value = WORD_NUMBERS[raw.toLowerCase()] ?? Number(raw);
    const before = (
      clean
        .slice(0, m.index)
        .toLowerCase()
        .match(/[a-z]+/g) ?? []
    ).slice(-3);
    const after = (
      clean
        .slice(m.index + m[0].length)
        .toLowerCase()
        .match(/[a-z]+/g) ?? []
    ).slice(0, 2);
    out.push({ value, raw, before, after });
  }
  return out;
}

function schemaText(name: string, schema: SchemaLike): string {
  return `${name.replace(/_/g, ' ')} ${typeof schema.description === 'string' ? schema.description : ''}`.toLowerCase();
}

function schemaType(schema: SchemaLike): string {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return String(schema.type.find((t) => t !== 'null') ?? 'string');
  return 'string';
}

function isDateParam(name: string, schema: SchemaLike): boolean {
  if (schema.format === 'date' || schema.format === 'date-time') return true;
  return /\b(date|day|check ?in|check ?out)\b/.test(schemaText(name, schema)) || /_(date|on)$/.test(name);
}

const CURRENCY_HINT = /\b(currency|iso 4217)\b/;
const PLACE_HINT = /\b(city|cities|destination|origin|location|place|airport|town|departure|arrival)\b/;
const CODE_HINT = /\b(reference|code|confirmation|booking id|locator|pnr)\b/;

/** Whether the argument for a parameter comes from the "from" side of the sentence. */
function isFromSide(name: string, schema: SchemaLike): boolean {
  return /\b(from|origin|source|departure|depart|departing|leaving)\b/.test(schemaText(name, schema));
}
function isToSide(name: string, schema: SchemaLike): boolean {
  return /\b(to|destination|target|arrival|arrive|arriving|into)\b/.test(schemaText(name, schema));
}

/** Arguments for `tool` taken from `text`; parameters with nothing found are left out. */
export function extractArgs(parameters: SchemaLike, text: string, options: ExtractOptions): Record<string, unknown> {
  const props =
    parameters.properties && typeof parameters.properties === 'object'
      ? (parameters.properties as Record<string, unknown>) // the client's tool schema: any JSON
      : {};
  const args: Record<string, unknown> = {};
  const dates = findDates(text, options.defaultYear);
  const numbers = findNumbers(text, dates);
  const usedNumbers = new Set<number>();
  const places = findPlaces(text);
  const currencies = findCurrencies(text);
  const quoted = [...text.matchAll(/"([^"]+)"|“([^”]+)”|'([^']{2,})'(?!\w)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  let dateCursor = 0;
  let quoteCursor = 0;

  for (const [name, rawSchema] of Object.entries(props)) {
    const schema: SchemaLike = rawSchema && typeof rawSchema === 'object' ? rawSchema : {};
    const type = schemaType(schema);
    const hint = schemaText(name, schema);

    if (Array.isArray(schema.enum)) {
      const values = schema.enum.filter((v): v is string => typeof v === 'string').sort((a, b) => b.length - a.length);
      const lower = text.toLowerCase();
      const hit = values.find((v) => new RegExp(`\\b${v.toLowerCase().replace(/[_-]/g, '[ _-]')}\\b`).test(lower));
      if (hit !== undefined) args[name] = hit;
      continue;
    }
    if (type === 'integer' || type === 'number') {
      const keywords = contentWords(hint);
      const idx = numbers.findIndex(
        (n, i) => !usedNumbers.has(i) && [...n.after, ...n.before].some((w) => keywords.some((k) => wordsMatch(w, k))),
      );
      const moneyIdx =
        idx >= 0 || !/\b(amount|money|price|sum)\b/.test(hint)
          ? -1
          : numbers.findIndex((n, i) => !usedNumbers.has(i) && findCurrencies(n.after.join(' ')).length > 0);
      const pick = idx >= 0 ? idx : moneyIdx;
      const found = pick >= 0 ? numbers[pick] : undefined;
      if (found) {
        usedNumbers.add(pick);
        const value = type === 'integer' ? Math.round(found.value) : found.value;
        args[name] = options.jsonTypes ? value : String(found.raw.match(/^\d/) ? found.raw : value);
      }
      continue;
    }
    if (type === 'boolean') {
      const keywords = contentWords(name.replace(/_/g, ' '));
      if (keywords.length > 0 && contentWords(text).some((w) => keywords.some((k) => wordsMatch(w, k)))) {
        args[name] = options.jsonTypes ? true : 'true';
      }
      continue;
    }
    if (type !== 'string') continue;
    if (isDateParam(name, schema)) {
      const d = dates[dateCursor++];
      if (d) args[name] = options.isoDates || /^\d{4}-\d{2}-\d{2}$/.test(d.text) ? d.iso : d.text;
      continue;
    }
    if (CURRENCY_HINT.test(hint)) {
      const c = isToSide(name, schema) && !isFromSide(name, schema) ? (currencies[1] ?? undefined) : currencies[0];
      if (c) args[name] = c.code;
      continue;
    }
    if (PLACE_HINT.test(hint)) {
      const order = isFromSide(name, schema)
        ? ['from']
        : isToSide(name, schema)
          ? ['to']
          : ['in', 'at', 'to', 'for', 'from'];
      const p = order.map((prep) => places.find((pl) => pl.prep === prep)).find((pl) => pl !== undefined);
      if (p) args[name] = p.place;
      continue;
    }
    if (CODE_HINT.test(hint)) {
      const code = text.match(/\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{5,10}\b/);
      if (code) args[name] = code[0];
      continue;
    }
    if (/\breason\b/.test(hint)) {
      const because = text.match(/\bbecause\s+([^.;!?]+)/i);
      if (because?.[1]) {
        args[name] = because[1].trim();
        continue;
      }
    }
    const q = quoted[quoteCursor];
    if (q !== undefined) {
      quoteCursor++;
      args[name] = q;
    }
  }
  return args;
}

/** A preference the tool schema has no parameter for ("preferably …", "I'd prefer …"), or null. */
export function findPreference(text: string): string | null {
  const m = text.match(/\b(?:preferably|I(?:'d| would)? prefer|ideally)\s+([^,.;!?]+)/i);
  return m?.[1] ? m[1].trim() : null;
}
