import path from 'node:path';

/**
 * The layering rule (docs/architecture.md): which of our folders and which packages a file group may
 * import. Specifiers are resolved against the importing file, so `../../src/server/app.js` from a
 * test and `../server/app.js` from src/ are the same target. Each boundary names the files it
 * governs (`files`, a path prefix relative to `root`), then either the only folders of ours they may
 * import (`allow`) or the folders they must not (`deny`), and packages they must not (`denyPackages`:
 * a package name, or a scope ending in `/`).
 */

/** @typedef {{ name: string; files: string; allow?: string[]; deny?: string[]; denyPackages?: string[] }} Boundary */

const toPosix = (p) => p.split(path.sep).join('/');
const under = (file, prefix) => file === prefix.replace(/\/$/, '') || file.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** @type {import('eslint').Rule.RuleModule} */
export const layerBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Keeps imports inside the layers of docs/architecture.md' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          boundaries: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                files: { type: 'string' },
                allow: { type: 'array', items: { type: 'string' } },
                deny: { type: 'array', items: { type: 'string' } },
                denyPackages: { type: 'array', items: { type: 'string' } },
              },
              required: ['name', 'files'],
              additionalProperties: false,
            },
          },
        },
        required: ['root', 'boundaries'],
        additionalProperties: false,
      },
    ],
    messages: {
      outside: '{{name}}: {{file}} may import only {{allowed}} of ours, not {{target}}.',
      denied: '{{name}}: {{file}} must not import {{target}}.',
      deniedPackage: '{{name}}: {{file}} must not import the package {{target}}.',
    },
  },
  create(context) {
    const { root, boundaries } = /** @type {{ root: string; boundaries: Boundary[] }} */ (context.options[0]);
    const file = toPosix(path.relative(root, context.filename));
    const active = boundaries.filter((b) => under(file, b.files));
    if (active.length === 0) return {};

    function check(node, specifier) {
      if (typeof specifier !== 'string') return;
      const relative = specifier.startsWith('.');
      const target = relative ? toPosix(path.relative(root, path.resolve(path.dirname(context.filename), specifier))) : specifier;
      for (const b of active) {
        if (relative) {
          if (b.allow && !b.allow.some((prefix) => under(target, prefix))) {
            context.report({ node, messageId: 'outside', data: { name: b.name, file, target, allowed: b.allow.join(', ') } });
          } else if (b.deny?.some((prefix) => under(target, prefix))) {
            context.report({ node, messageId: 'denied', data: { name: b.name, file, target } });
          }
        } else if (b.denyPackages?.some((p) => p === packageName(specifier) || (p.endsWith('/') && specifier.startsWith(p)))) {
          context.report({ node, messageId: 'deniedPackage', data: { name: b.name, file, target: specifier } });
        }
      }
    }
    const fromSource = (node) => {
      if (node.source) check(node.source, node.source.value);
    };
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node.source, node.source.value);
      },
      TSImportType(node) {
        const literal = node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument;
        if (literal?.type === 'Literal') check(literal, literal.value);
      },
      TSExternalModuleReference(node) {
        if (node.expression.type === 'Literal') check(node.expression, node.expression.value);
      },
    };
  },
};
