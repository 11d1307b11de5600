// The local push service's library lives in src/push-service/ (the agent embeds it for `--service local`); this
// path stays for the tests, benchmarks and scripts that start it as a separate service.
export * from '../../src/push-service/index.ts';
