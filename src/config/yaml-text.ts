// A config file's text → one YAML value. YAML 1.2 core types only: no
// timestamps or other surprises, and a duplicated key is an error.
import yaml from 'js-yaml'
import {InvalidInputError} from '../errors/index.js'

/** Parses one YAML document; invalid YAML is an InvalidInputError naming the source and line. */
export function parseYamlDocument(text: string, source: string): unknown {
  try {
    return yaml.load(text, {filename: source, schema: yaml.CORE_SCHEMA})
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error
    throw new InvalidInputError([{field: source, message: describeYamlError(error)}])
  }
}

/** "invalid YAML at line 2, column 3: <reason>" (lines and columns from 1). */
export function describeYamlError(error: InstanceType<typeof yaml.YAMLException>): string {
  const mark = error.mark as {line?: number; column?: number} | undefined
  const where = mark?.line === undefined ? '' : ` at line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}`
  return `invalid YAML${where}: ${error.reason}`
}
