// ic-websocket-js logs every rejected message at level error, reading LOG_LEVEL once when it loads. The suites
// check the errors it reports through onerror instead, so its console output is silenced unless LOG_LEVEL is set.
process.env.LOG_LEVEL ??= 'silent';
