// The word that selects the push service embedded in the agent (`--service local`, PUSH_AGENT_SERVICE=local, the
// app's preference): hosts start it (src/push-service/embedded.ts) and give the engine its ws:// URL.
export const EMBEDDED_SERVICE = 'local';
