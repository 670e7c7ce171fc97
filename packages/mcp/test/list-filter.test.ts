import { describe, expect, it } from 'vitest';
import { filterListResult, mayCarryList } from '../src/index.js';

describe('filterListResult', () => {
  it('keeps only the tools, prompts and resources the scopes allow', () => {
    const result = {
      tools: [{ name: 'search' }, { name: 'github.create_issue' }, { name: 'delete' }],
      prompts: [{ name: 'summarize' }, { name: 'secret' }],
      resources: [{ uri: 'file:///docs/a.txt' }, { uri: 'file:///etc/passwd' }],
      nextCursor: 'abc',
    };
    const removed = filterListResult(result, [
      'tool:search',
      'tool:github.*',
      'prompt:summarize',
      'resource:file:///docs/*',
    ]);
    expect(removed).toBe(3);
    expect(result).toEqual({
      tools: [{ name: 'search' }, { name: 'github.create_issue' }],
      prompts: [{ name: 'summarize' }],
      resources: [{ uri: 'file:///docs/a.txt' }],
      nextCursor: 'abc',
    });
  });

  it('shows resource templates whose instances may be allowed', () => {
    const result = {
      resourceTemplates: [
        { uriTemplate: 'file:///docs/{path}' },
        { uriTemplate: 'db://{table}' },
        { uriTemplate: 'file:///{path}' },
      ],
    };
    filterListResult(result, ['resource:file:///docs/*']);
    expect(result.resourceTemplates.map((t) => t.uriTemplate)).toEqual(['file:///docs/{path}', 'file:///{path}']);
  });

  it('leaves everything for *, and non-list results untouched', () => {
    const result = { tools: [{ name: 'a' }, { name: 'b' }] };
    expect(filterListResult(result, ['*'])).toBe(0);
    expect(filterListResult({ content: [{ type: 'text', text: 'x' }] }, ['tool:a'])).toBe(0);
    expect(filterListResult(null, ['tool:a'])).toBe(0);
  });

  it('drops malformed list entries', () => {
    const result = { tools: [{ name: 'a' }, { nom: 'b' }, 'c', null] };
    filterListResult(result, ['*']);
    expect(result.tools).toEqual([{ name: 'a' }]);
  });

  it('pre-checks serialized messages cheaply', () => {
    expect(mayCarryList('{"result":{"tools":[]}}')).toBe(true);
    expect(mayCarryList('{"method":"notifications/progress"}')).toBe(false);
  });
});
