// The environment a launcher check gets from its localregistry_test (env, LOCALREGISTRY_*).

/** The value of `name`, or an error saying which test target sets it. */
export function requiredEnv(name: string, target: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') throw new Error(`${name} is not set: run me as localregistry_test ${target}`)
  return value
}
