/**
 * ic-websocket-dev: developer tools for IC WebSocket canisters built with Azle. See README.md.
 *
 * @example
 * import { startDevSession } from 'ic-websocket-dev';
 * const session = await startDevSession({ cwd: '.', watch: false });
 * console.log(session.gatewayUrl, session.canisters);
 * await session.stop();
 */
export { startDevSession, DevStartAborted, type DevSession, type DevSessionOptions, type ReloadEvent } from './dev-session.ts';
export { buildAzleCanister, BuildError, type AzleBuild, type AzleBuildOptions } from './azle-build.ts';
export { readProject, selectCanisters, findProjectRoot, ProjectError, type AzleCanister, type Project } from './project.ts';
export { writeDeclarations, compileCandid, canisterIdVariable, type DeclarationsOptions } from './declarations.ts';
export { CanisterDeployer, type DeployerOptions, type InstallMode } from './deploy.ts';
export { servePage, type PageServer, type PageServerOptions, type PageConfig } from './page-server.ts';
export { PortInUseError, type PortChoice } from './ports.ts';
export { TestNetwork, TestCanister, type TestNetworkOptions, type CanisterSource, type DeployOptions, type ConnectOptions } from './harness/test-network.ts';
export { TestClient, type TestClientOptions } from './harness/test-client.ts';
export { idlFactoryFromCandid } from './harness/candid-idl.ts';
