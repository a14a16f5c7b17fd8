// Placeholder until the chat example, the replica's HTTP interface and the gateway land.
console.log('npm start: coming soon (the chat example is being built)');
