/**
 * The string formats the schemas use, in one module: ajv checks them at run time, and the
 * validators the build compiles ahead of time import the ones that are functions from here.
 */
export const SCHEMA_FORMATS: Readonly<Record<string, RegExp | ((s: string) => boolean)>> = {
  ipv4: /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
  ipv6: /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/,
  hostname: /^(?=.{1,253}$)[A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/,
  uri: /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/,
  email: /^[^\s@]+@[^\s@]+$/,
  'date-time': (s: string) => !Number.isNaN(Date.parse(s)),
};
