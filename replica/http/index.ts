/** The IC HTTP interface of the embedded replica: see README.md. */
export { serveHttp, type HttpInterface, type ServeHttpOptions } from './server.ts';
