/**
 * Checks fake ESP traffic against the ESP's published OpenAPI document in test/specs, so a fake
 * cannot drift from the real API: every request a connector sends must name a documented path, method
 * and query parameters, and every response a fake returns must match the operation's response schema.
 *
 * OpenAPI 3.0 is not quite JSON Schema: `nullable: true` is turned into a union with null, and
 * OpenAPI-only keywords are dropped before ajv sees the document. Known defects of a published document
 * are patched with `schemaOverrides` (Mailchimp's single-member endpoints point at the member
 * *collection* schema; the real member object is `List_Members` — see specs/README.md).
 *
 * Usage (one validator per document, cached):
 *   const spec = loadSpec('mailchimp-marketing-openapi3.yaml', { basePath: '/3.0' });
 *   fake.onExchange = (x) => spec.check(x);    // collects problems
 *   expect(spec.problems).toEqual([]);
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

/** Where the published documents live: in the repository, so every clone runs the checks. */
export const SPECS_DIR = resolve(import.meta.dirname, '..', 'specs');

export function specPath(file: string): string {
  return join(SPECS_DIR, file);
}

/** One request/response pair as a fake saw it. */
export interface Exchange {
  method: string;
  /** Path without the fake's base path, plus the query (e.g. /lists/abc/members?count=1000). */
  url: string;
  status: number;
  /** Parsed JSON body of the response (undefined when empty). */
  body: unknown;
  /** Parsed JSON body of the request, when it had one. */
  requestBody?: unknown;
}

export interface SpecOptions {
  /** Prefix the fake serves under that the document's paths do not include (Mailchimp '/3.0'). */
  basePath?: string;
  /** 'METHOD /template' → '#/components/schemas/Name' for documents with a wrong response schema. */
  schemaOverrides?: Record<string, string>;
  /** Repairs a known defect of the published document before it is used (see specs/README.md). */
  patch?: (doc: Record<string, unknown>) => void;
  /** Query parameters every operation accepts in practice though the document omits them. */
  extraQueryParams?: string[];
  /**
   * Read `oneOf` as `anyOf`. Klaviyo's document has oneOf between structurally identical schemas
   * (EmailSendOptions / SMSSendOptions / PushSendOptions), which no value can match "exactly once".
   */
  oneOfAsAnyOf?: boolean;
}

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  query: Set<string>;
  /** JSON pointer into the document for each status ('200', 'default', '2XX'). */
  responses: Map<string, string>;
  requestBody: string | null;
}

type Node = Record<string, unknown>;

const DROP = new Set(['example', 'examples', 'xml', 'externalDocs', 'discriminator', 'deprecated']);

