import type { RouteContract } from './contracts/contract.ts';
import * as routes from './contracts/index.ts';

export type { Callers, RouteContract } from './contracts/contract.ts';
export { ERROR_RESPONSES } from './contracts/contract.ts';

/**
 * Every operation of the API, defined once: the server builds its routes from these (the handler is
 * all it adds), the OpenAPI document comes from them, and the web client types its calls with them.
 * The web imports them by name from `@kakehashi/core/contracts`, so a page's bundle holds only the
 * operations it calls.
 */
export const CONTRACTS = routes satisfies Record<string, RouteContract>;

export type ContractName = keyof typeof CONTRACTS;
