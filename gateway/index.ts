/**
 * IC WebSocket gateway for Node. Public API: {@link startGateway}.
 *
 * @example
 * import { startGateway } from './gateway/index.js';
 * const gateway = await startGateway({ icUrl: 'http://127.0.0.1:4943', port: 8080 });
 * console.log(gateway.url, gateway.principal.toText());
 */
export { startGateway, type Gateway, type GatewayOptions, type GatewayStatus } from './gateway.js';
export { DEFAULT_LIMITS, type ClientLimits } from './limits.js';
export type { CanisterStatus } from './registry.js';
export type { RelayBudgetStatus } from './relay-budget.js';
export { CloseCode, type OutgoingMessageHook } from './session.js';
export type { CanisterToClientMessage } from './frames.js';
export { loadOrCreateIdentity } from './identity.js';
export { createLogger, type Logger, type LogLevel } from './log.js';
