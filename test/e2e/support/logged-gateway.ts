/**
 * A gateway for the end-to-end suites whose log lines are kept for assertions (errors are printed too).
 */
import { createLogger, startGateway, type Gateway, type GatewayOptions } from '../../../gateway/index.ts';

export interface LoggedGateway {
    gateway: Gateway;
    /** Every line the gateway logged, at any level, in order. */
    log: string[];
}

/**
 * @example
 * const { gateway, log } = await startLoggedGateway({ icUrl: network.url });
 * expect(log.join('\n')).toMatch(/poller for .* started/);
 */
export async function startLoggedGateway(options: Omit<GatewayOptions, 'port' | 'logger'> & { port?: number }): Promise<LoggedGateway> {
    const log: string[] = [];
    const printErrors = createLogger('error');
    const keep = (line: string) => void log.push(line);
    const gateway = await startGateway({
        port: 0,
        ...options,
        logger: { debug: keep, info: keep, warn: keep, error: (line) => (keep(line), printErrors.error(line)) }
    });
    return { gateway, log };
}
