// WebSocket operations are parsed and validated through envelop (onParse and onValidate hooks run for
// them) but built their context and run outside it (context-factory.ts, ws-execution.ts,
// ws-live-delivery.ts), which the benchmark measured and kept for speed. A plugin hooking those
// steps would apply to HTTP alone and silently skip sockets; this guard refuses it at start instead,
// unless the plugin is listed as handled on both paths (its work done for sockets by their own means).
/** What the guard reads of a plugin (Yoga's and envelop's plugin types differ in their context). */
interface PluginHooks {
  onContextBuilding?: unknown;
  onExecute?: unknown;
  onSubscribe?: unknown;
  onPluginInit?: (payload: { addPlugin: (plugin: object) => void }) => unknown;
}

/** The hooks sockets never pass through. */
const SOCKET_BLIND_HOOKS = ['onContextBuilding', 'onExecute', 'onSubscribe'] as const;

/**
 * `plugins`, each checked now and each plugin it adds at init checked then (createYoga runs the
 * inits): a throw names the hooks and what to do. A plugin in `handledOnBothPaths` vouches for the
 * plugins it adds.
 */
export function refuseSocketBlindPlugins<P extends object>(plugins: readonly P[], handledOnBothPaths: ReadonlySet<object>): P[] {
  return plugins.map((plugin) => (handledOnBothPaths.has(plugin) ? plugin : checked(plugin)));
}

function checked<P extends object>(plugin: P): P {
  const hooks = SOCKET_BLIND_HOOKS.filter((hook) => (plugin as PluginHooks)[hook] !== undefined);
  if (hooks.length > 0) {
    throw new Error(
      `A Yoga plugin hooks ${hooks.join(', ')}, which WebSocket operations never pass through ` +
        '(they build their context and execute outside envelop, for speed): it would apply to HTTP only. ' +
        'Do its work on the socket path too (src/server/ws/) and list it as handled on both paths in ' +
        'src/server/graphql/yoga.ts, or use a hook both paths run (onParse, onValidate).',
    );
  }
  const init = (plugin as PluginHooks).onPluginInit;
  if (!init) return plugin;
  const onPluginInit: PluginHooks['onPluginInit'] = (payload) =>
    init({ ...payload, addPlugin: (added) => payload.addPlugin(checked(added)) });
  return { ...plugin, onPluginInit };
}
