// WebSocket operations run outside envelop's context, execute and subscribe hooks: a Yoga plugin
// hooking them would silently skip sockets, so the server refuses to start with one unless it is
// listed as handled on both paths (src/server/graphql/socket-blind-hooks.ts).
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { refuseSocketBlindPlugins } from '../src/server/graphql/socket-blind-hooks.ts';

const schema = createSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'hi' } } });
const start = (plugins: Plugin[], handledOnBothPaths: Plugin[] = []) =>
  createYoga({ schema, plugins: refuseSocketBlindPlugins(plugins, new Set(handledOnBothPaths)) });

describe('plugins and the WebSocket path', () => {
  it.each(['onExecute', 'onSubscribe', 'onContextBuilding'])('a plugin with %s refuses the start, saying why and what to do', (hook) => {
    const plugin: Plugin = { [hook]: () => undefined };
    expect(() => start([plugin])).toThrow(new RegExp(`hooks ${hook}, which WebSocket operations never pass through.*list it as handled on both paths`));
  });

  it('a plugin added by another plugin at init is refused too', () => {
    const adding: Plugin = { onPluginInit: ({ addPlugin }) => addPlugin({ onExecute: () => undefined }) };
    expect(() => start([adding])).toThrow(/hooks onExecute/);
  });

  it('a plugin listed as handled on both paths starts, with what it adds, and still runs on HTTP', async () => {
    const executed: string[] = [];
    const handled: Plugin = {
      onPluginInit: ({ addPlugin }) => addPlugin({ onExecute: () => void executed.push('added') }),
      onExecute: () => void executed.push('listed'),
    };
    const yoga = start([handled], [handled]);
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    expect(await response.json()).toEqual({ data: { hello: 'hi' } });
    expect(executed.sort()).toEqual(['added', 'listed']);
  });

  it('plugins that hook only what sockets also run (parse, validate, requests) start', () => {
    const plugin: Plugin = { onParse: () => undefined, onValidate: () => undefined, onRequest: () => undefined };
    expect(() => start([plugin])).not.toThrow();
  });
});
