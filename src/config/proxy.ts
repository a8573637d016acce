// The proxy variables of the environment `create` runs in. Tools disagree on
// the case they read (Go prefers upper case, curl reads http_proxy in lower
// case only), so either case is accepted here and nodes get both.

/** The proxy variables a create passes on to the nodes. */
export interface ProxySettings {
  httpProxy?: string
  httpsProxy?: string
  /** As given: comma-separated host names, domains (.example.com), addresses and CIDRs. */
  noProxy?: string
}

/** Upper case first, as Go's http.ProxyFromEnvironment reads them. */
export const PROXY_VARIABLES = {
  httpProxy: ['HTTP_PROXY', 'http_proxy'],
  httpsProxy: ['HTTPS_PROXY', 'https_proxy'],
  noProxy: ['NO_PROXY', 'no_proxy'],
} as const

/** The first non-empty variable of a pair. */
export function proxyVariable(env: NodeJS.ProcessEnv, names: readonly string[]): {name: string; value: string} | undefined {
  for (const name of names) {
    const value = env[name]?.trim()
    if (value) return {name, value}
  }
  return undefined
}

/** Undefined when neither HTTP_PROXY nor HTTPS_PROXY is set: NO_PROXY alone asks nothing of the nodes. */
export function proxySettingsFrom(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const httpProxy = proxyVariable(env, PROXY_VARIABLES.httpProxy)?.value
  const httpsProxy = proxyVariable(env, PROXY_VARIABLES.httpsProxy)?.value
  if (httpProxy === undefined && httpsProxy === undefined) return undefined
  const noProxy = proxyVariable(env, PROXY_VARIABLES.noProxy)?.value
  return {...(httpProxy ? {httpProxy} : {}), ...(httpsProxy ? {httpsProxy} : {}), ...(noProxy ? {noProxy} : {})}
}

/** A proxy URL fit to print: the password, if any, replaced. */
export function redactProxyUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@')
}
