// Field paths as users read them: nodes[1].extraPortMappings[0].hostPort,
// labels["example.com/tier"].

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/

export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`
  return parent === '' ? key : `${parent}.${key}`
}
