/**
 * The engine's layers, in order, as VS Code's `code-layering` rule does for its source tree: a file
 * may import only from its own layer and the layers below it. Contract < model < base < secrets < db <
 * engine < mirror < sending < continuity < handlers (DESIGN.md, "Layers"). A file of the engine that
 * no layer names is itself an error, so a new folder has to be placed before it can be used.
 */
import { dirname, relative, resolve, sep } from 'node:path';

/** Lowest first. Paths are relative to electron/engine; a folder ends in '/'. */
export const ENGINE_LAYERS = [
  { name: 'contract', paths: ['api/'] },
  // The engine's rules about the contract's words (model/status.ts): below everything that uses them.
  { name: 'model', paths: ['model/'] },
  {
    name: 'base',
    paths: [
      'clock.ts',
      'errors.ts',
      'display.ts',
      'lease.ts',
      'paths.ts',
      'time.ts',
      'workers/',
      'files/safeWrite.ts',
    ],
  },
  { name: 'secrets', paths: ['secrets/'] },
  { name: 'db', paths: ['db/'] },
  { name: 'engine', paths: ['engine.ts', 'events.ts', 'runs.ts', 'services.ts', 'files/'] },
  { name: 'mirror', paths: ['mirror/'] },
  { name: 'sending', paths: ['sending/'] },
  { name: 'continuity', paths: ['continuity/'] },
  { name: 'handlers', paths: ['handlers/'] },
];

const ENGINE = `electron${sep}engine${sep}`;

/** The layer index of a path relative to electron/engine; the most specific entry wins. */
export function layerOf(rel) {
  const p = rel.split(sep).join('/');
  let best = { index: -1, length: -1 };
  ENGINE_LAYERS.forEach((layer, index) => {
    for (const entry of layer.paths) {
      const hit = entry.endsWith('/')
        ? p.startsWith(entry) || p === entry.slice(0, -1)
        : p === entry || p.replace(/\.(ts|tsx|mjs|js)$/, '') === entry.replace(/\.ts$/, '');
      if (hit && entry.length > best.length) best = { index, length: entry.length };
    }
  });
  return best.index;
}

function engineRoot(filename) {
  const at = filename.lastIndexOf(ENGINE);
  return at < 0 ? null : filename.slice(0, at + ENGINE.length);
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'A folder of the engine imports only from the layers below it (DESIGN.md).' },
    schema: [],
    messages: {
      upward:
        "{{from}} ({{fromLayer}}) may not import {{to}} ({{toLayer}}): the engine's layers are {{order}}; import only from a lower layer, move the code down, or pass it in.",
      unplaced: '{{file}} is in no layer of eslint/layers.js: add its folder to ENGINE_LAYERS.',
    },
  },
  create(context) {
    const filename = context.filename;
    const root = engineRoot(filename);
    if (!root) return {};
    const fromRel = relative(root, filename);
    const from = layerOf(fromRel);
    const order = ENGINE_LAYERS.map((l) => l.name).join(' < ');
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = resolve(dirname(filename), source);
      const toRel = relative(root, target);
      if (toRel.startsWith('..')) return; // outside the engine: the shell rules handle that
      const to = layerOf(toRel);
      if (to <= from) return;
      context.report({
        node,
        messageId: 'upward',
        data: {
          from: fromRel.split(sep).join('/'),
          fromLayer: ENGINE_LAYERS[from].name,
          to: toRel.split(sep).join('/'),
          toLayer: to < 0 ? 'no layer' : ENGINE_LAYERS[to].name,
          order,
        },
      });
    };
    return {
      Program(node) {
        if (from < 0) context.report({ node, messageId: 'unplaced', data: { file: fromRel } });
      },
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};

export default { rules: { 'engine-layers': rule } };
