/**
 * The sign-in page for Backstage behind an identity-aware proxy with the oidcProxy auth
 * provider: a module of the `app` plugin (default export) and, for legacy apps,
 * `OidcProxySignInPage`.
 *
 * @packageDocumentation
 */
export { oidcProxySignInModule as default, oidcProxySignInModule, oidcProxySignInPage } from './module';
export { OidcProxySignInPage, type OidcProxySignInPageProps } from './OidcProxySignInPage';
