// The manifest's "config" object, as the build tools freeze it into the mc/config module.

declare module "mc/config" {
  const config: Readonly<Record<string, unknown>>;
  export default config;
}