/** OpenAPI 3.0 schema → JSON Schema (draft 7 subset ajv accepts). Mutates a fresh copy. */
function toJsonSchema(node: unknown, inSchema: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, inSchema));
  if (!node || typeof node !== 'object') return node;
  const src = node as Node;
  const out: Node = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith('x-')) continue;
    if (inSchema && DROP.has(k)) continue;
    // 'properties' maps names to schemas: keep every name, convert each value.
    if (k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v as Node).map(([pk, pv]) => [pk, toJsonSchema(pv, true)]));
      continue;
    }
    const childIsSchema =
      inSchema ||
      k === 'schema' ||
      k === 'schemas' ||
      k === 'items' ||
      k === 'additionalProperties' ||
      k === 'allOf' ||
      k === 'anyOf' ||
      k === 'oneOf' ||
      k === 'not';
    out[k] = toJsonSchema(v, childIsSchema);
  }
  if (inSchema && out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    } else {
      const copy = { ...out };
      for (const k of Object.keys(out)) delete out[k];
      out.anyOf = [copy, { type: 'null' }];
    }
  } else if (inSchema && 'nullable' in out) {
    delete out.nullable;
  }
  return out;
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function templateRegex(template: string): RegExp {
  const re = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '([^/]+)' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}/?$`);
}

export class SpecValidator {
  readonly problems: string[] = [];
  /** Exchanges checked, by "METHOD /template status" (tests assert coverage). */
  readonly seen = new Set<string>();
  private readonly ops: Operation[] = [];
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly basePath: string;
  private readonly overrides: Record<string, string>;
  private readonly extraQuery: Set<string>;

  constructor(
    readonly file: string,
    doc: Node,
    options: SpecOptions = {},
  ) {
    this.basePath = (options.basePath ?? '').replace(/\/+$/, '');
    this.overrides = options.schemaOverrides ?? {};
    this.extraQuery = new Set(options.extraQueryParams ?? []);
    options.patch?.(doc);
    const converted = toJsonSchema(
      options.oneOfAsAnyOf ? JSON.parse(JSON.stringify(doc).replace(/"oneOf":/g, '"anyOf":')) : doc,
      false,
    ) as Node;
    const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
    // OpenAPI patterns are plain ECMA-262 regexes, not unicode-mode ones (SendGrid's segments document
    // escapes characters a `u` regex rejects).
    this.ajv = new Ajv({
      strict: false,
      allErrors: true,
      logger: false,
      validateSchema: false,
      unicodeRegExp: false,
    });
    addFormats(this.ajv);
    this.ajv.addSchema(converted, 'spec');
    const paths = (doc.paths ?? {}) as Record<string, Node>;
    for (const [template, item] of Object.entries(paths)) {
      const shared = (item.parameters as Node[] | undefined) ?? [];
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        const op = item[method] as Node | undefined;
        if (!op) continue;
        const params = [...shared, ...((op.parameters as Node[] | undefined) ?? [])].map((p) =>
          this.deref(doc, p),
        );
        const responses = new Map<string, string>();
        for (const [status, resp] of Object.entries((op.responses ?? {}) as Record<string, Node>)) {
          const r = this.deref(doc, resp);
          const content = (r.content ?? {}) as Record<string, Node>;
          const type = ['application/json', 'application/problem+json', 'application/vnd.api+json'].find(
            (t) => content[t]?.schema,
          );
          // A response given by reference (Klaviyo's shared 4XX/5XX) is addressed where it lives.
          const at =
            typeof resp.$ref === 'string'
              ? `spec${resp.$ref}`
              : `spec#/paths/${escapePointer(template)}/${method}/responses/${status}`;
          if (type) responses.set(status, `${at}/content/${escapePointer(type)}/schema`);
          else responses.set(status, '');
        }
        const rb = op.requestBody ? this.deref(doc, op.requestBody as Node) : undefined;
        const rbContent = (rb?.content ?? {}) as Record<string, Node>;
        this.ops.push({
          method: method.toUpperCase(),
          template,
          regex: templateRegex(template),
          query: new Set(params.filter((p) => p.in === 'query').map((p) => String(p.name))),
          responses,
          // JSON:API documents (Klaviyo) are application/vnd.api+json.
          requestBody: rbContent['application/json']?.schema
            ? `spec#/paths/${escapePointer(template)}/${method}/requestBody/content/application~1json/schema`
            : rbContent['application/vnd.api+json']?.schema
              ? `spec#/paths/${escapePointer(template)}/${method}/requestBody/content/application~1vnd.api+json/schema`
              : null,
        });
      }
    }
    // Literal paths before templated ones (/lists/batch before /lists/{id}).
    this.ops.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  }

  private deref(doc: Node, node: Node): Node {
    let n = node;
    for (let i = 0; i < 10 && typeof n.$ref === 'string'; i++) {
      const parts = (n.$ref as string)
        .replace(/^#\//, '')
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      n = parts.reduce<Node>((acc, p) => acc[p] as Node, doc);
    }
    return n;
  }

  /** Finds the documented operation for a request; records a problem when there is none. */
  matchRequest(method: string, url: string): Operation | undefined {
    const u = new URL(url, 'http://fake.invalid');
    let path = decodeURIComponent(u.pathname);
    if (this.basePath && path.startsWith(this.basePath)) path = path.slice(this.basePath.length) || '/';
    const byPath = this.ops.filter((o) => o.regex.test(path));
    if (byPath.length === 0) {
      this.problems.push(`${method} ${path}: no such path in ${this.file}`);
      return undefined;
    }
    const op = byPath.find((o) => o.method === method.toUpperCase());
    if (!op) {
      this.problems.push(
        `${method} ${path}: method not documented for ${byPath[0]!.template} in ${this.file}`,
      );
      return undefined;
    }
    for (const name of u.searchParams.keys()) {
      if (!op.query.has(name) && !this.extraQuery.has(name))
        this.problems.push(`${method} ${op.template}: query parameter "${name}" is not documented`);
    }
    return op;
  }

  private validatorFor(ref: string): ValidateFunction | undefined {
    let v = this.validators.get(ref);
    if (!v) {
      v = this.ajv.getSchema(ref);
      if (!v) return undefined;
      this.validators.set(ref, v);
    }
    return v;
  }

  /** Checks one exchange: the request against the document, the response against its schema. */
  check(x: Exchange): void {
    const op = this.matchRequest(x.method, x.url);
    if (!op) return;
    const key = `${op.method} ${op.template}`;
    this.seen.add(`${key} ${x.status}`);
    if (x.requestBody !== undefined && op.requestBody) {
      const v = this.validatorFor(op.requestBody);
      if (v && !v(x.requestBody))
        this.problems.push(`${key} request body: ${this.ajv.errorsText(v.errors, { dataVar: 'body' })}`);
    }
    const status = String(x.status);
    const documented =
      op.responses.get(status) ?? op.responses.get(`${status[0]}XX`) ?? op.responses.get('default');
    if (documented === undefined) {
      this.problems.push(`${key}: status ${status} is not documented`);
      return;
    }
    const override = x.status < 300 ? this.overrides[key] : undefined;
    const ref = override ? `spec${override}` : documented;
    if (!ref) {
      if (x.body !== undefined && x.body !== '')
        this.problems.push(`${key} ${status}: the document declares no body but the fake sent one`);
      return;
    }
    const v = this.validatorFor(ref);
    if (!v) {
      this.problems.push(`${key} ${status}: schema ${ref} could not be compiled`);
      return;
    }
    if (!v(x.body))
      this.problems.push(
        `${key} ${status} response: ${this.ajv.errorsText(v.errors?.slice(0, 5), { dataVar: 'body' })}`,
      );
  }
}

const cache = new Map<string, SpecValidator>();

/** Loads (once per process) and wraps a published document. A fresh problem list per call. */
export function loadSpec(file: string, options: SpecOptions = {}): SpecValidator {
  const key = `${file}|${JSON.stringify(options)}|${options.patch ? String(options.patch) : ''}`;
  let docNode = cache.get(key);
  if (!docNode) {
    const text = readFileSync(specPath(file), 'utf8');
    const doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: -1 })) as Node;
    docNode = new SpecValidator(file, doc, options);
    cache.set(key, docNode);
  }
  docNode.problems.length = 0;
  docNode.seen.clear();
  return docNode;
}
